/* mech/synapses/gaba_a.h — fast GABA_A synapse (docs/models.md §3.2, §3.4): the
 * transmitter is a sigmoid of the presynaptic membrane potential at every
 * RK4 stage, driving a two-state receptor. Hooks: mech/mech.h. */
#ifndef PSST_MECH_GABA_A_H
#define PSST_MECH_GABA_A_H

#include "mech/synapses/receptors.h"

enum {
  PSST_GABAA_ALPHA,
  PSST_GABAA_BETA,
  PSST_GABAA_V0,
  PSST_GABAA_SIGMA,
  PSST_GABAA_G,
  PSST_GABAA_E,
  PSST_GABAA_NPARAM
};

/* GABA_A transmitter (docs/models.md §3.4): 1 / (1 + exp(-(V - V0)/sigma)).
 * V, V0, sigma [mV]. */
PSST_HD static inline double psst_gaba_a_release(double V, double V0,
                                                 double sigma) {
  return 1.0 / (1.0 + psst_exp(-(V - V0) / sigma));
}

enum {
  psst_sk_gaba_a_nstate = 1,
  psst_sk_gaba_a_nparam = PSST_GABAA_NPARAM,
  psst_sk_gaba_a_nderived = 0
};
static inline void psst_sk_gaba_a_prepare(double *p) { (void)p; }
PSST_HD static inline void psst_sk_gaba_a_current(const double *p, double *g,
                                                  double *E) {
  *g = p[PSST_GABAA_G];
  *E = p[PSST_GABAA_E];
}
PSST_HD static inline double psst_sk_gaba_a_transmitter(const double *p,
                                                        double t, double V,
                                                        double fire_t,
                                                        double aux) {
  (void)t;
  (void)fire_t;
  (void)aux;
  return psst_gaba_a_release(V, p[PSST_GABAA_V0], p[PSST_GABAA_SIGMA]);
}
PSST_HD static inline void psst_sk_gaba_a_deriv(const double *p, double t,
                                                double T, const double *x,
                                                double *dx) {
  (void)t;
  dx[0] = psst_receptor_deriv(x[0], T, p[PSST_GABAA_ALPHA], p[PSST_GABAA_BETA]);
}
PSST_HD static inline double psst_sk_gaba_a_drive(const double *p,
                                                  const double *x) {
  (void)p;
  return x[0];
}
/* not spike-triggered, no step-boundary decision */
PSST_HD static inline void psst_sk_gaba_a_on_spike(const double *p, double w,
                                                   double t, double *x) {
  (void)t;
  (void)p;
  (void)w;
  (void)x;
}
PSST_HD static inline int psst_sk_gaba_a_release(const double *p, double t,
                                                 double V, double aux) {
  (void)p;
  (void)t;
  (void)V;
  (void)aux;
  return 0;
}

#endif
