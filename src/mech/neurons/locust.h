/* mech/neurons/locust.h — per-neuron equations of the locust antennal lobe
 * kinds, shared by every backend (static inline, PSST_HD).
 *
 *   pn  projection neuron (docs/models.md §6.1): leak, K leak, Na, K
 * (Traub-Miles rates of §2, phi = 3^((T-36)/10)) and the transient K current
 * I_A (time constants divided by phi_A = 3^1.25 by default). ln  local
 * interneuron (docs/models.md §6.2): leak, K leak, K (§2 rates), Ca (no
 * temperature factor), K(Ca) and a first-order calcium pool.
 *
 * Units: V, E, V_T [mV]; rates [1/ms]; tau [ms]; g [mS/cm^2];
 * C_m [uF/cm^2]; currents [uA/cm^2]; [Ca] [mM].
 *
 * Each function takes one neuron's state x[] in the kind's variable order
 * and writes dx[] in the same order; the temperature factor phi of the
 * Traub-Miles gates is passed in precomputed (one pow per population).
 */
#ifndef PSST_NEURONS_LOCUST_H
#define PSST_NEURONS_LOCUST_H

#include <math.h>

#include "mech/mech.h"
#include "mech/neurons/hh.h"

/* ---- PN (docs/models.md §6.1)
 * -------------------------------------------------- */

/* State variable indices. */
enum {
  PSST_PN_V,
  PSST_PN_M,
  PSST_PN_H,
  PSST_PN_N,
  PSST_PN_MA,
  PSST_PN_HA,
  PSST_PN_NSTATE
};

/* Parameter indices. */
enum {
  PSST_PN_CM,
  PSST_PN_GL,
  PSST_PN_EL,
  PSST_PN_GKL,
  PSST_PN_EKL,
  PSST_PN_GNA,
  PSST_PN_ENA,
  PSST_PN_GK,
  PSST_PN_EK,
  PSST_PN_GA,
  PSST_PN_EA,
  PSST_PN_VT,
  PSST_PN_T,
  PSST_PN_PHIA,
  PSST_PN_NPARAM
};

/* A-current kinetics at V [mV] (docs/models.md §6.1): steady states and time
 * constants [ms], both time constants divided by phi_A; tau_hA switches at
 * V < -63 mV (strict). */
PSST_HD static inline void psst_pn_a_kinetics(double V, double phi_A,
                                              double *mA_inf, double *tau_mA,
                                              double *hA_inf, double *tau_hA) {
  *mA_inf = 1.0 / (1.0 + psst_exp(-(V + 60.0) / 8.5));
  *hA_inf = 1.0 / (1.0 + psst_exp((V + 78.0) / 6.0));
  *tau_mA = (1.0 / (psst_exp((V + 35.82) / 19.69) +
                    psst_exp(-(V + 79.69) / 12.7) + 0.37)) /
            phi_A;
  /* both sides evaluated: a select, so that the loops vectorise */
  const double tau_lo =
      (1.0 / (psst_exp((V + 46.05) / 5.0) + psst_exp(-(V + 238.4) / 37.45))) /
      phi_A;
  *tau_hA = V < -63.0 ? tau_lo : 19.0 / phi_A;
}

/* One PN: x = [V, m, h, n, m_A, h_A], p = the PSST_PN_* parameters, phi =
 * 3^((T-36)/10) of the m, h, n gates, I = injected minus synaptic current
 * [uA/cm^2]. */
PSST_HD static inline void psst_pn_deriv(const double *p, double phi,
                                         const double *x, double Iext,
                                         double *dx) {
  const double V = x[PSST_PN_V], m = x[PSST_PN_M], h = x[PSST_PN_H];
  const double n = x[PSST_PN_N], mA = x[PSST_PN_MA], hA = x[PSST_PN_HA];
  const double n2 = n * n, mA2 = mA * mA;
  const double IL = p[PSST_PN_GL] * (V - p[PSST_PN_EL]);
  const double IKL = p[PSST_PN_GKL] * (V - p[PSST_PN_EKL]);
  const double INa = p[PSST_PN_GNA] * m * m * m * h * (V - p[PSST_PN_ENA]);
  const double IK = p[PSST_PN_GK] * n2 * n2 * (V - p[PSST_PN_EK]);
  const double IA = p[PSST_PN_GA] * mA2 * mA2 * hA * (V - p[PSST_PN_EA]);
  dx[PSST_PN_V] = (Iext - IL - IKL - INa - IK - IA) * (1.0 / p[PSST_PN_CM]);

  psst_hh_rates r = psst_traub_rates(V - p[PSST_PN_VT], 0.02);
  dx[PSST_PN_M] = psst_gate_deriv(m, r.am, r.bm, phi);
  dx[PSST_PN_H] = psst_gate_deriv(h, r.ah, r.bh, phi);
  dx[PSST_PN_N] = psst_gate_deriv(n, r.an, r.bn, phi);

  double mA_inf, tau_mA, hA_inf, tau_hA;
  psst_pn_a_kinetics(V, p[PSST_PN_PHIA], &mA_inf, &tau_mA, &hA_inf, &tau_hA);
  dx[PSST_PN_MA] = (mA_inf - mA) / tau_mA;
  dx[PSST_PN_HA] = (hA_inf - hA) / tau_hA;
}

/* ---- LN (docs/models.md §6.2)
 * -------------------------------------------------- */

/* State variable indices. */
enum {
  PSST_LN_V,
  PSST_LN_N,
  PSST_LN_MCA,
  PSST_LN_HCA,
  PSST_LN_MKCA,
  PSST_LN_CA,
  PSST_LN_NSTATE
};

