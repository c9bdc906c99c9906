/* mech/rules.h — the rules that decide how a projection is stored and
 * driven (internal). One copy, used by the build, the partition's cost
 * estimate and `psst check`'s sizes, so that they cannot drift apart. */
#ifndef PSST_MECH_RULES_H
#define PSST_MECH_RULES_H

#include "psst/kinds.h"
#include "psst/model.h"

/* A projection's drive is dense above this density ... */
#define PSST_DENSE_DENSITY 0.25
/* ... unless one rank's block would exceed this many entries. */
#define PSST_DENSE_MAX_ENTRIES ((int64_t)1 << 26)

/* Where projection p keeps its synaptic state: what its kind allows (a
 * per-postsynaptic kind always is), the model's storage choice, else per
 * presynaptic neuron unless the initial state is random. */
psst_store psst_projection_store(const psst_projection *p);

/* Whether projection p's drive is a dense block product: per-presynaptic
 * storage, and drive: dense, or drive: auto with a global density of at
 * least PSST_DENSE_DENSITY (`synapses` of the whole projection, counted or
 * expected) and no rank's block above PSST_DENSE_MAX_ENTRIES entries. The
 * same answer on every rank for the same arguments. */
int psst_projection_dense(const psst_projection *p, double synapses,
                          double max_block_entries);

#endif
