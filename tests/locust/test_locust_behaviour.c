/* The locust antennal lobe's qualitative behaviour (docs/models.md §6.9)
 * through the whole engine, on the real 120-neuron model of
 * examples/locust_al.yaml (1000 ms).
 *
 *   test_locust_behaviour MODEL.yaml OUTDIR
 * Every rank runs; rank 0 reads the output back, prints the measured numbers
 * and checks them; the failure count is agreed over ranks and is every
 * rank's exit status.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psst/psst.h"
#include "psst_test.h"

enum { NPN = 90, NLN = 30, NNEUR = NPN + NLN };

static int rank = 0, nranks = 1;

typedef struct spikes {
  size_t n;
  double *t;
  long long *gid;
} spikes;

typedef struct traces {
  size_t nt, nn;
  double *time;    /* [nt] */
  double *V;       /* [nt][nn] */
  long long *gids; /* [nn]: global id of each column */
} traces;

static int read_output(const char *path, spikes *sp, traces *tr) {
  int nc, d, v;
  memset(sp, 0, sizeof *sp);
  memset(tr, 0, sizeof *tr);
  if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR) return -1;
  int bad = 0;
  bad |= nc_inq_dimid(nc, "spike", &d) || nc_inq_dimlen(nc, d, &sp->n);
  bad |= nc_inq_dimid(nc, "time", &d) || nc_inq_dimlen(nc, d, &tr->nt);
  bad |= nc_inq_dimid(nc, "neuron", &d) || nc_inq_dimlen(nc, d, &tr->nn);
  if (bad) {
    nc_close(nc);
    return -1;
  }
  sp->t = calloc(sp->n + 1, sizeof *sp->t);
  sp->gid = calloc(sp->n + 1, sizeof *sp->gid);
  tr->time = calloc(tr->nt + 1, sizeof *tr->time);
  tr->V = calloc(tr->nt * tr->nn + 1, sizeof *tr->V);
  tr->gids = calloc(tr->nn + 1, sizeof *tr->gids);
  if (sp->n) {
    bad |=
        nc_inq_varid(nc, "spike_time", &v) || nc_get_var_double(nc, v, sp->t);
    bad |= nc_inq_varid(nc, "spike_neuron", &v) ||
           nc_get_var_longlong(nc, v, sp->gid);
  }
  bad |= nc_inq_varid(nc, "time", &v) || nc_get_var_double(nc, v, tr->time);
  bad |= nc_inq_varid(nc, "V", &v) || nc_get_var_double(nc, v, tr->V);
  bad |=
      nc_inq_varid(nc, "neuron_id", &v) || nc_get_var_longlong(nc, v, tr->gids);
  nc_close(nc);
  return bad ? -1 : 0;
}

/* The output's int64 variable stimulus0_recipients (with its count
 * attribute) equals the recipients the API gives. */
static int recipients_attribute_matches(const char *path, const int64_t *gids,
                                        int64_t n) {
  int nc, id, same = 0, dim;
  size_t len = 0;
  long long cnt = -1;
  if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR) return 0;
  if (nc_inq_varid(nc, "stimulus0_recipients", &id) == NC_NOERR &&
      nc_inq_vardimid(nc, id, &dim) == NC_NOERR &&
      nc_inq_dimlen(nc, dim, &len) == NC_NOERR &&
      nc_get_att_longlong(nc, id, "count", &cnt) == NC_NOERR && cnt == n &&
      (int64_t)len == (n > 0 ? n : 1)) {
    long long *g = calloc(len, sizeof *g);
    if (g && nc_get_var_longlong(nc, id, g) == NC_NOERR) {
      same = 1;
      for (int64_t i = 0; i < n; i++)
        if (g[i] != gids[i]) same = 0;
    }
    free(g);
  }
  nc_close(nc);
  return same;
}

