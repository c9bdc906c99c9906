/* Spike sources: the spikes of poisson and spike_times populations, step by
 * step (internal; engine/engine.h).
 *
 * Every rank makes every source's spikes (they are replicated, like the
 * crossings of neurons), from nothing but the model, the seed and the step
 * index: no generator state, so restart and any rank count give the same
 * trains.
 *
 * poisson: in step i (t_i, t_i + h] neuron g fires k times, k drawn from
 * the Poisson distribution of mean rate * dt (inverse CDF of one uniform
 * keyed by (seed, population, g, i)); the spike times are uniform in the
 * step (the first from the same draw, further ones keyed by (g, i, m)),
 * sorted. rate [Hz] is the population's params.rate, or sample i / stride
 * of the neuron's row of rate_file (0 after the waveform ends).
 *
 * spike_times: spike (n, t) is emitted in the step whose interval (t_i,
 * t_i + h] holds t, i = ceil(t / h) - 1 (to 1e-9 of a step).
 *
 * Either way a spike of step i is one event of every synapse the neuron
 * has, like a neuron's crossing in step i: fire_t = t_i, delivered after
 * the synapse's delay (engine/events.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "mech/neurons/source.h"
#include "rng.h"

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int psst__sources_create(psst_sim *s) {
  const psst_model *m = s->m;
  int n = 0;
  for (int p = 0; p < m->npop; p++)
    n += (m->pops[p].kind->flags & PSST_NEURON_F_SOURCE) != 0;
  s->nsrc = n;
  if (n == 0) return 0;
  s->src = calloc((size_t)n, sizeof *s->src);
  PSST_ALLOC_CHECK(s->src);
  int q = 0;
  for (int p = 0; p < m->npop; p++) {
    const psst_population *pp = &m->pops[p];
    if (!(pp->kind->flags & PSST_NEURON_F_SOURCE)) continue;
    psst_source *S = &s->src[q++];
    S->pop = p;
    S->gid0 = pp->first_gid;
    S->n = pp->size;
    S->poisson = !strcmp(pp->kind->name, "poisson");
    if (S->poisson && !pp->rate_path) {
      S->rate = pp->params[PSST_POISSON_RATE];
      S->p0 = exp(-S->rate * 1e-3 * s->dt); /* Hz * ms */
    } else if (S->poisson) {
      S->stride = (int64_t)llround(pp->rate_sample_dt / s->dt);
      if (S->stride < 1) S->stride = 1;
      int rc = psst_io_read_waveform(pp->rate_path, pp->rate_var, pp->size, 0,
                                     pp->size, &S->nsamples, &S->rates);
      if (rc < 0) {
        psst_error_prefix("populations '%s' (line %d) rate_file: ", pp->name,
                          pp->line);
        return rc;
      }
      for (int64_t x = 0; x < pp->size * S->nsamples; x++)
        if (!(S->rates[x] >= 0 && S->rates[x] <= 1e6))
          return psst_error_set(
              PSST_ERR_USER,
              "populations '%s' (line %d) rate_file: %s: %s[%lld][%lld] = "
              "%g Hz; rates must be in [0, 1e6] Hz",
              pp->name, pp->line, pp->rate_path, pp->rate_var,
              (long long)(x / S->nsamples), (long long)(x % S->nsamples),
              S->rates[x]);
    } else {
      /* spike_times: the step of each spike (times ascending: so are the
       * steps); within a step, by neuron, stably */
      S->nspk = pp->nspikes;
      S->spk_step = calloc((size_t)S->nspk + 1, sizeof *S->spk_step);
      S->spk_gid = calloc((size_t)S->nspk + 1, sizeof *S->spk_gid);
      S->spk_t = calloc((size_t)S->nspk + 1, sizeof *S->spk_t);
      PSST_ALLOC_CHECK(S->spk_step);
      PSST_ALLOC_CHECK(S->spk_gid);
      PSST_ALLOC_CHECK(S->spk_t);
      for (int64_t x = 0; x < S->nspk; x++) {
        double t = pp->spike_time[x];
        S->spk_step[x] = (int64_t)ceil(t / s->dt - 1e-9) - 1;
        S->spk_gid[x] = S->gid0 + pp->spike_neuron[x];
        S->spk_t[x] = t;
      }
      /* insertion sort by (step, gid): the list is nearly sorted already */
      for (int64_t x = 1; x < S->nspk; x++) {
        int64_t st = S->spk_step[x], g = S->spk_gid[x], y = x;
        double t = S->spk_t[x];
        while (y > 0 && (S->spk_step[y - 1] > st ||
                         (S->spk_step[y - 1] == st && S->spk_gid[y - 1] > g))) {
          S->spk_step[y] = S->spk_step[y - 1];
          S->spk_gid[y] = S->spk_gid[y - 1];
          S->spk_t[y] = S->spk_t[y - 1];
          y--;
        }
        S->spk_step[y] = st;
        S->spk_gid[y] = g;
        S->spk_t[y] = t;
      }
    }
  }
  return 0;
}

