/* Synapse kind tables (MODEL.md §3.5, §11.2). The equations are in
 * include/psst/synapses.h; the engine applies them (src/sim.c). */
#include "psst/synapses.h"
#include <math.h>

#include "psst/kinds.h"

#define BIG 1e9

static const psst_state_info receptor_state[] = {
    {"O", "1", "open receptor fraction", 0.0, 0},
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

static const psst_state_info expc_state[] = {
    {"gsyn", "mS/cm^2", "synaptic conductance (per postsynaptic neuron)", 0.0,
     0},
};

static const psst_param_info expc_param[PSST_EXPC_NPARAM] = {
    [PSST_EXPC_G] =
        {"g", "mS/cm^2", 0.03, 0, BIG,
         "conductance increment per presynaptic spike (times weight)"},
    [PSST_EXPC_TAU] = {"tau", "ms", 5.0, 1e-6, BIG, "decay time constant"},
    [PSST_EXPC_E] = {"E", "mV", 0.0, -1000, 1000, "reversal potential"},
};

static const psst_state_info gaba_b_state[PSST_GABAB_NSTATE] = {
    {"R", "1", "activated receptor fraction", 0.0, 0},
    {"G", "1", "G-protein concentration (dimensionless)", 0.0, 0},
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

const psst_synapse_kind psst_synapse_ach_pulse = {
    "ach_pulse",
    "cholinergic: transmitter pulse after each presynaptic spike",
    "MODEL.md 3.2-3.3",
    PSST_SYN_ACH_PULSE,
    PSST_ACH_NPARAM,
    ach_param,
    1,
    receptor_state};

const psst_synapse_kind psst_synapse_gaba_a = {
    "gaba_a",
    "GABA_A: transmitter a sigmoid of the presynaptic voltage",
    "MODEL.md 3.2, 3.4",
    PSST_SYN_GABA_A,
    PSST_GABAA_NPARAM,
    gaba_a_param,
    1,
    receptor_state};

const psst_synapse_kind psst_synapse_exp_cond = {
    "exp_cond",
    "spike-triggered exponentially decaying conductance (COBAHH)",
    "MODEL.md 11.2",
    PSST_SYN_EXP_COND,
    PSST_EXPC_NPARAM,
    expc_param,
    1,
    expc_state};

const psst_synapse_kind psst_synapse_gaba_b = {
    "gaba_b",
    "slow GABA_B: receptor / G-protein kinetics, level-triggered release",
    "MODEL.md 7",
    PSST_SYN_GABA_B,
    PSST_GABAB_NPARAM,
    gaba_b_param,
    PSST_GABAB_NSTATE,
    gaba_b_state};
