/* Generic explicit integrators: Euler and classical RK4 over an arbitrary,
 * strictly increasing time grid (docs/models.md §1). */
#include "psst/odeint.h"

#include <math.h>
#include <stdlib.h>

#include "psst/error.h"

/* Validate the arguments shared by every method. */
static int check_args(psst_odeint_fn f, size_t n, const double *y0, size_t M,
                      const double *t, const double *Y) {
  PSST_CHECK(f != NULL, PSST_ERR_USER, "odeint: right-hand side is NULL");
  PSST_CHECK(n >= 1, PSST_ERR_USER, "odeint: number of equations is 0");
  PSST_CHECK(y0 != NULL && t != NULL && Y != NULL, PSST_ERR_USER,
             "odeint: NULL y0, t or Y");
  PSST_CHECK(M >= 1, PSST_ERR_USER, "odeint: time grid is empty (M = 0)");
  PSST_CHECK(isfinite(t[0]), PSST_ERR_USER, "odeint: t[0] = %g is not finite",
             t[0]);
  for (size_t i = 0; i + 1 < M; i++) {
    PSST_CHECK(isfinite(t[i + 1]), PSST_ERR_USER,
               "odeint: t[%zu] = %g is not finite", i + 1, t[i + 1]);
    PSST_CHECK(t[i + 1] > t[i], PSST_ERR_USER,
               "odeint: time grid not strictly increasing at index %zu "
               "(t[%zu] = %.17g, t[%zu] = %.17g)",
               i + 1, i, t[i], i + 1, t[i + 1]);
  }
  return 0;
}

/* Euler: y[i+1] = y[i] + h_i f(y[i], t[i]) (docs/models.md §1.3). */
static int solve_euler(psst_odeint_fn f, void *ctx, size_t n, size_t M,
                       const double *t, double *Y) {
  double *k = malloc(n * sizeof *k);
  PSST_ALLOC_CHECK(k);
  int rc = 0;
  for (size_t i = 0; i + 1 < M; i++) {
    const double *y = Y + i * n;
    double *ynext = Y + (i + 1) * n;
    const double h = t[i + 1] - t[i];
    rc = f(t[i], y, k, ctx);
    if (rc < 0) break;
    for (size_t j = 0; j < n; j++)
      ynext[j] = y[j] + h * k[j];
  }
  free(k);
  return rc < 0 ? rc : 0;
}

/* Classical RK4 (docs/models.md §1.4): stage s at t_i + c[s] h from
 * y_i + c[s] h k_{s-1}; k4 at t_i + h, not t[i+1]; the weighted slopes are
 * summed before the multiplication by h/6. */
static int solve_rk4(psst_odeint_fn f, void *ctx, size_t n, size_t M,
                     const double *t, double *Y) {
  double *work = malloc(5 * n * sizeof *work);
  PSST_ALLOC_CHECK(work);
  double *k[4] = {work, work + n, work + 2 * n, work + 3 * n};
  double *ys = work + 4 * n; /* stage argument */
  int rc = 0;
  for (size_t i = 0; i + 1 < M && rc >= 0; i++) {
    const double *y = Y + i * n;
    double *ynext = Y + (i + 1) * n;
    const double ti = t[i];
    const double h = t[i + 1] - t[i];
    rc = f(ti, y, k[0], ctx);
    for (int s = 1; s < 4 && rc >= 0; s++) {
      const double ch = psst_rk4_c[s] * h;
      for (size_t j = 0; j < n; j++)
        ys[j] = y[j] + ch * k[s - 1][j];
      rc = f(ti + ch, ys, k[s], ctx);
    }
    if (rc < 0) break;
    const double h6 = h / 6.0;
    for (size_t j = 0; j < n; j++) {
      double sum = psst_rk4_b[0] * k[0][j] + psst_rk4_b[1] * k[1][j] +
                   psst_rk4_b[2] * k[2][j] + psst_rk4_b[3] * k[3][j];
      ynext[j] = y[j] + sum * h6;
    }
  }
  free(work);
  return rc < 0 ? rc : 0;
}

int psst_odeint_solve(psst_odeint_method method, psst_odeint_fn f, void *ctx,
                      size_t n, const double *y0, size_t M, const double *t,
                      double *Y) {
  PSST_TRY(check_args(f, n, y0, M, t, Y));
  for (size_t j = 0; j < n; j++)
    Y[j] = y0[j];
  switch (method) {
  case PSST_ODEINT_EULER: return solve_euler(f, ctx, n, M, t, Y);
  case PSST_ODEINT_RK4: return solve_rk4(f, ctx, n, M, t, Y);
  }
  return psst_error_set(PSST_ERR_USER, "odeint: unknown method %d",
                        (int)method);
}

int psst_odeint_euler(psst_odeint_fn f, void *ctx, size_t n, const double *y0,
                      size_t M, const double *t, double *Y) {
  return psst_odeint_solve(PSST_ODEINT_EULER, f, ctx, n, y0, M, t, Y);
}

int psst_odeint_rk4(psst_odeint_fn f, void *ctx, size_t n, const double *y0,
                    size_t M, const double *t, double *Y) {
  return psst_odeint_solve(PSST_ODEINT_RK4, f, ctx, n, y0, M, t, Y);
}

void psst_odeint_grid(double t0, double dt, size_t M, double *t) {
  for (size_t k = 0; k < M; k++)
    t[k] = t0 + (double)k * dt;
}
