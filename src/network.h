/* Connectivity of the local neurons (internal).
 *
 * For each projection, the incoming synapses of the postsynaptic neurons this
 * rank owns, as CSR by postsynaptic neuron with ascending presynaptic index
 * (MODEL.md §3.1 order), built from rules or files. Random rules draw per
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

#endif
