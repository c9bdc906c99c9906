/* Injected currents: pulses, sampled waveforms, the odour and noise, per
 * local neuron and grid sample.
 *
 * Noise (stimuli: noise) is one value per target and grid sample k, held
 * over the step like every sample (all RK4 stages of step i use sample i,
 * or i+1 at stage 4 under run.hold: tutorial), drawn from the standard
 * normal xi keyed by (seed, stimulus, gid, k + 1):
 *   white:  I_k = mean + sigma xi_k / sqrt(dt)    (the step average of
 *           mean + sigma * white noise: an Euler-Maruyama increment)
 *   OU:     I_0 = mean + sd xi_0 (keyed k = 0, stationary start),
 *           I_k+1 = mean + (I_k - mean) e^(-dt/tau) + sd sqrt(1 -
 *           e^(-2 dt/tau)) xi_k+1, the exact transition of the process.
 */
#include <math.h>
#include <string.h>

#include "engine/engine.h"
#include "rng.h"

/* OU state of stimulus ls at sample k: advances from ou_k (k = ou_k + 1),
 * or returns the last two. */
static const double *ou_at(psst_sim *s, int q, psst_lstim *ls, int64_t k) {
  const psst_noise *z = &ls->s->noise;
  if (k == ls->ou_k - 1) return ls->ou_prev;
  if (k == ls->ou_k + 1) {
    const double a = exp(-s->dt / z->tau);
    const double b = z->sd * sqrt(-expm1(-2.0 * s->dt / z->tau));
    for (int64_t i = 0; i < ls->n; i++) {
      double x =
          psst_rng_normal(s->m->run.seed, PSST_STREAM_CURRENT + (uint32_t)q,
                          (uint64_t)(s->L.lo + ls->lid[i]), (uint64_t)k + 1u);
      ls->ou_prev[i] = ls->ou[i];
      ls->ou[i] = z->mean + (ls->ou[i] - z->mean) * a + b * x;
    }
    ls->ou_k = k;
  }
  /* k == ou_k: the engine asks for i, then maybe i + 1, in order; a
   * checkpoint for its step (i + 1 after step i, ou_k = i or i + 1) */
  return ls->ou;
}

const double *psst__stim_noise_at(psst_sim *s, int q, int64_t k) {
  return ou_at(s, q, &s->ls[q], k);
}

/* Injected current of every local neuron at grid sample k [uA/cm^2]
 * (docs/models.md §4, sample-and-hold: I(t) = I[k] for t_k <= t < t_{k+1}). */
static void stim_sample(psst_sim *s, int64_t k, double *cur) {
  memset(cur, 0, (size_t)s->L.nloc * sizeof *cur);
  for (int q = 0; q < s->nls; q++) {
    psst_lstim *ls = &s->ls[q];
    if (ls->s->type == PSST_STIM_NOISE && ls->s->noise.tau > 0) {
      const double *I = ou_at(s, q, ls, k);
      for (int64_t i = 0; i < ls->n; i++)
        cur[ls->lid[i]] += I[i];
    } else if (ls->s->type == PSST_STIM_NOISE) {
      const psst_noise *z = &ls->s->noise;
      const double f = z->sd / sqrt(s->dt);
      for (int64_t i = 0; i < ls->n; i++)
        cur[ls->lid[i]] +=
            z->mean + f * psst_rng_normal(s->m->run.seed,
                                          PSST_STREAM_CURRENT + (uint32_t)q,
                                          (uint64_t)(s->L.lo + ls->lid[i]),
                                          (uint64_t)k + 1u);
    } else if (ls->s->type == PSST_STIM_ODOUR) {
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
