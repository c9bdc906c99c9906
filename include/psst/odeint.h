/* psst/odeint.h — generic explicit integrators (docs/models.md §1).
 *
 * Euler and classical RK4 over any strictly increasing time grid for any
 * system dy/dt = f(y, t). Step i goes from t[i] to t[i+1] with
 * h = t[i+1] - t[i]; RK4's last stage is evaluated at t[i] + h, and the four
 * slopes are summed before the multiplication by h/6 (docs/models.md §1.4). The
 * network engine uses the same tableau (psst_rk4_*) stage by stage.
 */
#ifndef PSST_ODEINT_H
#define PSST_ODEINT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* RK4 tableau: stage s is evaluated at t + c[s]*h from y + a[s]*h*k[s-1];
 * the increment is (b[0] k1 + b[1] k2 + b[2] k3 + b[3] k4) * (h/6). */
static const double psst_rk4_c[4] = {0.0, 0.5, 0.5, 1.0};
static const double psst_rk4_b[4] = {1.0, 2.0, 2.0, 1.0};

/* f(t, y, dydt, ctx): write dy/dt at (y, t) into dydt; return 0 or a
 * negative psst error code, which stops the integration. */
typedef int (*psst_odeint_fn)(double t, const double *y, double *dydt,
                              void *ctx);

typedef enum psst_odeint_method {
  PSST_ODEINT_EULER = 0,
  PSST_ODEINT_RK4 = 1
} psst_odeint_method;

/* Integrate n equations over the grid t[0..M-1] (strictly increasing, M >= 1).
 * Y is M x n, row-major: row 0 = y0, row i+1 = state after step i. Returns 0,
 * PSST_ERR_USER for a bad grid, or f's error. Not collective. */
int psst_odeint_solve(psst_odeint_method method, psst_odeint_fn f, void *ctx,
                      size_t n, const double *y0, size_t M, const double *t,
                      double *Y);

/* Convenience wrappers. */
int psst_odeint_euler(psst_odeint_fn f, void *ctx, size_t n, const double *y0,
                      size_t M, const double *t, double *Y);
int psst_odeint_rk4(psst_odeint_fn f, void *ctx, size_t n, const double *y0,
                    size_t M, const double *t, double *Y);

/* Uniform grid t[k] = t0 + k*dt (never by repeated addition). */
void psst_odeint_grid(double t0, double dt, size_t M, double *t);

#ifdef __cplusplus
}
#endif
#endif
