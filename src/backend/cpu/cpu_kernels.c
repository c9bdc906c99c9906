/* The CPU backend's loops, instantiated from the kind list (internal; see
 * cpu_kernels.h). Compiled once per instruction set with
 * PSST_CPU_ISA=<isa> (CMakeLists.txt): the source is the same, only the
 * vector width differs.
 *
 * Every loop is elementwise (one element's arithmetic never depends on its
 * neighbours or on the vector width) and sums in a fixed order, so each
 * element's result is the same whatever the width and wherever the
 * element sits; the parameters are copied into locals first, so that the
 * compiler sees they cannot alias the state. */
#include <string.h>

#include "backend/cpu/cpu_kernels.h"

#ifndef PSST_CPU_ISA
#define PSST_CPU_ISA baseline
#endif
#define PSST__CAT2(a, b) a##b
#define PSST__CAT(a, b) PSST__CAT2(a, b)
#define PSST__STR2(a) #a
#define PSST__STR(a) PSST__STR2(a)

/* The loops' elements are independent (no aliasing between the arrays):
 * tell the vectoriser, which otherwise versions every loop. */
#define SIMD PSST_SIMD
#if defined(__clang__)
/* clang has no vector variants of psst_exp & co. (vecmath.h declares them
 * for GCC only), so the loops that call them stay scalar, and clang says
 * so for each (-Wpass-failed): expected, not an error */
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* ---- neuron kinds ---------------------------------------------------------
 */

#define PSST__NEURON_LOOP(name, NAME)                                          \
  static void neuron_##name(                                                   \
      int64_t n, int64_t ld, const double *p_, const double *restrict y,       \
      const double *restrict Iext, double *restrict dy) {                      \
    enum {                                                                     \
      S = psst_nk_##name##_nstate,                                             \
      P = psst_nk_##name##_nparam + psst_nk_##name##_nderived                  \
    };                                                                         \
    double p[P + 1]; /* + 1: a kind may have no parameters */                  \
    for (int q = 0; q < P; q++)                                                \
      p[q] = p_[q];                                                            \
    SIMD for (int64_t i = 0; i < n; i++) {                                     \
      double x[S], dx[S];                                                      \
      for (int v = 0; v < S; v++)                                              \
        x[v] = y[v * ld + i];                                                  \
      psst_nk_##name##_deriv(p, x, Iext[i], dx);                               \
      for (int v = 0; v < S; v++)                                              \
        dy[v * ld + i] = dx[v];                                                \
    }                                                                          \
  }
PSST_NEURON_KINDS(PSST__NEURON_LOOP)

/* ---- synapse kinds (their loops: mech/syn_loops.h) ------------------------
 */

#define PSST__SYNAPSE_LOOPS(name, NAME) PSST_SYNAPSE_LOOPS(name)
PSST_SYNAPSE_KINDS(PSST__SYNAPSE_LOOPS)

/* ---- the RK4 combination and the drive --------------------------------- */

static void axpy(int64_t n, double *restrict out, const double *restrict y,
                 double a, const double *restrict k) {
  SIMD for (int64_t i = 0; i < n; i++) out[i] = y[i] + a * k[i];
}

static void accum(int64_t n, double *restrict acc, double b,
                  const double *restrict k) {
  SIMD for (int64_t i = 0; i < n; i++) acc[i] += b * k[i];
}

static void finish(int64_t n, double *restrict y, const double *restrict acc,
                   double h6) {
  SIMD for (int64_t i = 0; i < n; i++) y[i] += acc[i] * h6;
}

static void accum_axpy(int64_t n, double *restrict acc, double b,
                       const double *restrict k, double *restrict out,
                       const double *restrict y, double a) {
  SIMD for (int64_t i = 0; i < n; i++) {
    acc[i] += b * k[i];
    out[i] = y[i] + a * k[i];
  }
}

static void accum_finish(int64_t n, double *restrict acc, double b,
                         const double *restrict k, double *restrict y,
                         double h6) {
  SIMD for (int64_t i = 0; i < n; i++) {
    acc[i] += b * k[i];
    y[i] += acc[i] * h6;
  }
}

static void csr_pre(int64_t nrows, const int64_t *restrict row_ptr,
                    const int32_t *restrict col, const double *restrict w,
                    double weight, const double *restrict A,
                    double *restrict drive) {
  for (int64_t r = 0; r < nrows; r++) {
    double d = 0.0;
    if (w) {
      for (int64_t x = row_ptr[r]; x < row_ptr[r + 1]; x++)
        d += w[x] * A[col[x]];
    } else {
      for (int64_t x = row_ptr[r]; x < row_ptr[r + 1]; x++)
        d += A[col[x]];
      d *= weight;
    }
    drive[r] = d;
  }
}

static void csr_syn(int64_t nrows, const int64_t *restrict row_ptr,
                    const double *restrict w, double weight,
                    const double *restrict A, double *restrict drive) {
  for (int64_t r = 0; r < nrows; r++) {
    double d = 0.0;
    for (int64_t x = row_ptr[r]; x < row_ptr[r + 1]; x++)
      d += (w ? w[x] : weight) * A[x];
    drive[r] = d;
  }
}

/* Streaming a dense block from memory measured faster with 256-bit
 * vectors than with 512-bit ones here (31 against 24 GB/s for 2000 x 2000;
 * OpenBLAS ddot: 34); the partial sums, and so the result, are the same at
 * every width. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PSST__STREAM __attribute__((target("prefer-vector-width=256")))
#else
#define PSST__STREAM
#endif

PSST__STREAM static double dot(int64_t n, const double *restrict a,
                               const double *restrict b) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++)
      s[l] += a[i + l] * b[i + l];
  double t = 0.0;
  for (; i < n; i++)
    t += a[i] * b[i];
  return (((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))) +
         t;
}

PSST__STREAM static void dense(int64_t nrows, int64_t n,
                               const double *restrict A,
                               const double *restrict x,
                               double *restrict drive) {
  for (int64_t r = 0; r < nrows; r++)
    drive[r] = dot(n, A + r * n, x);
}

static void current(int64_t n, double g, double E, const double *restrict drive,
                    const double *restrict V, double *restrict Isyn) {
  SIMD for (int64_t r = 0; r < n; r++) Isyn[r] += g * drive[r] * (V[r] - E);
}

/* ---- the table ------------------------------------------------------------
 */

#define PSST__NEURON_ENTRY(name, NAME) [PSST_NK_##NAME] = neuron_##name,
#define PSST__SYNAPSE_ENTRY(name, NAME)                                        \
  [PSST_SYN_##NAME] = PSST_SYNAPSE_LOOPS_TABLE(name),

const psst_cpu_kernels PSST__CAT(psst_cpu_kernels_, PSST_CPU_ISA) = {
    PSST__STR(PSST_CPU_ISA),
    {PSST_NEURON_KINDS(PSST__NEURON_ENTRY)},
    {PSST_SYNAPSE_KINDS(PSST__SYNAPSE_ENTRY)},
    axpy,
    accum,
    finish,
    accum_axpy,
    accum_finish,
    csr_pre,
    csr_syn,
    dense,
    current,
};
