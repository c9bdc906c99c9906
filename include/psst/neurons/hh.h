/* psst/neurons/hh.h — per-neuron equations of the Hodgkin-Huxley kinds,
 * shared by every backend (static inline, PSST_HD).
 *
 *   hh_tutorial  MODEL.md §2   (Traub-Miles rates, u = V - V_T, phi =
 * 3^((T-36)/10)) cobahh       MODEL.md §11.2 (same rate forms, alpha_n
 * coefficient 0.032, phi = 1) hh_classic   MODEL.md §11.1 (squid axon, phi =
 * 3^((T-6.3)/10))
 *
 * Units: V, E, V_T [mV]; rates [1/ms]; g [mS/cm^2]; C_m [uF/cm^2];
 * currents [uA/cm^2]. The removable singularities are evaluated through
 * psst_exprel (no NaN at, no cancellation near the singular voltages).
 */
#ifndef PSST_NEURONS_HH_H
#define PSST_NEURONS_HH_H

#include <math.h>

#include "psst/hd.h"

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

/* Traub-Miles rates (MODEL.md §2.2, §11.2) at shifted voltage u = V - V_T
 * [mV]. an_coef is 0.02 (tutorial) or 0.032 (COBAHH); alpha_n's limit at
 * u = 15 is 5 * an_coef. */
PSST_HD static inline psst_hh_rates psst_traub_rates(double u, double an_coef) {
  psst_hh_rates r;
  r.am = 1.28 / psst_exprel((13.0 - u) / 4.0);
  r.bm = 1.4 / psst_exprel((u - 40.0) / 5.0);
  r.ah = 0.128 * exp((17.0 - u) / 18.0);
  r.bh = 4.0 / (exp((40.0 - u) / 5.0) + 1.0);
  r.an = 5.0 * an_coef / psst_exprel((15.0 - u) / 5.0);
  r.bn = 0.5 * exp((10.0 - u) / 40.0);
  return r;
}

/* Squid-axon rates (MODEL.md §11.1) at absolute V [mV]. */
PSST_HD static inline psst_hh_rates psst_hh_classic_rates(double V) {
  psst_hh_rates r;
  r.am = 1.0 / psst_exprel(-(V + 40.0) / 10.0);
  r.bm = 4.0 * exp(-(V + 65.0) / 18.0);
  r.ah = 0.07 * exp(-(V + 65.0) / 20.0);
  r.bh = 1.0 / (1.0 + exp(-(V + 35.0) / 10.0));
  r.an = 0.1 / psst_exprel(-(V + 55.0) / 10.0);
  r.bn = 0.125 * exp(-(V + 65.0) / 80.0);
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
              double m, double h, double n, double I, double *dV, double *dm,
              double *dh, double *dn) {
  double m3h = m * m * m * h, n2 = n * n;
  double INa = gNa * m3h * (V - ENa);
  double IK = gK * n2 * n2 * (V - EK);
  double IL = gL * (V - EL);
  *dV = (I - INa - IK - IL) / Cm;
  *dm = psst_gate_deriv(m, r->am, r->bm, phi);
  *dh = psst_gate_deriv(h, r->ah, r->bh, phi);
  *dn = psst_gate_deriv(n, r->an, r->bn, phi);
}

#endif
