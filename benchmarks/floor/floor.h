/* The floor benchmark's shared declarations (benchmarks/floor/README.md). */
#ifndef FLOOR_H
#define FLOOR_H

#include <stddef.h>

/* Constant current [uA/cm^2] and the hh_classic parameters. */
typedef struct {
  double I, Cm, gNa, ENa, gK, EK, gL, EL, phi;
} floor_params;

/* Structure of arrays, each of n doubles: y = V, m, h, n (the state), acc
 * (the RK4 sum), sa and sb (the stage states, ping-pong). */
typedef struct {
  size_t n;
  double *y[4], *acc[4], *sa[4], *sb[4];
} floor_state;

void floor_scalar_run(floor_state *s, const floor_params *p, double dt,
                      long steps);
void floor_libmvec_run(floor_state *s, const floor_params *p, double dt,
                       long steps);
void floor_sleef_run(floor_state *s, const floor_params *p, double dt,
                     long steps);

#endif
