/* The worked checks of docs/models.md §8.3-8.5 through the whole engine
 * (config -> partition -> RK4 over MPI -> netCDF), at any rank count.
 *
 *   test_worked OUTDIR
 * Every rank runs; rank 0 reads the output back and checks it; the failure
 * count is agreed over ranks and is every rank's exit status.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psst/psst.h"
#include "psst_test.h"

static int rank = 0, nranks = 1;
static const char *outdir = ".";

typedef struct spikes {
  size_t n;
  double *t;
  long long *gid;
} spikes;

/* Run `yaml` into OUTDIR/name_npN.nc. Collective. Returns 0 or the code. */
static int run_model(const char *name, const char *yaml, char *path,
                     size_t len) {
  snprintf(path, len, "%s/%s_np%d.nc", outdir, name, nranks);
  psst_model *m = NULL;
  int rc = psst_config_parse(name, yaml, strlen(yaml), &m);
  rc = psst_error_agree(MPI_COMM_WORLD, rc);
  if (rc < 0) {
    if (rank == 0) fprintf(stderr, "%s: %s\n", name, psst_error_message());
    return rc;
  }
  psst_sim *s = NULL;
  rc = psst_sim_create(m, MPI_COMM_WORLD, &s);
  if (rc == 0) {
    psst_run_options o = psst_run_options_default();
    o.output = path;
    o.force = 1;
    rc = psst_sim_run(s, &o);
  }
  rc = psst_error_agree(MPI_COMM_WORLD, rc);
  if (rc < 0 && rank == 0)
    fprintf(stderr, "%s: %s\n", name, psst_error_message());
  psst_sim_destroy(&s);
  psst_model_destroy(&m);
  return rc;
}

static int read_spikes(const char *path, spikes *sp) {
  int nc, d, vt, vn;
  memset(sp, 0, sizeof *sp);
  if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR) return -1;
  nc_inq_dimid(nc, "spike", &d);
  nc_inq_dimlen(nc, d, &sp->n);
  sp->t = calloc(sp->n + 1, sizeof *sp->t);
  sp->gid = calloc(sp->n + 1, sizeof *sp->gid);
  nc_inq_varid(nc, "spike_time", &vt);
  nc_inq_varid(nc, "spike_neuron", &vn);
  if (sp->n) {
    nc_get_var_double(nc, vt, sp->t);
    nc_get_var_longlong(nc, vn, sp->gid);
  }
  nc_close(nc);
  return 0;
}

/* Last recorded value of V for recorded column `col`. */
static double last_V(const char *path, size_t col) {
  int nc, d, v;
  size_t nt;
  double x = NAN;
  if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR) return NAN;
  nc_inq_dimid(nc, "time", &d);
  nc_inq_dimlen(nc, d, &nt);
  nc_inq_varid(nc, "V", &v);
  size_t start[2] = {nt - 1, col}, count[2] = {1, 1};
  nc_get_vara_double(nc, v, start, count, &x);
  nc_close(nc);
  return x;
}

static size_t count_of(const spikes *sp, long long gid, double t0, double t1) {
  size_t c = 0;
  for (size_t i = 0; i < sp->n; i++)
    if (sp->gid[i] == gid && sp->t[i] >= t0 && sp->t[i] < t1) c++;
  return c;
}

static void free_spikes(spikes *sp) {
  free(sp->t);
  free(sp->gid);
}

/* docs/models.md §8.3: I = 5, 200 ms: 12 spikes, first crossing 7.8903 ms,
 * then 23.76, 39.86, 56.01, 72.17 ms. I = 0: rest at -54.99 mV. */
static void check_single_neuron(void) {
  const char *yaml =
      "run: {t_end: 200, dt: 0.01}\n"
      "populations:\n"
      "  - {name: X, kind: hh_tutorial, size: 2, init: {V: -71}}\n"
      "stimuli:\n"
      "  - {target: 'X[0]', amplitude: 5}\n"
      "record: {variables: [V], every: 1}\n";
  char path[512];
  if (run_model("single_neuron", yaml, path, sizeof path) < 0) {
    psst_test_failures++;
    return;
  }
  if (rank != 0) return;
  spikes sp;
  CHECK(read_spikes(path, &sp) == 0);
  CHECK_INT_EQ(count_of(&sp, 0, 0, 1e9), 12);
  CHECK_INT_EQ(count_of(&sp, 1, 0, 1e9), 0);
  const double expect[] = {7.8903, 23.76, 39.86, 56.01, 72.17};
  for (size_t i = 0; i < 5 && i < sp.n; i++)
    CHECK_NEAR(sp.t[i], expect[i], i == 0 ? 2e-4 : 0.01);
  CHECK_NEAR(last_V(path, 1), -54.99, 0.01);
  free_spikes(&sp);
}

