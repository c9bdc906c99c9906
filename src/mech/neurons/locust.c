/* The locust antennal lobe kinds pn and ln (docs/models.md §6.1, §6.2): tables
 * and descriptors. The equations are the hooks in mech/neurons/locust.h.
 */
#include <math.h>

#include "mech/list.h"

#define BIG 1e9

/* Cost of one neuron-step against one synapse-step of a sparse drive
 * (partition balance), measured by benchmarks/calibrate/run.sh. */
#define PSST_COST_PN 35.0
#define PSST_COST_LN 20.0

/* ---- pn (docs/models.md §6.1)
 * ---------------------------------------------------
 */

static const psst_state_info pn_state[PSST_PN_NSTATE] = {
    [PSST_PN_V] = {"V", "mV", "membrane potential", -70.0, 0, 0},
    [PSST_PN_M] = {"m", "1", "Na activation", 0.0, 0, 1},
    [PSST_PN_H] = {"h", "1", "Na inactivation", 0.0, 0, 1},
    [PSST_PN_N] = {"n", "1", "K activation", 0.0, 0, 1},
    [PSST_PN_MA] = {"m_A", "1", "A-current (transient K) activation", 0.0, 0,
                    1},
    [PSST_PN_HA] = {"h_A", "1", "A-current (transient K) inactivation", 0.0, 0,
                    1},
};

static const psst_param_info pn_param[PSST_PN_NPARAM] = {
    [PSST_PN_CM] = {"C_m", "uF/cm^2", 1.0, 1e-6, BIG, "membrane capacitance"},
    [PSST_PN_GL] = {"g_L", "mS/cm^2", 0.15, 0, BIG, "leak conductance"},
    [PSST_PN_EL] = {"E_L", "mV", -55.0, -1000, 1000, "leak reversal potential"},
    [PSST_PN_GKL] = {"g_KL", "mS/cm^2", 0.05, 0, BIG, "K leak conductance"},
    [PSST_PN_EKL] = {"E_KL", "mV", -95.0, -1000, 1000,
                     "K leak reversal potential"},
    [PSST_PN_GNA] = {"g_Na", "mS/cm^2", 100.0, 0, BIG, "Na conductance"},
    [PSST_PN_ENA] = {"E_Na", "mV", 50.0, -1000, 1000, "Na reversal potential"},
    [PSST_PN_GK] = {"g_K", "mS/cm^2", 10.0, 0, BIG, "K conductance"},
    [PSST_PN_EK] = {"E_K", "mV", -95.0, -1000, 1000, "K reversal potential"},
    [PSST_PN_GA] = {"g_A", "mS/cm^2", 10.0, 0, BIG,
                    "A-current (transient K) conductance"},
    [PSST_PN_EA] = {"E_A", "mV", -95.0, -1000, 1000,
                    "A-current reversal potential"},
    [PSST_PN_VT] = {"V_T", "mV", -50.0, -1000, 1000,
                    "Na/K rate shift: u = V - V_T"},
    [PSST_PN_T] = {"T", "degC", 22.0, -50, 100,
                   "temperature of the Na/K gates: phi = 3^((T - 36)/10)"},
    [PSST_PN_PHIA] = {"phi_A", "1", 3.9482220388574776 /* 3^1.25 */, 1e-6, BIG,
                      "A-current temperature factor, divides tau_mA and tau_hA "
                      "(3^((36 - 23.5)/10))"},
};

PSST_NEURON_REFERENCE_RHS(pn)

const psst_neuron_kind psst_neuron_pn = {
    "pn",
    "locust antennal lobe projection neuron (Na, K, A current)",
    "docs/models.md §6.1",
    PSST_NK_PN,
    PSST_PN_NSTATE,
    pn_state,
    PSST_PN_NPARAM,
    pn_param,
    psst_nk_pn_nderived,
    psst_nk_pn_prepare,
    NULL,
    0.0,
    0.0,
    psst_nk_pn_rhs,
    NULL,
    PSST_COST_PN,
    0};

/* ---- ln (docs/models.md §6.2)
 * ---------------------------------------------------
 */

