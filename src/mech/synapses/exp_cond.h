/* mech/synapses/exp_cond.h — spike-triggered, exponentially decaying
 * conductance (docs/models.md §11.2, COBAHH): each presynaptic spike adds g * w
 * to the postsynaptic conductance gsyn, which decays with tau; I = gsyn (V -
 * E). One state per postsynaptic neuron (linear, so exact). Hooks:
 * mech/mech.h. */
#ifndef PSST_MECH_EXP_COND_H
#define PSST_MECH_EXP_COND_H

#include "mech/mech.h"

enum { PSST_EXPC_G, PSST_EXPC_TAU, PSST_EXPC_E, PSST_EXPC_NPARAM };

enum {
  psst_sk_exp_cond_nstate = 1,
  psst_sk_exp_cond_nparam = PSST_EXPC_NPARAM,
  psst_sk_exp_cond_nderived = 0
};
static inline void psst_sk_exp_cond_prepare(double *p) { (void)p; }
/* the drive is gsyn itself [mS/cm^2], so g = 1 */
PSST_HD static inline void psst_sk_exp_cond_current(const double *p, double *g,
                                                    double *E) {
  *g = 1.0;
  *E = p[PSST_EXPC_E];
}
/* no transmitter */
PSST_HD static inline double psst_sk_exp_cond_transmitter(const double *p,
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
/* dgsyn/dt = -gsyn / tau */
PSST_HD static inline void psst_sk_exp_cond_deriv(const double *p, double t,
                                                  double T, const double *x,
                                                  double *dx) {
  (void)t;
  (void)T;
  dx[0] = -x[0] / p[PSST_EXPC_TAU];
}
PSST_HD static inline double psst_sk_exp_cond_drive(const double *p,
                                                    const double *x) {
  (void)p;
  return x[0];
}
/* gsyn += g w */
PSST_HD static inline void psst_sk_exp_cond_on_spike(const double *p, double w,
                                                     double t, double *x) {
  (void)t;
  x[0] += p[PSST_EXPC_G] * w;
}
PSST_HD static inline int psst_sk_exp_cond_release(const double *p, double t,
                                                   double V, double aux) {
  (void)p;
  (void)t;
  (void)V;
  (void)aux;
  return 0;
}

#endif
