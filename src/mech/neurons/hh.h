/* mech/neurons/hh.h — per-neuron equations of the Hodgkin-Huxley kinds,
 * shared by every backend (static inline, PSST_HD; hooks: mech/mech.h).
 *
 *   hh_tutorial  docs/models.md §2   (Traub-Miles rates, u = V - V_T, phi =
 * 3^((T-36)/10)) cobahh       docs/models.md §11.2 (same rate forms, alpha_n
 * coefficient 0.032, phi = 1) hh_classic   docs/models.md §11.1 (squid axon,
 * phi = 3^((T-6.3)/10))
 *
 * Units: V, E, V_T [mV]; rates [1/ms]; g [mS/cm^2]; C_m [uF/cm^2];
 * currents [uA/cm^2]. The removable singularities are evaluated through
 * psst_exprel (no NaN at, no cancellation near the singular voltages).
 */
#ifndef PSST_NEURONS_HH_H
#define PSST_NEURONS_HH_H

#include <math.h>

#include "mech/mech.h"

/* State variable indices (same for the three kinds). */
enum { PSST_HH_V, PSST_HH_M, PSST_HH_H, PSST_HH_N, PSST_HH_NSTATE };

/* Parameter indices of hh_tutorial and cobahh (Traub-Miles family). */
enum {
  PSST_TM_CM,
  PSST_TM_GNA,
  PSST_TM_ENA,
  PSST_TM_GK,
  PSST_TM_EK,
  PSST_TM_GL,
  PSST_TM_EL,
  PSST_TM_VT,
  PSST_TM_T,
  PSST_TM_NPARAM
};

/* Parameter indices of hh_classic. */
enum {
  PSST_HHC_CM,
  PSST_HHC_GNA,
  PSST_HHC_ENA,
  PSST_HHC_GK,
  PSST_HHC_EK,
  PSST_HHC_GL,
  PSST_HHC_EL,
  PSST_HHC_T,
  PSST_HHC_NPARAM
};

/* Rate constants of the three gates at one voltage [1/ms], before the
 * temperature factor. */
typedef struct psst_hh_rates {
  double am, bm, ah, bh, an, bn;
} psst_hh_rates;

/* Traub-Miles rates (docs/models.md §2.2, §11.2) at shifted voltage u = V - V_T
 * [mV]. an_coef is 0.02 (tutorial) or 0.032 (COBAHH); alpha_n's limit at
 * u = 15 is 5 * an_coef. The c/exprel(x) rates are c * psst_rexprel(x)
 * (one division, not two), and their arguments multiply by 1/4 and 1/5:
 * eight divisions per neuron and stage in all. */
PSST_HD static inline psst_hh_rates psst_traub_rates(double u, double an_coef) {
  psst_hh_rates r;
  r.am = 1.28 * psst_rexprel((13.0 - u) * 0.25);
  r.bm = 1.4 * psst_rexprel((u - 40.0) * 0.2);
  r.ah = 0.128 * psst_exp((17.0 - u) / 18.0);
  r.bh = 4.0 / (psst_exp((40.0 - u) / 5.0) + 1.0);
  r.an = 5.0 * an_coef * psst_rexprel((15.0 - u) * 0.2);
  r.bn = 0.5 * psst_exp((10.0 - u) / 40.0);
  return r;
}

/* Squid-axon rates (docs/models.md §11.1) at absolute V [mV]. */
PSST_HD static inline psst_hh_rates psst_hh_classic_rates(double V) {
  psst_hh_rates r;
  r.am = psst_rexprel(-(V + 40.0) * 0.1);
  r.bm = 4.0 * psst_exp(-(V + 65.0) / 18.0);
  r.ah = 0.07 * psst_exp(-(V + 65.0) / 20.0);
  r.bh = 1.0 / (1.0 + psst_exp(-(V + 35.0) / 10.0));
  r.an = 0.1 * psst_rexprel(-(V + 55.0) * 0.1);
  r.bn = 0.125 * psst_exp(-(V + 65.0) / 80.0);
  return r;
}

/* Gate derivative dx/dt = phi (alpha (1 - x) - beta x) [1/ms]. */
PSST_HD static inline double psst_gate_deriv(double x, double a, double b,
                                             double phi) {
  return phi * (a * (1.0 - x) - b * x);
}

/* One HH neuron: derivatives of V, m, h, n given the rates (already at V),
 * the temperature factor phi, the conductances and reversal potentials, and
 * the non-intrinsic current I [uA/cm^2]. */
