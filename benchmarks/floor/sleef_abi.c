/* SLEEF behind the GNU vector ABI, for the floor benchmark's `sleef`
 * variant (benchmarks/floor/README.md).
 *
 * kernel.c declares floor_exp / floor_expm1 with simd("notinbranch"); the
 * vectoriser then calls _ZGV<isa>N<lanes>v_floor_exp: b = SSE2 (2 lanes,
 * xmm), c = AVX (4, ymm), d = AVX2 (4, ymm), e = AVX-512 (8, zmm). They
 * are defined here on SLEEF's deterministic FMA family ("finz", 1.0 ulp),
 * whose scalar and vector versions give bit-identical results. Compiled
 * without vector flags: each function carries its own target attribute,
 * and SLEEF's prototypes are declared here with GCC vector types (sleef.h
 * hides each instruction set's behind that set's compiler flags). Without
 * AVX2 + FMA (checked at run time) the scalar and SSE2 variants fall back
 * to the non-FMA family ("cinz").
 */
typedef double v2d __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));

#define T_SSE2 __attribute__((target("sse2")))
#define T_AVX __attribute__((target("avx")))
#define T_AVX2 __attribute__((target("avx2,fma")))
#define T_AVX512 __attribute__((target("avx512f,avx2,fma")))

double Sleef_finz_expd1_u10purecfma(double);
double Sleef_finz_expm1d1_u10purecfma(double);
double Sleef_cinz_expd1_u10purec(double);
double Sleef_cinz_expm1d1_u10purec(double);
T_AVX2 v2d Sleef_finz_expd2_u10avx2128(v2d);
T_AVX2 v2d Sleef_finz_expm1d2_u10avx2128(v2d);
T_SSE2 v2d Sleef_cinz_expd2_u10sse2(v2d);
T_SSE2 v2d Sleef_cinz_expm1d2_u10sse2(v2d);
T_AVX2 v4d Sleef_finz_expd4_u10avx2(v4d);
T_AVX2 v4d Sleef_finz_expm1d4_u10avx2(v4d);
T_AVX512 v8d Sleef_finz_expd8_u10avx512f(v8d);
T_AVX512 v8d Sleef_finz_expm1d8_u10avx512f(v8d);

static int have_fma = -1;

static int fma_ok(void) {
  if (have_fma < 0) {
    __builtin_cpu_init();
    have_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return have_fma;
}

__attribute__((constructor)) static void floor_sleef_init(void) {
  (void)fma_ok();
}

#define FLOOR_ABI(name, fn)                                                    \
  double floor_##name(double x) {                                              \
    return have_fma > 0 ? Sleef_finz_##fn##d1_u10purecfma(x)                   \
                        : Sleef_cinz_##fn##d1_u10purec(x);                     \
  }                                                                            \
  T_SSE2 v2d _ZGVbN2v_floor_##name(v2d x) {                                    \
    return have_fma > 0 ? Sleef_finz_##fn##d2_u10avx2128(x)                    \
                        : Sleef_cinz_##fn##d2_u10sse2(x);                      \
  }                                                                            \
  T_AVX v4d _ZGVcN4v_floor_##name(v4d x) {                                     \
    v4d r;                                                                     \
    for (int i = 0; i < 4; i++)                                                \
      r[i] = floor_##name(x[i]);                                               \
    return r;                                                                  \
  }                                                                            \
  T_AVX2 v4d _ZGVdN4v_floor_##name(v4d x) {                                    \
    return Sleef_finz_##fn##d4_u10avx2(x);                                     \
  }                                                                            \
  T_AVX512 v8d _ZGVeN8v_floor_##name(v8d x) {                                  \
    return Sleef_finz_##fn##d8_u10avx512f(x);                                  \
  }

/* The mangled names are what the vectoriser calls; declare them first
 * (-Wmissing-prototypes). */
double floor_exp(double);
double floor_expm1(double);
T_SSE2 v2d _ZGVbN2v_floor_exp(v2d);
T_SSE2 v2d _ZGVbN2v_floor_expm1(v2d);
T_AVX v4d _ZGVcN4v_floor_exp(v4d);
T_AVX v4d _ZGVcN4v_floor_expm1(v4d);
T_AVX2 v4d _ZGVdN4v_floor_exp(v4d);
T_AVX2 v4d _ZGVdN4v_floor_expm1(v4d);
T_AVX512 v8d _ZGVeN8v_floor_exp(v8d);
T_AVX512 v8d _ZGVeN8v_floor_expm1(v8d);

FLOOR_ABI(exp, exp)
FLOOR_ABI(expm1, expm1)
