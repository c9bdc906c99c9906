/* The floor benchmark's RK4 stage loops (benchmarks/floor/README.md).
 *
 * One source, compiled once per variant (benchmarks/floor/run.sh), each
 * time as its own translation unit with its own flags:
 *
 *   -DFLOOR_VARIANT=scalar  -DFLOOR_MATH=0  glibc exp/expm1, scalar loop
 *   -DFLOOR_VARIANT=libmvec -DFLOOR_MATH=1  glibc's libmvec, vectorised
 *   -DFLOOR_VARIANT=sleef   -DFLOOR_MATH=2  SLEEF (sleef_abi.c), vectorised
 *
 * The classic squid-axon Hodgkin-Huxley neuron (C_m 1, g_Na 120, E_Na 50,
 * g_K 36, E_K -77, g_L 0.3, E_L -54.3, phi 1 at 6.3 degC), with psst's
 * formulation of the rates (same arithmetic: two x/expm1(x), four exp,
 * eight divisions per neuron and stage). Self-contained: no psst code.
 *
 * RK4 is done stage by stage, as a network simulator must: in a network
 * the stage voltages of all neurons are exchanged (and feed the synaptic
 * currents) between stages, so a stage cannot start before the previous
 * one is finished for every neuron. Each stage is therefore one pass over
 * all neurons: the derivative at the stage state, the accumulation into
 * acc, and the next stage's state (y + c k), written to the other of two
 * stage buffers (the one that would be exchanged). Within a stage the loop
 * is fused as far as it can be; across stages it is not.
 */
#include <math.h>
#include <stddef.h>

#include "floor.h"

#if FLOOR_MATH == 1
/* libmvec: tell the compiler that glibc has vector variants
 * (_ZGV{b,c,d,e}N{2,4,4,8}v_exp, the same for expm1 since glibc 2.35). */
double exp(double) __attribute__((simd("notinbranch"), const));
double expm1(double) __attribute__((simd("notinbranch"), const));
#define F_EXP exp
#define F_EXPM1 expm1
#elif FLOOR_MATH == 2
/* SLEEF: floor_exp/floor_expm1 and their GNU vector ABI variants are
 * defined in sleef_abi.c. */
double floor_exp(double) __attribute__((simd("notinbranch"), const));
double floor_expm1(double) __attribute__((simd("notinbranch"), const));
#define F_EXP floor_exp
#define F_EXPM1 floor_expm1
#else
#define F_EXP exp
#define F_EXPM1 expm1
#endif

#ifndef FLOOR_VARIANT
#error "compile with -DFLOOR_VARIANT=name"
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(x) CAT(CAT(floor_, FLOOR_VARIANT), CAT(_, x))

/* The elements are independent (restrict arrays); `#pragma omp simd`
 * stops gcc 12 from vectorising these loops, ivdep does not. */
#if defined(__GNUC__) && !defined(__clang__)
#define LOOP _Pragma("GCC ivdep")
#else
#define LOOP
#endif

/* x/expm1(x), 1 at 0 (psst's rexprel): both branches computed, then a
 * select, so that the call is not sunk into a branch (also needs
 * -fno-tree-sink). */
static inline double rexprel(double x) {
  double q = x / F_EXPM1(x);
  double t = 1.0 - x * (0.5 - x * (1.0 / 12.0));
  return fabs(x) < 1e-5 ? t : q;
}

typedef struct {
  double I, Cm, gNa, ENa, gK, EK, gL, EL, phi;
} P;

static inline P load(const floor_params *p) {
  P q = {p->I, p->Cm, p->gNa, p->ENa, p->gK, p->EK, p->gL, p->EL, p->phi};
  return q;
}

/* dV, dm, dh, dn at (V, m, h, n): psst's hh_classic arithmetic. */
#define DERIV(q, V, m, h, n, dV, dm, dh, dn)                                   \
  do {                                                                         \
    double am_ = rexprel(-((V) + 40.0) * 0.1);                                 \
    double bm_ = 4.0 * F_EXP(-((V) + 65.0) / 18.0);                            \
    double ah_ = 0.07 * F_EXP(-((V) + 65.0) / 20.0);                           \
    double bh_ = 1.0 / (1.0 + F_EXP(-((V) + 35.0) / 10.0));                    \
    double an_ = 0.1 * rexprel(-((V) + 55.0) * 0.1);                           \
    double bn_ = 0.125 * F_EXP(-((V) + 65.0) / 80.0);                          \
    double m3h_ = (m) * (m) * (m) * (h), n2_ = (n) * (n);                      \
    double INa_ = (q).gNa * m3h_ * ((V) - (q).ENa);                            \
    double IK_ = (q).gK * n2_ * n2_ * ((V) - (q).EK);                          \
    double IL_ = (q).gL * ((V) - (q).EL);                                      \
    dV = ((q).I - INa_ - IK_ - IL_) / (q).Cm;                                  \
    dm = (q).phi * (am_ * (1.0 - (m)) - bm_ * (m));                            \
    dh = (q).phi * (ah_ * (1.0 - (h)) - bh_ * (h));                            \
    dn = (q).phi * (an_ * (1.0 - (n)) - bn_ * (n));                            \
  } while (0)

