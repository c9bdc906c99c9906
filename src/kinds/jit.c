/* Compile, cache and load generated C (kinds/jit.h). */
#include "kinds/jit.h"

#include "backend/backend.h"
#include "comm/comm.h"
#include "kinds/jit_config.h"
#include "kinds/jit_headers.h"
#include "psst/error.h"
#include "psst/version.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define JIT_PATH_MAX 4096
#define JIT_MAX_ARGS 64
#define JIT_FORMAT "psst-jit-1" /* change when the cache's layout changes */

struct psst_jit_module {
  void *handle;
  int compiled;
  char key[33];
  char path[JIT_PATH_MAX];
};

/* ---- the key: FNV-1a with 128 bits --------------------------------------
 * h = (h ^ byte) * p mod 2^128, p = 2^88 + 0x13b, computed on two 64-bit
 * halves. Not a cryptographic hash: the cache directory is private. */
typedef struct {
  uint64_t hi, lo;
} jit_hash;

static void hash_init(jit_hash *h) {
  h->hi = 0x6c62272e07bb0142ULL;
  h->lo = 0x62b821756295c58dULL;
}

static void hash_bytes(jit_hash *h, const void *data, size_t n) {
  const unsigned char *b = data;
  for (size_t i = 0; i < n; i++) {
    h->lo ^= b[i];
    /* lo * 0x13b as 128 bits, from its two 32-bit halves */
    uint64_t l0 = (h->lo & 0xffffffffULL) * 0x13bULL;
    uint64_t l1 = (h->lo >> 32) * 0x13bULL;
    uint64_t lo = l0 + (l1 << 32);
    uint64_t carry = (l1 >> 32) + (lo < l0);
    uint64_t hi = h->hi * 0x13bULL + carry + (h->lo << 24); /* + lo * 2^88 */
    h->hi = hi;
    h->lo = lo;
  }
}

/* a field: its length, then its bytes (so that fields cannot run into each
 * other) */
static void hash_field(jit_hash *h, const char *s) {
  uint64_t n = s ? (uint64_t)strlen(s) : UINT64_MAX;
  unsigned char len[8];
  for (int i = 0; i < 8; i++)
    len[i] = (unsigned char)(n >> (8 * i));
  hash_bytes(h, len, sizeof len);
  if (s) hash_bytes(h, s, strlen(s));
}

/* ---- paths ------------------------------------------------------------------
 */

static int join(char *buf, size_t n, const char *dir, const char *name,
                const char *suffix) {
  int k = snprintf(buf, n, "%s/%s%s", dir, name, suffix);
  if (k < 0 || (size_t)k >= n)
    return psst_error_set(PSST_ERR_USER,
                          "the kinds cache path %s/%s%s is too long; set "
                          "PSST_CACHE to a shorter directory",
                          dir, name, suffix);
  return 0;
}

static int cache_refuse(const char *path, const char *why) {
  return psst_error_set(PSST_ERR_USER,
                        "the kinds cache directory %s %s; set PSST_CACHE to a "
                        "directory of yours that you can write",
                        path, why);
}

/* mkdir -p with mode 0700; 0 or -1 with errno */
static int make_dirs(char *path) {
  size_t n = strlen(path);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char c = path[i];
    path[i] = '\0';
    int r = mkdir(path, 0700);
    int e = errno;
    path[i] = c;
    if (r != 0 && e != EEXIST) {
      errno = e;
      return -1;
    }
  }
  return 0;
}

/* The directory's path into buf; then, unless `quick`, create it and probe
 * it. Quick (the object may be there already: no mkdir, no file created,
 * which matter on a shared file system under many ranks): 0 only when it
 * exists and is safe, 1 when the full check is needed. */
