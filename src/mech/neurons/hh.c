/* The Hodgkin-Huxley kinds: tables and descriptors. The equations are the
 * hooks in mech/neurons/hh.h. */
#include <math.h>

#include "mech/list.h"

#define BIG 1e9

/* Cost of one neuron-step against one synapse-step of a sparse drive
 * (partition balance), measured by benchmarks/calibrate/run.sh. */
#define PSST_COST_HH_TUTORIAL 21.0
#define PSST_COST_COBAHH 22.0
#define PSST_COST_HH_CLASSIC 19.0

/* ---- hh_tutorial (docs/models.md §2) ----------------------------------------
 */

static const psst_state_info tutorial_state[PSST_HH_NSTATE] = {
    {"V", "mV", "membrane potential", -71.0, 0, 0},
    {"m", "1", "Na activation", 0.0, 0, 1},
    {"h", "1", "Na inactivation", 0.0, 0, 1},
    {"n", "1", "K activation", 0.0, 0, 1},
};

static const psst_param_info tutorial_param[PSST_TM_NPARAM] = {
    [PSST_TM_CM] = {"C_m", "uF/cm^2", 1.0, 1e-6, BIG, "membrane capacitance"},
    [PSST_TM_GNA] = {"g_Na", "mS/cm^2", 100.0, 0, BIG, "Na conductance"},
    [PSST_TM_ENA] = {"E_Na", "mV", 50.0, -1000, 1000, "Na reversal potential"},
    [PSST_TM_GK] = {"g_K", "mS/cm^2", 10.0, 0, BIG, "K conductance"},
    [PSST_TM_EK] = {"E_K", "mV", -95.0, -1000, 1000, "K reversal potential"},
    [PSST_TM_GL] = {"g_L", "mS/cm^2", 0.15, 0, BIG, "leak conductance"},
    [PSST_TM_EL] = {"E_L", "mV", -55.0, -1000, 1000, "leak reversal potential"},
    [PSST_TM_VT] = {"V_T", "mV", -50.0, -1000, 1000, "rate shift: u = V - V_T"},
    [PSST_TM_T] = {"T", "degC", 22.0, -50, 100,
                   "temperature: phi = 3^((T - 36)/10)"},
};

PSST_NEURON_REFERENCE_RHS(hh_tutorial)

const psst_neuron_kind psst_neuron_hh_tutorial = {
    "hh_tutorial",
    "the tutorial's Hodgkin-Huxley neuron (Traub-Miles rates, 22 degC)",
    "docs/models.md §2",
    PSST_NK_HH_TUTORIAL,
    PSST_HH_NSTATE,
    tutorial_state,
    PSST_TM_NPARAM,
    tutorial_param,
    psst_nk_hh_tutorial_nderived,
    psst_nk_hh_tutorial_prepare,
    NULL,
    0.0,
    0.0,
    psst_nk_hh_tutorial_rhs,
    NULL,
    PSST_COST_HH_TUTORIAL,
    0};

/* ---- cobahh (docs/models.md §11.2)
 * -------------------------------------------- */

static const psst_state_info cobahh_state[PSST_HH_NSTATE] = {
    {"V", "mV", "membrane potential", -65.0, 0, 0},
    {"m", "1", "Na activation", 0.0, 0, 1},
    {"h", "1", "Na inactivation", 0.0, 0, 1},
    {"n", "1", "K activation", 0.0, 0, 1},
};