void psst__sources_free(psst_sim *s) {
  for (int q = 0; s->src && q < s->nsrc; q++) {
    free(s->src[q].rates);
    free(s->src[q].spk_step);
    free(s->src[q].spk_gid);
    free(s->src[q].spk_t);
  }
  free(s->src);
  s->src = NULL;
  s->nsrc = 0;
}

int psst__sim_spiked_grow(psst_sim *s) {
  int64_t cap = 2 * s->spiked_cap + 64;
  int64_t *a = realloc(s->spiked, (size_t)cap * sizeof *a);
  PSST_ALLOC_CHECK(a);
  s->spiked = a;
  s->spiked_cap = cap;
  return 0;
}

/* One spike of gid in step i at time t (ms). */
static int emit(psst_sim *s, int64_t gid, double ti, double t) {
  if (s->nspiked == s->spiked_cap) PSST_TRY(psst__sim_spiked_grow(s));
  s->spiked[s->nspiked++] = gid;
  s->L.fire_t[gid] = ti;
  if (s->m->record.spikes) PSST_TRY(psst__sim_push_spike(s, t, gid));
  return 0;
}

int psst__sources_step(psst_sim *s, int q, int64_t i, double ti, double h) {
  const psst_source *S = &s->src[q];
  const uint64_t seed = s->m->run.seed;
  const uint32_t stream = PSST_STREAM_SOURCE + (uint32_t)S->pop;
  if (!S->poisson) {
    /* the first spike of step i: binary search over the steps */
    int64_t lo = 0, hi = S->nspk;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (S->spk_step[mid] < i)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (int64_t x = lo; x < S->nspk && S->spk_step[x] == i; x++)
      PSST_TRY(emit(s, S->spk_gid[x], ti, S->spk_t[x]));
    return 0;
  }
  if (S->rates == NULL && S->rate == 0.0) return 0;
  const int64_t sample = S->rates ? i / S->stride : 0;
  for (int64_t j = 0; j < S->n; j++) {
    /* the mean count rate * dt, with the same dt as p0 (so a rate_file
     * of one constant rate gives the trains of params.rate bit for bit) */
    double p0 = S->p0, lambda = S->rate * 1e-3 * s->dt;
    if (S->rates) {
      double r = sample < S->nsamples ? S->rates[j * S->nsamples + sample] : 0;
      if (r == 0.0) continue;
      lambda = r * 1e-3 * s->dt;
      p0 = exp(-lambda);
    }
    const int64_t g = S->gid0 + j;
    philox4x32_ctr_t r = psst_rng_raw(seed, stream, (uint64_t)g, (uint64_t)i);
    double u = psst_rng_u53(r.v[0], r.v[1]);
    if (u < p0) continue; /* no spike: the common case */
    /* k >= 1 by the inverse CDF */
    int k = 1;
    double pk = p0 * lambda, cdf = p0 + pk;
    while (u >= cdf && k < 64) {
      k++;
      pk *= lambda / k;
      cdf += pk;
    }
    double f[64];
    f[0] = 1.0 - psst_rng_u53(r.v[2], r.v[3]); /* (0, 1] */
    for (int m = 1; m < k; m++)
      f[m] =
          1.0 - psst_rng_uniform(seed, PSST_STREAM_SOURCE_T + (uint32_t)S->pop,
                                 (uint64_t)g, (uint64_t)i * 64u + (uint64_t)m);
    if (k > 1) qsort(f, (size_t)k, sizeof *f, cmp_dbl);
    for (int m = 0; m < k; m++)
      PSST_TRY(emit(s, g, ti, ti + f[m] * h));
  }
  return 0;
}
