/* mech/synapses/ach_spike.h — cholinergic synapse driven by delivered
 * spikes: each spike, delivered after its synapse's delay, opens a
 * transmitter pulse of amplitude A for t_max (docs/models.md §3.3's pulse,
 * keyed to the delivery time instead of the presynaptic neuron's last firing
 * time), which drives the two-state receptor of §3.2. Spikes that come
 * faster than the delay are all delivered; a pulse that is still open is
 * restarted. State per synapse (or per presynaptic neuron, when every
 * synapse of a projection has the same delay): O and the last delivery
 * time. Hooks: mech/mech.h. */
#ifndef PSST_MECH_ACH_SPIKE_H
#define PSST_MECH_ACH_SPIKE_H

#include "mech/synapses/receptors.h"

enum {
  PSST_ACHS_ALPHA,
  PSST_ACHS_BETA,
  PSST_ACHS_A,
  PSST_ACHS_TMAX,
  PSST_ACHS_G,
  PSST_ACHS_E,
  PSST_ACHS_NPARAM
};
/* receptor O and the time of the last delivered spike [ms] */
enum { PSST_ACHS_STATE_O, PSST_ACHS_STATE_T, PSST_ACHS_NSTATE };

enum {
  psst_sk_ach_spike_nstate = PSST_ACHS_NSTATE,
  psst_sk_ach_spike_nparam = PSST_ACHS_NPARAM,
  psst_sk_ach_spike_nderived = 0
};
static inline void psst_sk_ach_spike_prepare(double *p) { (void)p; }
PSST_HD static inline void psst_sk_ach_spike_current(const double *p, double *g,
                                                     double *E) {
  *g = p[PSST_ACHS_G];
  *E = p[PSST_ACHS_E];
}
/* no transmitter per presynaptic neuron: it is in the state */
PSST_HD static inline double psst_sk_ach_spike_transmitter(const double *p,
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
/* T = A while t_del < t < t_del + t_max (both strict, as ach_pulse); the
 * delivery time itself does not evolve */
PSST_HD static inline void psst_sk_ach_spike_deriv(const double *p, double t,
                                                   double T, const double *x,
                                                   double *dx) {
  (void)T;
  const double on = x[PSST_ACHS_STATE_T];
  const double Tr =
      (t > on && t < on + p[PSST_ACHS_TMAX]) ? p[PSST_ACHS_A] : 0.0;
  dx[PSST_ACHS_STATE_O] = psst_receptor_deriv(
      x[PSST_ACHS_STATE_O], Tr, p[PSST_ACHS_ALPHA], p[PSST_ACHS_BETA]);
  dx[PSST_ACHS_STATE_T] = 0.0;
}
PSST_HD static inline double psst_sk_ach_spike_drive(const double *p,
                                                     const double *x) {
  (void)p;
  return x[PSST_ACHS_STATE_O];
}
/* a delivered spike (weight in the drive): the pulse starts at t */
PSST_HD static inline void psst_sk_ach_spike_on_spike(const double *p, double w,
                                                      double t, double *x) {
  (void)p;
  (void)w;
  x[PSST_ACHS_STATE_T] = t;
}
PSST_HD static inline int psst_sk_ach_spike_release(const double *p, double t,
                                                    double V, double aux) {
  (void)p;
  (void)t;
  (void)V;
  (void)aux;
  return 0;
}

#endif
