/* Work-balanced contiguous blocks of neurons (internal).
 *
 * Equal numbers of neurons are not equal work: in the locust model every LN
 * receives 60 synapses and every PN 15, and the LNs sit at the end of the
 * id range, so equal blocks leave the last rank with most of the synapses.
 * Each neuron is given an estimated cost per step — its kind's intrinsic
 * currents plus the synaptic drive it receives, from each projection's
 * expected in-degree (or its dense row length) — and the id range is cut
 * where the cumulative cost crosses r/size of the total. The estimate needs
 * no connectivity to be drawn, is computed identically on every rank, and
 * any partition gives the same results (README: reproducibility), so only
 * speed depends on it.
 */
#include <math.h>
#include <stdlib.h>

#include "mech/rules.h"
#include "partition.h"
#include "psst/error.h"

/* Relative costs per step are the kinds' own (psst_*_kind.cost, in units
 * of one synapse-step of a sparse per-presynaptic drive, about 2.2 ns here);
 * each projection row a neuron receives costs a fixed overhead, and one
 * entry of a dense block a fraction of a sparse synapse (no gather: 0.2-0.25
 * while the block is in cache, 0.5 when it streams from memory); a synapse
 * with its own state (per_synapse storage: its derivative and a second
 * pass) about 2.5 times its kind's cost. Measured by
 * benchmarks/calibrate/run.sh and, for short dense rows, on the locust
 * model (benchmarks/README.md: calibration). */
#define COST_PER_ROW 3.0
#define COST_PER_DENSE_ENTRY 0.25
#define COST_FACTOR_PER_SYNAPSE_STATE 2.5

/* Expected in-degree of row `row` of projection p with nsrc sources. */
static double row_indegree(const psst_projection *p, int64_t row,
                           int64_t nsrc) {
  switch (p->rule) {
  case PSST_CONN_ALL_TO_ALL: return (double)nsrc;
  case PSST_CONN_ONE_TO_ONE: return 1.0;
  case PSST_CONN_RANDOM: return p->p * (double)nsrc;
  case PSST_CONN_FIXED_INDEGREE: return (double)p->indegree;
  case PSST_CONN_MATRIX: {
    double k = 0.0;
    for (int64_t j = 0; j < nsrc; j++)
      k += p->matrix[row * nsrc + j] != 0.0;
    return k;
  }
  case PSST_CONN_FILE:
  case PSST_CONN_LIKE:
  default: return 0.5 * (double)nsrc; /* unknown without reading */
  }
}

int psst_partition_compute(const psst_model *m, int size, int64_t *starts) {
  int64_t n = m->n_neurons;
  double *w = calloc((size_t)(n > 0 ? n : 1), sizeof *w);
  PSST_ALLOC_CHECK(w);
  for (int p = 0; p < m->npop; p++) {
    const psst_population *pp = &m->pops[p];
    double c = pp->kind->cost;
    for (int64_t i = 0; i < pp->size; i++)
      w[pp->first_gid + i] = c;
  }
  for (int q = 0; q < m->nproj; q++) {
    const psst_projection *p = &m->projs[q];
    const psst_projection *src = p;
    while (src->rule == PSST_CONN_LIKE)
      src = &m->projs[src->like];
    int64_t nsrc = p->from.hi - p->from.lo;
    int64_t nrows = p->to.hi - p->to.lo;
    int64_t t0 = m->pops[p->to.pop].first_gid + p->to.lo;
    double expected = 0.0;
    for (int64_t r = 0; r < nrows; r++)
      expected += row_indegree(src, r, nsrc);
    /* dense rows cost their full length */
    int dense = psst_projection_dense(p, expected, 0.0);
    double per = p->kind->cost;
    if (psst_projection_store(p) == PSST_STORE_SYNAPSE)
      per *= COST_FACTOR_PER_SYNAPSE_STATE;
    for (int64_t r = 0; r < nrows; r++)
      w[t0 + r] += COST_PER_ROW + (dense ? (double)nsrc * COST_PER_DENSE_ENTRY
                                         : row_indegree(src, r, nsrc) * per);
  }
  /* cut where the running total crosses r/size of the whole */
  double total = 0.0;
  for (int64_t i = 0; i < n; i++)
    total += w[i];
  starts[0] = 0;
  double acc = 0.0;
  int64_t i = 0;
  for (int r = 1; r < size; r++) {
    double target = total * (double)r / (double)size;
    while (i < n && acc + 0.5 * w[i] < target)
      acc += w[i++];
    starts[r] = i;
  }
  starts[size] = n;
  free(w);
  return 0;
}
