/* mech/syn_loops.h — the CPU loops of a synapse kind (internal).
 *
 * PSST_SYNAPSE_LOOPS(name) defines, from the hooks of synapse kind `name`
 * (mech/mech.h) and its psst_sk_<name>_nstate/_nparam/_nderived, one
 * static loop per hook over n elements (state variable v of element e at
 * x[v * ld + e]); PSST_SYNAPSE_LOOPS_TABLE(name) is the initialiser of
 * their psst_cpu_synapse_fns. The built-in kinds get them in the CPU
 * kernel tables (backend/cpu/cpu_kernels.c), a user-defined synapse kind
 * in its generated source (kinds/user_syn.h): this header is embedded in
 * the text that generated code starts with (kinds/jit.h), so both run
 * the same loops, and give the same numbers for the same hooks.
 */
#ifndef PSST_MECH_SYN_LOOPS_H
#define PSST_MECH_SYN_LOOPS_H

#include <stdint.h>
#include <string.h>

#include "mech/mech.h"

/* The loops' elements are independent (no aliasing between the arrays):
 * tell the vectoriser, which otherwise versions every loop. */
#if defined(__clang__)
#define PSST_SIMD _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define PSST_SIMD _Pragma("GCC ivdep")
#else
#define PSST_SIMD
#endif

typedef struct psst_cpu_synapse_fns {
  /* T[j] = transmitter(t, V[j], fire_t[j], aux[j]), j < n */
  void (*transmitter)(int64_t n, const double *p, double t, const double *V,
                      const double *fire_t, const double *aux, double *T);
  /* dx_e = deriv(t, T[e], x_e) (per presynaptic neuron) */
  void (*deriv_pre)(int64_t n, const double *p, double t, const double *T,
                    const double *x, int64_t ld, double *dx);
  /* dx_e = deriv(t, T[col[e]], x_e) (per synapse) */
  void (*deriv_syn)(int64_t n, const double *p, double t, const double *T,
                    const int32_t *col, const double *x, int64_t ld,
                    double *dx);
  /* dx_e = deriv(t, 0, x_e) (per postsynaptic neuron, no transmitter) */
  void (*deriv_post)(int64_t n, const double *p, double t, const double *x,
                     int64_t ld, double *dx);
  /* A[e] = drive(x_e) */
  void (*drive)(int64_t n, const double *p, const double *x, int64_t ld,
                double *A);
  /* on_spike(w[e], t, x_elem[e]) for e = 0 .. n-1, in order */
  void (*deliver)(const double *p, const int64_t *elem, const double *w,
                  int64_t n, double t, double *x, int64_t ld);
  /* aux[j] = t where release(t, V[j], aux[j]) */
  void (*release)(int64_t n, const double *p, double t, const double *V,
                  double *aux);
  /* the current's g [mS/cm^2] and E [mV] */
  void (*current)(const double *p, double *g, double *E);
} psst_cpu_synapse_fns;

#define PSST_SYNAPSE_LOOPS_TABLE(name)                                         \
  {                                                                            \
    transmitter_##name, deriv_pre_##name, deriv_syn_##name, deriv_post_##name, \
        drive_##name, deliver_##name, release_##name, current_##name           \
  }