static int cache_dir(char *buf, size_t n, int quick) {
  const char *env = getenv("PSST_CACHE");
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  int k;
  if (env && *env)
    k = snprintf(buf, n, "%s", env);
  else if (xdg && xdg[0] == '/')
    k = snprintf(buf, n, "%s/psst", xdg);
  else if (home && *home)
    k = snprintf(buf, n, "%s/.cache/psst", home);
  else
    return psst_error_set(PSST_ERR_USER,
                          "no directory for the kinds cache: neither "
                          "PSST_CACHE, XDG_CACHE_HOME nor HOME is set; set "
                          "PSST_CACHE to a writable directory");
  if (k < 0 || (size_t)k >= n || (size_t)k >= JIT_PATH_MAX - 64)
    return psst_error_set(PSST_ERR_USER,
                          "the kinds cache directory %.200s... is too long; "
                          "set PSST_CACHE to a shorter path",
                          buf);
  /* no trailing slashes (but keep "/") */
  while (k > 1 && buf[k - 1] == '/')
    buf[--k] = '\0';

  char why[512];
  struct stat st;
  if (quick)
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) &&
                   (!(st.st_mode & (S_IWGRP | S_IWOTH)) ||
                    st.st_uid == geteuid())
               ? 0
               : 1;
  if (make_dirs(buf) != 0) {
    snprintf(why, sizeof why, "cannot be created (%s)", strerror(errno));
    return cache_refuse(buf, why);
  }
  if (stat(buf, &st) != 0) {
    snprintf(why, sizeof why, "cannot be read (%s)", strerror(errno));
    return cache_refuse(buf, why);
  }
  if (!S_ISDIR(st.st_mode)) return cache_refuse(buf, "is not a directory");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_uid != geteuid())
    return cache_refuse(buf,
                        "is writable by other users and not owned by you: "
                        "psst loads native code from it, which another user "
                        "could replace");
  /* can we create files there? (root passes every permission check, a
   * read-only file system fails it) */
  char probe[JIT_PATH_MAX];
  PSST_TRY(join(probe, sizeof probe, buf, ".probe.", "XXXXXX"));
  int fd = mkstemp(probe);
  if (fd < 0) {
    snprintf(why, sizeof why, "is not writable (%s)", strerror(errno));
    return cache_refuse(buf, why);
  }
  close(fd);
  unlink(probe);
  return 0;
}

int psst_jit_cache_dir(char *buf, size_t n) { return cache_dir(buf, n, 0); }

/* ---- the compiler and its arguments ---------------------------------------
 */

static const char *const jit_cc_default[] = {PSST_JIT_CC};
static const char *const jit_cc_id[] = {PSST_JIT_CC_ID};
static const char *const jit_flags[] = {PSST_JIT_FLAGS};
static const char *const jit_flags_avx2[] = {PSST_JIT_FLAGS_AVX2};
static const char *const jit_flags_avx512[] = {PSST_JIT_FLAGS_AVX512};
static const char *const jit_libs[] = {"-lm", NULL};

typedef struct {
  const char *cc;
  int cc_from_env;
  const char *const *isa_flags;
  const char *isa;
} jit_toolchain;

static void toolchain_get(jit_toolchain *t) {
  const char *env = getenv("PSST_CC");
  t->cc_from_env = env && *env;
  t->cc = t->cc_from_env ? env : jit_cc_default[0];
  int level = psst_backend_cpu_isa_best();
  t->isa = psst_backend_cpu_isa_name(level);
  static const char *const none[] = {NULL};
  t->isa_flags = level == PSST_ISA_AVX512 ? jit_flags_avx512
                 : level == PSST_ISA_AVX2 ? jit_flags_avx2
                                          : none;
}

static void key_of(const char *source, const jit_toolchain *t, char *key) {
  jit_hash h;
  hash_init(&h);
  struct utsname u;
  hash_field(&h, JIT_FORMAT);
  hash_field(&h, PSST_VERSION);
  hash_field(&h, PSST_GIT_REVISION);
  hash_field(&h, uname(&u) == 0 ? u.machine : "?");
  hash_field(&h, t->cc);
  hash_field(&h, t->cc_from_env ? "(PSST_CC)" : jit_cc_id[0]);
  for (const char *const *f = jit_flags; *f; f++)
    hash_field(&h, *f);
  hash_field(&h, t->isa);
  for (const char *const *f = t->isa_flags; *f; f++)
    hash_field(&h, *f);
  for (const char *const *f = jit_libs; *f; f++)
    hash_field(&h, *f);
  hash_field(&h, source);
  snprintf(key, 33, "%016llx%016llx", (unsigned long long)h.hi,
           (unsigned long long)h.lo);
}

/* ---- files --------------------------------------------------------------- */

