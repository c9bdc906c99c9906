/* mech/synapses/receptors.h — the two-state receptor shared by the
 * tutorial's synapse kinds (docs/models.md §3.2), PSST_HD:
 *
 *   dO/dt = alpha (1 - O) T - beta O
 *   I_i   = g (V_i - E) * sum_j w_ij O_j
 *
 * O_j is the state of presynaptic neuron j (per-presynaptic storage, exact
 * under §3.7) or of synapse (i, j) (per-synapse storage).
 */
#ifndef PSST_MECH_RECEPTORS_H
#define PSST_MECH_RECEPTORS_H

#include "mech/mech.h"

/* Two-state receptor: dO/dt [1/ms]; alpha, beta [1/ms]. */
PSST_HD static inline double psst_receptor_deriv(double O, double T,
                                                 double alpha, double beta) {
  return alpha * (1.0 - O) * T - beta * O;
}

#endif
