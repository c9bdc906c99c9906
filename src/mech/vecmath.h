/* mech/vecmath.h — the elementary functions the kinds' hooks call
 * (internal).
 *
 * psst_exp, psst_expm1, psst_log and psst_pow are what every hook uses
 * instead of exp, expm1, log and pow, so that one switch decides how they
 * are evaluated:
 *   - under nvcc: the device's exp, expm1, log, pow;
 *   - on the CPU with SLEEF (PSST_VECMATH_SLEEF, the default where
 *     libsleef is found): SLEEF's deterministic functions (1.0 ulp), as a
 *     scalar function and as vector variants of the GNU vector ABI
 *     (_ZGV<isa>N<width>v_psst_exp, ...), so that the compiler vectorises
 *     the loops that call them (`#pragma omp simd`, backend/cpu). Scalar
 *     and every vector width give bit-identical results (mech/vecmath.c);
 *   - otherwise glibc's scalar functions (loops calling them do not
 *     vectorise).
 */
#ifndef PSST_MECH_VECMATH_H
#define PSST_MECH_VECMATH_H

#include <math.h>

#if defined(__CUDACC__) || !defined(PSST_VECMATH_SLEEF)
#define psst_exp(x) exp(x)
#define psst_expm1(x) expm1(x)
#define psst_log(x) log(x)
#define psst_pow(x, y) pow(x, y)
#else
#ifdef __cplusplus
extern "C" {
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&         \
    !defined(PSST_VECMATH_IMPL)
#define PSST__VECMATH_DECL __attribute__((simd("notinbranch"), const, nothrow))
#else
#define PSST__VECMATH_DECL __attribute__((const, nothrow))
#endif
double psst_exp(double x) PSST__VECMATH_DECL;
double psst_expm1(double x) PSST__VECMATH_DECL;
double psst_log(double x) PSST__VECMATH_DECL;
double psst_pow(double x, double y) PSST__VECMATH_DECL;
#undef PSST__VECMATH_DECL
#ifdef __cplusplus
}
#endif
#endif

/* Which family of SLEEF functions this process uses: with FMA (every
 * x86-64 CPU since 2013, every AVX2 and AVX-512 one) or without. Results
 * are bit-identical within a family, whatever the vector width; the
 * engine makes all ranks use the same family. Not collective. */
enum { PSST_VECMATH_NOFMA = 0, PSST_VECMATH_FMA = 1 };
/* The best family this CPU can run. */
int psst_vecmath_best(void);
/* Use family f (not above psst_vecmath_best()); before any psst_exp. */
void psst_vecmath_use(int f);
/* "sleef (FMA)", "sleef (no FMA)" or "libm". */
const char *psst_vecmath_name(void);

#endif