static int write_file(const char *path, const char *tmp, const char *head,
                      const char *text) {
  FILE *f = fopen(tmp, "w");
  if (!f)
    return psst_error_set(PSST_ERR_IO, "cannot write %s: %s", tmp,
                          strerror(errno));
  int ok = fputs(head, f) >= 0 && fputs(text, f) >= 0;
  int e = errno;
  if (fclose(f) != 0 && ok) {
    ok = 0;
    e = errno;
  }
  if (!ok) {
    unlink(tmp);
    return psst_error_set(PSST_ERR_IO, "cannot write %s: %s", tmp, strerror(e));
  }
  if (rename(tmp, path) != 0) {
    e = errno;
    unlink(tmp);
    return psst_error_set(PSST_ERR_IO, "cannot rename %s to %s: %s", tmp, path,
                          strerror(e));
  }
  return 0;
}

/* the first line of the log that says "error" (else its first line that is
 * not the command), for the message */
static void log_excerpt(const char *log, char *buf, size_t n) {
  buf[0] = '\0';
  FILE *f = fopen(log, "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '#' || !line[0]) continue;
    if (!buf[0] || strstr(line, "error")) {
      size_t k = strlen(line);
      if (k >= n) k = n - 1;
      memcpy(buf, line, k);
      buf[k] = '\0';
    }
    if (strstr(line, "error")) break;
  }
  fclose(f);
}

static int missing_compiler(const jit_toolchain *t, int err) {
  if (t->cc_from_env)
    return psst_error_set(PSST_ERR_IO,
                          "cannot run the C compiler PSST_CC=%s (%s): "
                          "user-defined kinds are compiled at run time; set "
                          "PSST_CC to a C compiler of this machine",
                          t->cc, strerror(err));
  return psst_error_set(PSST_ERR_IO,
                        "cannot run the C compiler %s (%s): psst compiles "
                        "user-defined kinds at run time with the compiler it "
                        "was built with, which must be there on the compute "
                        "nodes too; or set PSST_CC to a C compiler",
                        t->cc, strerror(err));
}

/* Compile `src` into `so` (through a temporary and rename); the compiler's
 * output goes to `log`. */
static int compile(const jit_toolchain *t, const char *dir, const char *key,
                   const char *src, const char *so, const char *log) {
  char tmp[JIT_PATH_MAX], suffix[64];
  snprintf(suffix, sizeof suffix, ".so.tmp.%ld", (long)getpid());
  PSST_TRY(join(tmp, sizeof tmp, dir, key, suffix));

  const char *argv[JIT_MAX_ARGS];
  int argc = 0;
  argv[argc++] = t->cc;
  for (const char *const *f = jit_flags; *f && argc < JIT_MAX_ARGS - 8; f++)
    argv[argc++] = *f;
  for (const char *const *f = t->isa_flags; *f && argc < JIT_MAX_ARGS - 8; f++)
    argv[argc++] = *f;
  argv[argc++] = "-o";
  argv[argc++] = tmp;
  argv[argc++] = src;
  for (const char *const *f = jit_libs; *f && argc < JIT_MAX_ARGS - 1; f++)
    argv[argc++] = *f;
  argv[argc] = NULL;

  int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (lfd < 0)
    return psst_error_set(PSST_ERR_IO, "cannot write %s: %s", log,
                          strerror(errno));
  FILE *lf = fdopen(dup(lfd), "w");
  if (lf) {
    fputs("#", lf);
    for (int i = 0; i < argc; i++)
      fprintf(lf, " %s", argv[i]);
    fputs("\n", lf);
    fclose(lf);
  }

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, lfd, 1);
  posix_spawn_file_actions_adddup2(&fa, lfd, 2);
  pid_t pid;
  /* posix_spawnp takes char *const argv[]; the strings are not written */
  char **args = (char **)(void *)argv;
  int rc = posix_spawnp(&pid, t->cc, &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(lfd);
  if (rc != 0) return missing_compiler(t, rc);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      int e = errno;
      unlink(tmp);
      return psst_error_set(PSST_ERR_IO, "waiting for the C compiler %s: %s",
                            t->cc, strerror(e));
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    /* the shell convention (and some posix_spawn): exec failed */
    unlink(tmp);
    return missing_compiler(t, ENOENT);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    unlink(tmp);
    char said[300], how[64];
    log_excerpt(log, said, sizeof said);
    if (WIFEXITED(status))
      snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    else
      snprintf(how, sizeof how, "signal %d",
               WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return psst_error_set(PSST_ERR_INTERNAL,
                          "psst bug: generated code failed to compile (%s, "
                          "%s); please report it with %s and %s%s%s",
                          t->cc, how, src, log,
                          said[0] ? "; the compiler said: " : "", said);
  }
  if (rename(tmp, so) != 0) {
    int e = errno;
    unlink(tmp);
    return psst_error_set(PSST_ERR_IO, "cannot rename %s to %s: %s", tmp, so,
                          strerror(e));
  }
  return 0;
}

