/* mech/mech.h — what every kind's header needs (internal).
 *
 * A kind's equations are per-element hooks, `static inline PSST_HD`
 * functions with fixed names, that every backend instantiates into its
 * loops from the kind list (mech/list.h):
 *
 * neuron kind NAME (mech/neurons/<file>.h):
 *   enum { psst_nk_NAME_nstate = S, psst_nk_NAME_nparam = P,
 *          psst_nk_NAME_nderived = D };
 *   void psst_nk_NAME_prepare(double *p);          host, once per population:
 *                                                  p[P .. P+D) from p[0 .. P)
 *   void psst_nk_NAME_deriv(const double *p, const double *x, double Iext,
 *                           double *dx);           one neuron: x[S] -> dx[S],
 *                                                  I = injected - synaptic
 *                                                  current [uA/cm^2]
 * synapse kind NAME (mech/synapses/<name>.h), with x[S] the state of one
 * element (a presynaptic neuron, a synapse or a postsynaptic neuron,
 * after the kind's storage):
 *   enum { psst_sk_NAME_nstate = S, psst_sk_NAME_nparam = P,
 *          psst_sk_NAME_nderived = D };
 *   void   psst_sk_NAME_prepare(double *p);
 *   void   psst_sk_NAME_current(const double *p, double *g, double *E);
 *            the current onto post i is I = g * drive_i * (V_i - E)
 *   double psst_sk_NAME_transmitter(const double *p, double t, double V,
 *                                   double fire_t, double aux);
 *            per presynaptic neuron at stage time t [ms]: its V [mV], last
 *            firing time [ms], auxiliary value (STEP_BOUNDARY kinds); reads
 *            only what the kind's flags declare
 *   void   psst_sk_NAME_deriv(const double *p, double t, double T,
 *                             const double *x, double *dx);
 *            state derivatives at stage time t [ms]
 *   double psst_sk_NAME_drive(const double *p, const double *x);
 *            what one element contributes to the drive (times its weight)
 *   void   psst_sk_NAME_on_spike(const double *p, double w, double t,
 *                                double *x);
 *            SPIKE_TRIGGERED: a presynaptic spike through weight w,
 *            delivered (after its delay) at t [ms], effective from then
 *   int    psst_sk_NAME_release(const double *p, double t, double V,
 *                               double aux);
 *            STEP_BOUNDARY: 1 to set the presynaptic aux value to t
 * Every kind defines every hook; the engine calls only those its flags
 * name (the others are documented no-ops).
 *
 * PSST_HD marks functions compiled for both the CPU and the CUDA backend.
 * The hooks call psst_exp / psst_expm1 / psst_pow / psst_log
 * (mech/vecmath.h): vectorised on the CPU, the device's on CUDA.
 */
#ifndef PSST_MECH_H
#define PSST_MECH_H

#include <math.h>

#if defined(__CUDACC__)
#define PSST_HD __host__ __device__
#else
#define PSST_HD
#endif

#include "mech/vecmath.h"

/* exprel(x) = (exp(x) - 1)/x, exprel(0) = 1 (docs/models.md §2.4): expm1(x)/x
 * for |x| >= 1e-5, the Taylor polynomial 1 + x/2 + x^2/6 below. Overflows to
 * +inf for large x, so rate = c/exprel(x) correctly goes to 0. Both
 * branches are evaluated (a select, so that the loops vectorise). */
PSST_HD static inline double psst_exprel(double x) {
  double q = psst_expm1(x) / x;
  double t = 1.0 + x * (0.5 + x * (1.0 / 6.0));
  return fabs(x) < 1e-5 ? t : q;
}

/* 1/exprel(x) = x/(exp(x) - 1), 1 at 0: x/expm1(x) for |x| >= 1e-5, the
 * Taylor polynomial 1 - x/2 + x^2/12 below (one division instead of the
 * two of 1/psst_exprel). Underflows to 0 for large x, so rate =
 * c * rexprel(x) correctly goes to 0; overflows never (x/expm1(x) -> -x for
 * large negative x). */
PSST_HD static inline double psst_rexprel(double x) {
  double q = x / psst_expm1(x);
  double t = 1.0 - x * (0.5 - x * (1.0 / 12.0));
  return fabs(x) < 1e-5 ? t : q;
}

/* c ? a : b with both a and b evaluated (they are arguments): what
 * generated code writes for `c ? a : b` and where(c, a, b), so that a
 * branch holding psst_exp & co. does not keep a loop from vectorising.
 * The operands must have no side effects (generated code has none). */
PSST_HD static inline double psst_select(int c, double a, double b) {
  return c ? a : b;
}

/* The reference SoA loop of a neuron kind (psst_neuron_kind.rhs), defined
 * in the kind's table file: PSST_NEURON_REFERENCE_RHS(NAME) defines
 * `static void psst_nk_NAME_rhs(...)`. */
#define PSST_NEURON_REFERENCE_RHS(NAME)                                        \
  static void psst_nk_##NAME##_rhs(size_t n, const double *params,             \
                                   const double *y, size_t ld,                 \
                                   const double *Iext, double *dy) {           \
    double p[psst_nk_##NAME##_nparam + psst_nk_##NAME##_nderived + 1];         \
    for (int q = 0; q < psst_nk_##NAME##_nparam; q++)                          \
      p[q] = params[q];                                                        \
    psst_nk_##NAME##_prepare(p);                                               \
    for (size_t i = 0; i < n; i++) {                                           \
      double x[psst_nk_##NAME##_nstate], dx[psst_nk_##NAME##_nstate];          \
      for (int v = 0; v < psst_nk_##NAME##_nstate; v++)                        \
        x[v] = y[(size_t)v * ld + i];                                          \
      psst_nk_##NAME##_deriv(p, x, Iext[i], dx);                               \
      for (int v = 0; v < psst_nk_##NAME##_nstate; v++)                        \
        dy[(size_t)v * ld + i] = dx[v];                                        \
    }                                                                          \
  }

/* The host entry points of a synapse kind's drive and current hooks
 * (psst_synapse_kind.drive, .current: recording), defined in the kind's
 * table file: PSST_SYNAPSE_REFERENCE(NAME). */
#define PSST_SYNAPSE_REFERENCE(NAME)                                           \
  static double psst_sk_##NAME##_drive_ref(const double *p, const double *x) { \
    return psst_sk_##NAME##_drive(p, x);                                       \
  }                                                                            \
  static void psst_sk_##NAME##_current_ref(const double *p, double *g,         \
                                           double *E) {                        \
    psst_sk_##NAME##_current(p, g, E);                                         \
  }

/* Upper bound of the state size of any kind (stack arrays in loops). */
#define PSST_KIND_NSTATE_MAX 16

#endif
