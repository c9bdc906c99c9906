/* Connectivity of the local neurons (internal).
 *
 * For each projection, the incoming synapses of the postsynaptic neurons this
 * rank owns, as CSR by postsynaptic neuron with ascending presynaptic index
 * (docs/models.md §3.1 order), built from rules or files. Random rules draw per
 * (postsynaptic gid, draw index) under the projection's stream, so every
 * rank builds exactly the rows the one-rank run would.
 */
#ifndef PSST_NETWORK_H
#define PSST_NETWORK_H

#include <stdint.h>

#include "psst/model.h"

/* Incoming synapses of rows [0, nrows): row r is postsynaptic neuron
 * to.lo + row0 + r of the projection's target slice. col[] indexes the
 * source slice (0 .. nsrc-1). w == NULL means every weight is `weight`. */
typedef struct psst_csr {
  int64_t nrows, nsrc;
  int64_t *row_ptr; /* nrows + 1 */
  int32_t *col;     /* nnz */
  double *w;        /* nnz, or NULL */
  double weight;    /* constant weight when w == NULL (dimensionless) */
} psst_csr;

/* Build rows [row_lo, row_hi) of projection `ip`'s connectivity (rows are
 * indices into the target slice). May read the projection's file. Not
 * collective. */
int psst_network_build(const psst_model *m, int ip, int64_t row_lo,
                       int64_t row_hi, psst_csr *out);

/* Count the synapses of rows [row_lo, row_hi) without storing them. */
int psst_network_count(const psst_model *m, int ip, int64_t row_lo,
                       int64_t row_hi, int64_t *nnz);

void psst_csr_free(psst_csr *c);

/* A draw of distribution d for the synapse (post, pre) (global ids) under
 * `stream`, clamped to [d->min, d->max]; d->a for CONST. Not collective; the
 * same on every rank. */
double psst_network_draw(const psst_dist *d, uint64_t seed, uint32_t stream,
                         int64_t post, int64_t pre);

/* The delay of every synapse of csr (rows row0 .. of projection ip's
 * target slice) in steps of dt: round(delay / dt) (halves up), at least 1;
 * projections without a delay: 1. *max_steps gets the largest. Not
 * collective. */
void psst_network_delays(const psst_model *m, int ip, const psst_csr *csr,
                         int64_t row0, int32_t *steps, int32_t *max_steps);

#endif
