/* Spike sources through the whole engine.
 *
 *   poisson, constant rate: 400 neurons at 25 Hz for 2 s. The count of
 *     every neuron and the total are Poisson: the total within 3 standard
 *     errors of rate * T * n, the mean rate as well, the spread of the
 *     per-neuron counts (Fano factor) near 1; the inter-spike intervals
 *     have CV near 1 and P(ISI > 1/rate) near exp(-1), as an exponential
 *     distribution has (corrected for the window: within 3 standard errors).
 * Spike times lie in their step. poisson, rate_file: 40 neurons, neuron j
 * silent for the first second and at 20 + j Hz in the second (a netCDF file
 * written here, sample_dt 10 ms): no spike in the first second, counts of the
 * second within 3 standard errors of the sum of the rates. spike_times: the
 * given spikes (two in one step, one at a step's end, out of neuron order) come
 * out at their exact times, in the step that holds them, and nothing else.
 * Every rank sees every spike (they are replicated): the checks run on all
 * ranks; the CLI tests compare whole outputs across rank counts.
 *
 *   test_sources DIR     (DIR: where the rate file goes)
 */
#include <math.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "psst/config.h"
#include "psst_test.h"

#define NP 400     /* constant-rate neurons */
#define RATE 25.0  /* Hz */
#define NW 40      /* rate-file neurons */
#define T_END 2000 /* ms */
#define DT 0.1     /* ms */

