/* Recording: samples of the recorded state variables and the spikes, held
 * in bounded buffers and written collectively. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

/* ---- recording ------------------------------------------------------- */

int psst__sim_flush_records(psst_sim *s, psst_output *out) {
  double t0 = psst_comm_wtime();
  int rc = 0;
  if (out && s->rec_rows > 0 && s->n_rec > 0)
    rc = psst_output_write_records(out, s->rec_rows, s->rec_time,
                                   (const double *const *)s->rec_buf);
  s->rec_rows = 0;
  s->tm.output += psst_comm_wtime() - t0;
  return rc;
}

/* Every rank knows every spike (replicated detection), in (step, gid)
 * order; rank r writes a balanced contiguous share, so the file is the
 * same for any number of ranks. */
int psst__sim_flush_spikes(psst_sim *s, psst_output *out) {
  double t0 = psst_comm_wtime();
  int rc = 0;
  if (out && s->m->record.spikes) {
    int64_t n = s->spk_n, q = n / s->size, r = n % s->size;
    int64_t off = s->rank * q + (s->rank < r ? s->rank : r);
    int64_t mine = q + (s->rank < r ? 1 : 0);
    rc = psst_output_write_spikes(out, n, off, mine, s->spk_t + off,
                                  s->spk_gid + off);
  }
  s->spk_n = 0;
  s->tm.output += psst_comm_wtime() - t0;
  return rc;
}

int psst__sim_record_row(psst_sim *s, double t) {
  int64_t nl = s->rec_hi - s->rec_lo;
  PSST_TRY(psst__sim_host_state(s));
  for (int v = 0; v < s->nvars; v++) {
    double *row = s->rec_buf[v] + s->rec_rows * nl;
    const size_t *off = s->rec_off + (size_t)v * (size_t)nl;
    for (int64_t i = 0; i < nl; i++)
      row[i] = s->L.y[off[i]];
  }
  s->rec_time[s->rec_rows++] = t;
  return 0;
}

int psst__sim_push_spike(psst_sim *s, double t, int64_t gid) {
  if (s->spk_n == s->spk_cap) {
    int64_t cap = 2 * s->spk_cap;
    double *a = realloc(s->spk_t, (size_t)cap * sizeof *a);
    PSST_ALLOC_CHECK(a);
    s->spk_t = a;
    int64_t *b = realloc(s->spk_gid, (size_t)cap * sizeof *b);
    PSST_ALLOC_CHECK(b);
    s->spk_gid = b;
    s->spk_cap = cap;
  }
  s->spk_t[s->spk_n] = t;
  s->spk_gid[s->spk_n++] = gid;
  return 0;
}