/* Stage 1: k1 = f(y); acc = k1; s = y + (dt/2) k1. */
static void stage_first(size_t N, P q, double c, const double *restrict yV,
                        const double *restrict ym, const double *restrict yh,
                        const double *restrict yn, double *restrict aV,
                        double *restrict am, double *restrict ah,
                        double *restrict an, double *restrict sV,
                        double *restrict sm, double *restrict sh,
                        double *restrict sn) {
  LOOP for (size_t i = 0; i < N; i++) {
    double V = yV[i], m = ym[i], h = yh[i], n = yn[i], kV, km, kh, kn;
    DERIV(q, V, m, h, n, kV, km, kh, kn);
    aV[i] = kV;
    am[i] = km;
    ah[i] = kh;
    an[i] = kn;
    sV[i] = V + c * kV;
    sm[i] = m + c * km;
    sh[i] = h + c * kh;
    sn[i] = n + c * kn;
  }
}

/* Stages 2 and 3: k = f(x); acc += 2 k; s = y + c k. */
static void stage_mid(size_t N, P q, double c, const double *restrict yV,
                      const double *restrict ym, const double *restrict yh,
                      const double *restrict yn, const double *restrict xV,
                      const double *restrict xm, const double *restrict xh,
                      const double *restrict xn, double *restrict aV,
                      double *restrict am, double *restrict ah,
                      double *restrict an, double *restrict sV,
                      double *restrict sm, double *restrict sh,
                      double *restrict sn) {
  LOOP for (size_t i = 0; i < N; i++) {
    double V = xV[i], m = xm[i], h = xh[i], n = xn[i], kV, km, kh, kn;
    DERIV(q, V, m, h, n, kV, km, kh, kn);
    aV[i] += 2.0 * kV;
    am[i] += 2.0 * km;
    ah[i] += 2.0 * kh;
    an[i] += 2.0 * kn;
    sV[i] = yV[i] + c * kV;
    sm[i] = ym[i] + c * km;
    sh[i] = yh[i] + c * kh;
    sn[i] = yn[i] + c * kn;
  }
}

/* Stage 4: k4 = f(x); acc += k4; y += acc dt/6. */
static void stage_last(size_t N, P q, double h6, double *restrict yV,
                       double *restrict ym, double *restrict yh,
                       double *restrict yn, const double *restrict xV,
                       const double *restrict xm, const double *restrict xh,
                       const double *restrict xn, const double *restrict aV,
                       const double *restrict am, const double *restrict ah,
                       const double *restrict an) {
  LOOP for (size_t i = 0; i < N; i++) {
    double V = xV[i], m = xm[i], h = xh[i], n = xn[i], kV, km, kh, kn;
    DERIV(q, V, m, h, n, kV, km, kh, kn);
    yV[i] += (aV[i] + kV) * h6;
    ym[i] += (am[i] + km) * h6;
    yh[i] += (ah[i] + kh) * h6;
    yn[i] += (an[i] + kn) * h6;
  }
}

/* `steps` RK4 steps of all N neurons. */
void FN(run)(floor_state *s, const floor_params *p, double dt, long steps) {
  size_t N = s->n;
  P q = load(p);
  double c2 = dt / 2.0, h6 = dt / 6.0;
  double *y[4] = {s->y[0], s->y[1], s->y[2], s->y[3]};
  double *a[4] = {s->acc[0], s->acc[1], s->acc[2], s->acc[3]};
  double *A[4] = {s->sa[0], s->sa[1], s->sa[2], s->sa[3]};
  double *B[4] = {s->sb[0], s->sb[1], s->sb[2], s->sb[3]};
  for (long k = 0; k < steps; k++) {
    stage_first(N, q, c2, y[0], y[1], y[2], y[3], a[0], a[1], a[2], a[3], A[0],
                A[1], A[2], A[3]);
    stage_mid(N, q, c2, y[0], y[1], y[2], y[3], A[0], A[1], A[2], A[3], a[0],
              a[1], a[2], a[3], B[0], B[1], B[2], B[3]);
    stage_mid(N, q, dt, y[0], y[1], y[2], y[3], B[0], B[1], B[2], B[3], a[0],
              a[1], a[2], a[3], A[0], A[1], A[2], A[3]);
    stage_last(N, q, h6, y[0], y[1], y[2], y[3], A[0], A[1], A[2], A[3], a[0],
               a[1], a[2], a[3]);
  }
}
