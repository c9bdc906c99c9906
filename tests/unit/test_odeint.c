/* Unit tests of the generic integrators (docs/models.md §1, §8.1). */
#include <math.h>
#include <stdlib.h>

#include "psst/error.h"
#include "psst/odeint.h"
#include "psst_test.h"

/* dx/dt = lambda x */
static int f_exp(double t, const double *y, double *dydt, void *ctx) {
  (void)t;
  dydt[0] = *(const double *)ctx * y[0];
  return 0;
}

/* dx/dt = x - y, dy/dt = y - x */
static int f_lin2(double t, const double *y, double *dydt, void *ctx) {
  (void)t;
  (void)ctx;
  dydt[0] = y[0] - y[1];
  dydt[1] = y[1] - y[0];
  return 0;
}

/* dy/dt = cos(t) y, y(0) = 1: y = exp(sin t). Non-autonomous. */
static int f_cos(double t, const double *y, double *dydt, void *ctx) {
  (void)ctx;
  dydt[0] = cos(t) * y[0];
  return 0;
}

/* dy/dt = 2t: exact for RK4 at any step size only when the stage times are
 * right (a quadratic is integrated exactly by Simpson's rule). */
static int f_2t(double t, const double *y, double *dydt, void *ctx) {
  (void)y;
  (void)ctx;
  dydt[0] = 2.0 * t;
  return 0;
}

/* Lorenz, sigma = 10, beta = 8/3, rho = 28. */
static int f_lorenz(double t, const double *y, double *dydt, void *ctx) {
  (void)t;
  (void)ctx;
  dydt[0] = 10.0 * (y[1] - y[0]);
  dydt[1] = y[0] * (28.0 - y[2]) - y[1];
  dydt[2] = y[0] * y[1] - (8.0 / 3.0) * y[2];
  return 0;
}

/* Fails (with PSST_ERR_NUMERIC) on the call number *ctx (counted from 1). */
static int f_fail(double t, const double *y, double *dydt, void *ctx) {
  (void)t;
  int *left = ctx;
  if (--*left == 0)
    return psst_error_set(PSST_ERR_NUMERIC, "f_fail: requested failure");
  dydt[0] = y[0];
  return 0;
}

/* Integrate f over [0, T] with M points; return the last row's var. */
static double integrate_to(psst_odeint_method meth, psst_odeint_fn f, void *ctx,
                           size_t n, const double *y0, double T, size_t M,
                           size_t var) {
  double *t = malloc(M * sizeof *t), *Y = malloc(M * n * sizeof *Y);
  psst_odeint_grid(0.0, T / (double)(M - 1), M, t);
  t[M - 1] = T;
  int rc = psst_odeint_solve(meth, f, ctx, n, y0, M, t, Y);
  CHECK_INT_EQ(rc, 0);
  double v = Y[(M - 1) * n + var];
  free(t);
  free(Y);
  return v;
}

