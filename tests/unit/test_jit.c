/* kinds/jit: compile, cache and load generated C; the refusals.
 *
 * test_jit BASE: a fresh cache BASE/run.XXXXXX (PSST_CACHE) per run, removed
 * when every check passed. */
#define _XOPEN_SOURCE 700
#include "kinds/jit.h"
#include "mech/vecmath.h"
#include "psst/error.h"
#include "psst_test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef double (*fn_d)(double);

static char cache[4096];

/* snprintf into an array, counting a truncation as a failure */
#define PATHF(buf, ...)                                                        \
  CHECK(snprintf(buf, sizeof buf, __VA_ARGS__) < (int)sizeof buf)

static fn_d as_fn(psst_jit_fn f) { return (fn_d)f; }

static int file_exists(const char *dir, const char *key, const char *suffix) {
  char p[8192];
  PATHF(p, "%s/%s%s", dir, key, suffix);
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

/* files named *.tmp.* left in the cache */
static int count_tmp(const char *dir) {
  char cmd[8192];
  PATHF(cmd, "ls '%s' | grep -c '\\.tmp\\.'", dir);
  FILE *p = popen(cmd, "r");
  int n = -1;
  if (p) {
    if (fscanf(p, "%d", &n) != 1) n = -1;
    pclose(p);
  }
  return n;
}

static void test_compile_reuse(void) {
  const char *src = "double f(double x) { return 2*x + 1; }\n";
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  int rc = psst_jit_load(src, "f", &m, &f);
  CHECK_INT_EQ(rc, 0);
  if (rc) {
    fprintf(stderr, "%s\n", psst_error_message());
    return;
  }
  CHECK_INT_EQ(psst_jit_compiled(m), 1);
  CHECK_NEAR(as_fn(f)(3.0), 7.0, 0);
  CHECK_INT_EQ(strlen(psst_jit_key(m)), 32);
  CHECK(file_exists(cache, psst_jit_key(m), ".so"));
  CHECK(file_exists(cache, psst_jit_key(m), ".c"));
  CHECK(file_exists(cache, psst_jit_key(m), ".log"));
  char key[33];
  snprintf(key, sizeof key, "%s", psst_jit_key(m));
  struct stat st1, st2;
  CHECK_INT_EQ(stat(psst_jit_path(m), &st1), 0);
  psst_jit_close(&m);
  CHECK(m == NULL);

  /* again: from the cache, the object untouched */
  rc = psst_jit_load(src, "f", &m, &f);
  CHECK_INT_EQ(rc, 0);
  if (rc) return;
  CHECK_INT_EQ(psst_jit_compiled(m), 0);
  CHECK(!strcmp(psst_jit_key(m), key));
  CHECK_NEAR(as_fn(f)(-1.0), -1.0, 0);
  CHECK_INT_EQ(stat(psst_jit_path(m), &st2), 0);
  CHECK_INT_EQ(st1.st_ino, st2.st_ino);
  CHECK_INT_EQ(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
  CHECK_INT_EQ(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
  /* a missing symbol is psst's bug */
  psst_jit_fn g = NULL;
  CHECK_INT_EQ(psst_jit_symbol(m, "no_such_symbol", &g), PSST_ERR_INTERNAL);
  CHECK(g == NULL);
  CHECK_STR_CONTAINS(psst_error_message(), "no_such_symbol");
  psst_jit_close(&m);
  psst_jit_close(&m); /* NULL is ignored */

  /* the key: the same for the same text, another for another compiler */
  char k1[33], k2[33];
  psst_jit_key_of(src, k1);
  CHECK(!strcmp(k1, key));
  setenv("PSST_CC", "gcc", 1);
  psst_jit_key_of(src, k2);
  unsetenv("PSST_CC");
  CHECK(strcmp(k1, k2) != 0);

  /* another source, another key */
  rc = psst_jit_load("double f(double x) { return 3*x; }\n", "f", &m, &f);
  CHECK_INT_EQ(rc, 0);
  if (rc) return;
  CHECK_INT_EQ(psst_jit_compiled(m), 1);
  CHECK(strcmp(psst_jit_key(m), key) != 0);
  CHECK_NEAR(as_fn(f)(3.0), 9.0, 0);
  psst_jit_close(&m);
}

/* generated code starts with psst's per-element helpers (mech/mech.h) as
 * text, and is compiled without -I into psst's tree */
static void test_mech_header(void) {
  const char *pre = psst_jit_prelude();
  CHECK(pre != NULL);
  if (!pre) return;
  CHECK(strstr(pre, "psst_exprel") != NULL);
  CHECK(strstr(pre, "#include \"") == NULL); /* no file of psst's */
  static char src[1 << 16];
  snprintf(src, sizeof src, "%s%s", pre,
           "double e(double x) { return psst_exprel(x); }\n"
           "double x(double v) { return psst_exp(v); }\n");
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  int rc = psst_jit_load(src, "e", &m, &f);
  CHECK_INT_EQ(rc, 0);
  if (rc) {
    fprintf(stderr, "%s\n", psst_error_message());
    return;
  }
  CHECK_NEAR(as_fn(f)(0.0), 1.0, 0);
  CHECK_REL(as_fn(f)(1.0), exp(1.0) - 1.0, 1e-15);
  /* psst_exp in generated code is the executable's: the same bits as the
   * built-in kinds get, at arguments where SLEEF and glibc differ */
  CHECK(psst_jit_symbol(m, "x", &f) == 0);
  int same = 1;
  for (int k = 0; f && k < 2000; k++) {
    double v = -30.0 + 0.0307 * k;
    if (as_fn(f)(v) != psst_exp(v)) same = 0;
  }
  if (psst_jit_vecmath_shared()) CHECK(same);
  CHECK_INT_EQ(psst_jit_vecmath_shared(),
               strcmp(psst_vecmath_name(), "libm") != 0);
  psst_jit_close(&m);
}

/* a broken object in the cache (a crash of some other tool, a full disk)
 * is compiled again */
static void test_broken_object(void) {
  const char *src = "double k(double x) { return x - 1; }\n";
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  CHECK_INT_EQ(psst_jit_load(src, "k", &m, &f), 0);
  if (!m) return;
  char path[4096];
  PATHF(path, "%s", psst_jit_path(m));
  psst_jit_close(&m);
  FILE *o = fopen(path, "w");
  CHECK(o != NULL);
  if (!o) return;
  fputs("not an ELF object\n", o);
  fclose(o);
  int rc = psst_jit_load(src, "k", &m, &f);
  CHECK_INT_EQ(rc, 0);
  if (rc) {
    fprintf(stderr, "%s\n", psst_error_message());
    return;
  }
  CHECK_INT_EQ(psst_jit_compiled(m), 1);
  CHECK_NEAR(as_fn(f)(1.5), 0.5, 0);
  psst_jit_close(&m);
}

/* N processes ask for a new object at once: all get it, one compiles */
static void test_concurrent(void) {
  enum { N = 4 };
  const char *src = "double g(double x) { return x * x; }\n";
  int gate[2], res[2];
  CHECK_INT_EQ(pipe(gate), 0);
  CHECK_INT_EQ(pipe(res), 0);
  pid_t pid[N];
  for (int i = 0; i < N; i++) {
    pid[i] = fork();
    if (pid[i] == 0) {
      close(gate[1]);
      close(res[0]);
      char c;
      while (read(gate[0], &c, 1) > 0) {
      } /* until the parent closes the gate: everyone starts together */
      psst_jit_module *m = NULL;
      psst_jit_fn f = NULL;
      char out = 'E';
      if (psst_jit_load(src, "g", &m, &f) == 0)
        out = as_fn(f)(3.0) != 9.0 ? 'V' : psst_jit_compiled(m) ? 'C' : 'R';
      else
        fprintf(stderr, "child %d: %s\n", i, psst_error_message());
      psst_jit_close(&m);
      if (write(res[1], &out, 1) != 1) _exit(3);
      _exit(0);
    }
    CHECK(pid[i] > 0);
  }
  close(gate[0]);
  close(res[1]);
  close(gate[1]); /* go */
  int compiled = 0, reused = 0, other = 0;
  char c;
  while (read(res[0], &c, 1) == 1) {
    if (c == 'C')
      compiled++;
    else if (c == 'R')
      reused++;
    else
      other++;
  }
  close(res[0]);
  for (int i = 0; i < N; i++) {
    int status = -1;
    if (pid[i] > 0) waitpid(pid[i], &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  CHECK_INT_EQ(compiled, 1);
  CHECK_INT_EQ(reused, N - 1);
  CHECK_INT_EQ(other, 0);
  CHECK_INT_EQ(count_tmp(cache), 0);
}

/* The same through a compiler that counts its runs and takes its time, so
 * that the four surely overlap: the compiler runs once. */
static void test_concurrent_counted(void) {
  enum { N = 4 };
  char wrapper[8192], count[8192];
  PATHF(wrapper, "%s/../slow_cc.%ld", cache, (long)getpid());
  PATHF(count, "%s/../slow_cc.%ld.count", cache, (long)getpid());
  FILE *w = fopen(wrapper, "w");
  CHECK(w != NULL);
  if (!w) return;
  fprintf(w, "#!/bin/sh\necho run >> '%s'\nsleep 0.5\nexec cc \"$@\"\n", count);
  fclose(w);
  chmod(wrapper, 0755);
  setenv("PSST_CC", wrapper, 1);
  const char *src = "double q(double x) { return x + 4; }\n";
  pid_t pid[N];
  int res[2];
  CHECK_INT_EQ(pipe(res), 0);
  for (int i = 0; i < N; i++) {
    pid[i] = fork();
    if (pid[i] == 0) {
      close(res[0]);
      psst_jit_module *m = NULL;
      psst_jit_fn f = NULL;
      char out = 'E';
      if (psst_jit_load(src, "q", &m, &f) == 0)
        out = as_fn(f)(1.0) != 5.0 ? 'V' : psst_jit_compiled(m) ? 'C' : 'R';
      else
        fprintf(stderr, "child %d: %s\n", i, psst_error_message());
      psst_jit_close(&m);
      if (write(res[1], &out, 1) != 1) _exit(3);
      _exit(0);
    }
  }
  close(res[1]);
  int compiled = 0, reused = 0, other = 0;
  char c;
  while (read(res[0], &c, 1) == 1)
    c == 'C' ? compiled++ : c == 'R' ? reused++ : other++;
  close(res[0]);
  for (int i = 0; i < N; i++) {
    int status = -1;
    if (pid[i] > 0) waitpid(pid[i], &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  CHECK_INT_EQ(compiled, 1);
  CHECK_INT_EQ(reused, N - 1);
  CHECK_INT_EQ(other, 0);
  int runs = 0;
  FILE *cf = fopen(count, "r");
  char line[64];
  while (cf && fgets(line, sizeof line, cf))
    runs++;
  if (cf) fclose(cf);
  CHECK_INT_EQ(runs, 1);
  unsetenv("PSST_CC");
  remove(wrapper);
  remove(count);
}

/* While another process holds the lock: a waiter takes the object the
 * moment it appears (without the lock), or gives up after PSST_JIT_WAIT. */
static void test_lock_wait(void) {
  const char *src = "double w(double x) { return x / 2; }\n";
  char key[33], lock[8192];
  psst_jit_key_of(src, key);
  CHECK_INT_EQ(strlen(key), 32);
  PATHF(lock, "%s/%s.lock", cache, key);
  int fd = open(lock, O_RDWR | O_CREAT, 0600);
  CHECK(fd >= 0);
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  CHECK_INT_EQ(fcntl(fd, F_SETLK, &fl), 0);

  /* a child that waits 0.3 s: it gives up, naming the lock */
  pid_t pid = fork();
  if (pid == 0) {
    setenv("PSST_JIT_WAIT", "0.3", 1);
    psst_jit_module *m = NULL;
    psst_jit_fn f = NULL;
    int rc = psst_jit_load(src, "w", &m, &f);
    int ok = rc == PSST_ERR_IO && strstr(psst_error_message(), lock) &&
             strstr(psst_error_message(), "PSST_JIT_WAIT");
    if (!ok) fprintf(stderr, "child: %d %s\n", rc, psst_error_message());
    _exit(ok ? 0 : 1);
  }
  int status = -1;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  /* a child that waits long enough: this process (holding the lock, which
   * does not stop itself) compiles meanwhile, and the child reuses it */
  int res[2];
  CHECK_INT_EQ(pipe(res), 0);
  pid = fork();
  if (pid == 0) {
    close(res[0]);
    psst_jit_module *m = NULL;
    psst_jit_fn f = NULL;
    char out = 'E';
    if (psst_jit_load(src, "w", &m, &f) == 0)
      out = as_fn(f)(3.0) != 1.5 ? 'V' : psst_jit_compiled(m) ? 'C' : 'R';
    else
      fprintf(stderr, "child: %s\n", psst_error_message());
    if (write(res[1], &out, 1) != 1) _exit(3);
    _exit(0);
  }
  close(res[1]);
  struct timespec nap = {0, 300 * 1000 * 1000};
  nanosleep(&nap, NULL);
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  CHECK_INT_EQ(psst_jit_load(src, "w", &m, &f), 0);
  CHECK(m && psst_jit_compiled(m));
  psst_jit_close(&m);
  char c = 0;
  CHECK_INT_EQ(read(res[0], &c, 1), 1);
  CHECK_INT_EQ(c, 'R');
  close(res[0]);
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fd); /* releases the lock */
}

static void test_compile_error(void) {
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  int rc = psst_jit_load("double h(double x) { return x +; }\n", "h", &m, &f);
  CHECK_INT_EQ(rc, PSST_ERR_INTERNAL);
  CHECK_INT_EQ(psst_error_exit_status(rc), 1);
  CHECK(m == NULL && f == NULL);
  const char *msg = psst_error_message();
  printf("compile error: %s\n", msg);
  CHECK_STR_CONTAINS(msg, "psst bug: generated code failed to compile");
  CHECK_STR_CONTAINS(msg, "please report it with");
  CHECK_STR_CONTAINS(msg, cache);
  /* the files it names are there */
  const char *c = strstr(msg, cache);
  char key[33] = "";
  if (c && strlen(c) > strlen(cache) + 33)
    snprintf(key, sizeof key, "%s", c + strlen(cache) + 1);
  CHECK(file_exists(cache, key, ".c"));
  CHECK(file_exists(cache, key, ".log"));
  CHECK(!file_exists(cache, key, ".so"));
  char p[8192];
  PATHF(p, "%s.log", key);
  CHECK_STR_CONTAINS(msg, p);
  CHECK_INT_EQ(count_tmp(cache), 0);
}

static void test_cache_refused(void) {
  char file[8192], bad[8192], buf[4096];
  /* a path under a regular file cannot be created, root or not */
  PATHF(file, "%s/plainfile", cache);
  FILE *o = fopen(file, "w");
  CHECK(o != NULL);
  if (o) fclose(o);
  PATHF(bad, "%s/sub", file);
  setenv("PSST_CACHE", bad, 1);
  int rc = psst_jit_cache_dir(buf, sizeof buf);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  printf("cache refused: %s\n", psst_error_message());
  CHECK_INT_EQ(psst_error_exit_status(rc), 2);
  CHECK_STR_CONTAINS(psst_error_message(), bad);
  CHECK_STR_CONTAINS(psst_error_message(), strerror(ENOTDIR));
  CHECK_STR_CONTAINS(psst_error_message(), "set PSST_CACHE");
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  rc = psst_jit_load("double u(double x) { return x; }\n", "u", &m, &f);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), bad);
  CHECK(m == NULL);
  /* the regular file itself */
  setenv("PSST_CACHE", file, 1);
  CHECK_INT_EQ(psst_jit_cache_dir(buf, sizeof buf), PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), file);

  /* created when missing, parents too, private */
  PATHF(bad, "%s/new/deeper/", cache);
  setenv("PSST_CACHE", bad, 1);
  CHECK_INT_EQ(psst_jit_cache_dir(buf, sizeof buf), 0);
  bad[strlen(bad) - 1] = '\0';
  CHECK(!strcmp(buf, bad));
  struct stat st;
  CHECK_INT_EQ(stat(bad, &st), 0);
  CHECK_INT_EQ(st.st_mode & 0777, 0700);

  /* writable by others and someone else's: refused (as root: chown it to
   * nobody; otherwise chown fails and the check is not run) */
  PATHF(bad, "%s/shared", cache);
  CHECK_INT_EQ(mkdir(bad, 0700), 0);
  if (chown(bad, 65534, 65534) == 0 && chmod(bad, 0777) == 0) {
    setenv("PSST_CACHE", bad, 1);
    CHECK_INT_EQ(psst_jit_cache_dir(buf, sizeof buf), PSST_ERR_USER);
    printf("shared cache refused: %s\n", psst_error_message());
    CHECK_STR_CONTAINS(psst_error_message(), "writable by other users");
    CHECK_STR_CONTAINS(psst_error_message(), bad);
  } else {
    printf("note: not root, the shared-directory check is not run\n");
  }

  /* XDG_CACHE_HOME, then HOME */
  unsetenv("PSST_CACHE");
  char xdg[8192];
  PATHF(xdg, "%s/xdg", cache);
  setenv("XDG_CACHE_HOME", xdg, 1);
  CHECK_INT_EQ(psst_jit_cache_dir(buf, sizeof buf), 0);
  PATHF(bad, "%s/psst", xdg);
  CHECK(!strcmp(buf, bad));
  unsetenv("XDG_CACHE_HOME");
  PATHF(xdg, "%s/home", cache);
  setenv("HOME", xdg, 1);
  CHECK_INT_EQ(psst_jit_cache_dir(buf, sizeof buf), 0);
  PATHF(bad, "%s/.cache/psst", xdg);
  CHECK(!strcmp(buf, bad));
  setenv("PSST_CACHE", cache, 1);
}

static void test_missing_compiler(void) {
  setenv("PSST_CC", "/nonexistent/cc", 1);
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  int rc = psst_jit_load("double v(double x) { return x; }\n", "v", &m, &f);
  CHECK_INT_EQ(rc, PSST_ERR_IO);
  printf("missing compiler: %s\n", psst_error_message());
  CHECK_INT_EQ(psst_error_exit_status(rc), 1);
  CHECK_STR_CONTAINS(psst_error_message(), "/nonexistent/cc");
  CHECK_STR_CONTAINS(psst_error_message(), "PSST_CC");
  CHECK(m == NULL);
  CHECK_INT_EQ(count_tmp(cache), 0);
  unsetenv("PSST_CC");
}

int main(int argc, char **argv) {
  const char *base = argc > 1 ? argv[1] : "/tmp/psst_test_jit";
  char mk[8192];
  PATHF(mk, "mkdir -p '%s'", base);
  if (system(mk) != 0) return 1;
  snprintf(cache, sizeof cache, "%s/run.XXXXXX", base);
  if (!mkdtemp(cache)) {
    perror(cache);
    return 1;
  }
  setenv("PSST_CACHE", cache, 1);
  unsetenv("PSST_CC");

  test_compile_reuse();
  test_mech_header();
  test_broken_object();
  test_concurrent();
  test_concurrent_counted();
  test_lock_wait();
  test_compile_error();
  test_missing_compiler();
  test_cache_refused();

  if (psst_test_failures == 0)
    nftw(cache, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  else
    fprintf(stderr, "the cache is kept: %s\n", cache);
  return TEST_RESULT();
}
