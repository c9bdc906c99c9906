/* mech/synapses/gaba_b.h — slow GABA_B synapse (docs/models.md §7): a release
 * of Cmax for Cdur, decided at step boundaries when the presynaptic V exceeds
 * V_rel (level-triggered, with a dead time), drives a receptor R and a
 * G-protein G; the drive is G^n / (G^n + K), and g is a total per
 * postsynaptic neuron shared among its inputs. Hooks: mech/mech.h. */
#ifndef PSST_MECH_GABA_B_H
#define PSST_MECH_GABA_B_H

#include "mech/mech.h"

enum {
  PSST_GABAB_R1,
  PSST_GABAB_R2,
  PSST_GABAB_R3,
  PSST_GABAB_R4,
  PSST_GABAB_K,
  PSST_GABAB_N,
  PSST_GABAB_G,
  PSST_GABAB_E,
  PSST_GABAB_CMAX,
  PSST_GABAB_CDUR,
  PSST_GABAB_VREL,
  PSST_GABAB_DEAD,
  PSST_GABAB_NPARAM
};
/* GABA_B per-presynaptic state: receptor R and G-protein G. */
enum { PSST_GABAB_STATE_R, PSST_GABAB_STATE_G, PSST_GABAB_NSTATE };

/* GABA_B (docs/models.md §7): transmitter [mM] is Cmax for Cdur after a release
 * that started at t_rel (decided at a step boundary): t_rel <= t < t_rel +
 * Cdur. t, t_rel, Cdur [ms]. */
PSST_HD static inline double psst_gaba_b_release(double t, double t_rel,
                                                 double Cmax, double Cdur) {
  return (t >= t_rel && t < t_rel + Cdur) ? Cmax : 0.0;
}

/* dR/dt = r1 T (1 - R) - r2 R;  dG/dt = r3 R - r4 G  [1/ms] */
PSST_HD static inline void psst_gaba_b_deriv(double R, double G, double T,
                                             const double *p, double *dR,
                                             double *dG) {
  *dR = p[PSST_GABAB_R1] * T * (1.0 - R) - p[PSST_GABAB_R2] * R;
  *dG = p[PSST_GABAB_R3] * R - p[PSST_GABAB_R4] * G;
}

/* Activation G^n / (G^n + K) (dimensionless). */
PSST_HD static inline double psst_gaba_b_activation(double G, double n,
                                                    double K) {
  double gn = G > 0.0 ? psst_pow(G, n) : 0.0;
  return gn / (gn + K);
}

enum {
  psst_sk_gaba_b_nstate = PSST_GABAB_NSTATE,
  psst_sk_gaba_b_nparam = PSST_GABAB_NPARAM,
  psst_sk_gaba_b_nderived = 0
};
static inline void psst_sk_gaba_b_prepare(double *p) { (void)p; }
PSST_HD static inline void psst_sk_gaba_b_current(const double *p, double *g,
                                                  double *E) {
  *g = p[PSST_GABAB_G];
  *E = p[PSST_GABAB_E];
}
/* aux: the start of the last release [ms] */
PSST_HD static inline double psst_sk_gaba_b_transmitter(const double *p,
                                                        double t, double V,
                                                        double fire_t,
                                                        double aux) {
  (void)V;
  (void)fire_t;
  return psst_gaba_b_release(t, aux, p[PSST_GABAB_CMAX], p[PSST_GABAB_CDUR]);
}
PSST_HD static inline void psst_sk_gaba_b_deriv(const double *p, double t,
                                                double T, const double *x,
                                                double *dx) {
  (void)t;
  psst_gaba_b_deriv(x[PSST_GABAB_STATE_R], x[PSST_GABAB_STATE_G], T, p,
                    &dx[PSST_GABAB_STATE_R], &dx[PSST_GABAB_STATE_G]);
}
PSST_HD static inline double psst_sk_gaba_b_drive(const double *p,
                                                  const double *x) {
  return psst_gaba_b_activation(x[PSST_GABAB_STATE_G], p[PSST_GABAB_N],
                                p[PSST_GABAB_K]);
}
/* not spike-triggered */
PSST_HD static inline void psst_sk_gaba_b_on_spike(const double *p, double w,
                                                   double t, double *x) {
  (void)t;
  (void)p;
  (void)w;
  (void)x;
}
/* a release starts at the step boundary t when V > V_rel and at least
 * Cdur + dead passed since the previous one (aux) */
PSST_HD static inline int psst_sk_gaba_b_release(const double *p, double t,
                                                 double V, double aux) {
  double wait = p[PSST_GABAB_CDUR] + p[PSST_GABAB_DEAD] - 1e-9;
  return V > p[PSST_GABAB_VREL] && t - aux >= wait;
}

#endif