static int is_recipient(const int64_t *gids, int64_t n, long long g) {
  for (int64_t i = 0; i < n; i++)
    if (gids[i] == g) return 1;
  return 0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  if (argc < 3) {
    if (rank == 0) fprintf(stderr, "usage: %s MODEL.yaml OUTDIR\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/locust_behaviour_np%d.nc", argv[2], nranks);

  psst_model *m = NULL;
  int rc = psst_error_agree(MPI_COMM_WORLD, psst_config_load(argv[1], &m));
  int64_t *rec = NULL, nrec = 0;
  if (rc == 0) rc = psst_stimulus_recipients(m, 0, &rec, &nrec);
  psst_sim *s = NULL;
  if (rc == 0) rc = psst_sim_create(m, MPI_COMM_WORLD, &s);
  if (rc == 0) {
    psst_run_options o = psst_run_options_default();
    o.output = path;
    o.force = 1;
    rc = psst_sim_run(s, &o);
  }
  rc = psst_error_agree(MPI_COMM_WORLD, rc);
  if (rc < 0) {
    if (rank == 0) fprintf(stderr, "%s: %s\n", argv[1], psst_error_message());
    psst_test_failures++;
  }
  psst_sim_destroy(&s);
  psst_model_destroy(&m);

  if (rc == 0 && rank == 0) {
    /* recipients: trunc(0.33 * 120) = 39 distinct neurons, ascending */
    CHECK_INT_EQ(nrec, 39);
    CHECK_INT_EQ(nrec, (int64_t)(0.33 * NNEUR));
    int64_t rec_pn = 0;
    for (int64_t i = 0; i < nrec; i++) {
      CHECK(rec[i] >= 0 && rec[i] < NNEUR);
      if (i > 0) CHECK(rec[i] > rec[i - 1]);
      if (rec[i] < NPN) rec_pn++;
    }
    printf("recipients: %lld (%lld PNs, %lld LNs)\n", (long long)nrec,
           (long long)rec_pn, (long long)(nrec - rec_pn));

    spikes sp;
    traces tr;
    CHECK(read_output(path, &sp, &tr) == 0);
    CHECK_INT_EQ(tr.nn, NNEUR);
    CHECK(recipients_attribute_matches(path, rec, nrec));
    int pn_count[NPN] = {0}, ln_count[NLN] = {0};
    size_t before = 0, after = 0, pn_nonrec = 0, pn_total = 0, ln_total = 0;
    double pn_first = INFINITY, pn_last = -INFINITY;
    double ln_first = INFINITY, ln_last = -INFINITY;
    for (size_t i = 0; i < sp.n; i++) {
      double t = sp.t[i];
      long long g = sp.gid[i];
      CHECK(g >= 0 && g < NNEUR);
      if (g < 0 || g >= NNEUR) continue;
      if (t < 100) before++;
      if (t > 850) after++;
      if (g < NPN) {
        pn_total++;
        if (!is_recipient(rec, nrec, g)) pn_nonrec++;
        if (t >= 100 && t < 800) pn_count[g]++;
        pn_first = fmin(pn_first, t);
        pn_last = fmax(pn_last, t);
      } else {
        ln_total++;
        if (t >= 100 && t < 800) ln_count[g - NPN]++;
        ln_first = fmin(ln_first, t);
        ln_last = fmax(ln_last, t);
      }
    }
    int pn_spiking = 0, ln_spiking = 0, pn_max = 0;
    for (int i = 0; i < NPN; i++) {
      if (pn_count[i]) pn_spiking++;
      if (pn_count[i] > pn_max) pn_max = pn_count[i];
    }
    for (int i = 0; i < NLN; i++)
      if (ln_count[i]) ln_spiking++;

    /* LN Ca2+ spikes / plateaus: V above -20 mV during the stimulus */
    int ln_above = 0;
    double ln_vmax = -INFINITY, ln_above_ms = 0; /* summed over LNs */
    double dt_rec = tr.nt > 1 ? tr.time[1] - tr.time[0] : 0;
    for (size_t c = 0; c < tr.nn; c++) {
      if (tr.gids[c] < NPN) continue;
      int above = 0;
      for (size_t k = 0; k < tr.nt; k++) {
        double t = tr.time[k], v = tr.V[k * tr.nn + c];
        if (t < 100 || t >= 800) continue;
        if (v > ln_vmax) ln_vmax = v;
        if (v > -20) {
          above = 1;
          ln_above_ms += dt_rec;
        }
      }
      ln_above += above;
    }

    printf("spikes: %zu in all, %zu before 100 ms, %zu after 850 ms\n", sp.n,
           before, after);
    printf("PN: %zu spikes (%zu from non-recipients), %d PNs spike in "
           "100-800 ms (most %d spikes), first %.2f ms, last %.2f ms, "
           "%.3f spikes per PN\n",
           pn_total, pn_nonrec, pn_spiking, pn_max, pn_first, pn_last,
           (double)pn_total / NPN);
    printf("LN: %zu spikes, %d LNs spike in 100-800 ms, first %.2f ms, "
           "last %.2f ms; %d LNs above -20 mV, max V %.2f mV, "
           "%.1f LN-ms above -20 mV\n",
           ln_total, ln_spiking, ln_first, ln_last, ln_above, ln_vmax,
           ln_above_ms);

    CHECK_INT_EQ(before, 0);    /* silence before the odour */
    CHECK_INT_EQ(after, 0);     /* silence after about 800 ms */
    CHECK_INT_EQ(pn_nonrec, 0); /* PNs without input stay silent */
    CHECK(pn_spiking >= 5);     /* some recipient PNs spike ... */
    CHECK(pn_spiking < rec_pn); /* ... but not all of them */
    CHECK(ln_spiking >= 5);
    CHECK(ln_above >= 5); /* Ca2+ spikes and plateaus */
    CHECK(ln_vmax > -20);
    CHECK(pn_total < 5 * NPN); /* sparse PN firing */
    free(sp.t);
    free(sp.gid);
    free(tr.time);
    free(tr.V);
    free(tr.gids);
  }
  free(rec);

  int fails = psst_test_failures, all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0)
    printf("test_locust_behaviour on %d ranks: %s\n", nranks,
           all ? "FAIL" : "ok");
  MPI_Finalize();
  return all ? 1 : 0;
}
