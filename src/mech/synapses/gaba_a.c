/* Synapse kind gaba_a: tables and descriptor (docs/models.md §3.2, 3.4-3.5).
 * The equations are the hooks in mech/synapses/gaba_a.h. */
#include <math.h>

#include "mech/list.h"

#define BIG 1e9

static const psst_state_info receptor_state[] = {
    {"O", "1", "open receptor fraction", 0.0, 0, 1},
};

static const psst_param_info gaba_a_param[PSST_GABAA_NPARAM] = {
    [PSST_GABAA_ALPHA] = {"alpha", "1/ms", 10.0, 0, BIG,
                          "receptor opening rate per unit transmitter"},
    [PSST_GABAA_BETA] = {"beta", "1/ms", 0.16, 0, BIG, "receptor closing rate"},
    [PSST_GABAA_V0] = {"V0", "mV", -20.0, -1000, 1000,
                       "half-activation voltage of release"},
    [PSST_GABAA_SIGMA] = {"sigma", "mV", 1.5, 1e-6, 1000,
                          "slope of the release sigmoid"},
    [PSST_GABAA_G] = {"g", "mS/cm^2", 0.8, 0, BIG,
                      "maximal conductance (per postsynaptic neuron)"},
    [PSST_GABAA_E] = {"E", "mV", -70.0, -1000, 1000, "reversal potential"},
};

PSST_SYNAPSE_REFERENCE(gaba_a)

const psst_synapse_kind psst_synapse_gaba_a = {
    "gaba_a",
    "GABA_A: transmitter a sigmoid of the presynaptic voltage",
    "docs/models.md §3.2, 3.4",
    PSST_SYN_GABA_A,
    PSST_GABAA_NPARAM,
    gaba_a_param,
    NULL,
    psst_sk_gaba_a_nderived,
    NULL,
    NULL,
    1,
    receptor_state,
    PSST_SYN_F_TRANSMITTER | PSST_SYN_F_READS_STAGE_V |
        PSST_SYN_F_DRIVE_IS_STATE,
    1u << PSST_STORE_PRE | 1u << PSST_STORE_SYNAPSE,
    NULL,
    0.0,
    1.0,
    NULL,
    psst_sk_gaba_a_drive_ref,
    psst_sk_gaba_a_current_ref};
