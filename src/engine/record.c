/* Recording: the record blocks' samples and the spikes, held in bounded
 * buffers and written collectively.
 *
 * A block records its variables of its neurons every `every` steps (and
 * at t = 0). A variable is a neuron state variable, or of a projection P
 * per target neuron (model.h psst_recvar_kind):
 *   P.x  the state x of P's per-postsynaptic element, or for per-synapse
 *        and per-presynaptic storage the sum over the target's synapses
 *        of weight * x (in ascending presynaptic order)
 *   P.g  the conductance onto the target: g * drive (SHARED_G kinds: / the
 *        target's in-degree) [mS/cm^2], drive = the sum over its synapses
 *        of weight * the kind's drive of the element
 *   P.I  the current g (V - E) [uA/cm^2] (positive outward: it enters the
 *        membrane equation with a minus sign)
 * recomputed from the state at the record step. Neurons outside P's target
 * slice get 0.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "mech/mech.h"
#include "mech/syn_loops.h"

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

#define RALLOC(ptr, n)                                                         \
  do {                                                                         \
    (ptr) = calloc((size_t)(n) + 1, sizeof *(ptr));                            \
    PSST_ALLOC_CHECK(ptr);                                                     \
  } while (0)

static int build_block(psst_sim *s, int ib, psst_recblk *R) {
  const psst_model *m = s->m;
  const psst_record_block *b = &m->record.block[ib];
  R->b = b;
  R->every = psst_record_every(m, ib);
  int64_t total = 0;
  if (b->neurons.n == 0) {
    total = s->L.N; /* less the spike sources, below */
  } else {
    for (int k = 0; k < b->neurons.n; k++)
      total += b->neurons.slice[k].hi - b->neurons.slice[k].lo;
  }
  RALLOC(R->rec_gid, total);
  if (b->neurons.n == 0) {
    int64_t u = 0;
    for (int64_t g = 0; g < total; g++)
      if (!(m->pops[psst_model_pop_of(m, g)].kind->flags &
            PSST_NEURON_F_SOURCE))
        R->rec_gid[u++] = g;
    total = u;
  } else {
    int64_t pos = 0;
    for (int k = 0; k < b->neurons.n; k++) {
      const psst_slice *sl = &b->neurons.slice[k];
      for (int64_t i = sl->lo; i < sl->hi; i++)
        R->rec_gid[pos++] = psst_model_gid(m, sl->pop, i);
    }
    qsort(R->rec_gid, (size_t)total, sizeof *R->rec_gid, cmp_i64);
    int64_t u = 0;
    for (int64_t i = 0; i < total; i++)
      if (u == 0 || R->rec_gid[i] != R->rec_gid[u - 1])
        R->rec_gid[u++] = R->rec_gid[i];
    total = u;
  }
  R->n_rec = b->nvars > 0 ? total : 0;
  RALLOC(R->rec_pop, total);
  R->rec_lo = R->rec_hi = 0;
  for (int64_t i = 0; i < R->n_rec; i++) {
    R->rec_pop[i] = psst_model_pop_of(m, R->rec_gid[i]);
    if (R->rec_gid[i] < s->L.lo) R->rec_lo = i + 1;
    if (R->rec_gid[i] < s->L.hi) R->rec_hi = i + 1;
  }
  if (R->rec_hi < R->rec_lo) R->rec_hi = R->rec_lo;
  const int64_t nl = R->rec_hi - R->rec_lo;
  R->nvars = b->nvars;
  RALLOC(R->rec_at, (size_t)R->nvars * (size_t)(nl > 0 ? nl : 1));
  for (int v = 0; v < R->nvars; v++) {
    const psst_recvar *rv = &b->vars[v];
    int64_t *at = R->rec_at + (size_t)v * (size_t)nl;
    for (int64_t i = 0; i < nl; i++) {
      int64_t lid = R->rec_gid[R->rec_lo + i] - s->L.lo;
      if (rv->kind != PSST_RECV_NEURON) {
        const psst_lproj *lp = &s->L.lp[rv->proj];
        const psst_projection *p = lp->p;
        int64_t g0 = psst_model_gid(m, p->to.pop, p->to.lo);
        int64_t r = R->rec_gid[R->rec_lo + i] - g0 - lp->row0;
        at[i] = (r >= 0 && r < lp->nrows) ? r : -1;
        continue;
      }
      const psst_seg *sg = psst__sim_seg_of(s, lid);
      PSST_CHECK(sg != NULL, PSST_ERR_INTERNAL, "recorded neuron not local");
      int vi = psst_state_index(sg->kind->state, sg->kind->nstate, rv->name);
      PSST_CHECK(vi >= 0, PSST_ERR_USER,
                 "record.variables: '%s' is not a state variable of kind '%s'",
                 rv->name, sg->kind->name);
      at[i] = (int64_t)(sg->y_off + (size_t)vi * (size_t)sg->ld +
                        (size_t)(lid - sg->lid0));
    }
  }
  RALLOC(R->rec_buf, R->nvars);
  for (int v = 0; v < R->nvars; v++)
    RALLOC(R->rec_buf[v], s->rec_cap * (nl > 0 ? nl : 1));
  RALLOC(R->rec_time, s->rec_cap);
  return 0;
}

