/* The spike-source kinds: tables and descriptors (mech/neurons/source.h;
 * their spikes are made by engine/sources.c). */
#include <math.h>

#include "mech/list.h"

/* A source neuron-step is a counter-based draw (poisson) or a cursor
 * (spike_times) plus the RK4 of one constant: about one sparse
 * synapse-step (partition balance). */
#define PSST_COST_SOURCE 1.0

static const psst_state_info source_state[1] = {
    {"V", "mV", "placeholder (constant; a source has no membrane)", 0.0, 0, 0},
};

static const psst_param_info poisson_param[PSST_POISSON_NPARAM] = {
    [PSST_POISSON_RATE] = {"rate", "Hz", 10.0, 0.0, 1e6,
                           "mean firing rate of every neuron (rate_file: a "
                           "waveform per neuron instead)"},
};

PSST_NEURON_REFERENCE_RHS(poisson)
PSST_NEURON_REFERENCE_RHS(spike_times)

const psst_neuron_kind psst_neuron_poisson = {
    "poisson",
    "spike source: independent Poisson trains, constant rate or a waveform "
    "per neuron",
    "psst (README: spike sources)",
    PSST_NK_POISSON,
    1,
    source_state,
    PSST_POISSON_NPARAM,
    poisson_param,
    psst_nk_poisson_nderived,
    NULL,
    NULL,
    INFINITY,
    0.0,
    psst_nk_poisson_rhs,
    NULL,
    PSST_COST_SOURCE,
    PSST_NEURON_F_SOURCE};

const psst_neuron_kind psst_neuron_spike_times = {
    "spike_times",
    "spike source: given (neuron, time) pairs, inline or from a netCDF file",
    "psst (README: spike sources)",
    PSST_NK_SPIKE_TIMES,
    1,
    source_state,
    0,
    NULL,
    psst_nk_spike_times_nderived,
    NULL,
    NULL,
    INFINITY,
    0.0,
    psst_nk_spike_times_rhs,
    NULL,
    PSST_COST_SOURCE,
    PSST_NEURON_F_SOURCE};
