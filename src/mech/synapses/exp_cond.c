/* Synapse kind exp_cond: tables and descriptor (docs/models.md §11.2). The
 * equations are the hooks in mech/synapses/exp_cond.h. */
#include <math.h>

#include "mech/list.h"

#define BIG 1e9

static const psst_state_info expc_state[] = {
    {"gsyn", "mS/cm^2", "synaptic conductance (per postsynaptic neuron)", 0.0,
     0, 0},
};

static const psst_param_info expc_param[PSST_EXPC_NPARAM] = {
    [PSST_EXPC_G] =
        {"g", "mS/cm^2", 0.03, 0, BIG,
         "conductance increment per presynaptic spike (times weight)"},
    [PSST_EXPC_TAU] = {"tau", "ms", 5.0, 1e-6, BIG, "decay time constant"},
    [PSST_EXPC_E] = {"E", "mV", 0.0, -1000, 1000, "reversal potential"},
};

/* spikes cost per event, not per stage */
PSST_SYNAPSE_REFERENCE(exp_cond)

const psst_synapse_kind psst_synapse_exp_cond = {
    "exp_cond",
    "spike-triggered exponentially decaying conductance (COBAHH)",
    "docs/models.md §11.2",
    PSST_SYN_EXP_COND,
    PSST_EXPC_NPARAM,
    expc_param,
    NULL,
    psst_sk_exp_cond_nderived,
    NULL,
    NULL,
    1,
    expc_state,
    PSST_SYN_F_SPIKE_TRIGGERED | PSST_SYN_F_DRIVE_IS_STATE,
    1u << PSST_STORE_POST,
    NULL,
    0.0,
    0.05,
    NULL,
    psst_sk_exp_cond_drive_ref,
    psst_sk_exp_cond_current_ref};
