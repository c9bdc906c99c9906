/* The deriv and condition hooks emitted by kinds/expr.h for the squid axon
 * (expr_hh.h), compiled with the project's warnings, against the built-in
 * equations (mech/neurons/hh.h, phi = 1). */
#include <math.h>

#include "expr_user_hh.h"
#include "mech/neurons/hh.h"
#include "psst_test.h"

int main(void) {
  const double p[7] = {1.0, 120.0, 50.0, 36.0, -77.0, 0.3, -54.387};
  const double X[][4] = {{-65.0, 0.05, 0.6, 0.32},
                         {-40.0, 0.2, 0.4, 0.5},
                         {-55.0, 0.1, 0.5, 0.4},
                         {10.0, 0.9, 0.1, 0.7},
                         {-39.99999, 0.3, 0.3, 0.3}};
  for (size_t k = 0; k < sizeof X / sizeof X[0]; k++) {
    const double *x = X[k], Iext = 7.5;
    double dx[4] = {NAN, NAN, NAN, NAN}, ref[4];
    psst_nk_user_hh_deriv(p, x, Iext, dx);
    psst_hh_rates r = psst_hh_classic_rates(x[0]);
    psst_hh_deriv(&r, 1.0, p[0], p[1], p[2], p[3], p[4], p[5], p[6], x[0], x[1],
                  x[2], x[3], Iext, &ref[0], &ref[1], &ref[2], &ref[3]);
    for (int v = 0; v < 4; v++)
      CHECK_NEAR(dx[v], ref[v], 1e-12 * (1.0 + fabs(ref[v])));
    CHECK_INT_EQ(psst_nk_user_hh_condition(p, x, Iext), x[0] > -20.0);
  }
  return TEST_RESULT();
}
