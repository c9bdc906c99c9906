/* mech/list.h — THE kind list (internal).
 *
 * Every backend expands these two lists into its loops (one instantiation
 * of each hook per kind: src/backend/cpu/cpu_kernels.c,
 * src/backend/cuda/cuda_backend.cu), and the registry into the kinds
 * `psst info` lists and model files name. Adding a kind: its header with
 * the hooks (mech/mech.h says which), its table file with the descriptor,
 * and here its #include and its entry. The engine never names a kind.
 *
 * X(name, NAME): `name` is the kind's name in model files and the stem of
 * its hooks (psst_nk_<name>_deriv, psst_sk_<name>_current, ...) and of its
 * descriptor (psst_neuron_<name>, psst_synapse_<name>).
 */
#ifndef PSST_MECH_LIST_H
#define PSST_MECH_LIST_H

#include "psst/kinds.h"

#include "mech/neurons/hh.h"
#include "mech/neurons/locust.h"
#include "mech/neurons/source.h"
#include "mech/synapses/ach_pulse.h"
#include "mech/synapses/ach_spike.h"
#include "mech/synapses/exp2_cond.h"
#include "mech/synapses/exp_cond.h"
#include "mech/synapses/gaba_a.h"
#include "mech/synapses/gaba_b.h"

/* in the order `psst info` lists them */
#define PSST_NEURON_KINDS(X)                                                   \
  X(hh_tutorial, HH_TUTORIAL)                                                  \
  X(hh_classic, HH_CLASSIC)                                                    \
  X(cobahh, COBAHH)                                                            \
  X(pn, PN)                                                                    \
  X(ln, LN)                                                                    \
  X(poisson, POISSON)                                                          \
  X(spike_times, SPIKE_TIMES)

#define PSST_SYNAPSE_KINDS(X)                                                  \
  X(ach_pulse, ACH_PULSE)                                                      \
  X(gaba_a, GABA_A)                                                            \
  X(exp_cond, EXP_COND)                                                        \
  X(gaba_b, GABA_B)                                                            \
  X(exp2_cond, EXP2_COND)                                                      \
  X(ach_spike, ACH_SPIKE)

/* Kind ids: the position in the list (psst_*_kind.id). */
#define PSST__NK_ID(name, NAME) PSST_NK_##NAME,
#define PSST__SYN_ID(name, NAME) PSST_SYN_##NAME,
typedef enum psst_neuron_id {
  PSST_NEURON_KINDS(PSST__NK_ID) PSST_NK_COUNT
} psst_neuron_id;
typedef enum psst_synapse_id {
  PSST_SYNAPSE_KINDS(PSST__SYN_ID) PSST_SYN_COUNT
} psst_synapse_id;
#undef PSST__NK_ID
#undef PSST__SYN_ID

#ifdef __cplusplus
extern "C" {
#endif
#define PSST__NK_DECL(name, NAME)                                              \
  extern const psst_neuron_kind psst_neuron_##name;
#define PSST__SYN_DECL(name, NAME)                                             \
  extern const psst_synapse_kind psst_synapse_##name;
PSST_NEURON_KINDS(PSST__NK_DECL)
PSST_SYNAPSE_KINDS(PSST__SYN_DECL)
#undef PSST__NK_DECL
#undef PSST__SYN_DECL
#ifdef __cplusplus
}
#endif

#endif
