/* Synapse kind ach_pulse: tables and descriptor (docs/models.md §3.2-3.3, 3.5).
 * The equations are the hooks in mech/synapses/ach_pulse.h. */
#include <math.h>

#include "mech/list.h"

#define BIG 1e9

static const psst_state_info receptor_state[] = {
    {"O", "1", "open receptor fraction", 0.0, 0, 1},
};

static const psst_param_info ach_param[PSST_ACH_NPARAM] = {
    [PSST_ACH_ALPHA] = {"alpha", "1/ms", 10.0, 0, BIG,
                        "receptor opening rate per unit transmitter"},
    [PSST_ACH_BETA] = {"beta", "1/ms", 0.2, 0, BIG, "receptor closing rate"},
    [PSST_ACH_A] = {"A", "1", 0.5, 0, BIG, "transmitter pulse amplitude"},
    [PSST_ACH_TMAX] = {"t_max", "ms", 0.3, 0, BIG, "transmitter pulse length"},
    [PSST_ACH_TDELAY] = {"t_delay", "ms", 0.0, 0, BIG,
                         "delay from the spike to the pulse"},
    [PSST_ACH_G] = {"g", "mS/cm^2", 0.35, 0, BIG,
                    "maximal conductance (per postsynaptic neuron)"},
    [PSST_ACH_E] = {"E", "mV", 0.0, -1000, 1000, "reversal potential"},
};

PSST_SYNAPSE_REFERENCE(ach_pulse)

const psst_synapse_kind psst_synapse_ach_pulse = {
    "ach_pulse",
    "cholinergic: transmitter pulse after each presynaptic spike",
    "docs/models.md §3.2-3.3",
    PSST_SYN_ACH_PULSE,
    PSST_ACH_NPARAM,
    ach_param,
    NULL,
    psst_sk_ach_pulse_nderived,
    NULL,
    NULL,
    1,
    receptor_state,
    PSST_SYN_F_TRANSMITTER | PSST_SYN_F_READS_FIRE_T |
        PSST_SYN_F_DRIVE_IS_STATE,
    1u << PSST_STORE_PRE | 1u << PSST_STORE_SYNAPSE,
    NULL,
    0.0,
    1.0,
    "ach_spike",
    psst_sk_ach_pulse_drive_ref,
    psst_sk_ach_pulse_current_ref};
