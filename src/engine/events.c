/* Spike events with delays: a delivery ring per spike-triggered projection
 * (internal; engine/engine.h).
 *
 * A presynaptic spike detected in step i (its crossing lies in (t_i,
 * t_i+1]; fire_t = t_i) reaches synapse s after D_s >= 1 steps: it is
 * delivered at the end of step i + D_s - 1, through the kind's on_spike
 * hook at t = t_{i+D_s}, and is effective from that time on. D_s is the
 * synapse's delay rounded to whole steps (halves up). Slot k mod L of the
 * ring holds the events due at the end of step k, in the order they were
 * scheduled: by the step of the spike, then by presynaptic gid, then by
 * target (ascending) — for any one target the same order on every
 * partition, so deliveries sum identically for any rank count. Nothing is
 * merged or dropped: each event is one on_spike call. The ring is part of
 * the checkpoint (engine/ckpt.c).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

static int slot_push(psst_evslot *sl, int64_t elem, double w) {
  if (sl->n == sl->cap) {
    int64_t cap = sl->cap ? 2 * sl->cap : 64;
    int64_t *e = realloc(sl->elem, (size_t)cap * sizeof *e);
    PSST_ALLOC_CHECK(e);
    sl->elem = e;
    double *ww = realloc(sl->w, (size_t)cap * sizeof *ww);
    PSST_ALLOC_CHECK(ww);
    sl->w = ww;
    sl->cap = cap;
  }
  sl->elem[sl->n] = elem;
  sl->w[sl->n] = w;
  sl->n++;
  return 0;
}

int psst__events_create(psst_sim *s) {
  const psst_layout *L = &s->L;
  s->ev = calloc((size_t)L->nlp + 1, sizeof *s->ev);
  PSST_ALLOC_CHECK(s->ev);
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    if (!(lp->kind->flags & PSST_SYN_F_SPIKE_TRIGGERED)) continue;
    psst_evring *R = &s->ev[q];
    R->nslot = lp->max_delay > 0 ? lp->max_delay : 1;
    R->slot = calloc((size_t)R->nslot, sizeof *R->slot);
    PSST_ALLOC_CHECK(R->slot);
    s->has_events = 1;
  }
  return 0;
}

void psst__events_free(psst_sim *s) {
  if (!s->ev) return;
  for (int q = 0; q < s->L.nlp; q++) {
    psst_evring *R = &s->ev[q];
    for (int k = 0; R->slot && k < R->nslot; k++) {
      free(R->slot[k].elem);
      free(R->slot[k].w);
    }
    free(R->slot);
  }
  free(s->ev);
  s->ev = NULL;
}

int psst__events_push(psst_sim *s, int q, int64_t due, int64_t elem, double w) {
  psst_evring *R = &s->ev[q];
  return slot_push(&R->slot[due % R->nslot], elem, w);
}

int psst__events_step(psst_sim *s, int64_t k) {
  const psst_layout *L = &s->L;
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    if (!(lp->kind->flags & PSST_SYN_F_SPIKE_TRIGGERED)) continue;
    /* schedule the spikes of step k */
    for (int64_t x = 0; x < s->nspiked; x++) {
      int64_t j = s->spiked[x] - lp->src_gid0;
      if (j < 0 || j >= lp->nsrc) continue;
      if (lp->store == PSST_STORE_PRE) {
        PSST_TRY(psst__events_push(s, q, k + lp->pre_delay - 1, j, 1.0));
        continue;
      }
      for (int64_t e = lp->t_ptr[j]; e < lp->t_ptr[j + 1]; e++)
        PSST_TRY(psst__events_push(s, q, k + lp->t_delay[e] - 1, lp->t_elem[e],
                                   lp->t_w[e]));
    }
    /* deliver what is due now */
    psst_evslot *sl = &s->ev[q].slot[k % s->ev[q].nslot];
    if (sl->n > 0) {
      PSST_TRY(s->be->ops->deliver(s->be, q, sl->elem, sl->w, sl->n,
                                   (double)(k + 1) * s->dt));
      sl->n = 0;
    }
  }
  return 0;
}

int64_t psst__events_pending(const psst_sim *s, int q) {
  const psst_evring *R = &s->ev[q];
  int64_t n = 0;
  for (int k = 0; k < R->nslot; k++)
    n += R->slot[k].n;
  return n;
}
