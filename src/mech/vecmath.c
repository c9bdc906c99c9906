/* The elementary functions of the kinds' hooks on the CPU (mech/vecmath.h).
 *
 * With SLEEF, every function comes from one of SLEEF's two deterministic
 * families ("finz": with FMA; "cinz": without), whose scalar and vector
 * versions return bit-identical results for the same argument, at every
 * vector width (SSE2, AVX2, AVX-512). That is what lets psst vectorise
 * the neurons' loops and still give the same numbers for any rank count
 * (a neuron may sit in a vector lane on one rank and in a scalar tail on
 * another), and the same numbers on any x86-64 node with FMA whatever its
 * vector width. Accuracy: at most 1.0 ulp (SLEEF's u10 functions), against
 * glibc's scalar functions' < 1 ulp; the two differ in the last bit for
 * about 6 % of arguments of exp (README: exactness).
 *
 * The vector variants below are the GNU vector ABI names the compiler calls
 * from loops over psst_exp & co. (`simd("notinbranch")` in vecmath.h):
 * _ZGV<isa>N<lanes><args>_<name>, isa b = SSE2 (2 lanes), d = AVX2 (4),
 * e = AVX-512 (8). This file is compiled without vector flags; each
 * variant carries its own target attribute.
 */
#define PSST_VECMATH_IMPL 1
#include "mech/vecmath.h"

#include <math.h>

#if defined(PSST_VECMATH_SLEEF)

/* SLEEF's prototypes, declared here with GCC's generic vector types (its
 * header hides each instruction set's behind that set's compiler flags). */
double Sleef_finz_expd1_u10purecfma(double);
double Sleef_finz_expm1d1_u10purecfma(double);
double Sleef_finz_logd1_u10purecfma(double);
double Sleef_finz_powd1_u10purecfma(double, double);
double Sleef_cinz_expd1_u10purec(double);
double Sleef_cinz_expm1d1_u10purec(double);
double Sleef_cinz_logd1_u10purec(double);
double Sleef_cinz_powd1_u10purec(double, double);

static struct {
  double (*exp)(double);
  double (*expm1)(double);
  double (*log)(double);
  double (*pow)(double, double);
} scalar = {Sleef_cinz_expd1_u10purec, Sleef_cinz_expm1d1_u10purec,
            Sleef_cinz_logd1_u10purec, Sleef_cinz_powd1_u10purec};
static int family = PSST_VECMATH_NOFMA;

double psst_exp(double x) { return scalar.exp(x); }
double psst_expm1(double x) { return scalar.expm1(x); }
double psst_log(double x) { return scalar.log(x); }
double psst_pow(double x, double y) { return scalar.pow(x, y); }

#if defined(__x86_64__)
typedef double v2d __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
#define T_SSE2 __attribute__((target("sse2")))
#define T_AVX2 __attribute__((target("avx2,fma")))
#define T_AVX512 __attribute__((target("avx512f,avx2,fma")))

/* SSE2 width: either family (the no-FMA one on CPUs without FMA) */
v2d Sleef_finz_expd2_u10avx2128(v2d) T_AVX2;
v2d Sleef_finz_expm1d2_u10avx2128(v2d) T_AVX2;
v2d Sleef_finz_logd2_u10avx2128(v2d) T_AVX2;
v2d Sleef_finz_powd2_u10avx2128(v2d, v2d) T_AVX2;
v2d Sleef_cinz_expd2_u10sse2(v2d) T_SSE2;
v2d Sleef_cinz_expm1d2_u10sse2(v2d) T_SSE2;
v2d Sleef_cinz_logd2_u10sse2(v2d) T_SSE2;
v2d Sleef_cinz_powd2_u10sse2(v2d, v2d) T_SSE2;
/* AVX2 and AVX-512: such CPUs have FMA */
v4d Sleef_finz_expd4_u10avx2(v4d) T_AVX2;
v4d Sleef_finz_expm1d4_u10avx2(v4d) T_AVX2;
v4d Sleef_finz_logd4_u10avx2(v4d) T_AVX2;
v4d Sleef_finz_powd4_u10avx2(v4d, v4d) T_AVX2;
v8d Sleef_finz_expd8_u10avx512f(v8d) T_AVX512;
v8d Sleef_finz_expm1d8_u10avx512f(v8d) T_AVX512;
v8d Sleef_finz_logd8_u10avx512f(v8d) T_AVX512;
v8d Sleef_finz_powd8_u10avx512f(v8d, v8d) T_AVX512;

