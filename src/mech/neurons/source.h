/* Spike sources: populations that emit spikes instead of integrating a
 * membrane (mech/mech.h hooks; descriptors in source.c).
 *
 *   poisson      independent Poisson trains, rate [Hz] constant (params)
 *                or a waveform per neuron (population key rate_file)
 *   spike_times  given (neuron, time) pairs, inline or from netCDF
 *
 * The engine (engine/sources.c) draws or looks up their spikes per step;
 * the hooks below only keep the placeholder state still. A source has one
 * state variable, V, constant (0 mV) so that every backend loop, exchange
 * and check treats it like any neuron; it is not recordable, never crosses
 * its threshold (+inf), and cannot be the target of a projection, stimulus
 * or noise current (config.c refuses it).
 */
#ifndef PSST_MECH_NEURONS_SOURCE_H
#define PSST_MECH_NEURONS_SOURCE_H

#include "mech/mech.h"

/* Parameter indices of poisson. */
enum { PSST_POISSON_RATE = 0, PSST_POISSON_NPARAM };

enum {
  psst_nk_poisson_nstate = 1,
  psst_nk_poisson_nparam = PSST_POISSON_NPARAM,
  psst_nk_poisson_nderived = 0,
  psst_nk_spike_times_nstate = 1,
  psst_nk_spike_times_nparam = 0,
  psst_nk_spike_times_nderived = 0
};

static inline void psst_nk_poisson_prepare(double *p) { (void)p; }
static inline void psst_nk_spike_times_prepare(double *p) { (void)p; }

PSST_HD static inline void psst_nk_poisson_deriv(const double *p,
                                                 const double *x, double Iext,
                                                 double *dx) {
  (void)p;
  (void)x;
  (void)Iext;
  dx[0] = 0.0;
}
PSST_HD static inline void psst_nk_spike_times_deriv(const double *p,
                                                     const double *x,
                                                     double Iext, double *dx) {
  (void)p;
  (void)x;
  (void)Iext;
  dx[0] = 0.0;
}

#endif
