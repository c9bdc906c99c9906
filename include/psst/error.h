/* psst/error.h — error codes, messages and the checking macros.
 *
 * Library functions return 0 on success or a negative psst error code. The
 * human-readable message of the most recent error of this process is kept in
 * one buffer (psst_error_message()); the code that detects an error writes it
 * with psst_error_set(), callers up the stack may prepend context with
 * psst_error_prefix(). Nothing in the library prints or exits.
 */
#ifndef PSST_ERROR_H
#define PSST_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, code, exit status of the psst executable, short description) */
#define PSST_ERROR_MAP(X)                                                      \
  X(USER, -1, 2, "invalid input")                                              \
  X(IO, -2, 1, "input/output failure")                                         \
  X(MPI, -3, 1, "MPI failure")                                                 \
  X(NOMEM, -4, 1, "out of memory")                                             \
  X(NUMERIC, -5, 1, "numerical failure")                                       \
  X(DEVICE, -6, 1, "device failure")                                           \
  X(INTERNAL, -7, 1, "internal error")

enum psst_error_code {
  PSST_OK = 0,
#define PSST__ERR_ENUM(name, code, status, text) PSST_ERR_##name = code,
  PSST_ERROR_MAP(PSST__ERR_ENUM)
#undef PSST__ERR_ENUM
};

/* Short description of a code ("invalid input"). Not collective. */
const char *psst_error_name(int code);

/* Exit status the psst executable uses for a code: 0, 1 or 2. Not collective.
 */
int psst_error_exit_status(int code);

/* Record code and a printf-style message as the current error; returns code
 * so that `return psst_error_set(PSST_ERR_USER, "...")` reads naturally.
 * Not collective. */
int psst_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prepend context ("while reading x.nc: ") to the current message. */
void psst_error_prefix(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The current message ("" when none). The buffer belongs to the library. */
const char *psst_error_message(void);

/* The current code (0 when none). */
int psst_error_code(void);

/* Forget the current error. */
void psst_error_clear(void);

/* Propagate a failing call's code to the caller. */
#define PSST_TRY(call)                                                         \
  do {                                                                         \
    int psst__rc = (call);                                                     \
    if (psst__rc < 0) return psst__rc;                                         \
  } while (0)

/* Always-on check of a user-facing condition. */
#define PSST_CHECK(cond, code, ...)                                            \
  do {                                                                         \
    if (!(cond)) return psst_error_set((code), __VA_ARGS__);                   \
  } while (0)

/* Allocation helper: sets PSST_ERR_NOMEM with the site on failure. */
#define PSST_ALLOC_CHECK(ptr)                                                  \
  PSST_CHECK((ptr) != NULL, PSST_ERR_NOMEM, "out of memory at %s:%d",          \
             __FILE__, __LINE__)

/* Invariant of the code itself; only in debug builds. */
#ifdef NDEBUG
#define PSST_ASSERT(cond) ((void)0)
#else
#define PSST_ASSERT(cond)                                                      \
  do {                                                                         \
    if (!(cond)) psst__assert_fail(#cond, __FILE__, __LINE__);                 \
  } while (0)
#endif
void psst__assert_fail(const char *expr, const char *file, int line);

#ifdef __cplusplus
}
#endif
#endif