PSST_HD static inline void
psst_hh_deriv(const psst_hh_rates *r, double phi, double Cm, double gNa,
              double ENa, double gK, double EK, double gL, double EL, double V,
              double m, double h, double n, double Iext, double *dV, double *dm,
              double *dh, double *dn) {
  double m3h = m * m * m * h, n2 = n * n;
  double INa = gNa * m3h * (V - ENa);
  double IK = gK * n2 * n2 * (V - EK);
  double IL = gL * (V - EL);
  *dV = (Iext - INa - IK - IL) * (1.0 / Cm); /* 1/Cm: hoisted out of loops */
  *dm = psst_gate_deriv(m, r->am, r->bm, phi);
  *dh = psst_gate_deriv(h, r->ah, r->bh, phi);
  *dn = psst_gate_deriv(n, r->an, r->bn, phi);
}

/* ---- the hooks of the three kinds (mech/mech.h) ------------------------- */

/* hh_tutorial and cobahh: p[PSST_TM_NPARAM] is phi = 3^((T - 36)/10). */
enum {
  psst_nk_hh_tutorial_nstate = PSST_HH_NSTATE,
  psst_nk_hh_tutorial_nparam = PSST_TM_NPARAM,
  psst_nk_hh_tutorial_nderived = 1,
  psst_nk_cobahh_nstate = PSST_HH_NSTATE,
  psst_nk_cobahh_nparam = PSST_TM_NPARAM,
  psst_nk_cobahh_nderived = 1,
  psst_nk_hh_classic_nstate = PSST_HH_NSTATE,
  psst_nk_hh_classic_nparam = PSST_HHC_NPARAM,
  psst_nk_hh_classic_nderived = 1
};
#define PSST_TM_PHI PSST_TM_NPARAM
#define PSST_HHC_PHI PSST_HHC_NPARAM

static inline void psst_nk_hh_tutorial_prepare(double *p) {
  p[PSST_TM_PHI] = pow(3.0, (p[PSST_TM_T] - 36.0) / 10.0);
}
static inline void psst_nk_cobahh_prepare(double *p) {
  p[PSST_TM_PHI] = pow(3.0, (p[PSST_TM_T] - 36.0) / 10.0);
}
/* phi = 3^((T - 6.3)/10) */
static inline void psst_nk_hh_classic_prepare(double *p) {
  p[PSST_HHC_PHI] = pow(3.0, (p[PSST_HHC_T] - 6.3) / 10.0);
}

/* Traub-Miles neuron (hh_tutorial: an_coef 0.02; cobahh: 0.032). */
PSST_HD static inline void psst_traub_neuron(const double *p, double an_coef,
                                             const double *x, double Iext,
                                             double *dx) {
  psst_hh_rates r = psst_traub_rates(x[PSST_HH_V] - p[PSST_TM_VT], an_coef);
  psst_hh_deriv(&r, p[PSST_TM_PHI], p[PSST_TM_CM], p[PSST_TM_GNA],
                p[PSST_TM_ENA], p[PSST_TM_GK], p[PSST_TM_EK], p[PSST_TM_GL],
                p[PSST_TM_EL], x[PSST_HH_V], x[PSST_HH_M], x[PSST_HH_H],
                x[PSST_HH_N], Iext, &dx[PSST_HH_V], &dx[PSST_HH_M],
                &dx[PSST_HH_H], &dx[PSST_HH_N]);
}
PSST_HD static inline void psst_nk_hh_tutorial_deriv(const double *p,
                                                     const double *x,
                                                     double Iext, double *dx) {
  psst_traub_neuron(p, 0.02, x, Iext, dx);
}
PSST_HD static inline void psst_nk_cobahh_deriv(const double *p,
                                                const double *x, double Iext,
                                                double *dx) {
  psst_traub_neuron(p, 0.032, x, Iext, dx);
}
PSST_HD static inline void psst_nk_hh_classic_deriv(const double *p,
                                                    const double *x,
                                                    double Iext, double *dx) {
  psst_hh_rates r = psst_hh_classic_rates(x[PSST_HH_V]);
  psst_hh_deriv(&r, p[PSST_HHC_PHI], p[PSST_HHC_CM], p[PSST_HHC_GNA],
                p[PSST_HHC_ENA], p[PSST_HHC_GK], p[PSST_HHC_EK], p[PSST_HHC_GL],
                p[PSST_HHC_EL], x[PSST_HH_V], x[PSST_HH_M], x[PSST_HH_H],
                x[PSST_HH_N], Iext, &dx[PSST_HH_V], &dx[PSST_HH_M],
                &dx[PSST_HH_H], &dx[PSST_HH_N]);
}

#endif
