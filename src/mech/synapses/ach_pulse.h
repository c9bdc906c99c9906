/* mech/synapses/ach_pulse.h — cholinergic synapse (docs/models.md §3.2-3.3): a
 * transmitter pulse of amplitude A for t_max after each presynaptic spike
 * (keyed to the last firing time), driving a two-state receptor. Hooks:
 * mech/mech.h. */
#ifndef PSST_MECH_ACH_PULSE_H
#define PSST_MECH_ACH_PULSE_H

#include "mech/synapses/receptors.h"

enum {
  PSST_ACH_ALPHA,
  PSST_ACH_BETA,
  PSST_ACH_A,
  PSST_ACH_TMAX,
  PSST_ACH_TDELAY,
  PSST_ACH_G,
  PSST_ACH_E,
  PSST_ACH_NPARAM
};

/* Cholinergic transmitter (docs/models.md §3.3): A while
 * fire_t + t_delay < t < fire_t + t_delay + t_max (both strict), else 0.
 * t, fire_t, t_delay, t_max [ms]. */
PSST_HD static inline double psst_ach_release(double t, double fire_t, double A,
                                              double t_delay, double t_max) {
  double on = fire_t + t_delay;
  return (t > on && t < on + t_max) ? A : 0.0;
}

enum {
  psst_sk_ach_pulse_nstate = 1,
  psst_sk_ach_pulse_nparam = PSST_ACH_NPARAM,
  psst_sk_ach_pulse_nderived = 0
};
static inline void psst_sk_ach_pulse_prepare(double *p) { (void)p; }
PSST_HD static inline void psst_sk_ach_pulse_current(const double *p, double *g,
                                                     double *E) {
  *g = p[PSST_ACH_G];
  *E = p[PSST_ACH_E];
}
PSST_HD static inline double psst_sk_ach_pulse_transmitter(const double *p,
                                                           double t, double V,
                                                           double fire_t,
                                                           double aux) {
  (void)V;
  (void)aux;
  return psst_ach_release(t, fire_t, p[PSST_ACH_A], p[PSST_ACH_TDELAY],
                          p[PSST_ACH_TMAX]);
}
PSST_HD static inline void psst_sk_ach_pulse_deriv(const double *p, double t,
                                                   double T, const double *x,
                                                   double *dx) {
  (void)t;
  dx[0] = psst_receptor_deriv(x[0], T, p[PSST_ACH_ALPHA], p[PSST_ACH_BETA]);
}
PSST_HD static inline double psst_sk_ach_pulse_drive(const double *p,
                                                     const double *x) {
  (void)p;
  return x[0];
}
/* not spike-triggered, no step-boundary decision */
PSST_HD static inline void psst_sk_ach_pulse_on_spike(const double *p, double w,
                                                      double t, double *x) {
  (void)t;
  (void)p;
  (void)w;
  (void)x;
}
PSST_HD static inline int psst_sk_ach_pulse_release(const double *p, double t,
                                                    double V, double aux) {
  (void)p;
  (void)t;
  (void)V;
  (void)aux;
  return 0;
}

#endif
