/* psst/synapses.h — per-synapse equations, shared by every backend.
 *
 * Receptor kinetics (MODEL.md §3.2):  dO/dt = alpha (1 - O) T - beta O
 * Synaptic current onto post i:       I_i = g (V_i - E) * sum_j w_ij O_j
 * where O_j is the state of presynaptic neuron j (per-presynaptic storage,
 * exact under §3.7) or of synapse (i, j) (per-synapse storage).
 */
#ifndef PSST_SYNAPSES_H
#define PSST_SYNAPSES_H

#include <math.h>

#include "psst/hd.h"

/* Parameter indices of each kind (order of the kind's table). */
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
enum {
  PSST_GABAA_ALPHA,
  PSST_GABAA_BETA,
  PSST_GABAA_V0,
  PSST_GABAA_SIGMA,
  PSST_GABAA_G,
  PSST_GABAA_E,
  PSST_GABAA_NPARAM
};
enum { PSST_EXPC_G, PSST_EXPC_TAU, PSST_EXPC_E, PSST_EXPC_NPARAM };
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

/* The factor g [mS/cm^2] and reversal E [mV] of a projection's current
 * I = g (V - E) * drive, for synapse kind `id` (psst_synapse_id) with
 * parameters p. exp_cond's drive is its conductance gsyn itself (g = 1). */
PSST_HD static inline void psst_synapse_current_params(int id, const double *p,
                                                       double *g, double *E) {
  switch (id) {
  case 0: /* PSST_SYN_ACH_PULSE */
    *g = p[PSST_ACH_G];
    *E = p[PSST_ACH_E];
    break;
  case 1: /* PSST_SYN_GABA_A */
    *g = p[PSST_GABAA_G];
    *E = p[PSST_GABAA_E];
    break;
  case 2: /* PSST_SYN_EXP_COND */
    *g = 1.0;
    *E = p[PSST_EXPC_E];
    break;
  default: /* PSST_SYN_GABA_B */
    *g = p[PSST_GABAB_G];
    *E = p[PSST_GABAB_E];
    break;
  }
}

/* Cholinergic transmitter (MODEL.md §3.3): A while
 * fire_t + t_delay < t < fire_t + t_delay + t_max (both strict), else 0.
 * t, fire_t, t_delay, t_max [ms]. */
PSST_HD static inline double psst_ach_release(double t, double fire_t, double A,
                                              double t_delay, double t_max) {
  double on = fire_t + t_delay;
  return (t > on && t < on + t_max) ? A : 0.0;
}

/* GABA_A transmitter (MODEL.md §3.4): 1 / (1 + exp(-(V - V0)/sigma)).
 * V, V0, sigma [mV]. */
PSST_HD static inline double psst_gaba_a_release(double V, double V0,
                                                 double sigma) {
  return 1.0 / (1.0 + exp(-(V - V0) / sigma));
}

/* Two-state receptor: dO/dt [1/ms]; alpha, beta [1/ms]. */
PSST_HD static inline double psst_receptor_deriv(double O, double T,
                                                 double alpha, double beta) {
  return alpha * (1.0 - O) * T - beta * O;
}

/* GABA_B (MODEL.md §7): transmitter [mM] is Cmax for Cdur after a release
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
  double gn = G > 0.0 ? pow(G, n) : 0.0;
  return gn / (gn + K);
}

#endif
