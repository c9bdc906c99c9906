/* mech/synapses/exp2_cond.h — spike-triggered bi-exponential conductance,
 * peak-normalised (as NEURON's Exp2Syn): a presynaptic spike through
 * weight w at t_s gives
 *
 *   gsyn(t) = g w f (exp(-(t - t_s)/tau_decay) - exp(-(t - t_s)/tau_rise))
 *
 * whose peak, at t_p = t_s + tau_rise tau_decay / (tau_decay - tau_rise)
 * ln(tau_decay / tau_rise), is exactly g w (f normalises it). As two linear
 * states per postsynaptic neuron, A (rise) and B (decay), both incremented
 * by g w f at a spike, dA/dt = -A/tau_rise, dB/dt = -B/tau_decay, gsyn =
 * B - A, I = gsyn (V - E). Hooks: mech/mech.h. */
#ifndef PSST_MECH_EXP2_COND_H
#define PSST_MECH_EXP2_COND_H

#include "mech/mech.h"

enum {
  PSST_EXP2_G,
  PSST_EXP2_TAU_RISE,
  PSST_EXP2_TAU_DECAY,
  PSST_EXP2_E,
  PSST_EXP2_NPARAM
};
/* derived: the peak normalisation f */
#define PSST_EXP2_F PSST_EXP2_NPARAM
enum { PSST_EXP2_STATE_A, PSST_EXP2_STATE_B, PSST_EXP2_NSTATE };

/* Time of the peak after the spike [ms], and the factor f that makes the
 * peak of exp(-t/tau_decay) - exp(-t/tau_rise) equal to 1 (tau_rise <
 * tau_decay, checked with the model). */
static inline double psst_exp2_t_peak(double tau_rise, double tau_decay) {
  return tau_rise * tau_decay / (tau_decay - tau_rise) *
         log(tau_decay / tau_rise);
}
static inline double psst_exp2_factor(double tau_rise, double tau_decay) {
  double tp = psst_exp2_t_peak(tau_rise, tau_decay);
  return 1.0 / (exp(-tp / tau_decay) - exp(-tp / tau_rise));
}

enum {
  psst_sk_exp2_cond_nstate = PSST_EXP2_NSTATE,
  psst_sk_exp2_cond_nparam = PSST_EXP2_NPARAM,
  psst_sk_exp2_cond_nderived = 1
};
static inline void psst_sk_exp2_cond_prepare(double *p) {
  p[PSST_EXP2_F] =
      psst_exp2_factor(p[PSST_EXP2_TAU_RISE], p[PSST_EXP2_TAU_DECAY]);
}
/* the drive is gsyn = B - A itself [mS/cm^2], so g = 1 */
PSST_HD static inline void psst_sk_exp2_cond_current(const double *p, double *g,
                                                     double *E) {
  *g = 1.0;
  *E = p[PSST_EXP2_E];
}
/* no transmitter */
PSST_HD static inline double psst_sk_exp2_cond_transmitter(const double *p,
                                                           double t, double V,
                                                           double fire_t,
                                                           double aux) {
  (void)p;
  (void)t;
  (void)V;
  (void)fire_t;
  (void)aux;
  return 0.0;
}
PSST_HD static inline void psst_sk_exp2_cond_deriv(const double *p, double t,
                                      double T, const double *x,
                                      double *dx) {
  (void)t;
  (void)T;
  dx[PSST_EXP2_STATE_A] = -x[PSST_EXP2_STATE_A] / p[PSST_EXP2_TAU_RISE];
  dx[PSST_EXP2_STATE_B] = -x[PSST_EXP2_STATE_B] / p[PSST_EXP2_TAU_DECAY];
}
PSST_HD static inline double psst_sk_exp2_cond_drive(const double *p,
                                                     const double *x) {
  (void)p;
  return x[PSST_EXP2_STATE_B] - x[PSST_EXP2_STATE_A];
}
/* A and B += g w f */
PSST_HD static inline void psst_sk_exp2_cond_on_spike(const double *p, double w,
                                         double t, double *x) {
  (void)t;
  double inc = p[PSST_EXP2_G] * w * p[PSST_EXP2_F];
  x[PSST_EXP2_STATE_A] += inc;
  x[PSST_EXP2_STATE_B] += inc;
}
PSST_HD static inline int psst_sk_exp2_cond_release(const double *p, double t,
                                                    double V, double aux) {
  (void)p;
  (void)t;
  (void)V;
  (void)aux;
  return 0;
}

#endif
