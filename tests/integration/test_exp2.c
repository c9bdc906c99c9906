/* exp2_cond through the whole engine: one presynaptic spike gives every
 * target the peak-normalised bi-exponential conductance
 *
 *   gsyn(t) = g w f (exp(-(t - t0)/tau_decay) - exp(-(t - t0)/tau_rise)),
 *
 * t0 the end of the step in which the spike was detected (increments take
 * effect from the next step), f such that the peak is g w. Checked at
 * every step against
 *   - the exact RK4 solution of the two linear states (each multiplied by
 *     R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24, z = -h/tau, per step), to
 *     1e-12 of the peak: the engine integrates exactly the stated ODEs;
 *   - the continuous waveform above, to 1e-9 of the peak;
 *   - and the largest sample equals g w to the grid's resolution.
 * Every rank checks its own targets (the connectivity is spread over them);
 * the failure count is agreed over ranks.
 *
 *   test_exp2 [cpu|cuda]      (cuda: exit 77 without a device)
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "mech/list.h"
#include "psst/config.h"
#include "psst_test.h"

#define G 0.03        /* mS/cm^2 */
#define TAU_RISE 1.0  /* ms */
#define TAU_DECAY 5.0 /* ms */
#define DT 0.01       /* ms */
#define T_END 60.0    /* ms */

static const char *model_text =
    "run: {t_end: 60, dt: 0.01, method: rk4, seed: 3}\n"
    "populations:\n"
    "  - {name: P, kind: cobahh, size: 1}\n"
    "  - {name: Q, kind: hh_tutorial, size: 5}\n"
    "projections:\n"
    "  - {name: syn, synapse: exp2_cond, from: P, to: Q,\n"
    "     connect: {matrix: [[1], [0.5], [2], [0], [1.5]]}, weight: matrix,\n"
    "     params: {g: 0.03, tau_rise: 1, tau_decay: 5, E: 0}}\n"
    "stimuli:\n"
    "  - {target: P, pulses: [{start: 1, stop: 2, amplitude: 40}]}\n"
    "record: {variables: [V], every: 100, spikes: true}\n";

static const double weights[5] = {1, 0.5, 2, 0, 1.5};

static double rk4_factor(double z) {
  return 1.0 + z * (1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0))));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, fails = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int cuda = argc > 1 && strcmp(argv[1], "cuda") == 0;
  psst_model *m = NULL;
  int rc = psst_config_parse("exp2.yaml", model_text, strlen(model_text), &m);
  CHECK(rc == 0);
  if (rc < 0) fprintf(stderr, "%s\n", psst_error_message());
  psst_sim *s = NULL;
  if (rc == 0) {
    m->run.backend = cuda ? PSST_BACKEND_CUDA : PSST_BACKEND_CPU;
    rc = psst_sim_create(m, MPI_COMM_WORLD, &s);
    if (rc < 0 && cuda && strstr(psst_error_message(), "no CUDA device")) {
      if (rank == 0) printf("skipped: %s\n", psst_error_message());
      psst_model_destroy(&m);
      MPI_Finalize();
      return 77;
    }
    CHECK(rc == 0);
    if (rc < 0) fprintf(stderr, "%s\n", psst_error_message());
  }
  if (rc == 0) {
    const psst_lproj *lp = &s->L.lp[0];
    const double f = psst_exp2_factor(TAU_RISE, TAU_DECAY);
    const double tp = psst_exp2_t_peak(TAU_RISE, TAU_DECAY);
    /* the normalisation itself */
    CHECK_NEAR(f * (exp(-tp / TAU_DECAY) - exp(-tp / TAU_RISE)), 1.0, 1e-15);
    CHECK_NEAR(lp->params[PSST_EXP2_F], f, 0.0);
    const double Rr = rk4_factor(-DT / TAU_RISE);
    const double Rd = rk4_factor(-DT / TAU_DECAY);
    CHECK(psst__sim_exchange_initial(s) == 0);
    CHECK(psst__sim_boundary(s, 0.0, s->V_cur) == 0);
    int64_t steps = s->M - 1, i_spike = -1, nspikes = 0;
    double peak[5] = {0}, err_rk4 = 0, err_cont = 0;
    /* the exact RK4 states of each local row, from the delivery on */
    double A[5] = {0}, B[5] = {0};
    for (int64_t i = 0; i < steps && fails == 0; i++) {
      if (psst__sim_step(s, i) < 0) {
        fprintf(stderr, "step %lld: %s\n", (long long)i, psst_error_message());
        fails++;
        break;
      }
      for (int64_t r = 0; r < lp->nrows; r++) {
        A[r] *= Rr; /* the step just taken, on the exact solution */
        B[r] *= Rd;
      }
      if (s->nspiked > 0) {
        nspikes += s->nspiked;
        if (i_spike < 0) {
          i_spike = i;
          for (int64_t r = 0; r < lp->nrows; r++)
            A[r] = B[r] = G * weights[lp->row0 + r] * f;
        }
      }
      if (psst__sim_host_state(s) < 0) {
        fails++;
        break;
      }
      const double *x = s->L.y + lp->off;
      const double t = (double)(i + 1) * DT;
      for (int64_t r = 0; r < lp->nrows; r++) {
        double a = x[r], b = x[lp->ld + r], g = b - a;
        double pk = G * weights[lp->row0 + r];
        if (g > peak[r]) peak[r] = g;
        if (i_spike < 0) {
          CHECK(a == 0.0 && b == 0.0);
          continue;
        }
        double d1 = fabs(g - (B[r] - A[r]));
        double tt = t - (double)(i_spike + 1) * DT;
        double cont = pk * f * (exp(-tt / TAU_DECAY) - exp(-tt / TAU_RISE));
        double d2 = fabs(g - cont);
        double scale = pk > 0 ? pk : 1.0;
        if (d1 / scale > err_rk4) err_rk4 = d1 / scale;
        if (d2 / scale > err_cont) err_cont = d2 / scale;
      }
    }
    CHECK_INT_EQ(nspikes, 1);
    CHECK(i_spike >= 0);
    /* the peak, sampled on the 0.01 ms grid: within its curvature */
    for (int64_t r = 0; r < lp->nrows; r++) {
      double pk = G * weights[lp->row0 + r];
      CHECK_NEAR(peak[r], pk, 1e-6 * pk);
    }
    if (lp->nrows > 0) {
      CHECK(err_rk4 <= 1e-12);
      CHECK(err_cont <= 1e-9);
      printf("rank %d: rows %lld..%lld, spike detected in step %lld; "
             "max |gsyn - RK4 exact| = %.3g, |gsyn - waveform| = %.3g of "
             "the peak\n",
             rank, (long long)lp->row0, (long long)(lp->row0 + lp->nrows),
             (long long)i_spike, err_rk4, err_cont);
    }
  }
  psst_sim_destroy(&s);
  psst_model_destroy(&m);
  fails += psst_test_failures;
  int all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return all ? 1 : 0;
}