static int write_rates(const char *path) {
  /* (neuron, sample) at 10 ms: 0 Hz before 1000 ms, 20 + j Hz after */
  int nc, d[2], v, rc;
  enum { NS = 200 };
  static double r[NW][NS];
  for (int j = 0; j < NW; j++)
    for (int k = 0; k < NS; k++)
      r[j][k] = k < NS / 2 ? 0.0 : 20.0 + j;
  rc = nc_create(path, NC_CLOBBER | NC_NETCDF4, &nc);
  if (rc == NC_NOERR) rc = nc_def_dim(nc, "neuron", NW, &d[0]);
  if (rc == NC_NOERR) rc = nc_def_dim(nc, "sample", NS, &d[1]);
  if (rc == NC_NOERR) rc = nc_def_var(nc, "rate", NC_DOUBLE, 2, d, &v);
  if (rc == NC_NOERR) rc = nc_enddef(nc);
  if (rc == NC_NOERR) rc = nc_put_var_double(nc, v, &r[0][0]);
  if (rc == NC_NOERR) rc = nc_close(nc);
  return rc == NC_NOERR ? 0 : -1;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, fails = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const char *dir = argc > 1 ? argv[1] : ".";
  char path[4096], text[8192];
  snprintf(path, sizeof path, "%s/test_sources_rates.nc", dir);
  int wrc = rank == 0 ? write_rates(path) : 0;
  MPI_Bcast(&wrc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  CHECK(wrc == 0);
  snprintf(text, sizeof text,
           "run: {t_end: %d, dt: %g, seed: 17}\n"
           "populations:\n"
           "  - {name: P, kind: poisson, size: %d, params: {rate: %g}}\n"
           "  - {name: W, kind: poisson, size: %d,\n"
           "     rate_file: {path: %s, variable: rate, sample_dt: 10}}\n"
           "  - {name: S, kind: spike_times, size: 3,\n"
           "     spikes: {neuron: [2, 0, 1, 0, 2],\n"
           "              time: [3.0, 3.05, 3.1, 1500.0, 1500.04]}}\n"
           "  - {name: E, kind: hh_tutorial, size: 2}\n"
           "record: {variables: [V], every: 1000, spikes: true}\n",
           T_END, DT, NP, RATE, NW, path);
  psst_model *m = NULL;
  int rc = wrc ? -1 : psst_config_parse("sources.yaml", text, strlen(text), &m);
  CHECK(rc == 0);
  if (rc < 0 && !wrc) fprintf(stderr, "%s\n", psst_error_message());
  psst_sim *s = NULL;
  if (rc == 0) {
    m->run.backend = PSST_BACKEND_CPU;
    rc = psst_sim_create(m, MPI_COMM_WORLD, &s);
    CHECK(rc == 0);
    if (rc < 0) fprintf(stderr, "%s\n", psst_error_message());
  }
  if (rc == 0) {
    const int64_t gP = m->pops[0].first_gid, gW = m->pops[1].first_gid;
    const int64_t gS = m->pops[2].first_gid;
    CHECK(psst__sim_exchange_initial(s) == 0);
    CHECK(psst__sim_boundary(s, 0.0, s->V_cur) == 0);
    int64_t steps = s->M - 1;
    int64_t nS = 0, bad_order = 0;
    int64_t Sgid[8], Sstep[8];
    for (int64_t i = 0; i < steps; i++) {
      int64_t before = s->spk_n;
      if (psst__sim_step(s, i) < 0) {
        fprintf(stderr, "step %lld: %s\n", (long long)i, psst_error_message());
        fails++;
        break;
      }
      for (int64_t x = 1; x < s->nspiked; x++)
        bad_order += s->spiked[x] < s->spiked[x - 1];
      for (int64_t x = 0; x < s->nspiked; x++)
        if (s->spiked[x] >= gS && s->spiked[x] < gS + 3 && nS < 8) {
          Sgid[nS] = s->spiked[x];
          Sstep[nS++] = i;
        }
      /* recorded source spikes lie in (t_i, t_i+1] */
      for (int64_t x = before; x < s->spk_n; x++)
        if (s->spk_gid[x] < gS + 3) {
          double t = s->spk_t[x], ti = (double)i * DT;
          if (!(t > ti && t <= ti + DT + 1e-12)) bad_order++;
        }
    }
    CHECK_INT_EQ(bad_order, 0);
    /* count what was recorded */
    static int64_t cnt[NP + NW];
    static double last[NP];
    double isi_sum = 0, isi_sq = 0;
    int64_t nisi = 0, nlong = 0, w_first = 0, w_second = 0;
    for (int j = 0; j < NP; j++)
      last[j] = -1;
    double St[8];
    int64_t Sg[8], nSt = 0;
    for (int64_t x = 0; x < s->spk_n; x++) {
      int64_t g = s->spk_gid[x];
      double t = s->spk_t[x];
      if (g >= gP && g < gP + NP) {
        int j = (int)(g - gP);
        cnt[j]++;
        if (last[j] >= 0) {
          double d = t - last[j];
          isi_sum += d;
          isi_sq += d * d;
          nisi++;
          nlong += d > 1000.0 / RATE;
        }
        last[j] = t;
      } else if (g >= gW && g < gW + NW) {
        cnt[NP + (g - gW)]++;
        if (t <= 1000.0)
          w_first++;
        else
          w_second++;
      } else if (g >= gS && g < gS + 3 && nSt < 8) {
        St[nSt] = t;
        Sg[nSt++] = g;
      }
    }
    /* constant rate: counts */
    const double T = (double)steps * DT * 1e-3; /* s */
    int64_t total = 0;
    for (int j = 0; j < NP; j++)
      total += cnt[j];
    double expect = RATE * T * NP, se = sqrt(expect);
    double mean_rate = (double)total / (NP * T);
    double var = 0, mu = (double)total / NP;
    for (int j = 0; j < NP; j++)
      var += ((double)cnt[j] - mu) * ((double)cnt[j] - mu);
    var /= NP - 1;
    double fano = var / mu;
    double isi_mean = isi_sum / (double)nisi;
    double isi_sd = sqrt(isi_sq / (double)nisi - isi_mean * isi_mean);
    double cv = isi_sd / isi_mean;
    /* intervals seen whole inside a window of length T (both spikes in
     * it) are short-biased: P(ISI > x) = exp(-r x) ((T - x) r - 1) / (T r
     * - 1) for r T >> 1; at x = 1/r, exp(-1) (rT - 2) / (rT - 1) */
    const double rT = RATE * T;
    double plong = (double)nlong / (double)nisi;
    double pe = exp(-1.0) * (rT - 2.0) / (rT - 1.0);
    double plong_se = sqrt(pe * (1 - pe) / (double)nisi);
    CHECK(fabs((double)total - expect) <= 3 * se);
    CHECK(fabs(cv - 1.0) <= 0.05);
    CHECK(fabs(plong - pe) <= 3 * plong_se);
    /* Fano factor of n = 400 Poisson counts: sd about sqrt(2/(n-1)) */
    CHECK(fabs(fano - 1.0) <= 3 * sqrt(2.0 / (NP - 1)));
    /* rate file: silent, then 20 + j Hz */
    double wexp = 0;
    for (int j = 0; j < NW; j++)
      wexp += (20.0 + j) * ((double)steps * DT - 1000.0) * 1e-3;
    CHECK_INT_EQ(w_first, 0);
    CHECK(fabs((double)w_second - wexp) <= 3 * sqrt(wexp));
    /* spike_times: by step, then neuron; exact times */
    const int64_t want_gid[5] = {gS + 2, gS + 0, gS + 1, gS + 0, gS + 2};
    const int64_t want_step[5] = {29, 30, 30, 14999, 15000};
    const double want_t[5] = {3.0, 3.05, 3.1, 1500.0, 1500.04};
    CHECK_INT_EQ(nS, 5);
    CHECK_INT_EQ(nSt, 5);
    for (int x = 0; x < 5 && x < nS && x < nSt; x++) {
      CHECK_INT_EQ(Sgid[x], want_gid[x]);
      CHECK_INT_EQ(Sstep[x], want_step[x]);
      CHECK_INT_EQ(Sg[x], want_gid[x]);
      CHECK_NEAR(St[x], want_t[x], 0.0);
    }
    if (rank == 0)
      printf("poisson %d x %g Hz over %g s: %lld spikes (expected %.0f +- "
             "%.0f), mean rate %.3f Hz, Fano %.3f, ISI mean %.2f ms CV %.4f, "
             "P(ISI > 1/rate) %.4f (expected %.4f +- %.4f); rate_file: %lld "
             "spikes in the silent second, %lld in the second (expected "
             "%.0f); spike_times: %lld of 5\n",
             NP, RATE, T, (long long)total, expect, se, mean_rate, fano,
             isi_mean, cv, plong, pe, plong_se, (long long)w_first,
             (long long)w_second, wexp, (long long)nSt);
  }
  psst_sim_destroy(&s);
  psst_model_destroy(&m);
  fails += psst_test_failures;
  int all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return all ? 1 : 0;
}