/* docs/models.md §8.4: the F-I curve of 20 independent neurons, I_j = 10 j/19.
 */
static void check_fi_curve(void) {
  char yaml[8192];
  int n = snprintf(yaml, sizeof yaml,
                   "run: {t_end: 200, dt: 0.01}\n"
                   "populations:\n"
                   "  - {name: X, kind: hh_tutorial, size: 20}\n"
                   "record: {variables: [V], every: 100}\n"
                   "stimuli:\n");
  for (int j = 0; j < 20; j++)
    n += snprintf(yaml + n, sizeof yaml - (size_t)n,
                  "  - {target: 'X[%d]', amplitude: %.17g}\n", j,
                  10.0 * j / 19.0);
  char path[512];
  if (run_model("fi_curve", yaml, path, sizeof path) < 0) {
    psst_test_failures++;
    return;
  }
  if (rank != 0) return;
  const int rate[20] = {0,  0,  5,  30, 35, 45, 50, 55, 55, 60,
                        65, 65, 70, 70, 75, 75, 80, 80, 80, 85};
  spikes sp;
  CHECK(read_spikes(path, &sp) == 0);
  for (int j = 0; j < 20; j++)
    CHECK_INT_EQ((long long)count_of(&sp, j, 0, 1e9) * 5, rate[j]);
  free_spikes(&sp);
}

/* docs/models.md §8.5: X1 -ACh-> X2 -GABA_A-| X3 with three current pulses. */
static void check_day4(void) {
  const char *yaml =
      "run: {t_end: 700, dt: 0.01}\n"
      "populations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, init: {V: -71}}\n"
      "projections:\n"
      "  - {synapse: ach_pulse, from: 'X[0]', to: 'X[1]', connect: "
      "one_to_one}\n"
      "  - {synapse: gaba_a, from: 'X[1]', to: 'X[2]', connect: one_to_one}\n"
      "stimuli:\n"
      "  - target: 'X[0]'\n"
      "    pulses: [{start: 100, stop: 200, amplitude: 2.5},\n"
      "             {start: 300, stop: 400, amplitude: 5.0},\n"
      "             {start: 500, stop: 600, amplitude: 7.5}]\n"
      "record: {variables: [V], every: 10}\n";
  char path[512];
  if (run_model("day4", yaml, path, sizeof path) < 0) {
    psst_test_failures++;
    return;
  }
  if (rank != 0) return;
  spikes sp;
  CHECK(read_spikes(path, &sp) == 0);
  /* X1 fires in each pulse, more at higher current, never outside */
  size_t c1 = count_of(&sp, 0, 100, 200), c2 = count_of(&sp, 0, 300, 400),
         c3 = count_of(&sp, 0, 500, 600);
  CHECK(c1 >= 2);
  CHECK(c2 > c1);
  CHECK(c3 > c2);
  CHECK_INT_EQ(count_of(&sp, 0, 0, 1e9), c1 + c2 + c3);
  /* every X1 spike drives one X2 spike a few ms later */
  CHECK_INT_EQ(count_of(&sp, 1, 0, 1e9), c1 + c2 + c3);
  for (size_t i = 0; i < sp.n; i++) {
    if (sp.gid[i] != 0) continue;
    CHECK_INT_EQ(count_of(&sp, 1, sp.t[i], sp.t[i] + 5.0), 1);
  }
  /* X3 never fires */
  CHECK_INT_EQ(count_of(&sp, 2, 0, 1e9), 0);
  free_spikes(&sp);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  if (argc > 1) outdir = argv[1];
  check_single_neuron();
  check_fi_curve();
  check_day4();
  int fails = psst_test_failures, all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0)
    printf("test_worked on %d ranks: %s\n", nranks, all ? "FAIL" : "ok");
  MPI_Finalize();
  return all ? 1 : 0;
}
