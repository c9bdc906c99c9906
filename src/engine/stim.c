/* Injected currents: pulses, sampled waveforms and the odour, per local
 * neuron and grid sample. */
#include <math.h>
#include <string.h>

#include "engine/engine.h"

/* Injected current of every local neuron at grid sample k [uA/cm^2]
 * (MODEL.md §4, sample-and-hold: I(t) = I[k] for t_k <= t < t_{k+1}). */
static void stim_sample(const psst_sim *s, int64_t k, double *cur) {
  memset(cur, 0, (size_t)s->L.nloc * sizeof *cur);
  for (int q = 0; q < s->nls; q++) {
    const psst_lstim *ls = &s->ls[q];
    if (ls->s->type == PSST_STIM_ODOUR) {
      const psst_odour *o = &ls->s->odour;
      double t = (double)k * s->dt, y = 0.0;
      if (t >= o->offset)
        y = o->decay_coef * exp(-(t - o->offset) / o->decay);
      else if (t >= o->onset)
        y = 1.0 - exp(-(t - o->onset) / o->rise);
      double a = o->amplitude * y;
      if (a != 0.0)
        for (int64_t i = 0; i < ls->n; i++)
          cur[ls->lid[i]] += a;
    } else if (ls->s->type == PSST_STIM_PULSES) {
      double a = 0.0;
      for (int p = 0; p < ls->s->npulses; p++)
        if (k >= ls->kstart[p] && k < ls->kstop[p])
          a += ls->s->pulses[p].amplitude;
      if (a != 0.0)
        for (int64_t i = 0; i < ls->n; i++)
          cur[ls->lid[i]] += a;
    } else {
      int64_t j = k / ls->stride;
      if (j < ls->nsamples)
        for (int64_t i = 0; i < ls->n; i++)
          cur[ls->lid[i]] += ls->data[i * ls->nsamples + j];
    }
  }
}

/* The sample-k current, from a two-entry cache (samples i and i+1 of a
 * step are reused by the next step). */
const double *psst__sim_stim(psst_sim *s, int64_t k) {
  for (int c = 0; c < 2; c++)
    if (s->Istim_k[c] == k) return s->Istim[c];
  int c = (s->Istim_k[0] < s->Istim_k[1]) ? 0 : 1; /* evict the older */
  stim_sample(s, k, s->Istim[c]);
  s->Istim_k[c] = k;
  return s->Istim[c];
}