int psst__recording_build(psst_sim *s) {
  const psst_record *rc = &s->m->record;
  s->rec_cap = rc->buffer > 0 ? rc->buffer : 1000;
  s->nrb = rc->nblock;
  RALLOC(s->rb, s->nrb);
  for (int b = 0; b < s->nrb; b++)
    PSST_TRY(build_block(s, b, &s->rb[b]));
  s->spk_cap = 4096;
  RALLOC(s->spk_t, s->spk_cap);
  RALLOC(s->spk_gid, s->spk_cap);
  return 0;
}

void psst__recording_free(psst_sim *s) {
  for (int b = 0; s->rb && b < s->nrb; b++) {
    psst_recblk *R = &s->rb[b];
    free(R->rec_gid);
    free(R->rec_pop);
    free(R->rec_at);
    for (int v = 0; R->rec_buf && v < R->nvars; v++)
      free(R->rec_buf[v]);
    free(R->rec_buf);
    free(R->rec_time);
  }
  free(s->rb);
  s->rb = NULL;
  s->nrb = 0;
  free(s->spk_t);
  free(s->spk_gid);
  s->spk_t = NULL;
  s->spk_gid = NULL;
}

/* ---- values -------------------------------------------------------------- */

/* The state of element e of projection lp (its nstate variables). */
static void element_state(const psst_layout *L, const psst_lproj *lp, int64_t e,
                          double *x) {
  const double *base = (lp->store == PSST_STORE_PRE ? L->z : L->y) + lp->off;
  for (int v = 0; v < lp->kind->nstate; v++)
    x[v] = base[(size_t)v * (size_t)lp->ld + (size_t)e];
}

/* What one element with state x contributes to the drive, and the
 * current's g and E: the host hooks of a built-in kind, the loops (of one
 * element) of a user-defined one. */
static double elem_drive(const psst_lproj *lp, const double *x) {
  if (!lp->loops) return lp->kind->drive(lp->params, x);
  double a = 0.0;
  lp->loops->drive(1, lp->params, x, 1, &a);
  return a;
}

static void kind_current(const psst_lproj *lp, double *g, double *E) {
  if (lp->loops)
    lp->loops->current(lp->params, g, E);
  else
    lp->kind->current(lp->params, g, E);
}

