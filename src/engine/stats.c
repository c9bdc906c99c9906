/* Sizes of a model on a given number of ranks, without building it. */
#include <stdlib.h>

#include "engine/layout.h"
#include "mech/rules.h"
#include "network.h"
#include "partition.h"
#include "psst/psst.h"

/* How many of the gids [a0, a1) lie in [lo, hi). */
static int64_t overlap(int64_t a0, int64_t a1, int64_t lo, int64_t hi) {
  int64_t a = a0 > lo ? a0 : lo, b = a1 < hi ? a1 : hi;
  return b > a ? b - a : 0;
}

/* Bytes of record block b's buffer on the rank of gids [lo, hi): its
 * recorded neurons there (at most: overlapping slices count twice) times
 * its variables, for the records it holds before a write (record.buffer,
 * or all of the run's when fewer). */
static int64_t rec_block_bytes(const psst_model *m, int b, int64_t lo,
                               int64_t hi) {
  const psst_record_block *rb = &m->record.block[b];
  int64_t n = 0;
  if (rb->neurons.n == 0) {
    for (int p = 0; p < m->npop; p++) {
      const psst_population *pp = &m->pops[p];
      if (!(pp->kind->flags & PSST_NEURON_F_SOURCE))
        n += overlap(pp->first_gid, pp->first_gid + pp->size, lo, hi);
    }
  }
  for (int i = 0; i < rb->neurons.n; i++) {
    const psst_slice *sl = &rb->neurons.slice[i];
    int64_t g0 = m->pops[sl->pop].first_gid;
    n += overlap(g0 + sl->lo, g0 + sl->hi, lo, hi);
  }
  int64_t every = psst_record_every(m, b);
  int64_t nrec = every > 0 ? (psst_model_grid_points(m) - 1) / every + 1 : 1;
  if (nrec > m->record.buffer) nrec = m->record.buffer;
  return nrec * n * rb->nvars * 8;
}

int psst_model_stats_compute(const psst_model *m, int nranks,
                             int64_t *proj_synapses, psst_model_stats *st) {
  PSST_CHECK(nranks >= 1, PSST_ERR_USER, "--ranks must be at least 1");
  st->neurons = m->n_neurons;
  st->synapses = 0;
  st->state_values = 0;
  st->max_rank_bytes = st->max_rank_neurons = st->max_rank_synapses = 0;
  /* replicated per-presynaptic state, the same on every rank */
  int64_t nz = 0;
  for (int ip = 0; ip < m->nproj; ip++) {
    const psst_projection *p = &m->projs[ip];
    if (psst_projection_store(p) == PSST_STORE_PRE)
      nz += (p->from.hi - p->from.lo) * p->kind->nstate;
    if (proj_synapses) proj_synapses[ip] = 0;
  }
  int64_t *starts = malloc(((size_t)nranks + 1) * sizeof *starts);
  PSST_ALLOC_CHECK(starts);
  int prc = psst_partition_compute(m, nranks, starts);
  if (prc < 0) {
    free(starts);
    return prc;
  }
  /* the whole projection's synapses and the largest block decide the
   * dense drive, as in the build (mech/rules.h) */
  int64_t *total = calloc((size_t)m->nproj + 1, sizeof *total);
  double *maxblock = calloc((size_t)m->nproj + 1, sizeof *maxblock);
  int rc =
      (total && maxblock) ? 0 : psst_error_set(PSST_ERR_NOMEM, "out of memory");
  for (int ip = 0; rc == 0 && ip < m->nproj; ip++) {
    const psst_projection *p = &m->projs[ip];
    rc = psst_network_count(m, ip, 0, p->to.hi - p->to.lo, &total[ip]);
  }
  for (int r = 0; rc == 0 && r < nranks; r++)
    for (int ip = 0; ip < m->nproj; ip++) {
      const psst_projection *p = &m->projs[ip];
      int64_t t0 = m->pops[p->to.pop].first_gid + p->to.lo;
      int64_t t1 = t0 + (p->to.hi - p->to.lo);
      double e = (double)overlap(t0, t1, starts[r], starts[r + 1]) *
                 (double)(p->from.hi - p->from.lo);
      if (e > maxblock[ip]) maxblock[ip] = e;
    }
  for (int r = 0; rc == 0 && r < nranks; r++) {
    int64_t lo = starts[r], hi = starts[r + 1];
    int64_t ny = 0, syn = 0, dense_bytes = 0;
    for (int ip = 0; ip < m->npop; ip++) {
      const psst_population *pp = &m->pops[ip];
      int64_t n = overlap(pp->first_gid, pp->first_gid + pp->size, lo, hi);
      ny += (n + PSST_PAD - 1) / PSST_PAD * PSST_PAD * pp->kind->nstate;
    }
    for (int ip = 0; ip < m->nproj; ip++) {
      const psst_projection *p = &m->projs[ip];
      int64_t t0 = m->pops[p->to.pop].first_gid + p->to.lo;
      int64_t t1 = t0 + (p->to.hi - p->to.lo);
      int64_t a = t0 > lo ? t0 : lo, b = t1 < hi ? t1 : hi;
      if (b <= a) continue;
      int64_t nnz = 0;
      rc = psst_network_count(m, ip, a - t0, b - t0, &nnz);
      if (rc < 0) break;
      syn += nnz;
      if (proj_synapses) proj_synapses[ip] += nnz;
      psst_store where = psst_projection_store(p);
      if (where == PSST_STORE_POST)
        ny += (b - a) * p->kind->nstate;
      else if (where == PSST_STORE_SYNAPSE)
        ny += nnz * p->kind->nstate;
      int64_t entries = (b - a) * (p->from.hi - p->from.lo);
      if (psst_projection_dense(p, (double)total[ip], maxblock[ip]))
        dense_bytes += entries * 8;
    }
    st->synapses += syn;
    st->state_values += ny;
    /* RK4: y, stage, slope, sum (local and replicated); per neuron N-long
     * replicated arrays (V x3, fire_t, threshold, refractory, spiked, the
     * exchange's buffers and lists: 16 doubles, as measured by
     * benchmarks/scaling/memory.py, 120-160 B per neuron); synapses: CSR
     * column (4 B) and, at worst, a weight (8 B); record buffers. */
    int64_t rec = 0;
    for (int b = 0; b < m->record.nblock; b++)
      rec += rec_block_bytes(m, b, lo, hi);
    int64_t bytes = 4 * 8 * (ny + nz) + 16 * 8 * m->n_neurons + 12 * syn +
                    dense_bytes + rec + 8 * 8 * (hi - lo);
    if (bytes > st->max_rank_bytes) st->max_rank_bytes = bytes;
    if (hi - lo > st->max_rank_neurons) st->max_rank_neurons = hi - lo;
    if (syn > st->max_rank_synapses) st->max_rank_synapses = syn;
  }
  free(total);
  free(maxblock);
  if (rc < 0) {
    free(starts);
    return rc;
  }
  st->state_values += nz;
  free(starts);
  return 0;
}
