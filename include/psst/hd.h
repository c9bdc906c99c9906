/* psst/hd.h — helpers shared by host and device code.
 *
 * PSST_HD marks functions compiled for both the CPU and the CUDA backend:
 * the per-neuron equations are written once, as static inline PSST_HD
 * functions in the kinds' headers.
 */
#ifndef PSST_HD_H
#define PSST_HD_H

#include <math.h>

#if defined(__CUDACC__)
#define PSST_HD __host__ __device__
#else
#define PSST_HD
#endif

/* exprel(x) = (exp(x) - 1)/x, exprel(0) = 1 (MODEL.md §2.4): expm1(x)/x for
 * |x| >= 1e-5, the Taylor polynomial 1 + x/2 + x^2/6 below. Overflows to
 * +inf for large x, so rate = c/exprel(x) correctly goes to 0. */
PSST_HD static inline double psst_exprel(double x) {
  if (fabs(x) < 1e-5) return 1.0 + x * (0.5 + x * (1.0 / 6.0));
  return expm1(x) / x;
}

#endif
