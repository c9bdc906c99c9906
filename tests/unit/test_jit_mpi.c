/* kinds/jit over MPI (psst_jit_load_all): one compile per node, every rank
 * loads; failures, on any rank, agreed by all without a hang.
 *
 * test_jit_mpi BASE: a fresh cache BASE/run.XXXXXX made by rank 0. */
#define _XOPEN_SOURCE 700
#include "kinds/jit.h"
#include "psst/error.h"
#include "psst_test.h"

#include <ftw.h>
#include <mpi.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef double (*fn_d)(double);

static int rank, size;

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

/* the number of ranks that compiled in this call, and the nodes */
static int sum_int(int mine) {
  int s = 0;
  MPI_Allreduce(&mine, &s, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  return s;
}

static int node_count(void) {
  MPI_Comm node;
  int local = 0;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL,
                      &node);
  MPI_Comm_rank(node, &local);
  MPI_Comm_free(&node);
  return sum_int(local == 0);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *base = argc > 1 ? argv[1] : "/tmp/psst_test_jit_mpi";
  char cache[4096] = "";
  if (rank == 0) {
    char mk[8192];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", base);
    int k = snprintf(cache, sizeof cache, "%s/run.XXXXXX", base);
    if (system(mk) != 0 || k >= (int)sizeof cache || !mkdtemp(cache)) {
      perror(cache);
      cache[0] = '\0';
    }
  }
  MPI_Bcast(cache, sizeof cache, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (!cache[0]) MPI_Abort(MPI_COMM_WORLD, 1);
  setenv("PSST_CACHE", cache, 1);
  unsetenv("PSST_CC");
  int nodes = node_count();

  /* compiled once per node, loaded everywhere */
  const char *src = "double f(double x) { return 2*x + 1; }\n";
  psst_jit_module *m = NULL;
  psst_jit_fn f = NULL;
  int rc = psst_jit_load_all(MPI_COMM_WORLD, src, "f", &m, &f);
  CHECK_INT_EQ(rc, 0);
  if (rc == 0) {
    CHECK_NEAR(((fn_d)f)(3.0), 7.0, 0);
    CHECK_INT_EQ(sum_int(psst_jit_compiled(m)), nodes);
  } else {
    fprintf(stderr, "rank %d: %s\n", rank, psst_error_message());
    sum_int(0);
  }
  psst_jit_close(&m);
  /* again: nobody compiles */
  rc = psst_jit_load_all(MPI_COMM_WORLD, src, "f", &m, &f);
  CHECK_INT_EQ(rc, 0);
  CHECK_INT_EQ(sum_int(m ? psst_jit_compiled(m) : 1), 0);
  psst_jit_close(&m);

  /* generated code that does not compile: psst's bug, on every rank */
  rc = psst_jit_load_all(MPI_COMM_WORLD, "double h(double x) { x +; }\n", "h",
                         &m, &f);
  CHECK_INT_EQ(rc, PSST_ERR_INTERNAL);
  CHECK(m == NULL && f == NULL);
  CHECK_STR_CONTAINS(psst_error_message(), "psst bug");
  CHECK_STR_CONTAINS(psst_error_message(), ".log");

  /* a cache the last rank cannot create (it loads after the first rank of
   * its node): every rank returns the user error */
  char bad[8192];
  snprintf(bad, sizeof bad, "%s/plainfile", cache);
  if (rank == 0) {
    FILE *o = fopen(bad, "w");
    if (o) fclose(o);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == size - 1) {
    strcat(bad, "/sub");
    setenv("PSST_CACHE", bad, 1);
  }
  rc = psst_jit_load_all(MPI_COMM_WORLD, "double u(double x) { return x; }\n",
                         "u", &m, &f);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  CHECK(m == NULL && f == NULL);
  CHECK_STR_CONTAINS(psst_error_message(), "plainfile/sub");
  CHECK_STR_CONTAINS(psst_error_message(), "PSST_CACHE");
  setenv("PSST_CACHE", cache, 1);

  /* no compiler: a run-time error on every rank */
  setenv("PSST_CC", "/nonexistent/cc", 1);
  rc = psst_jit_load_all(MPI_COMM_WORLD, "double v(double x) { return x; }\n",
                         "v", &m, &f);
  CHECK_INT_EQ(rc, PSST_ERR_IO);
  CHECK(m == NULL);
  CHECK_STR_CONTAINS(psst_error_message(), "/nonexistent/cc");
  unsetenv("PSST_CC");

  int fails = psst_test_failures, all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0) {
    if (all == 0)
      nftw(cache, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    else
      fprintf(stderr, "the cache is kept: %s\n", cache);
    printf("%s on %d ranks\n", all ? "FAILED" : "passed", size);
  }
  MPI_Finalize();
  return all ? 1 : 0;
}