/* ---- the lock --------------------------------------------------------------
 */

/* 1 locked, 0 no lock (the file system has none, or `so` appeared while
 * waiting: *appeared = 1), or a negative error. */
static int lock_take(int fd, const char *lock, const char *so, int *appeared) {
  *appeared = 0;
  double wait_s = 1800;
  const char *w = getenv("PSST_JIT_WAIT");
  if (w && *w) wait_s = atof(w);
  struct timespec t0, now, nap = {0, 10 * 1000 * 1000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) == 0) return 1;
    if (errno == EINTR) continue;
    if (errno != EACCES && errno != EAGAIN) return 0; /* no locks here */
    if (access(so, F_OK) == 0) {
      *appeared = 1;
      return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    double waited = (double)(now.tv_sec - t0.tv_sec) +
                    1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
    if (waited > wait_s)
      return psst_error_set(PSST_ERR_IO,
                            "waited %.0f s for another process compiling a "
                            "generated kind (lock %s); if none is running, "
                            "remove the lock file, or set PSST_JIT_WAIT "
                            "[s] higher",
                            waited, lock);
    nanosleep(&nap, NULL);
    if (nap.tv_nsec < 500 * 1000 * 1000) nap.tv_nsec *= 2;
  }
}

static void lock_release(int fd) {
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_UNLCK;
  fl.l_whence = SEEK_SET;
  fcntl(fd, F_SETLK, &fl);
}

/* ---- loading ----------------------------------------------------------------
 */

static void *try_open(const char *so) {
  if (access(so, F_OK) != 0) return NULL;
  return dlopen(so, RTLD_NOW | RTLD_LOCAL);
}

static int build_locked(const jit_toolchain *t, const char *dir,
                        const char *key, const char *source, const char *so,
                        psst_jit_module *m) {
  char src[JIT_PATH_MAX], log[JIT_PATH_MAX], lock[JIT_PATH_MAX];
  char tmp[JIT_PATH_MAX], suffix[64];
  PSST_TRY(join(src, sizeof src, dir, key, ".c"));
  PSST_TRY(join(log, sizeof log, dir, key, ".log"));
  PSST_TRY(join(lock, sizeof lock, dir, key, ".lock"));
  snprintf(suffix, sizeof suffix, ".c.tmp.%ld", (long)getpid());
  PSST_TRY(join(tmp, sizeof tmp, dir, key, suffix));

  int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return psst_error_set(PSST_ERR_IO, "cannot open the lock file %s: %s", lock,
                          strerror(errno));
  int appeared = 0;
  int locked = lock_take(fd, lock, so, &appeared);
  if (locked < 0) {
    close(fd);
    return locked;
  }
  /* under the lock (or without one): did someone else finish meanwhile? */
  if ((m->handle = try_open(so)) != NULL) {
    if (locked) lock_release(fd);
    close(fd);
    return 0;
  }
  if (appeared) {
    /* it appeared but does not load: take the lock to replace it */
    locked = lock_take(fd, lock, so, &appeared);
    (void)appeared;
    if (locked < 0) {
      close(fd);
      return locked;
    }
  }
  /* a broken object, if any, is replaced by the rename */

  char head[1024];
  snprintf(head, sizeof head,
           "/* Generated by psst %s (%s) for a user-defined kind; key %s.\n"
           " * The command that compiles it is the first line of %s.log. "
           "*/\n",
           PSST_VERSION, PSST_GIT_REVISION, key, key);
  int rc = write_file(src, tmp, head, source);
  if (rc == 0) rc = compile(t, dir, key, src, so, log);
  if (locked) lock_release(fd);
  close(fd);
  if (rc < 0) return rc;
  m->compiled = 1;
  m->handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    const char *e = dlerror();
    return psst_error_set(PSST_ERR_INTERNAL,
                          "psst bug: the compiled generated code does not "
                          "load (%s); please report it with %s and %s",
                          e ? e : "dlopen failed", src, log);
  }
  return 0;
}