/* A synaptic record value of local row r (see the top of the file). */
static double syn_value(const psst_sim *s, const psst_recvar *rv,
                        const psst_lproj *lp, int64_t r) {
  const psst_layout *L = &s->L;
  const psst_synapse_kind *k = lp->kind;
  double x[PSST_KIND_NSTATE_MAX];
  double sum = 0.0;
  if (lp->store == PSST_STORE_POST) {
    element_state(L, lp, r, x);
    sum = rv->kind == PSST_RECV_SYN_STATE ? x[rv->state] : elem_drive(lp, x);
  } else {
    for (int64_t e = lp->csr.row_ptr[r]; e < lp->csr.row_ptr[r + 1]; e++) {
      double w = lp->csr.w ? lp->csr.w[e] : lp->csr.weight;
      element_state(L, lp, lp->store == PSST_STORE_SYNAPSE ? e : lp->csr.col[e],
                    x);
      sum += w * (rv->kind == PSST_RECV_SYN_STATE ? x[rv->state]
                                                  : elem_drive(lp, x));
    }
  }
  if (rv->kind == PSST_RECV_SYN_STATE) return sum;
  double g = 0, E = 0;
  kind_current(lp, &g, &E);
  double gt = g * sum * ((k->flags & PSST_SYN_F_SHARED_G) ? lp->inv_k[r] : 1);
  if (rv->kind == PSST_RECV_SYN_G) return gt;
  /* the target's V: state 0 of its segment */
  int64_t lid = lp->lid0 + r;
  const psst_seg *sg = psst__sim_seg_of(s, lid);
  double V = L->y[sg->y_off + (size_t)(lid - sg->lid0)];
  return gt * (V - E);
}

static void record_block_row(psst_sim *s, psst_recblk *R, double t) {
  const int64_t nl = R->rec_hi - R->rec_lo;
  for (int v = 0; v < R->nvars; v++) {
    const psst_recvar *rv = &R->b->vars[v];
    double *row = R->rec_buf[v] + R->rec_rows * nl;
    const int64_t *at = R->rec_at + (size_t)v * (size_t)nl;
    if (rv->kind == PSST_RECV_NEURON) {
      for (int64_t i = 0; i < nl; i++)
        row[i] = s->L.y[at[i]];
    } else {
      const psst_lproj *lp = &s->L.lp[rv->proj];
      for (int64_t i = 0; i < nl; i++)
        row[i] = at[i] < 0 ? 0.0 : syn_value(s, rv, lp, at[i]);
    }
  }
  R->rec_time[R->rec_rows++] = t;
}

static int flush_block(psst_sim *s, int b, psst_output *out) {
  psst_recblk *R = &s->rb[b];
  int rc = 0;
  if (out && R->rec_rows > 0 && R->n_rec > 0)
    rc = psst_output_write_records(out, b, R->rec_rows, R->rec_time,
                                   (const double *const *)R->rec_buf);
  R->rec_rows = 0;
  return rc;
}

/* ---- the engine's calls ---------------------------------------------------
 */

int psst__sim_record_step(psst_sim *s, int64_t k, psst_output *out) {
  int any = 0, flushed = 0;
  for (int b = 0; b < s->nrb; b++)
    any |= k % s->rb[b].every == 0;
  if (!any) return 0;
  PSST_TRY(psst__sim_host_state(s));
  const double t = (double)k * s->dt;
  for (int b = 0; b < s->nrb; b++) {
    psst_recblk *R = &s->rb[b];
    if (k % R->every != 0) continue;
    record_block_row(s, R, t);
    if (R->rec_rows == s->rec_cap) {
      /* every rank reaches the same block at the same step: collective */
      double t0 = psst_comm_wtime();
      int rc = flush_block(s, b, out);
      s->tm.output += psst_comm_wtime() - t0;
      PSST_TRY(rc);
      flushed = 1;
    }
  }
  return flushed;
}

int psst__sim_flush_records(psst_sim *s, psst_output *out) {
  double t0 = psst_comm_wtime();
  int rc = 0;
  for (int b = 0; rc == 0 && b < s->nrb; b++)
    rc = flush_block(s, b, out);
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