/* Least-squares slope of log(err) against log(h). */
static double fit_order(const double *h, const double *err, int k) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < k; i++) {
    double x = log(h[i]), y = log(err[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

/* Records the stage times it is called at. */
typedef struct {
  double times[4096];
  int ncall;
} recorder;
static int f_record(double t, const double *y, double *dydt, void *ctx) {
  recorder *r = ctx;
  if (r->ncall < 4096) r->times[r->ncall] = t;
  r->ncall++;
  dydt[0] = -y[0];
  return 0;
}

/* Stage times are exactly t_i, t_i + h/2, t_i + h/2, t_i + h with
 * h = t[i+1] - t[i]; k4's time is not read from t[i+1] (docs/models.md §1.4).
 */
static int check_stage_times(size_t M, const double *t) {
  static recorder r;
  double Y[64], one = 1.0;
  r.ncall = 0;
  CHECK_INT_EQ(psst_odeint_rk4(f_record, &r, 1, &one, M, t, Y), 0);
  CHECK_INT_EQ(r.ncall, 4 * (M - 1));
  int differs = 0, bad = 0;
  for (size_t i = 0; i + 1 < M; i++) {
    double h = t[i + 1] - t[i];
    const double *st = r.times + 4 * i;
    if (!(st[0] == t[i] && st[1] == t[i] + h / 2 && st[2] == t[i] + h / 2 &&
          st[3] == t[i] + h))
      bad++;
    if (t[i] + h != t[i + 1]) differs++;
  }
  CHECK_INT_EQ(bad, 0);
  r.ncall = 0;
  CHECK_INT_EQ(psst_odeint_euler(f_record, &r, 1, &one, M, t, Y), 0);
  CHECK_INT_EQ(r.ncall, M - 1);
  bad = 0;
  for (size_t i = 0; i + 1 < M; i++)
    bad += r.times[i] != t[i];
  CHECK_INT_EQ(bad, 0);
  return differs;
}

/* Stage times are exactly t_i, t_i + h/2, t_i + h/2, t_i + h with
 * h = t[i+1] - t[i]; k4's time is not read from t[i+1] (docs/models.md §1.4).
 */
static void test_stage_times(void) {
  double t[64];
  psst_odeint_grid(0.0, 0.01, 64, t);
  check_stage_times(64, t);
  /* a grid where t_i + h != t[i+1] in the last bit (-1.3 + 1.4 is
   * 0.10000000000000009), so that reading k4's time from t[i+1] fails */
  const double tu[] = {-1.3, 0.1, 0.35, 1.7, 2.0, 9.1};
  CHECK(check_stage_times(6, tu) > 0);
}

static void test_grid(void) {
  double t[200];
  psst_odeint_grid(0.0, 0.01, 200, t);
  CHECK(t[0] == 0.0);
  CHECK(t[29] == 29.0 * 0.01); /* not by repeated addition */
  CHECK(t[199] == 199.0 * 0.01);
  CHECK_NEAR(t[199], 1.99, 1e-15);
  psst_odeint_grid(5.0, 0.25, 3, t);
  CHECK(t[0] == 5.0 && t[1] == 5.25 && t[2] == 5.5);
}

static void test_exp_growth(void) {
  enum { M = 200 };
  double t[M], Ye[M], Yr[M], y0 = 1.0, lam = 5.0;
  psst_odeint_grid(0.0, 0.01, M, t);
  CHECK_INT_EQ(psst_odeint_euler(f_exp, &lam, 1, &y0, M, t, Ye), 0);
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &y0, M, t, Yr), 0);
  CHECK(Ye[0] == 1.0 && Yr[0] == 1.0);
  CHECK_NEAR(exp(5.0 * t[M - 1]), 20952.222, 5e-4);
  CHECK_NEAR(Ye[M - 1], 16469.125, 5e-4);
  CHECK_NEAR(Yr[M - 1], 20952.212, 5e-4);
  CHECK_NEAR(Ye[M - 1] / exp(5.0 * 1.99) - 1.0, -0.214, 5e-4);
  CHECK_NEAR(Yr[M - 1] / exp(5.0 * 1.99) - 1.0, -5.0e-7, 5e-8);

  /* bitwise the formula of docs/models.md §1.3-1.4: slopes summed first, then
   * multiplied by h/6 */
  double ye = 1.0, yr = 1.0;
  int bad_e = 0, bad_r = 0;
  for (int i = 0; i + 1 < M; i++) {
    double h = t[i + 1] - t[i];
    ye = ye + h * (5.0 * ye);
    double k1 = 5.0 * yr, k2 = 5.0 * (yr + (h / 2) * k1);
    double k3 = 5.0 * (yr + (h / 2) * k2), k4 = 5.0 * (yr + h * k3);
    yr = yr + (k1 + 2 * k2 + 2 * k3 + k4) * (h / 6);
    bad_e += Ye[i + 1] != ye;
    bad_r += Yr[i + 1] != yr;
  }
  CHECK_INT_EQ(bad_e, 0);
  CHECK_INT_EQ(bad_r, 0);
}

static void test_lin2(void) {
  enum { M = 200 };
  double t[M], Ye[2 * M], Yr[2 * M], y0[2] = {1.0, 0.0};
  psst_odeint_grid(0.0, 0.01, M, t);
  CHECK_INT_EQ(psst_odeint_euler(f_lin2, NULL, 2, y0, M, t, Ye), 0);
  CHECK_INT_EQ(psst_odeint_rk4(f_lin2, NULL, 2, y0, M, t, Yr), 0);
  CHECK_NEAR((1.0 + exp(2.0 * 1.99)) / 2.0, 27.2585171, 5e-8);
  CHECK_NEAR(Yr[2 * (M - 1)], 27.2585170, 5e-8);
  CHECK_NEAR(Ye[2 * (M - 1)], 26.2279, 5e-5);
  for (int i = 0; i < M; i++)
    CHECK_NEAR(Yr[2 * i] + Yr[2 * i + 1], 1.0, 1e-12);
}

static void test_order(void) {
  const size_t Ms[] = {51, 101, 201, 401, 801};
  const int K = 5;
  double h[5], ee[5], er[5], ec[5], ecr[5];
  double lam = 1.0, one = 1.0;
  const double T = 2.0;
  for (int i = 0; i < K; i++) {
    h[i] = T / (double)(Ms[i] - 1);
    ee[i] = fabs(
        integrate_to(PSST_ODEINT_EULER, f_exp, &lam, 1, &one, T, Ms[i], 0) -
        exp(T));
    er[i] = fabs(integrate_to(PSST_ODEINT_RK4, f_exp, &lam, 1, &one, T / 4,
                              (Ms[i] - 1) / 8 + 1, 0) -
                 exp(T / 4));
    ec[i] = fabs(
        integrate_to(PSST_ODEINT_EULER, f_cos, NULL, 1, &one, T, Ms[i], 0) -
        exp(sin(T)));
    ecr[i] = fabs(integrate_to(PSST_ODEINT_RK4, f_cos, NULL, 1, &one, T,
                               (Ms[i] - 1) / 4 + 1, 0) -
                  exp(sin(T)));
  }
  /* RK4 runs use fewer steps (h_rk4 = 2h on [0, T/4], 4h on [0, T]);
   * a constant factor on h does not change the fitted slope. */
  double hr[5], hc[5];
  for (int i = 0; i < K; i++) {
    hr[i] = 2.0 * h[i];
    hc[i] = 4.0 * h[i];
  }
  double o_e = fit_order(h, ee, K), o_r = fit_order(hr, er, K);
  double o_ce = fit_order(h, ec, K), o_cr = fit_order(hc, ecr, K);
  printf("order: euler exp %.4f, rk4 exp %.4f, euler cos %.4f, rk4 cos %.4f\n",
         o_e, o_r, o_ce, o_cr);
  CHECK_NEAR(o_e, 1.0, 0.1);
  CHECK_NEAR(o_r, 4.0, 0.1);
  CHECK_NEAR(o_ce, 1.0, 0.1);
  CHECK_NEAR(o_cr, 4.0, 0.1);

  /* RK4 integrates dy/dt = 2t exactly (Simpson), whatever the step, only if
   * the stage times are t_i, t_i + h/2, t_i + h/2, t_i + h. */
  double zero = 0.0;
  CHECK_NEAR(integrate_to(PSST_ODEINT_RK4, f_2t, NULL, 1, &zero, 3.0, 4, 0),
             9.0, 1e-13);
}

static void test_lorenz(void) {
  const double y0[3] = {1.0, 1.0, 1.0}, T = 0.5;
  const size_t Ms[] = {101, 201, 401, 801};
  double ref[3], h[4], err[4];
  /* reference: much finer grid */
  for (size_t v = 0; v < 3; v++)
    ref[v] = integrate_to(PSST_ODEINT_RK4, f_lorenz, NULL, 3, y0, T, 25601, v);
  for (int i = 0; i < 4; i++) {
    h[i] = T / (double)(Ms[i] - 1);
    double e = 0;
    for (size_t v = 0; v < 3; v++) {
      double d =
          integrate_to(PSST_ODEINT_RK4, f_lorenz, NULL, 3, y0, T, Ms[i], v) -
          ref[v];
      e += d * d;
    }
    err[i] = sqrt(e);
  }
  double o = fit_order(h, err, 4);
  printf("order: rk4 lorenz %.4f\n", o);
  CHECK_NEAR(o, 4.0, 0.1);
}

static void test_nonuniform(void) {
  /* t_k = T (k/(M-1))^2: steps grow from tiny to large. */
  enum { M = 400 };
  double t[M], Y[M], Yc[M], one = 1.0, lam = 1.5;
  const double T = 2.0;
  for (int k = 0; k < M; k++) {
    double s = (double)k / (M - 1);
    t[k] = T * s * s;
  }
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, M, t, Y), 0);
  CHECK_INT_EQ(psst_odeint_rk4(f_cos, NULL, 1, &one, M, t, Yc), 0);
  double maxe = 0, maxc = 0;
  for (int k = 0; k < M; k++) {
    maxe = fmax(maxe, fabs(Y[k] / exp(lam * t[k]) - 1.0));
    maxc = fmax(maxc, fabs(Yc[k] / exp(sin(t[k])) - 1.0));
  }
  printf("non-uniform grid: max rel err exp %.3g, cos %.3g\n", maxe, maxc);
  CHECK(maxe < 1e-9);
  CHECK(maxc < 1e-9);
  /* a random-ish irregular grid */
  double tr[M], Yr[M];
  tr[0] = 0.0;
  for (int k = 1; k < M; k++)
    tr[k] = tr[k - 1] + 0.002 + 0.006 * (double)((k * 37) % 11) / 10.0;
  CHECK_INT_EQ(psst_odeint_rk4(f_cos, NULL, 1, &one, M, tr, Yr), 0);
  CHECK_REL(Yr[M - 1], exp(sin(tr[M - 1])), 1e-10);
  /* M = 1: only the initial row */
  double y1 = -1.0;
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 1, t, &y1), 0);
  CHECK(y1 == 1.0);
}

