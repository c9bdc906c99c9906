/* floor: how fast this machine integrates the classic Hodgkin-Huxley
 * neuron with RK4, stage by stage, in structure-of-arrays form
 * (benchmarks/floor/README.md). Self-contained C11, no psst code.
 *
 *   floor [N [STEPS [REPEATS]]]     defaults 4096 2000 5
 *
 * For each variant (scalar, libmvec, sleef: kernel.c compiled three times
 * by run.sh) it integrates N uncoupled neurons for STEPS steps of dt =
 * 0.01 ms, once untimed (warm-up) and then REPEATS times from the same
 * initial state, and prints the best neuron-steps/s, the final V range and
 * the largest |V - V_scalar| after the run. One line per variant:
 *
 *   variant <name> neuron_steps_per_s <x> best_s <t> max_dV_vs_scalar <d> ...
 *
 * Exit status 1 if any variant's state is not sane (non-finite, or V
 * outside +-200 mV), else 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "floor.h"

typedef void (*run_fn)(floor_state *, const floor_params *, double, long);

static const struct {
  const char *name;
  run_fn run;
} variants[] = {
    {"scalar", floor_scalar_run},
#ifndef FLOOR_NO_LIBMVEC
    {"libmvec", floor_libmvec_run},
#endif
#ifndef FLOOR_NO_SLEEF
    {"sleef", floor_sleef_run},
#endif
};
enum { NVARIANTS = sizeof variants / sizeof variants[0] };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double *alloc(size_t n) {
  /* 64-byte aligned, a multiple of 64 bytes */
  size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
  double *p = aligned_alloc(64, bytes);
  if (!p) {
    fprintf(stderr, "floor: out of memory\n");
    exit(2);
  }
  memset(p, 0, bytes);
  return p;
}

/* V spread evenly over [-70, -60] mV (so that the lanes differ); gates at
 * 0.05, 0.6, 0.32. */
static void init(floor_state *s) {
  size_t n = s->n;
  for (size_t i = 0; i < n; i++) {
    s->y[0][i] = -70.0 + 10.0 * (n > 1 ? (double)i / (double)(n - 1) : 0.0);
    s->y[1][i] = 0.05;
    s->y[2][i] = 0.6;
    s->y[3][i] = 0.32;
  }
}

static long parse(const char *s, const char *what, long lo) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo) {
    fprintf(stderr, "floor: bad %s '%s' (an integer >= %ld)\n", what, s, lo);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  if (argc > 4 ||
      (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
    fprintf(stderr, "usage: floor [N [STEPS [REPEATS]]]  (4096 2000 5)\n");
    return 2;
  }
  long N = argc > 1 ? parse(argv[1], "N", 1) : 4096;
  long steps = argc > 2 ? parse(argv[2], "STEPS", 1) : 2000;
  long repeats = argc > 3 ? parse(argv[3], "REPEATS", 1) : 5;
  const double dt = 0.01;
  const floor_params p = {.I = 10.0,
                          .Cm = 1.0,
                          .gNa = 120.0,
                          .ENa = 50.0,
                          .gK = 36.0,
                          .EK = -77.0,
                          .gL = 0.3,
                          .EL = -54.3,
                          .phi = 1.0};

  floor_state s = {.n = (size_t)N};
  for (int v = 0; v < 4; v++) {
    s.y[v] = alloc(s.n);
    s.acc[v] = alloc(s.n);
    s.sa[v] = alloc(s.n);
    s.sb[v] = alloc(s.n);
  }
  double *Vref = alloc(s.n);

  /* Spikes (upward 0 mV crossings) of the scalar variant, untimed, one
   * step at a time: shows that the neurons do fire. */
  init(&s);
  long spikes = 0;
  for (long k = 0; k < steps; k++) {
    memcpy(Vref, s.y[0], s.n * sizeof(double));
    floor_scalar_run(&s, &p, dt, 1);
    for (size_t i = 0; i < s.n; i++)
      spikes += Vref[i] < 0.0 && s.y[0][i] >= 0.0;
  }
  printf("floor N %ld steps %ld repeats %ld dt_ms %g I %g t_end_ms %g "
         "spikes_per_neuron %.3f\n",
         N, steps, repeats, dt, p.I, (double)steps * dt,
         (double)spikes / (double)N);

  int bad = 0;
  for (int v = 0; v < NVARIANTS; v++) {
    init(&s);
    variants[v].run(&s, &p, dt, steps); /* warm-up */
    double best = INFINITY;
    for (long r = 0; r < repeats; r++) {
      init(&s);
      double t0 = now();
      variants[v].run(&s, &p, dt, steps);
      double t = now() - t0;
      if (t < best) best = t;
    }
    double vmin = INFINITY, vmax = -INFINITY, dmax = 0.0;
    int sane = 1;
    for (size_t i = 0; i < s.n; i++) {
      double V = s.y[0][i];
      for (int q = 0; q < 4; q++)
        if (!isfinite(s.y[q][i])) sane = 0;
      if (!(fabs(V) <= 200.0)) sane = 0;
      if (V < vmin) vmin = V;
      if (V > vmax) vmax = V;
      if (v > 0) {
        double d = fabs(V - Vref[i]);
        if (!(d <= dmax)) dmax = d; /* NaN propagates */
      }
    }
    if (v == 0) memcpy(Vref, s.y[0], s.n * sizeof(double));
    printf("variant %-8s neuron_steps_per_s %.4g best_s %.6f "
           "max_dV_vs_scalar_mV %.3g V_min %.4f V_max %.4f %s\n",
           variants[v].name, (double)N * (double)steps / best, best, dmax, vmin,
           vmax, sane ? "ok" : "NOT_SANE");
    if (!sane) bad = 1;
  }
  return bad;
}
