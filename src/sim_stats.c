/* Sizes of a model on a given number of ranks, without building it. */
#include <stdlib.h>

#include "network.h"
#include "partition.h"
#include "psst/psst.h"

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
    int per_syn = p->storage == PSST_STORAGE_PER_SYNAPSE ||
                  (p->storage == PSST_STORAGE_AUTO &&
                   (p->init[0].type == PSST_INIT_NORMAL ||
                    p->init[0].type == PSST_INIT_UNIFORM));
    if (p->kind->id != PSST_SYN_EXP_COND && !per_syn)
      nz += p->from.hi - p->from.lo;
    if (proj_synapses) proj_synapses[ip] = 0;
  }
  int64_t *starts = malloc(((size_t)nranks + 1) * sizeof *starts);
  PSST_ALLOC_CHECK(starts);
  int prc = psst_partition_compute(m, nranks, starts);
  if (prc < 0) {
    free(starts);
    return prc;
  }
  for (int r = 0; r < nranks; r++) {
    int64_t lo = starts[r], hi = starts[r + 1];
    int64_t ny = 0, syn = 0, dense_bytes = 0;
    for (int ip = 0; ip < m->npop; ip++) {
      const psst_population *pp = &m->pops[ip];
      int64_t a = pp->first_gid > lo ? pp->first_gid : lo;
      int64_t b = pp->first_gid + pp->size < hi ? pp->first_gid + pp->size : hi;
      if (b > a) ny += (b - a) * pp->kind->nstate;
    }
    for (int ip = 0; ip < m->nproj; ip++) {
      const psst_projection *p = &m->projs[ip];
      int64_t t0 = m->pops[p->to.pop].first_gid + p->to.lo;
      int64_t t1 = t0 + (p->to.hi - p->to.lo);
      int64_t a = t0 > lo ? t0 : lo, b = t1 < hi ? t1 : hi;
      if (b <= a) continue;
      int64_t nnz = 0;
      int crc = psst_network_count(m, ip, a - t0, b - t0, &nnz);
      if (crc < 0) {
        free(starts);
        return crc;
      }
      syn += nnz;
      if (proj_synapses) proj_synapses[ip] += nnz;
      if (p->kind->id == PSST_SYN_EXP_COND)
        ny += b - a;
      else if (p->storage == PSST_STORAGE_PER_SYNAPSE)
        ny += nnz;
      int64_t entries = (b - a) * (p->from.hi - p->from.lo);
      if (p->drive == PSST_DRIVE_DENSE ||
          (p->drive == PSST_DRIVE_AUTO && entries > 0 && nnz >= entries / 4 &&
           entries <= ((int64_t)1 << 26)))
        dense_bytes += entries * 8;
    }
    st->synapses += syn;
    st->state_values += ny;
    /* RK4: y, stage, slope, sum (local and replicated); per neuron N-long
     * replicated arrays (V x3, fire_t, threshold, refractory, spiked);
     * synapses: CSR column (4 B) and, at worst, a weight (8 B);
     * record buffer. */
    int64_t rec = m->record.buffer * (hi - lo) * m->record.nvars * 8;
    int64_t bytes = 4 * 8 * (ny + nz) + 7 * 8 * m->n_neurons + 12 * syn +
                    dense_bytes + rec + 8 * 8 * (hi - lo);
    if (bytes > st->max_rank_bytes) st->max_rank_bytes = bytes;
    if (hi - lo > st->max_rank_neurons) st->max_rank_neurons = hi - lo;
    if (syn > st->max_rank_synapses) st->max_rank_synapses = syn;
  }
  st->state_values += nz;
  free(starts);
  return 0;
}