static void test_bad_input(void) {
  double t[4] = {0.0, 0.1, 0.05, 0.2}, Y[8], one = 1.0, lam = 1.0;
  psst_error_clear();
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 4, t, Y), PSST_ERR_USER);
  CHECK_INT_EQ(psst_error_code(), PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "increasing");
  CHECK_INT_EQ(psst_odeint_euler(f_exp, &lam, 1, &one, 4, t, Y), PSST_ERR_USER);
  double tr[3] = {0.0, 0.1, 0.1}; /* repeated point */
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 3, tr, Y), PSST_ERR_USER);
  double td[3] = {1.0, 0.5, 0.0}; /* decreasing */
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 3, td, Y), PSST_ERR_USER);
  double tn[3] = {0.0, NAN, 1.0};
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 3, tn, Y), PSST_ERR_USER);
  double ti[2] = {0.0, INFINITY};
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 2, ti, Y), PSST_ERR_USER);
  double t0n[2] = {-INFINITY, 0.0};
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 2, t0n, Y), PSST_ERR_USER);
  double tok[2] = {0.0, 0.1};
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 0, tok, Y), PSST_ERR_USER);
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 0, &one, 2, tok, Y), PSST_ERR_USER);
  CHECK_INT_EQ(psst_odeint_rk4(NULL, &lam, 1, &one, 2, tok, Y), PSST_ERR_USER);
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, NULL, 2, tok, Y), PSST_ERR_USER);
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 2, NULL, Y),
               PSST_ERR_USER);
  CHECK_INT_EQ(psst_odeint_rk4(f_exp, &lam, 1, &one, 2, tok, NULL),
               PSST_ERR_USER);
  CHECK_INT_EQ(
      psst_odeint_solve((psst_odeint_method)7, f_exp, &lam, 1, &one, 2, tok, Y),
      PSST_ERR_USER);
}

