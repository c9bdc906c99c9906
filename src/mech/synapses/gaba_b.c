/* Synapse kind gaba_b: tables and descriptor (docs/models.md §7). The equations
 * are the hooks in mech/synapses/gaba_b.h. */
#include <math.h>

#include "mech/list.h"
#include "psst/model.h"

#define BIG 1e9

static const psst_state_info gaba_b_state[PSST_GABAB_NSTATE] = {
    {"R", "1", "activated receptor fraction", 0.0, 0, 1},
    {"G", "1", "G-protein concentration (dimensionless)", 0.0, 0, 0},
};

/* E's default NaN means: the postsynaptic population's E_K. */
static const psst_param_info gaba_b_param[PSST_GABAB_NPARAM] = {
    [PSST_GABAB_R1] = {"r1", "1/(mM ms)", 1.0, 0, BIG,
                       "receptor activation rate per unit transmitter"},
    [PSST_GABAB_R2] = {"r2", "1/ms", 0.0025, 0, BIG,
                       "receptor deactivation rate"},
    [PSST_GABAB_R3] = {"r3", "1/ms", 0.1, 0, BIG, "G-protein production rate"},
    [PSST_GABAB_R4] = {"r4", "1/ms", 0.06, 0, BIG, "G-protein removal rate"},
    [PSST_GABAB_K] = {"K", "1", 100.0, 1e-12, BIG,
                      "half-activation constant of G^n"},
    [PSST_GABAB_N] = {"n", "1", 4.0, 0, 100, "cooperativity exponent"},
    [PSST_GABAB_G] =
        {"g", "mS/cm^2", 1.4, 0, BIG,
         "total conductance per postsynaptic neuron, shared among its inputs"},
    [PSST_GABAB_E] = {"E", "mV", NAN, -1000, 1000,
                      "reversal potential (default: the target's E_K)"},
    [PSST_GABAB_CMAX] = {"Cmax", "mM", 0.5, 0, BIG,
                         "transmitter pulse amplitude"},
    [PSST_GABAB_CDUR] = {"Cdur", "ms", 0.3, 0, BIG, "transmitter pulse length"},
    [PSST_GABAB_VREL] = {"V_rel", "mV", -20.0, -1000, 1000,
                         "release threshold (level-triggered)"},
    [PSST_GABAB_DEAD] = {"dead", "ms", 1.0, 0, BIG,
                         "dead time after a pulse before the next release"},
};

static const char *const gaba_b_from_target[PSST_GABAB_NPARAM] = {
    [PSST_GABAB_E] = "E_K"};

PSST_SYNAPSE_REFERENCE(gaba_b)

const psst_synapse_kind psst_synapse_gaba_b = {
    "gaba_b",
    "slow GABA_B: receptor / G-protein kinetics, level-triggered release",
    "docs/models.md §7",
    PSST_SYN_GABA_B,
    PSST_GABAB_NPARAM,
    gaba_b_param,
    gaba_b_from_target,
    psst_sk_gaba_b_nderived,
    NULL,
    NULL,
    PSST_GABAB_NSTATE,
    gaba_b_state,
    PSST_SYN_F_TRANSMITTER | PSST_SYN_F_STEP_BOUNDARY | PSST_SYN_F_SHARED_G,
    1u << PSST_STORE_PRE,
    "t_rel",
    PSST_FIRE_T_DEFAULT,
    1.2,
    NULL,
    psst_sk_gaba_b_drive_ref,
    psst_sk_gaba_b_current_ref};
