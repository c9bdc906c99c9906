/* Error codes and the message of the current error. */
#include "psst/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PSST_MSG_MAX 4096

static char psst__msg[PSST_MSG_MAX];
static int psst__code;

const char *psst_error_name(int code) {
  switch (code) {
  case PSST_OK: return "success";
#define PSST__ERR_NAME(name, c, status, text)                                  \
  case c: return text;
    PSST_ERROR_MAP(PSST__ERR_NAME)
#undef PSST__ERR_NAME
  default: return "unknown error";
  }
}

int psst_error_exit_status(int code) {
  switch (code) {
  case PSST_OK: return 0;
#define PSST__ERR_STATUS(name, c, status, text)                                \
  case c: return status;
    PSST_ERROR_MAP(PSST__ERR_STATUS)
#undef PSST__ERR_STATUS
  default: return 1;
  }
}

int psst_error_set(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(psst__msg, sizeof psst__msg, fmt, ap);
  va_end(ap);
  psst__code = code;
  return code;
}

void psst_error_prefix(const char *fmt, ...) {
  char pre[PSST_MSG_MAX], old[PSST_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof pre, fmt, ap);
  va_end(ap);
  memcpy(old, psst__msg, sizeof old);
  size_t n = strlen(pre);
  if (n >= sizeof psst__msg) n = sizeof psst__msg - 1;
  memcpy(psst__msg, pre, n);
  size_t rest = sizeof psst__msg - 1 - n, m = strlen(old);
  if (m > rest) m = rest;
  memcpy(psst__msg + n, old, m);
  psst__msg[n + m] = '\0';
}

const char *psst_error_message(void) { return psst__msg; }
int psst_error_code(void) { return psst__code; }

void psst_error_clear(void) {
  psst__msg[0] = '\0';
  psst__code = 0;
}

void psst__assert_fail(const char *expr, const char *file, int line) {
  fprintf(stderr, "psst: internal assertion failed: %s at %s:%d\n", expr, file,
          line);
  abort();
}
