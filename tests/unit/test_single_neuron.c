/* The tutorial's single HH neuron and its F-I curve through the generic
 * integrator alone (docs/models.md §8.3, §8.4): an independent check of the
 * equations, separate from the network engine. */
#include <math.h>
#include <stdlib.h>

#include "mech/list.h"
#include "psst/odeint.h"
#include "psst_test.h"

enum { M = 20000 };
static const double DT = 0.01;

/* y = [V, m, h, n] of the tutorial neuron (docs/models.md §2); ctx = &I. */
static int f_hh(double t, const double *y, double *dydt, void *ctx) {
  (void)t;
  const double I = *(const double *)ctx;
  const double phi = pow(3.0, (22.0 - 36.0) / 10.0);
  psst_hh_rates r = psst_traub_rates(y[0] - (-50.0), 0.02);
  psst_hh_deriv(&r, phi, 1.0, 100.0, 50.0, 10.0, -95.0, 0.15, -55.0, y[0], y[1],
                y[2], y[3], I, &dydt[0], &dydt[1], &dydt[2], &dydt[3]);
  return 0;
}

static double *t_grid(void) {
  double *t = malloc(M * sizeof *t);
  psst_odeint_grid(0.0, DT, M, t);
  return t;
}

/* Run one neuron at current I; Y is M x 4. */
static void run(double I, const double *t, double *Y) {
  const double y0[4] = {-71.0, 0.0, 0.0, 0.0};
  CHECK_INT_EQ(psst_odeint_rk4(f_hh, &I, 4, y0, M, t, Y), 0);
}

/* Upward 0-mV crossings: V_k < 0 and V_{k+1} > 0 (both strict). */
static int crossings(const double *Y, int *at, int max) {
  int c = 0;
  for (int k = 0; k + 1 < M; k++) {
    if (Y[4 * k] < 0.0 && Y[4 * (k + 1)] > 0.0) {
      if (c < max) at[c] = k;
      c++;
    }
  }
  return c;
}

static void test_spiking(void) {
  double *t = t_grid(), *Y = malloc(4 * (size_t)M * sizeof *Y);
  run(5.0, t, Y);
  int at[32];
  int c = crossings(Y, at, 32);
  CHECK_INT_EQ(c, 12);
  double tc[32];
  for (int s = 0; s < c && s < 32; s++) {
    int k = at[s];
    double V0 = Y[4 * k], V1 = Y[4 * (k + 1)];
    tc[s] = t[k] + (t[k + 1] - t[k]) * (-V0) / (V1 - V0);
  }
  printf("I = 5: %d spikes; first at step start %.4f ms (interp %.5f)\n", c,
         c ? t[at[0]] : NAN, c ? tc[0] : NAN);
  if (c >= 5) {
    CHECK_NEAR(t[at[0]], 7.89, 1e-9);
    CHECK_NEAR(tc[0], 7.8903, 0.001);
    const double expect[4] = {23.76, 39.86, 56.01, 72.17};
    for (int s = 1; s < 5; s++) {
      printf("  spike %d at %.4f ms (interp %.4f)\n", s + 1, t[at[s]], tc[s]);
      CHECK_NEAR(tc[s], expect[s - 1], 0.02);
      CHECK_NEAR(t[at[s]], expect[s - 1], 0.02);
      /* "about every 16.1 ms" holds from the second spike on; the first
       * interval (7.89 -> 23.76) is 15.88 ms. */
      if (s >= 2) CHECK_NEAR(tc[s] - tc[s - 1], 16.1, 0.1);
    }
  }
  double vmax = -INFINITY, vmin = INFINITY;
  for (int k = 0; k < M; k++) {
    vmax = fmax(vmax, Y[4 * k]);
    vmin = fmin(vmin, Y[4 * k]);
  }
  printf("  peak %.3f mV, trough %.3f mV\n", vmax, vmin);
  CHECK_NEAR(vmax, 49.6, 0.3);
  CHECK_NEAR(vmin, -76.6, 0.3);
  for (int k = 0; k < 4 * M; k++)
    CHECK(isfinite(Y[k]));

  /* I = 0: relaxes to rest, no spike */
  run(0.0, t, Y);
  CHECK_INT_EQ(crossings(Y, at, 32), 0);
  printf("I = 0: V(199.99) = %.5f mV\n", Y[4 * (M - 1)]);
  CHECK_NEAR(Y[4 * (M - 1)], -54.99, 0.01);
  double vmax0 = -INFINITY;
  for (int k = 0; k < M; k++)
    vmax0 = fmax(vmax0, Y[4 * k]);
  CHECK(vmax0 < -40.0);
  free(t);
  free(Y);
}

static void test_fi_curve(void) {
  const int expect[20] = {0,  0,  5,  30, 35, 45, 50, 55, 55, 60,
                          65, 65, 70, 70, 75, 75, 80, 80, 80, 85};
  double *t = t_grid(), *Y = malloc(4 * (size_t)M * sizeof *Y);
  int at[64];
  printf("F-I:");
  for (int j = 0; j < 20; j++) {
    double I = 10.0 * j / 19.0;
    run(I, t, Y);
    int c = crossings(Y, at, 64);
    double rate = c / 0.2; /* spikes per 200 ms, in Hz */
    printf(" %g", rate);
    if ((int)lround(rate) != expect[j])
      fprintf(stderr, "\nF-I j = %d, I = %.5f:\n", j, I);
    CHECK_NEAR(rate, expect[j], 1e-9);
  }
  printf("\n");
  free(t);
  free(Y);
}

int main(void) {
  test_spiking();
  test_fi_curve();
  return TEST_RESULT();
}
