/* backend/cpu/cpu_kernels.h — the CPU backend's loops (internal).
 *
 * cpu_kernels.c instantiates, from the kind list, one loop per hook and
 * kind, plus the RK4 combination and the synaptic drive. It is compiled
 * once per instruction set (cpu_kernels_<isa>); cpu_backend.c picks one
 * table at run time (README: vectorisation). Every loop is elementwise in
 * a fixed order, so all tables give the same numbers up to the elementary
 * functions (mech/vecmath.h), whose vector and scalar forms agree.
 *
 * Layouts: state variable v of element e at x[v * ld + e]; n elements.
 */
#ifndef PSST_CPU_KERNELS_H
#define PSST_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "mech/list.h"
#include "mech/syn_loops.h"

/* dy = f(y) for n neurons (n a multiple of the padding), p the population's
 * params, I the non-intrinsic current per neuron. */
typedef void (*psst_cpu_neuron_fn)(int64_t n, int64_t ld, const double *p,
                                   const double *y, const double *Iext,
                                   double *dy);

/* psst_cpu_synapse_fns: mech/syn_loops.h */

typedef struct psst_cpu_kernels {
  const char *isa; /* "avx512", "avx2", "baseline" */
  psst_cpu_neuron_fn neuron[PSST_NK_COUNT];
  psst_cpu_synapse_fns synapse[PSST_SYN_COUNT];
  /* out = y + a k */
  void (*axpy)(int64_t n, double *out, const double *y, double a,
               const double *k);
  /* acc += b k */
  void (*accum)(int64_t n, double *acc, double b, const double *k);
  /* y += acc h6 */
  void (*finish)(int64_t n, double *y, const double *acc, double h6);
  /* acc += b k and out = y + a k in one pass */
  void (*accum_axpy)(int64_t n, double *acc, double b, const double *k,
                     double *out, const double *y, double a);
  /* acc += b k, then y += acc h6, in one pass */
  void (*accum_finish)(int64_t n, double *acc, double b, const double *k,
                       double *y, double h6);
  /* drive[r] = sum over row r of w * A[col] (or A[x] per synapse), in
   * ascending order; w NULL: `weight` times the plain sum (per
   * presynaptic) or times each term (per synapse) */
  void (*csr_pre)(int64_t nrows, const int64_t *row_ptr, const int32_t *col,
                  const double *w, double weight, const double *A,
                  double *drive);
  void (*csr_syn)(int64_t nrows, const int64_t *row_ptr, const double *w,
                  double weight, const double *A, double *drive);
  /* drive[r] = sum_j A_rj x_j over a dense nrows x n block, each row in
   * a fixed order (8 interleaved partial sums combined pairwise, then the
   * tail): the rounding depends on the row alone */
  void (*dense)(int64_t nrows, int64_t n, const double *A, const double *x,
                double *drive);
  /* Isyn[r] += g drive[r] (V[r] - E) */
  void (*current)(int64_t n, double g, double E, const double *drive,
                  const double *V, double *Isyn);
} psst_cpu_kernels;

/* baseline: the compiler's default target (SSE2 on x86-64); the others
 * where CMake found the compiler flags (PSST_CPU_HAVE_<ISA>) */
extern const psst_cpu_kernels psst_cpu_kernels_baseline;
#if PSST_CPU_HAVE_AVX2
extern const psst_cpu_kernels psst_cpu_kernels_avx2;
#endif
#if PSST_CPU_HAVE_AVX512
extern const psst_cpu_kernels psst_cpu_kernels_avx512;
#endif

#endif