int psst_jit_vecmath_shared(void) {
#if defined(PSST_VECMATH_SLEEF)
  static int known = -1;
  if (known < 0) {
    /* the global scope: the executable and what it loaded */
    void *self = dlopen(NULL, RTLD_NOW);
    known = self && dlsym(self, "psst_exp") && dlsym(self, "psst_pow")
#if defined(__x86_64__)
            && dlsym(self, "_ZGVbN2v_psst_exp") &&
            dlsym(self, "_ZGVdN4v_psst_exp") &&
            dlsym(self, "_ZGVeN8vv_psst_pow")
#endif
        ;
    if (self) dlclose(self);
  }
  return known;
#else
  return 0;
#endif
}

const char *psst_jit_prelude(void) {
  static char *text;
  if (text) return text;
  const char *head = psst_jit_vecmath_shared()
                         ? "#include <stdint.h>\n#define PSST_VECMATH_SLEEF 1\n"
                         : "#include <stdint.h>\n";
  size_t n = strlen(head) + 1;
  for (const char *const *l = psst_jit_header_lines; *l; l++)
    n += strlen(*l);
  text = malloc(n);
  if (!text) return NULL;
  char *w = text;
  w += strlen(strcpy(w, head));
  for (const char *const *l = psst_jit_header_lines; *l; l++)
    w += strlen(strcpy(w, *l));
  return text;
}

void psst_jit_key_of(const char *source, char key[33]) {
  jit_toolchain t;
  toolchain_get(&t);
  key_of(source, &t, key);
}

int psst_jit_symbol(psst_jit_module *m, const char *symbol, psst_jit_fn *fn) {
  *fn = NULL;
  dlerror();
  void *p = dlsym(m->handle, symbol);
  if (!p)
    return psst_error_set(PSST_ERR_INTERNAL,
                          "psst bug: generated object %s has no symbol %s",
                          m->path, symbol);
  /* POSIX: a data pointer from dlsym converts to a function pointer */
  memcpy(fn, &p, sizeof *fn);
  return 0;
}

int psst_jit_load(const char *source, const char *symbol, psst_jit_module **out,
                  psst_jit_fn *fn) {
  *out = NULL;
  if (fn) *fn = NULL;
  char dir[JIT_PATH_MAX];
  int quick = cache_dir(dir, sizeof dir, 1);
  PSST_TRY(quick);
  jit_toolchain t;
  toolchain_get(&t);
  psst_jit_module *m = calloc(1, sizeof *m);
  PSST_ALLOC_CHECK(m);
  key_of(source, &t, m->key);
  int rc = join(m->path, sizeof m->path, dir, m->key, ".so");
  if (rc == 0 && (quick != 0 || (m->handle = try_open(m->path)) == NULL)) {
    /* to compile: the directory must be there and writable */
    rc = cache_dir(dir, sizeof dir, 0);
    if (rc == 0) rc = build_locked(&t, dir, m->key, source, m->path, m);
  }
  if (rc == 0 && symbol && fn) rc = psst_jit_symbol(m, symbol, fn);
  if (rc < 0) {
    psst_jit_close(&m);
    return rc;
  }
  *out = m;
  return 0;
}

int psst_jit_load_all(MPI_Comm comm, const char *source, const char *symbol,
                      psst_jit_module **out, psst_jit_fn *fn) {
  *out = NULL;
  if (fn) *fn = NULL;
  int local = 0;
  int rc = psst_comm_agree(comm, psst_comm_node_rank(comm, &local));
  if (rc < 0) return rc;
  psst_jit_module *m = NULL;
  /* the first rank of each node compiles if need be, the others wait here
   * (nodes sharing a cache directory meet at its lock) */
  rc = local == 0 ? psst_jit_load(source, symbol, &m, fn) : 0;
  rc = psst_comm_agree(comm, rc);
  if (rc == 0) {
    /* every rank, so that all agree on the second outcome too */
    if (local != 0) rc = psst_jit_load(source, symbol, &m, fn);
    rc = psst_comm_agree(comm, rc);
  }
  if (rc < 0) {
    psst_jit_close(&m);
    if (fn) *fn = NULL;
    return rc;
  }
  *out = m;
  return 0;
}

int psst_jit_compiled(const psst_jit_module *m) { return m->compiled; }
const char *psst_jit_key(const psst_jit_module *m) { return m->key; }
const char *psst_jit_path(const psst_jit_module *m) { return m->path; }

void psst_jit_close(psst_jit_module **m) {
  if (!m || !*m) return;
  if ((*m)->handle) dlclose((*m)->handle);
  free(*m);
  *m = NULL;
}
