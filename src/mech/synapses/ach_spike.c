/* Synapse kind ach_spike: tables and descriptor. The equations are the
 * hooks in mech/synapses/ach_spike.h. */
#include <math.h>

#include "mech/list.h"
#include "psst/model.h"

#define BIG 1e9

static const psst_state_info ach_spike_state[PSST_ACHS_NSTATE] = {
    [PSST_ACHS_STATE_O] = {"O", "1", "open receptor fraction", 0.0, 0, 1},
    [PSST_ACHS_STATE_T] = {"t_spike", "ms",
                           "time of the last delivered presynaptic spike",
                           PSST_FIRE_T_DEFAULT, 0, 0},
};

static const psst_param_info ach_spike_param[PSST_ACHS_NPARAM] = {
    [PSST_ACHS_ALPHA] = {"alpha", "1/ms", 10.0, 0, BIG,
                         "receptor opening rate per unit transmitter"},
    [PSST_ACHS_BETA] = {"beta", "1/ms", 0.2, 0, BIG, "receptor closing rate"},
    [PSST_ACHS_A] = {"A", "1", 0.5, 0, BIG, "transmitter pulse amplitude"},
    [PSST_ACHS_TMAX] = {"t_max", "ms", 0.3, 0, BIG, "transmitter pulse length"},
    [PSST_ACHS_G] = {"g", "mS/cm^2", 0.35, 0, BIG,
                     "maximal conductance (per postsynaptic neuron)"},
    [PSST_ACHS_E] = {"E", "mV", 0.0, -1000, 1000, "reversal potential"},
};

PSST_SYNAPSE_REFERENCE(ach_spike)

const psst_synapse_kind psst_synapse_ach_spike = {
    "ach_spike",
    "cholinergic: a transmitter pulse per delivered spike (with delays)",
    "README: synapse kinds",
    PSST_SYN_ACH_SPIKE,
    PSST_ACHS_NPARAM,
    ach_spike_param,
    NULL,
    psst_sk_ach_spike_nderived,
    NULL,
    NULL,
    PSST_ACHS_NSTATE,
    ach_spike_state,
    PSST_SYN_F_SPIKE_TRIGGERED | PSST_SYN_F_DRIVE_IS_STATE,
    1u << PSST_STORE_PRE | 1u << PSST_STORE_SYNAPSE,
    NULL,
    0.0,
    1.0,
    NULL,
    psst_sk_ach_spike_drive_ref,
    psst_sk_ach_spike_current_ref};