/* Parameter indices. */
enum {
  PSST_LN_CM,
  PSST_LN_GL,
  PSST_LN_EL,
  PSST_LN_GKL,
  PSST_LN_EKL,
  PSST_LN_GK,
  PSST_LN_EK,
  PSST_LN_GCA,
  PSST_LN_ECA,
  PSST_LN_GKCA,
  PSST_LN_EKCA,
  PSST_LN_VT,
  PSST_LN_T,
  PSST_LN_TAUMCA,
  PSST_LN_AKCA,
  PSST_LN_BKCA,
  PSST_LN_PHIKCAGATE,
  PSST_LN_PHIKCAI,
  PSST_LN_ACA,
  PSST_LN_CA0,
  PSST_LN_TAUCA,
  PSST_LN_NPARAM
};

/* Ca-current kinetics at V [mV] (docs/models.md §6.2, no temperature factor):
 * steady states and the h_Ca time constant [ms]. */
PSST_HD static inline void psst_ln_ca_kinetics(double V, double *mCa_inf,
                                               double *hCa_inf,
                                               double *tau_hCa) {
  *mCa_inf = 1.0 / (1.0 + psst_exp(-(V + 20.0) / 6.5));
  *hCa_inf = 1.0 / (1.0 + psst_exp((V + 25.0) / 12.0));
  *tau_hCa =
      0.3 * psst_exp((V - 40.0) / 13.0) + 0.002 * psst_exp((60.0 - V) / 29.0);
}

/* One LN: x = [V, n, m_Ca, h_Ca, m_KCa, Ca], p = the PSST_LN_* parameters,
 * phi = 3^((T-36)/10) of the n gate, I = injected minus synaptic current
 * [uA/cm^2]. */
PSST_HD static inline void psst_ln_deriv(const double *p, double phi,
                                         const double *x, double Iext,
                                         double *dx) {
  const double V = x[PSST_LN_V], n = x[PSST_LN_N], mCa = x[PSST_LN_MCA];
  const double hCa = x[PSST_LN_HCA], mKCa = x[PSST_LN_MKCA];
  const double Ca = x[PSST_LN_CA];
  const double n2 = n * n;
  const double IL = p[PSST_LN_GL] * (V - p[PSST_LN_EL]);
  const double IKL = p[PSST_LN_GKL] * (V - p[PSST_LN_EKL]);
  const double IK = p[PSST_LN_GK] * n2 * n2 * (V - p[PSST_LN_EK]);
  const double ICa = p[PSST_LN_GCA] * mCa * mCa * hCa * (V - p[PSST_LN_ECA]);
  const double IKCa =
      p[PSST_LN_GKCA] * mKCa * p[PSST_LN_PHIKCAI] * (V - p[PSST_LN_EKCA]);
  dx[PSST_LN_V] = (Iext - IL - IKL - IK - ICa - IKCa) * (1.0 / p[PSST_LN_CM]);

  psst_hh_rates r = psst_traub_rates(V - p[PSST_LN_VT], 0.02);
  dx[PSST_LN_N] = psst_gate_deriv(n, r.an, r.bn, phi);

  double mCa_inf, hCa_inf, tau_hCa;
  psst_ln_ca_kinetics(V, &mCa_inf, &hCa_inf, &tau_hCa);
  dx[PSST_LN_MCA] = (mCa_inf - mCa) / p[PSST_LN_TAUMCA];
  dx[PSST_LN_HCA] = (hCa_inf - hCa) / tau_hCa;

  /* m_KCa: (m_inf - m) / tau = phi_gate (alpha (1 - m) - beta m) */
  dx[PSST_LN_MKCA] = psst_gate_deriv(mKCa, p[PSST_LN_AKCA] * Ca,
                                     p[PSST_LN_BKCA], p[PSST_LN_PHIKCAGATE]);
  dx[PSST_LN_CA] =
      -p[PSST_LN_ACA] * ICa - (Ca - p[PSST_LN_CA0]) / p[PSST_LN_TAUCA];
}

/* ---- the hooks (mech/mech.h) ---------------------------------------------
 * p[nparam] is phi = 3^((T - 36)/10) of the Traub-Miles gates. */
enum {
  psst_nk_pn_nstate = PSST_PN_NSTATE,
  psst_nk_pn_nparam = PSST_PN_NPARAM,
  psst_nk_pn_nderived = 1,
  psst_nk_ln_nstate = PSST_LN_NSTATE,
  psst_nk_ln_nparam = PSST_LN_NPARAM,
  psst_nk_ln_nderived = 1
};
#define PSST_PN_PHI PSST_PN_NPARAM
#define PSST_LN_PHI PSST_LN_NPARAM

static inline void psst_nk_pn_prepare(double *p) {
  p[PSST_PN_PHI] = pow(3.0, (p[PSST_PN_T] - 36.0) / 10.0);
}
static inline void psst_nk_ln_prepare(double *p) {
  p[PSST_LN_PHI] = pow(3.0, (p[PSST_LN_T] - 36.0) / 10.0);
}
PSST_HD static inline void psst_nk_pn_deriv(const double *p, const double *x,
                                            double Iext, double *dx) {
  psst_pn_deriv(p, p[PSST_PN_PHI], x, Iext, dx);
}
PSST_HD static inline void psst_nk_ln_deriv(const double *p, const double *x,
                                            double Iext, double *dx) {
  psst_ln_deriv(p, p[PSST_LN_PHI], x, Iext, dx);
}

#endif
