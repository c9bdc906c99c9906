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

#include "partition.h"
#include "psst/error.h"

/* Relative costs per step, measured with benchmarks/core (a Traub-Miles
 * neuron with 4 state variables ~ 0.3 us, one CSR synapse ~ 3.5 ns, one
 * dense entry about half of that; spike-triggered synapses cost per spike,
 * not per stage). */
#define COST_PER_STATE 0.25
#define COST_PER_SYNAPSE (1.0 / 85.0)
#define COST_PER_DENSE_ENTRY (0.5 / 85.0)
#define COST_PER_EVENT_SYNAPSE (0.02 / 85.0)

/* Expected synaptic cost of one row of projection p with nsrc sources. */
static double row_cost(const psst_projection *p, int64_t row, int64_t nsrc) {
  double k;
  switch (p->rule) {
  case PSST_CONN_ALL_TO_ALL: k = (double)nsrc; break;
  case PSST_CONN_ONE_TO_ONE: k = 1.0; break;
  case PSST_CONN_RANDOM: k = p->p * (double)nsrc; break;
  case PSST_CONN_FIXED_INDEGREE: k = (double)p->indegree; break;
  case PSST_CONN_MATRIX: {
    k = 0.0;
    for (int64_t j = 0; j < nsrc; j++)
      k += p->matrix[row * nsrc + j] != 0.0;
    break;
  }
  case PSST_CONN_FILE:
  case PSST_CONN_LIKE:
  default: k = 0.5 * (double)nsrc; break; /* unknown without reading */
  }
  if (p->kind->id == PSST_SYN_EXP_COND) return k * COST_PER_EVENT_SYNAPSE;
  /* dense rows cost their full length (dense when density >= 1/4) */
  if (nsrc > 0 && k >= 0.25 * (double)nsrc)
    return (double)nsrc * COST_PER_DENSE_ENTRY;
  return k * COST_PER_SYNAPSE;
}

int psst_partition_compute(const psst_model *m, int size, int64_t *starts) {
  int64_t n = m->n_neurons;
  double *w = calloc((size_t)(n > 0 ? n : 1), sizeof *w);
  PSST_ALLOC_CHECK(w);
  for (int p = 0; p < m->npop; p++) {
    const psst_population *pp = &m->pops[p];
    double c = COST_PER_STATE * pp->kind->nstate;
    for (int64_t i = 0; i < pp->size; i++)
      w[pp->first_gid + i] = c;
  }
  for (int q = 0; q < m->nproj; q++) {
    const psst_projection *p = &m->projs[q];
    const psst_projection *src = p;
    while (src->rule == PSST_CONN_LIKE)
      src = &m->projs[src->like];
    int64_t nsrc = p->from.hi - p->from.lo;
    int64_t t0 = m->pops[p->to.pop].first_gid + p->to.lo;
    for (int64_t r = 0; r < p->to.hi - p->to.lo; r++)
      w[t0 + r] += row_cost(src, r, nsrc);
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
