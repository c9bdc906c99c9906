/* kinds/jit.h — compile generated C into a shared object, cache it, load it
 * (internal; issue 11, step 1: not yet used by the model or the engine).
 *
 * A user-defined kind becomes C source text; psst_jit_load turns that text
 * into a loaded shared object and looks a symbol up in it:
 *
 *   key    128-bit FNV-1a hash of: a format tag, psst's version and git
 *          revision, the compiler (path, and the id and version recorded at
 *          configure time), every flag (the CPU's instruction-set flags
 *          included), and the source text; written as 32 hex digits.
 *   files  <cache>/<key>.c     the source (kept: for bug reports)
 *          <cache>/<key>.so    the shared object, complete when present
 *                              (only ever made by rename())
 *          <cache>/<key>.log   the compiler's output
 *          <cache>/<key>.lock  fcntl lock of whoever compiles (kept, empty)
 *   flow   <key>.so there and loadable: dlopen it, no compiler run. Else
 *          take the lock (polling, so a waiter sees a finished .so at once),
 *          look again, write <key>.c (via a temporary and rename), run the
 *          compiler (posix_spawn, argument vector, output to <key>.log) into
 *          <key>.so.tmp.<pid>, rename() it to <key>.so, unlock, dlopen.
 *          Ranks of one node, and jobs sharing a cache on a shared file
 *          system, thus compile once; the others wait and reuse. Where the
 *          file system refuses locks (ENOLCK, ...) every process compiles
 *          into its own temporary and the renames still leave one complete
 *          .so.
 *
 * The compiler is the one psst was built with (CMAKE_C_COMPILER, recorded
 * in the generated jit_config.h with the flags: -std=c11 -O3 -fPIC -shared,
 * the CPU kernels' -fno-math-errno -fno-trapping-math -ffp-contract=off,
 * the instruction-set flags of the level psst_backend_cpu_isa_best()
 * picks, and -I for psst's source tree, so generated code can
 * #include nothing of psst's: psst_jit_prelude() gives it psst's per-element
 * helpers as text). PSST_CC in the environment names another (one
 * program, no arguments; it becomes part of the key). The object links -lm;
 * psst_exp and friends resolve to the executable's (mech/vecmath.c, exported
 * by the link options libpsst gives every executable that links it), so
 * generated code calls the same SLEEF functions, scalar and vector, as the
 * built-in kinds; where the executable does not export them (linked by
 * hand without those options, or psst built without SLEEF) the prelude
 * makes them glibc's.
 *
 * Environment: PSST_CACHE (cache directory), PSST_CC (compiler),
 * PSST_JIT_WAIT (seconds to wait for another process's compilation,
 * default 1800).
 *
 * Errors: PSST_ERR_USER (exit status 2) for a cache directory that cannot
 * be created or written, or is writable by others and not ours;
 * PSST_ERR_IO (exit 1) for a compiler that is not there (the message names
 * it and PSST_CC), a lock wait that timed out, files that cannot be
 * written; PSST_ERR_INTERNAL (exit 1) when the generated code does not
 * compile or load ("psst bug: ...", naming <key>.c and <key>.log, which
 * are kept).
 */
#ifndef PSST_KINDS_JIT_H
#define PSST_KINDS_JIT_H

#include <mpi.h>
#include <stddef.h>

/* A loaded generated object. */
typedef struct psst_jit_module psst_jit_module;

/* What dlsym finds, as a function pointer: cast it to the function's own
 * type before calling. */
typedef void (*psst_jit_fn)(void);

/* The cache directory, created (mode 0700, parents too) when missing:
 * $PSST_CACHE if set and not empty, else $XDG_CACHE_HOME/psst (when
 * absolute), else $HOME/.cache/psst. Refused with PSST_ERR_USER (naming
 * the path, the system's reason, and PSST_CACHE) when it cannot be created,
 * is not a directory, a file cannot be created in it, or it is writable by
 * group or others and not owned by this user. buf gets the path (n bytes).
 * Not collective. */
int psst_jit_cache_dir(char *buf, size_t n);

/* Load (compiling first unless cached) the object of C `source` (text,
 * NUL-terminated) and, when `symbol` is not NULL, look it up into *fn
 * (PSST_ERR_INTERNAL when it is missing). *out gets the module (close it
 * with psst_jit_close), NULL on failure. Not collective; safe against other
 * processes using the same cache at the same time. */
int psst_jit_load(const char *source, const char *symbol, psst_jit_module **out,
                  psst_jit_fn *fn);

/* The same over comm: the first rank of each node (MPI_COMM_TYPE_SHARED)
 * loads first, so that it compiles when the object is not cached; then,
 * once every rank agrees that went well, the other ranks load (reusing
 * it). Every rank returns the same code (psst_comm_agree); on failure every
 * rank's *out is NULL. Collective. */
int psst_jit_load_all(MPI_Comm comm, const char *source, const char *symbol,
                      psst_jit_module **out, psst_jit_fn *fn);

/* Another symbol of a loaded module (PSST_ERR_INTERNAL when missing). Not
 * collective. */
int psst_jit_symbol(psst_jit_module *m, const char *symbol, psst_jit_fn *fn);

/* The key psst_jit_load would use for `source` now (with this PSST_CC and
 * CPU): 32 hex digits and a NUL into key. Not collective. */
void psst_jit_key_of(const char *source, char key[33]);

/* The text generated code starts with, instead of #include-ing psst's
 * headers: <stdint.h>, PSST_VECMATH_SLEEF when this process exports the
 * vector-math wrappers (psst_jit_vecmath_shared()), then mech/vecmath.h and
 * mech/mech.h as they were when psst was built (PSST_HD, psst_exp,
 * psst_expm1, psst_log, psst_pow, psst_exprel, psst_rexprel). Static
 * storage; NULL only when out of memory. Not collective. */
const char *psst_jit_prelude(void);

/* 1 when this process's executable exports psst_exp & co. and their vector
 * variants, so that generated code can call them; 0 otherwise. */
int psst_jit_vecmath_shared(void);

/* 1 when loading this module ran the compiler, 0 when it reused the
 * cache's object (for tests and a log line). */
int psst_jit_compiled(const psst_jit_module *m);
/* The key (32 hex digits) and the path of the loaded .so; the module owns
 * both strings. */
const char *psst_jit_key(const psst_jit_module *m);
const char *psst_jit_path(const psst_jit_module *m);

/* dlclose and free; *m = NULL (NULL is ignored). Functions of the module
 * must not be called afterwards. Not collective. */
void psst_jit_close(psst_jit_module **m);

#endif
