/* The Hodgkin-Huxley kinds: tables and the loops over neurons. The
 * equations are in include/psst/neurons/hh.h. */
#include <math.h>

#include "psst/kinds.h"
#include "psst/neurons/hh.h"

#define BIG 1e9

/* ---- hh_tutorial (MODEL.md §2) ---------------------------------------- */

static const psst_state_info tutorial_state[PSST_HH_NSTATE] = {
    {"V", "mV", "membrane potential", -71.0, 0},
    {"m", "1", "Na activation", 0.0, 0},
    {"h", "1", "Na inactivation", 0.0, 0},
    {"n", "1", "K activation", 0.0, 0},
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

static void traub_rhs(size_t n, const double *p, const double *y, size_t ld,
                      const double *Iext, double *dy, double an_coef,
                      double phi) {
  const double *V = y, *m = y + ld, *h = y + 2 * ld, *nn = y + 3 * ld;
  double *dV = dy, *dm = dy + ld, *dh = dy + 2 * ld, *dn = dy + 3 * ld;
  for (size_t i = 0; i < n; i++) {
    psst_hh_rates r = psst_traub_rates(V[i] - p[PSST_TM_VT], an_coef);
    psst_hh_deriv(&r, phi, p[PSST_TM_CM], p[PSST_TM_GNA], p[PSST_TM_ENA],
                  p[PSST_TM_GK], p[PSST_TM_EK], p[PSST_TM_GL], p[PSST_TM_EL],
                  V[i], m[i], h[i], nn[i], Iext[i], &dV[i], &dm[i], &dh[i],
                  &dn[i]);
  }
}

static void tutorial_rhs(size_t n, const double *p, const double *y, size_t ld,
                         const double *Iext, double *dy) {
  traub_rhs(n, p, y, ld, Iext, dy, 0.02,
            pow(3.0, (p[PSST_TM_T] - 36.0) / 10.0));
}

const psst_neuron_kind psst_neuron_hh_tutorial = {
    "hh_tutorial",
    "the tutorial's Hodgkin-Huxley neuron (Traub-Miles rates, 22 degC)",
    "MODEL.md 2",
    PSST_HH_NSTATE,
    tutorial_state,
    PSST_TM_NPARAM,
    tutorial_param,
    0.0,
    0.0,
    tutorial_rhs,
    NULL};

/* ---- cobahh (MODEL.md §11.2) -------------------------------------------- */

static const psst_state_info cobahh_state[PSST_HH_NSTATE] = {
    {"V", "mV", "membrane potential", -65.0, 0},
    {"m", "1", "Na activation", 0.0, 0},
    {"h", "1", "Na inactivation", 0.0, 0},
    {"n", "1", "K activation", 0.0, 0},
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

static void cobahh_rhs(size_t n, const double *p, const double *y, size_t ld,
                       const double *Iext, double *dy) {
  traub_rhs(n, p, y, ld, Iext, dy, 0.032,
            pow(3.0, (p[PSST_TM_T] - 36.0) / 10.0));
}

const psst_neuron_kind psst_neuron_cobahh = {
    "cobahh",
    "Traub-Miles HH cell of the COBAHH benchmark (Brette et al. 2007)",
    "MODEL.md 11.2",
    PSST_HH_NSTATE,
    cobahh_state,
    PSST_TM_NPARAM,
    cobahh_param,
    -20.0,
    3.0,
    cobahh_rhs,
    NULL};

/* ---- hh_classic (MODEL.md §11.1) ----------------------------------------- */

static const psst_state_info classic_state[PSST_HH_NSTATE] = {
    {"V", "mV", "membrane potential", -65.0, 0},
    {"m", "1", "Na activation", 0.0, 1},
    {"h", "1", "Na inactivation", 0.0, 1},
    {"n", "1", "K activation", 0.0, 1},
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

static void classic_rhs(size_t n, const double *p, const double *y, size_t ld,
                        const double *Iext, double *dy) {
  const double phi = pow(3.0, (p[PSST_HHC_T] - 6.3) / 10.0);
  const double *V = y, *m = y + ld, *h = y + 2 * ld, *nn = y + 3 * ld;
  double *dV = dy, *dm = dy + ld, *dh = dy + 2 * ld, *dn = dy + 3 * ld;
  for (size_t i = 0; i < n; i++) {
    psst_hh_rates r = psst_hh_classic_rates(V[i]);
    psst_hh_deriv(&r, phi, p[PSST_HHC_CM], p[PSST_HHC_GNA], p[PSST_HHC_ENA],
                  p[PSST_HHC_GK], p[PSST_HHC_EK], p[PSST_HHC_GL],
                  p[PSST_HHC_EL], V[i], m[i], h[i], nn[i], Iext[i], &dV[i],
                  &dm[i], &dh[i], &dn[i]);
  }
}

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
    "MODEL.md 11.1",
    PSST_HH_NSTATE,
    classic_state,
    PSST_HHC_NPARAM,
    classic_param,
    0.0,
    0.0,
    classic_rhs,
    classic_steady};