static void test_f_error(void) {
  double t[10], Y[10], one = 1.0;
  psst_odeint_grid(0.0, 0.1, 10, t);
  for (int meth = 0; meth < 2; meth++) {
    for (int fail_at = 1; fail_at <= 6; fail_at++) {
      int left = fail_at;
      for (int k = 0; k < 10; k++)
        Y[k] = -7.0;
      psst_error_clear();
      int rc = psst_odeint_solve((psst_odeint_method)meth, f_fail, &left, 1,
                                 &one, 10, t, Y);
      CHECK_INT_EQ(rc, PSST_ERR_NUMERIC);
      CHECK_INT_EQ(psst_error_code(), PSST_ERR_NUMERIC);
      CHECK_INT_EQ(left, 0); /* f is not called again after its failure */
      /* rows after the failing step are untouched */
      int calls_per_step = meth == PSST_ODEINT_EULER ? 1 : 4;
      int failing_step = (fail_at - 1) / calls_per_step;
      CHECK(Y[0] == 1.0);
      for (int k = failing_step + 1; k < 10; k++)
        CHECK(Y[k] == -7.0);
    }
  }
}

int main(void) {
  test_grid();
  test_stage_times();
  test_exp_growth();
  test_lin2();
  test_order();
  test_lorenz();
  test_nonuniform();
  test_bad_input();
  test_f_error();
  return TEST_RESULT();
}
