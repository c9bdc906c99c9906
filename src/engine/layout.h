/* engine/layout.h — what a backend needs to know of this rank's part of the
 * network (internal). The engine builds it (engine/build.c); backends read
 * it and never change it. No MPI here: backends never see MPI.
 *
 * State memory: the engine owns one host copy of the whole state,
 *   y     local state: every segment's neurons, then per-synapse and
 *         per-postsynaptic synaptic state of the local rows
 *   z     per-presynaptic synaptic state (replicated on every rank)
 *   aux   per-presynaptic values decided at step boundaries (replicated)
 *   fire_t last firing time of every neuron [ms] (replicated)
 * A backend computes on it in place (CPU) or on its own copy (CUDA), and
 * hands it back through get_state / restore_state (backend/backend.h).
 */
#ifndef PSST_ENGINE_LAYOUT_H
#define PSST_ENGINE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "network.h"
#include "psst/kinds.h"
#include "psst/model.h"

/* Neurons of one segment are padded to a multiple of this many, so that
 * every neuron of every rank goes through the same (vector) arithmetic. */
#define PSST_PAD 8

/* The local neurons of one population: y[y_off + v*ld + i] is state
 * variable v of neuron gid_lo + i (i < n; n <= i < ld is padding, a copy
 * of the last neuron that nobody reads). */
typedef struct psst_seg {
  int pop;
  const psst_neuron_kind *kind;
  /* a user-defined kind's loop (kinds/user.h), with the signature of the
   * CPU kernel table's neuron entries; NULL for built-in kinds */
  void (*kernel)(int64_t n, int64_t ld, const double *p, const double *y,
                 const double *Iext, double *dy);
  const double *params; /* nparam + nderived values */
  int64_t gid_lo, n, ld;
  int64_t lid0; /* local index of the first neuron */
  size_t y_off;
} psst_seg;

/* One projection as this rank sees it: the incoming synapses of its local
 * postsynaptic neurons, and where the projection's state lives. State
 * variable v of element e is at base[off + v*ld + e], base = z (PRE: e is
 * the presynaptic index j < nsrc, ld = nsrc) or y (SYNAPSE: e is the CSR
 * position x < nnz, ld = nnz; POST: e is the local row r < nrows, ld =
 * nrows). */
struct psst_cpu_synapse_fns;

typedef struct psst_lproj {
  const psst_projection *p;
  int ip;
  const psst_synapse_kind *kind;
  /* a user-defined kind's loops (kinds/user_syn.h), which the CPU backend
   * calls instead of its table's; NULL for built-in kinds */
  const struct psst_cpu_synapse_fns *loops;
  const double *params; /* nparam + nderived values */
  psst_store store;
  int64_t src_gid0, nsrc;
  int64_t row0, nrows; /* local rows [row0, row0 + nrows) of the target slice */
  int64_t lid0;        /* local index of row row0 */
  int64_t nnz;
  psst_csr csr;
  double *dense;  /* nrows x nsrc weights (dense drive), or NULL */
  size_t off;     /* state offset in y or z (see above) */
  int64_t ld;     /* stride between the state variables */
  size_t aux_off; /* STEP_BOUNDARY: aux[aux_off + j], j < nsrc */
  /* SPIKE_TRIGGERED: transposed connectivity, presynaptic j -> the state
   * elements its spikes reach (POST: local rows; SYNAPSE: CSR positions),
   * in ascending presynaptic order, with each synapse's weight and delay
   * [steps]; PRE: every spike of j reaches element j after pre_delay steps */
  int64_t *t_ptr;
  int64_t *t_elem;
  double *t_w;
  int32_t *t_delay;
  int32_t pre_delay;
  int32_t max_delay; /* the largest delay of the local synapses [steps] */
  double *inv_k;     /* SHARED_G: 1 / inputs of each local row (0 if none) */
} psst_lproj;

typedef struct psst_layout {
  int64_t N;      /* neurons of the network */
  int64_t lo, hi; /* this rank's neurons [lo, hi) */
  int64_t nloc;
  psst_method method;
  int nseg;
  psst_seg *seg;
  int nlp;
  psst_lproj *lp;
  size_t ny, nz, naux;
  /* the host state (see above); the engine owns it */
  double *y, *z, *aux, *fire_t;
} psst_layout;

#endif