#define PSST_SYNAPSE_LOOPS(name)                                               \
  enum {                                                                       \
    name##_S = psst_sk_##name##_nstate,                                        \
    name##_P = psst_sk_##name##_nparam + psst_sk_##name##_nderived + 1         \
  };                                                                           \
  static void transmitter_##name(                                              \
      int64_t n, const double *p_, double t, const double *restrict V,         \
      const double *restrict fire_t, const double *restrict aux,               \
      double *restrict T) {                                                    \
    double p[name##_P];                                                        \
    memcpy(p, p_, sizeof p - sizeof p[0]);                                     \
    PSST_SIMD for (int64_t j = 0; j < n; j++) T[j] =                           \
        psst_sk_##name##_transmitter(p, t, V[j], fire_t[j], aux[j]);           \
  }                                                                            \
  static void deriv_pre_##name(                                                \
      int64_t n, const double *p_, double t, const double *restrict T,         \
      const double *restrict x_, int64_t ld, double *restrict dx_) {           \
    double p[name##_P];                                                        \
    memcpy(p, p_, sizeof p - sizeof p[0]);                                     \
    PSST_SIMD for (int64_t e = 0; e < n; e++) {                                \
      double x[name##_S], dx[name##_S];                                        \
      for (int v = 0; v < name##_S; v++)                                       \
        x[v] = x_[v * ld + e];                                                 \
      psst_sk_##name##_deriv(p, t, T[e], x, dx);                               \
      for (int v = 0; v < name##_S; v++)                                       \
        dx_[v * ld + e] = dx[v];                                               \
    }                                                                          \
  }                                                                            \
  static void deriv_syn_##name(                                                \
      int64_t n, const double *p_, double t, const double *restrict T,         \
      const int32_t *restrict col, const double *restrict x_, int64_t ld,      \
      double *restrict dx_) {                                                  \
    double p[name##_P];                                                        \
    memcpy(p, p_, sizeof p - sizeof p[0]);                                     \
    PSST_SIMD for (int64_t e = 0; e < n; e++) {                                \
      double x[name##_S], dx[name##_S];                                        \
      for (int v = 0; v < name##_S; v++)                                       \
        x[v] = x_[v * ld + e];                                                 \
      psst_sk_##name##_deriv(p, t, T[col[e]], x, dx);                          \
      for (int v = 0; v < name##_S; v++)                                       \
        dx_[v * ld + e] = dx[v];                                               \
    }                                                                          \
  }                                                                            \
  static void deriv_post_##name(int64_t n, const double *p_, double t,         \
                                const double *restrict x_, int64_t ld,         \
                                double *restrict dx_) {                        \
    double p[name##_P];                                                        \
    memcpy(p, p_, sizeof p - sizeof p[0]);                                     \
    PSST_SIMD for (int64_t e = 0; e < n; e++) {                                \
      double x[name##_S], dx[name##_S];                                        \
      for (int v = 0; v < name##_S; v++)                                       \
        x[v] = x_[v * ld + e];                                                 \
      psst_sk_##name##_deriv(p, t, 0.0, x, dx);                                \
      for (int v = 0; v < name##_S; v++)                                       \
        dx_[v * ld + e] = dx[v];                                               \
    }                                                                          \
  }                                                                            \
  static void drive_##name(int64_t n, const double *p_,                        \
                           const double *restrict x_, int64_t ld,              \
                           double *restrict A) {                               \
    double p[name##_P];                                                        \
    memcpy(p, p_, sizeof p - sizeof p[0]);                                     \
    PSST_SIMD for (int64_t e = 0; e < n; e++) {                                \
      double x[name##_S];                                                      \
      for (int v = 0; v < name##_S; v++)                                       \
        x[v] = x_[v * ld + e];                                                 \
      A[e] = psst_sk_##name##_drive(p, x);                                     \
    }                                                                          \
  }                                                                            \
  static void deliver_##name(const double *p, const int64_t *elem,             \
                             const double *w, int64_t n, double t, double *x_, \
                             int64_t ld) {                                     \
    for (int64_t e = 0; e < n; e++) {                                          \
      int64_t r = elem[e];                                                     \
      double x[name##_S];                                                      \
      for (int v = 0; v < name##_S; v++)                                       \
        x[v] = x_[v * ld + r];                                                 \
      psst_sk_##name##_on_spike(p, w[e], t, x);                                \
      for (int v = 0; v < name##_S; v++)                                       \
        x_[v * ld + r] = x[v];                                                 \
    }                                                                          \
  }                                                                            \
  static void release_##name(int64_t n, const double *p, double t,             \
                             const double *restrict V, double *restrict aux) { \
    for (int64_t j = 0; j < n; j++)                                            \
      if (psst_sk_##name##_release(p, t, V[j], aux[j])) aux[j] = t;            \
  }                                                                            \
  static void current_##name(const double *p, double *g, double *E) {          \
    psst_sk_##name##_current(p, g, E);                                         \
  }

#endif
