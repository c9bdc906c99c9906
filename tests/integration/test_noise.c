/* Noise currents through the engine's stimulus samples (stim.c):
 *   OU    {mean 1, sd 2, tau 5 ms} on X[0:100]: the pooled samples' mean
 *         within 4 standard errors (of an AR(1) series: sd^2 (1 + rho) /
 *         (n (1 - rho))), their sd within 3%, the lag-1 autocorrelation
 *         within 0.003 of rho = exp(-dt/tau);
 *   white {mean -0.5, sigma 0.8} on X[100:200]: mean within 4 standard
 *         errors, sd within 2% of sigma / sqrt(dt), lag-1 autocorrelation
 *         within 4 / sqrt(n) of 0;
 *   a third (OU) on X[50:150], so the statistics use X[0:50] (OU alone)
 *   and X[150:200] (white alone); nothing reaches X[200:].
 * 20000 samples at dt 0.05 ms. Every rank checks its own neurons and
 * contributes its sums; the statistics are over all ranks.
 *
 *   test_noise
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "psst/config.h"
#include "psst_test.h"

#define K 20000 /* samples */
#define DT 0.05 /* ms */
#define TAU 5.0 /* ms */
#define SD 2.0  /* uA/cm^2 */
#define SIG 0.8 /* uA/cm^2 ms^0.5 */

static const char *model_text =
    "run: {t_end: 1000, dt: 0.05, seed: 23}\n"
    "populations:\n"
    "  - {name: X, kind: hh_tutorial, size: 220}\n"
    "stimuli:\n"
    "  - {target: \"X[0:100]\", noise: {mean: 1, sd: 2, tau: 5}}\n"
    "  - {target: \"X[100:200]\", noise: {mean: -0.5, sigma: 0.8}}\n"
    "  - {target: \"X[50:150]\", noise: {mean: 0, sd: 0.5, tau: 1}}\n";

/* running sums of one series kind: n, sum x, sum x^2, sum x_k x_k+1 and
 * the lag pairs' count, sum, sum of squares of each side */
typedef struct sums {
  double n, s, ss, lag, nl, a, b, aa, bb;
} sums;

static void add(sums *z, double x, double prev, int has_prev) {
  z->n += 1;
  z->s += x;
  z->ss += x * x;
  if (has_prev) {
    z->nl += 1;
    z->lag += x * prev;
    z->a += prev;
    z->b += x;
    z->aa += prev * prev;
    z->bb += x * x;
  }
}

static void reduce(sums *z) {
  MPI_Allreduce(MPI_IN_PLACE, z, (int)(sizeof *z / sizeof(double)), MPI_DOUBLE,
                MPI_SUM, MPI_COMM_WORLD);
}

static void stats(const sums *z, double *mean, double *sd, double *r1) {
  *mean = z->s / z->n;
  *sd = sqrt(z->ss / z->n - *mean * *mean);
  double ma = z->a / z->nl, mb = z->b / z->nl;
  double cov = z->lag / z->nl - ma * mb;
  double va = z->aa / z->nl - ma * ma, vb = z->bb / z->nl - mb * mb;
  *r1 = cov / sqrt(va * vb);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, fails = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  psst_model *m = NULL;
  int rc = psst_config_parse("noise.yaml", model_text, strlen(model_text), &m);
  CHECK(rc == 0);
  if (rc < 0) fprintf(stderr, "%s\n", psst_error_message());
  psst_sim *s = NULL;
  if (rc == 0) {
    m->run.backend = PSST_BACKEND_CPU;
    rc = psst_sim_create(m, MPI_COMM_WORLD, &s);
    CHECK(rc == 0);
    if (rc < 0) fprintf(stderr, "%s\n", psst_error_message());
  }
  if (rc == 0) {
    const int64_t lo = s->L.lo, n = s->L.nloc;
    double *prev = calloc((size_t)n + 1, sizeof *prev);
    sums ou = {0}, wh = {0};
    int64_t nonzero_outside = 0;
    for (int64_t k = 0; k < K; k++) {
      const double *I = psst__sim_stim(s, k);
      for (int64_t i = 0; i < n; i++) {
        int64_t g = lo + i;
        if (g < 50)
          add(&ou, I[i], prev[i], k > 0);
        else if (g >= 150 && g < 200)
          add(&wh, I[i], prev[i], k > 0);
        else if (g >= 200)
          nonzero_outside += I[i] != 0.0;
        prev[i] = I[i];
      }
    }
    free(prev);
    reduce(&ou);
    reduce(&wh);
    int64_t nz = nonzero_outside;
    MPI_Allreduce(&nonzero_outside, &nz, 1, MPI_INT64_T, MPI_SUM,
                  MPI_COMM_WORLD);
    double mo, so, ro, mw, sw, rw;
    stats(&ou, &mo, &so, &ro);
    stats(&wh, &mw, &sw, &rw);
    const double rho = exp(-DT / TAU);
    const double se_o = SD * sqrt((1 + rho) / (ou.n * (1 - rho)));
    const double sw_want = SIG / sqrt(DT), se_w = sw_want / sqrt(wh.n);
    CHECK(fabs(mo - 1.0) <= 4 * se_o);
    CHECK(fabs(so - SD) <= 0.03 * SD);
    CHECK(fabs(ro - rho) <= 0.003);
    CHECK(fabs(mw + 0.5) <= 4 * se_w);
    CHECK(fabs(sw - sw_want) <= 0.02 * sw_want);
    CHECK(fabs(rw) <= 4 / sqrt(wh.nl));
    CHECK_INT_EQ(nz, 0);
    if (rank == 0)
      printf("OU: mean %.4f (1 +- %.4f), sd %.4f (2), lag-1 r %.5f (%.5f); "
             "white: mean %.4f (-0.5 +- %.4f), sd %.4f (%.4f), lag-1 r "
             "%.5f; %.0f + %.0f samples\n",
             mo, se_o, so, ro, rho, mw, se_w, sw, sw_want, rw, ou.n, wh.n);
  }
  psst_sim_destroy(&s);
  psst_model_destroy(&m);
  fails += psst_test_failures;
  int all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return all ? 1 : 0;
}