static const psst_state_info ln_state[PSST_LN_NSTATE] = {
    [PSST_LN_V] = {"V", "mV", "membrane potential", -70.0, 0, 0},
    [PSST_LN_N] = {"n", "1", "K activation", 0.0, 0, 1},
    [PSST_LN_MCA] = {"m_Ca", "1", "Ca activation", 0.0, 0, 1},
    [PSST_LN_HCA] = {"h_Ca", "1", "Ca inactivation", 0.0, 0, 1},
    [PSST_LN_MKCA] = {"m_KCa", "1", "Ca-activated K activation", 0.0, 0, 1},
    [PSST_LN_CA] = {"Ca", "mM", "intracellular calcium concentration [Ca] (mM)",
                    2.4e-4, 0, 0},
};

static const psst_param_info ln_param[PSST_LN_NPARAM] = {
    [PSST_LN_CM] = {"C_m", "uF/cm^2", 1.0, 1e-6, BIG, "membrane capacitance"},
    [PSST_LN_GL] = {"g_L", "mS/cm^2", 0.15, 0, BIG, "leak conductance"},
    [PSST_LN_EL] = {"E_L", "mV", -50.0, -1000, 1000, "leak reversal potential"},
    [PSST_LN_GKL] = {"g_KL", "mS/cm^2", 0.02, 0, BIG, "K leak conductance"},
    [PSST_LN_EKL] = {"E_KL", "mV", -95.0, -1000, 1000,
                     "K leak reversal potential"},
    [PSST_LN_GK] = {"g_K", "mS/cm^2", 10.0, 0, BIG, "K conductance"},
    [PSST_LN_EK] = {"E_K", "mV", -95.0, -1000, 1000, "K reversal potential"},
    [PSST_LN_GCA] = {"g_Ca", "mS/cm^2", 3.0, 0, BIG, "Ca conductance"},
    [PSST_LN_ECA] = {"E_Ca", "mV", 140.0, -1000, 1000, "Ca reversal potential"},
    [PSST_LN_GKCA] = {"g_KCa", "mS/cm^2", 0.3, 0, BIG,
                      "Ca-activated K conductance"},
    [PSST_LN_EKCA] = {"E_KCa", "mV", -90.0, -1000, 1000,
                      "Ca-activated K reversal potential"},
    [PSST_LN_VT] = {"V_T", "mV", -50.0, -1000, 1000,
                    "K rate shift: u = V - V_T"},
    [PSST_LN_T] = {"T", "degC", 22.0, -50, 100,
                   "temperature of the K gate: phi = 3^((T - 36)/10)"},
    [PSST_LN_TAUMCA] = {"tau_mCa", "ms", 1.5, 1e-9, BIG,
                        "Ca activation time constant"},
    [PSST_LN_AKCA] = {"a_KCa", "1/(mM ms)", 0.01, 0, BIG,
                      "K(Ca) opening rate per [Ca]: alpha = a_KCa [Ca]"},
    [PSST_LN_BKCA] = {"b_KCa", "1/ms", 0.02, 0, BIG, "K(Ca) closing rate"},
    [PSST_LN_PHIKCAGATE] = {"phi_KCa_gate", "1", 1.28386201800527 /* 2.3^0.3 */,
                            1e-6, BIG,
                            "K(Ca) gate temperature factor, multiplies both "
                            "rates (2.3^((26 - 23)/10))"},
    [PSST_LN_PHIKCAI] = {"phi_KCa_I", "1", 1.0, 0, BIG,
                         "K(Ca) current factor (final tutorial code: 1)"},
    [PSST_LN_ACA] = {"A_Ca", "mM cm^2/(uA ms)", 2e-4, 0, BIG,
                     "calcium influx per unit Ca current"},
    [PSST_LN_CA0] = {"Ca0", "mM", 2.4e-4, 1e-12, BIG,
                     "resting calcium concentration"},
    [PSST_LN_TAUCA] = {"tau_Ca", "ms", 150.0, 1e-9, BIG,
                       "calcium removal time constant"},
};

PSST_NEURON_REFERENCE_RHS(ln)

const psst_neuron_kind psst_neuron_ln = {
    "ln",
    "locust antennal lobe local interneuron (K, Ca, K(Ca), Ca pool)",
    "docs/models.md §6.2",
    PSST_NK_LN,
    PSST_LN_NSTATE,
    ln_state,
    PSST_LN_NPARAM,
    ln_param,
    psst_nk_ln_nderived,
    psst_nk_ln_prepare,
    NULL,
    0.0,
    0.0,
    psst_nk_ln_rhs,
    NULL,
    PSST_COST_LN,
    0};