static struct {
  v2d (*exp)(v2d);
  v2d (*expm1)(v2d);
  v2d (*log)(v2d);
  v2d (*pow)(v2d, v2d);
} sse2 = {Sleef_cinz_expd2_u10sse2, Sleef_cinz_expm1d2_u10sse2,
          Sleef_cinz_logd2_u10sse2, Sleef_cinz_powd2_u10sse2};

/* the variants the compiler calls (declared here, defined right after) */
#define PSST__VARIANTS(name, sfx)                                              \
  v2d _ZGVbN2##sfx##_psst_##name(V2ARGS) T_SSE2;                               \
  v4d _ZGVdN4##sfx##_psst_##name(V4ARGS) T_AVX2;                               \
  v8d _ZGVeN8##sfx##_psst_##name(V8ARGS) T_AVX512;
#define V2ARGS v2d
#define V4ARGS v4d
#define V8ARGS v8d
PSST__VARIANTS(exp, v)
PSST__VARIANTS(expm1, v)
PSST__VARIANTS(log, v)
#undef V2ARGS
#undef V4ARGS
#undef V8ARGS
#define V2ARGS v2d, v2d
#define V4ARGS v4d, v4d
#define V8ARGS v8d, v8d
PSST__VARIANTS(pow, vv)
#undef PSST__VARIANTS

#define PSST__UNARY(name, fn)                                                  \
  T_SSE2 v2d _ZGVbN2v_psst_##name(v2d x) { return sse2.name(x); }              \
  T_AVX2 v4d _ZGVdN4v_psst_##name(v4d x) {                                     \
    return Sleef_finz_##fn##d4_u10avx2(x);                                     \
  }                                                                            \
  T_AVX512 v8d _ZGVeN8v_psst_##name(v8d x) {                                   \
    return Sleef_finz_##fn##d8_u10avx512f(x);                                  \
  }
PSST__UNARY(exp, exp)
PSST__UNARY(expm1, expm1)
PSST__UNARY(log, log)
T_SSE2 v2d _ZGVbN2vv_psst_pow(v2d x, v2d y) { return sse2.pow(x, y); }
T_AVX2 v4d _ZGVdN4vv_psst_pow(v4d x, v4d y) {
  return Sleef_finz_powd4_u10avx2(x, y);
}
T_AVX512 v8d _ZGVeN8vv_psst_pow(v8d x, v8d y) {
  return Sleef_finz_powd8_u10avx512f(x, y);
}
#endif /* __x86_64__ */

int psst_vecmath_best(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2")
             ? PSST_VECMATH_FMA
             : PSST_VECMATH_NOFMA;
#else
  return PSST_VECMATH_FMA; /* every 64-bit ARM, POWER, z CPU has FMA */
#endif
}

void psst_vecmath_use(int f) {
  if (f == PSST_VECMATH_FMA && psst_vecmath_best() == PSST_VECMATH_FMA) {
    scalar.exp = Sleef_finz_expd1_u10purecfma;
    scalar.expm1 = Sleef_finz_expm1d1_u10purecfma;
    scalar.log = Sleef_finz_logd1_u10purecfma;
    scalar.pow = Sleef_finz_powd1_u10purecfma;
#if defined(__x86_64__)
    sse2.exp = Sleef_finz_expd2_u10avx2128;
    sse2.expm1 = Sleef_finz_expm1d2_u10avx2128;
    sse2.log = Sleef_finz_logd2_u10avx2128;
    sse2.pow = Sleef_finz_powd2_u10avx2128;
#endif
    family = PSST_VECMATH_FMA;
  } else {
    scalar.exp = Sleef_cinz_expd1_u10purec;
    scalar.expm1 = Sleef_cinz_expm1d1_u10purec;
    scalar.log = Sleef_cinz_logd1_u10purec;
    scalar.pow = Sleef_cinz_powd1_u10purec;
#if defined(__x86_64__)
    sse2.exp = Sleef_cinz_expd2_u10sse2;
    sse2.expm1 = Sleef_cinz_expm1d2_u10sse2;
    sse2.log = Sleef_cinz_logd2_u10sse2;
    sse2.pow = Sleef_cinz_powd2_u10sse2;
#endif
    family = PSST_VECMATH_NOFMA;
  }
}

const char *psst_vecmath_name(void) {
  return family == PSST_VECMATH_FMA ? "sleef (FMA)" : "sleef (no FMA)";
}

/* The best family from the start, so that code running before the engine
 * chooses (tests, tools) already uses what the engine will. */
__attribute__((constructor)) static void vecmath_init(void) {
  psst_vecmath_use(psst_vecmath_best());
}

#else /* glibc's scalar functions */

int psst_vecmath_best(void) { return PSST_VECMATH_FMA; }
void psst_vecmath_use(int f) { (void)f; }
const char *psst_vecmath_name(void) { return "libm"; }

#endif
