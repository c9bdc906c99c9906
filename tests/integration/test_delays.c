/* Synaptic delays through the whole engine. One presynaptic neuron P fires
 * a train whose interspike interval is shorter than the delays (several
 * spikes in flight at once) onto six targets through two exp_cond
 * projections:
 *   near: delay 5 ms (constant), weights from a matrix
 *   far:  delay {uniform: [8, 16]} ms, one drawn delay per synapse
 * A spike detected in step i reaches a synapse of delay D steps (D =
 * delay / dt rounded) at the end of step i + D - 1: at every step each
 * local row's conductance must be the RK4 decay of the previous value plus
 * exactly g w for each spike due then (to 1e-12 of g w) and nothing else.
 * Also checked: the drawn delays lie in [8, 16] ms, are not all equal, and
 * every spike is delivered exactly once to every target. In the middle,
 * with spikes in flight, the run is checkpointed, the simulation destroyed,
 * a new one created and restored from the file: the checks go on across
 * the restart unchanged. Every rank checks its own rows; the failure count
 * is agreed over ranks.
 *
 *   test_delays CHECKPOINT_PATH
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "psst/config.h"
#include "psst_test.h"

#define DT 0.02   /* ms */
#define G 0.03    /* mS/cm^2 */
#define TAU 5.0   /* ms */
#define MAXSPK 64 /* spikes of P kept */

static const char *model_text =
    "run: {t_end: 80, dt: 0.02, method: rk4, seed: 9}\n"
    "populations:\n"
    "  - {name: P, kind: cobahh, size: 1}\n"
    "  - {name: Q, kind: hh_tutorial, size: 6}\n"
    "projections:\n"
    "  - {name: near, synapse: exp_cond, from: P, to: Q,\n"
    "     connect: {matrix: [[1], [0.5], [2], [0.25], [1.5], [3]]},\n"
    "     weight: matrix, delay: 5, params: {g: 0.03, tau: 5, E: 0}}\n"
    "  - {name: far, synapse: exp_cond, from: P, to: Q, connect: all_to_all,\n"
    "     delay: {uniform: [8, 16]}, params: {g: 0.03, tau: 5, E: 0}}\n"
    "stimuli:\n"
    "  - {target: P, pulses: [{start: 1, stop: 40, amplitude: 40}]}\n"
    "record: {variables: [V], every: 100, spikes: true}\n";

static const double near_w[6] = {1, 0.5, 2, 0.25, 1.5, 3};