static const psst_param_info cobahh_param[PSST_TM_NPARAM] = {
    [PSST_TM_CM] = {"C_m", "uF/cm^2", 1.0, 1e-6, BIG, "membrane capacitance"},
    [PSST_TM_GNA] = {"g_Na", "mS/cm^2", 100.0, 0, BIG, "Na conductance"},
    [PSST_TM_ENA] = {"E_Na", "mV", 50.0, -1000, 1000, "Na reversal potential"},
    [PSST_TM_GK] = {"g_K", "mS/cm^2", 30.0, 0, BIG, "K conductance"},
    [PSST_TM_EK] = {"E_K", "mV", -90.0, -1000, 1000, "K reversal potential"},
    [PSST_TM_GL] = {"g_L", "mS/cm^2", 0.05, 0, BIG, "leak conductance"},
    [PSST_TM_EL] = {"E_L", "mV", -60.0, -1000, 1000, "leak reversal potential"},
    [PSST_TM_VT] = {"V_T", "mV", -63.0, -1000, 1000, "rate shift: u = V - V_T"},
    [PSST_TM_T] = {"T", "degC", 36.0, -50, 100,
                   "temperature: phi = 3^((T - 36)/10), 1 by default"},
};

PSST_NEURON_REFERENCE_RHS(cobahh)

const psst_neuron_kind psst_neuron_cobahh = {
    "cobahh",
    "Traub-Miles HH cell of the COBAHH benchmark (Brette et al. 2007)",
    "docs/models.md §11.2",
    PSST_NK_COBAHH,
    PSST_HH_NSTATE,
    cobahh_state,
    PSST_TM_NPARAM,
    cobahh_param,
    psst_nk_cobahh_nderived,
    psst_nk_cobahh_prepare,
    NULL,
    -20.0,
    3.0,
    psst_nk_cobahh_rhs,
    NULL,
    PSST_COST_COBAHH,
    0};

/* ---- hh_classic (docs/models.md §11.1)
 * ----------------------------------------- */

static const psst_state_info classic_state[PSST_HH_NSTATE] = {
    {"V", "mV", "membrane potential", -65.0, 0, 0},
    {"m", "1", "Na activation", 0.0, 1, 1},
    {"h", "1", "Na inactivation", 0.0, 1, 1},
    {"n", "1", "K activation", 0.0, 1, 1},
};

static const psst_param_info classic_param[PSST_HHC_NPARAM] = {
    [PSST_HHC_CM] = {"C_m", "uF/cm^2", 1.0, 1e-6, BIG, "membrane capacitance"},
    [PSST_HHC_GNA] = {"g_Na", "mS/cm^2", 120.0, 0, BIG, "Na conductance"},
    [PSST_HHC_ENA] = {"E_Na", "mV", 50.0, -1000, 1000, "Na reversal potential"},
    [PSST_HHC_GK] = {"g_K", "mS/cm^2", 36.0, 0, BIG, "K conductance"},
    [PSST_HHC_EK] = {"E_K", "mV", -77.0, -1000, 1000, "K reversal potential"},
    [PSST_HHC_GL] = {"g_L", "mS/cm^2", 0.3, 0, BIG, "leak conductance"},
    [PSST_HHC_EL] = {"E_L", "mV", -54.3, -1000, 1000,
                     "leak reversal potential"},
    [PSST_HHC_T] = {"T", "degC", 6.3, -50, 100,
                    "temperature: phi = 3^((T - 6.3)/10)"},
};

PSST_NEURON_REFERENCE_RHS(hh_classic)

static double classic_steady(int var, double V, const double *p) {
  (void)p;
  psst_hh_rates r = psst_hh_classic_rates(V);
  switch (var) {
  case PSST_HH_M: return r.am / (r.am + r.bm);
  case PSST_HH_H: return r.ah / (r.ah + r.bh);
  case PSST_HH_N: return r.an / (r.an + r.bn);
  default: return NAN;
  }
}

const psst_neuron_kind psst_neuron_hh_classic = {
    "hh_classic",
    "squid-axon Hodgkin-Huxley (1952) as NEURON's hh at 6.3 degC",
    "docs/models.md §11.1",
    PSST_NK_HH_CLASSIC,
    PSST_HH_NSTATE,
    classic_state,
    PSST_HHC_NPARAM,
    classic_param,
    psst_nk_hh_classic_nderived,
    psst_nk_hh_classic_prepare,
    NULL,
    0.0,
    0.0,
    psst_nk_hh_classic_rhs,
    classic_steady,
    PSST_COST_HH_CLASSIC,
    0};
