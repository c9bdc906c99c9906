/* Synapse kind exp2_cond: tables and descriptor. The equations are the
 * hooks in mech/synapses/exp2_cond.h. */
#include <math.h>

#include "mech/list.h"

#define BIG 1e9

static const psst_state_info exp2_state[PSST_EXP2_NSTATE] = {
    [PSST_EXP2_STATE_A] = {"A", "mS/cm^2",
                           "rise component (gsyn = B - A, per postsynaptic "
                           "neuron)",
                           0.0, 0, 0},
    [PSST_EXP2_STATE_B] = {"B", "mS/cm^2",
                           "decay component (gsyn = B - A, per postsynaptic "
                           "neuron)",
                           0.0, 0, 0},
};

static const psst_param_info exp2_param[PSST_EXP2_NPARAM] = {
    [PSST_EXP2_G] = {"g", "mS/cm^2", 0.03, 0, BIG,
                     "peak conductance of one presynaptic spike (times "
                     "weight)"},
    [PSST_EXP2_TAU_RISE] = {"tau_rise", "ms", 0.5, 1e-6, BIG,
                            "rise time constant (less than tau_decay)"},
    [PSST_EXP2_TAU_DECAY] = {"tau_decay", "ms", 5.0, 1e-6, BIG,
                             "decay time constant"},
    [PSST_EXP2_E] = {"E", "mV", 0.0, -1000, 1000, "reversal potential"},
};

/* The normalisation divides by the difference of the two exponentials at
 * the peak, which vanishes as tau_rise -> tau_decay. */
static const char *exp2_check(const double *p, int *param) {
  if (!(p[PSST_EXP2_TAU_RISE] < 0.9999 * p[PSST_EXP2_TAU_DECAY])) {
    *param = PSST_EXP2_TAU_RISE;
    return "must be less than 0.9999 tau_decay (for equal time constants "
           "the bi-exponential is not defined; use exp_cond for a single "
           "exponential)";
  }
  return NULL;
}

static void exp2_prepare(double *p) { psst_sk_exp2_cond_prepare(p); }

/* spikes cost per event, not per stage */
PSST_SYNAPSE_REFERENCE(exp2_cond)

const psst_synapse_kind psst_synapse_exp2_cond = {
    "exp2_cond",
    "spike-triggered bi-exponential conductance, peak-normalised (Exp2Syn)",
    "README: synapse kinds",
    PSST_SYN_EXP2_COND,
    PSST_EXP2_NPARAM,
    exp2_param,
    NULL,
    psst_sk_exp2_cond_nderived,
    exp2_prepare,
    exp2_check,
    PSST_EXP2_NSTATE,
    exp2_state,
    PSST_SYN_F_SPIKE_TRIGGERED,
    1u << PSST_STORE_POST,
    NULL,
    0.0,
    0.063,
    NULL,
    psst_sk_exp2_cond_drive_ref,
    psst_sk_exp2_cond_current_ref};