static double rk4_factor(double z) {
  return 1.0 + z * (1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0))));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, fails = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *ckpt = argc > 1 ? argv[1] : "test_delays.ckpt";
  psst_model *m = NULL;
  int rc = psst_config_parse("delays.yaml", model_text, strlen(model_text), &m);
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
    const double R = rk4_factor(-DT / TAU);
    /* each local row's delay [steps] and weight, per projection */
    int64_t D[2][6] = {{0}}, nrows = s->L.lp[0].nrows;
    double W[2][6] = {{0}};
    for (int q = 0; q < 2; q++) {
      const psst_lproj *lp = &s->L.lp[q];
      CHECK_INT_EQ(lp->nrows, nrows);
      CHECK_INT_EQ(lp->t_ptr[1] - lp->t_ptr[0], nrows);
      for (int64_t e = lp->t_ptr[0]; e < lp->t_ptr[1]; e++) {
        D[q][lp->t_elem[e]] = lp->t_delay[e];
        W[q][lp->t_elem[e]] = lp->t_w[e];
      }
    }
    int64_t dmin = 1 << 30, dmax = 0;
    for (int64_t r = 0; r < nrows; r++) {
      CHECK_INT_EQ(D[0][r], 250); /* 5 ms / 0.02 ms */
      CHECK_NEAR(W[0][r], near_w[s->L.lp[0].row0 + r], 0.0);
      CHECK_NEAR(W[1][r], 1.0, 0.0);
      CHECK(D[1][r] >= 400 && D[1][r] <= 800);
      if (D[1][r] < dmin) dmin = D[1][r];
      if (D[1][r] > dmax) dmax = D[1][r];
    }
    /* the drawn delays of all six targets are not all one value */
    int64_t gmin = dmin, gmax = dmax;
    MPI_Allreduce(&dmin, &gmin, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&dmax, &gmax, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    CHECK(gmax > gmin);

    CHECK(psst__sim_exchange_initial(s) == 0);
    CHECK(psst__sim_boundary(s, 0.0, s->V_cur) == 0);
    int64_t steps = s->M - 1, nspk = 0, spk[MAXSPK];
    int64_t delivered[2][6] = {{0}}, in_flight_max = 0;
    double prev[2][6] = {{0}}, err = 0;
    int64_t ck_step = -1, ck_flight = 0;
    for (int64_t i = 0; i < steps && fails == 0; i++) {
      if (nspk >= 3 && ck_step < 0 && i == spk[2] + 100) {
        /* restart here: the near spikes 3 (and maybe 2) are in flight */
        ck_step = i;
        s->step = i;
        for (int64_t r = 0; r < nrows; r++)
          for (int64_t k = 0; k < nspk; k++)
            ck_flight += spk[k] + D[0][r] - 1 >= i;
        if (psst__sim_checkpoint(s, ckpt, NULL, 0, 0) < 0) {
          fprintf(stderr, "checkpoint: %s\n", psst_error_message());
          fails++;
          break;
        }
        psst_sim_destroy(&s);
        if (psst_sim_create(m, MPI_COMM_WORLD, &s) < 0 ||
            psst_sim_restore(s, ckpt, NULL) < 0 ||
            psst__sim_exchange_initial(s) < 0) {
          fprintf(stderr, "restart: %s\n", psst_error_message());
          fails++;
          break;
        }
        CHECK_INT_EQ(s->step, i);
      }
      if (psst__sim_step(s, i) < 0) {
        fprintf(stderr, "step %lld: %s\n", (long long)i, psst_error_message());
        fails++;
        break;
      }
      for (int64_t x = 0; x < s->nspiked; x++) /* P is gid 0 */
        if (s->spiked[x] == 0 && nspk < MAXSPK) spk[nspk++] = i;
      if (psst__sim_host_state(s) < 0) {
        fails++;
        break;
      }
      for (int q = 0; q < 2; q++) {
        const psst_lproj *lp = &s->L.lp[q];
        const double *x = s->L.y + lp->off;
        for (int64_t r = 0; r < nrows; r++) {
          /* spikes due at the end of this step */
          int64_t due = 0, flight = 0;
          for (int64_t k = 0; k < nspk; k++) {
            int64_t at = spk[k] + D[q][r] - 1;
            if (at == i) due++;
            if (spk[k] <= i && at > i) flight++;
          }
          if (flight > in_flight_max) in_flight_max = flight;
          double want = prev[q][r] * R + (double)due * G * W[q][r];
          double d = fabs(x[r] - want) / (G * W[q][r]);
          if (d > err) err = d;
          if (d > 1e-12 && fails < 5) {
            fprintf(stderr,
                    "rank %d: %s row %lld step %lld: gsyn %.17g, expected "
                    "%.17g (%lld due)\n",
                    rank, lp->p->name, (long long)(lp->row0 + r), (long long)i,
                    x[r], want, (long long)due);
            fails++;
          }
          delivered[q][r] += due;
          prev[q][r] = x[r];
        }
      }
    }
    CHECK(nspk >= 4 && nspk < MAXSPK);
    CHECK(in_flight_max >= 2); /* the train is faster than the delays */
    CHECK(ck_step > 0);
    if (nrows > 0) CHECK(ck_flight > 0); /* the restart was mid-delay */
    for (int q = 0; q < 2; q++)
      for (int64_t r = 0; r < nrows; r++)
        CHECK_INT_EQ(delivered[q][r], nspk);
    CHECK(err <= 1e-12);
    if (nrows > 0)
      printf("rank %d: rows %lld..%lld, %lld spikes of P, up to %lld in "
             "flight per synapse, far delays %lld..%lld steps, restarted "
             "at step %lld with %lld near deliveries pending; max |gsyn - "
             "expected| = %.3g of g w\n",
             rank, (long long)s->L.lp[0].row0,
             (long long)(s->L.lp[0].row0 + nrows), (long long)nspk,
             (long long)in_flight_max, (long long)dmin, (long long)dmax,
             (long long)ck_step, (long long)ck_flight, err);
  }
  psst_sim_destroy(&s);
  psst_model_destroy(&m);
  fails += psst_test_failures;
  int all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return all ? 1 : 0;
}
