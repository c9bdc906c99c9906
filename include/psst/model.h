/* psst/model.h — the validated, global description of a simulation.
 *
 * A psst_model is what a model file says, after parsing and validation, with
 * every default filled in. It is the same on every rank (each rank parses the
 * same text), knows nothing of MPI or files, and is read-only once built.
 * Units are those of docs/models.md §0: mV, ms, mS/cm^2, uA/cm^2, uF/cm^2, mM.
 */
#ifndef PSST_MODEL_H
#define PSST_MODEL_H

#include <stdint.h>

#include "psst/kinds.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PSST_NAME_MAX 64

/* Initial value of one state variable across a population. */
typedef enum psst_init_type {
  PSST_INIT_DEFAULT = 0, /* the kind's default (or steady state) */
  PSST_INIT_CONST,       /* a */
  PSST_INIT_NORMAL,      /* normal draw, mean a, standard deviation b */
  PSST_INIT_UNIFORM      /* uniform draw in [a, b) */
} psst_init_type;

typedef struct psst_init_value {
  psst_init_type type;
  double a, b; /* [unit of the variable] */
} psst_init_value;

/* A contiguous slice [lo, hi) of one population (population-local ids). */
typedef struct psst_slice {
  int pop;
  int64_t lo, hi;
} psst_slice;

/* A set of neurons: a union of slices, in the order given. */
typedef struct psst_selection {
  int n;
  psst_slice *slice;
} psst_selection;

typedef struct psst_population {
  char name[PSST_NAME_MAX];
  const psst_neuron_kind *kind;
  int64_t size;      /* number of neurons */
  double share;      /* > 0: size = trunc(network.neurons * share / sum of
                        shares), the model's size is one parameter */
  int64_t first_gid; /* global id of neuron 0 (populations are consecutive) */
  double *params;    /* kind->nparam values, defaults filled [units of kind] */
  /* kind->nstate + 1 entries; the last one is fire_t, the last firing time
   * [ms], default PSST_FIRE_T_DEFAULT */
  psst_init_value *init;
  double init_noise; /* multiplicative noise: x *= 1 + init_noise*xi */
  char *init_file;   /* netCDF file with per-neuron initial values, or
                        NULL; variables named like the state (and
                        fire_t), dimension = population size */
  double threshold;  /* spike threshold F_b [mV] */
  double refractory; /* detection dead time after a spike [ms] */
  /* spike sources (kind flag PSST_NEURON_F_SOURCE) */
  char *rate_path, *rate_var; /* poisson: rate waveform (neuron, sample)
                                 [Hz], or NULL (params.rate) */
  double rate_sample_dt;      /* [ms] its sample spacing, a multiple of dt */
  int64_t nspikes;            /* spike_times: the given spikes, sorted by */
  int64_t *spike_neuron;      /* time (stable): neuron index in the */
  double *spike_time;         /* population, time [ms] in (0, t_end] */
  int line;                   /* line in the model file, for messages */
} psst_population;

#define PSST_FIRE_T_DEFAULT (-9999999.0) /* [ms], docs/models.md §3.6 */

/* A per-synapse value drawn from a distribution (weights, delays), keyed
 * by (projection, postsynaptic gid, presynaptic gid): the same network for
 * any rank count. Draws outside [min, max] are clamped to it. */
typedef enum psst_dist_type {
  PSST_DIST_NONE = 0, /* not given */
  PSST_DIST_CONST,    /* a */
  PSST_DIST_NORMAL,   /* mean a, standard deviation b */
  PSST_DIST_UNIFORM,  /* [a, b) */
  PSST_DIST_LOGNORMAL /* exp(N(a, b)): a, b are the log's mean and sd */
} psst_dist_type;

typedef struct psst_dist {
  psst_dist_type type;
  double a, b;     /* [unit of the value] (lognormal: of its log) */
  double min, max; /* clamping bounds [unit] */
  int min_given;   /* min (or a uniform's lo) is the model file's own */
} psst_dist;

typedef enum psst_conn_rule {
  PSST_CONN_ALL_TO_ALL = 0,
  PSST_CONN_ONE_TO_ONE,
  PSST_CONN_RANDOM,         /* each (post, pre) with probability p */
  PSST_CONN_FIXED_INDEGREE, /* each post gets `indegree` distinct pres */
  PSST_CONN_MATRIX,         /* inline matrix [post][pre] */
  PSST_CONN_FILE,           /* netCDF variable (post, pre) */
  PSST_CONN_LIKE            /* the same synapses as an earlier projection */
} psst_conn_rule;

typedef enum psst_storage {
  PSST_STORAGE_AUTO = 0, /* per presynaptic neuron when exact (§3.7) */
  PSST_STORAGE_PER_PRE,  /* one receptor state per presynaptic neuron */
  PSST_STORAGE_PER_SYNAPSE
} psst_storage;

typedef enum psst_drive {
  PSST_DRIVE_AUTO = 0, /* dense when the local block's density is high */
  PSST_DRIVE_DENSE,    /* OpenBLAS gemv */
  PSST_DRIVE_SPARSE    /* CSR */
} psst_drive;

typedef struct psst_projection {
  char name[PSST_NAME_MAX];
  const psst_synapse_kind *kind;
  psst_slice from, to; /* presynaptic and postsynaptic neurons */
  psst_conn_rule rule;
  double p;                /* PSST_CONN_RANDOM: probability in [0, 1] */
  int64_t indegree;        /* PSST_CONN_FIXED_INDEGREE */
  int allow_self;          /* 0: never connect a neuron to itself */
  double *matrix;          /* PSST_CONN_MATRIX: (to.hi-to.lo) x (from.hi-
                              from.lo), row-major, row = post; 0 = none */
  char *file_path;         /* PSST_CONN_FILE */
  char *file_var;          /* PSST_CONN_FILE: variable name */
  int like;                /* PSST_CONN_LIKE: index of the projection whose
                              synapses (and weights) this one shares */
  int weights_from_matrix; /* 1: weight = matrix entry; 0: weight = `weight` */
  double weight;           /* dimensionless multiplier of g (default 1) */
  psst_dist weight_dist;   /* NONE, or per-synapse weights drawn from it */
  psst_dist delay;         /* spike-triggered kinds: per-synapse delay [ms];
                              NONE: one step */
  double *params;          /* kind->nparam values, defaults filled */
  psst_init_value *init;   /* kind->nstate entries */
  psst_storage storage;
  psst_drive drive;
  int line;
} psst_projection;

typedef struct psst_pulse {
  double start, stop; /* [ms]: applies to grid times start <= t_k < stop */
  double amplitude;   /* [uA/cm^2] */
} psst_pulse;

typedef enum psst_stim_type {
  PSST_STIM_PULSES = 0, /* constant (one pulse over all time) or steps */
  PSST_STIM_FILE,       /* sampled waveform (neuron x time) from netCDF */
  PSST_STIM_ODOUR, /* rise-and-decay odour waveform (docs/models.md §6.6) */
  PSST_STIM_NOISE  /* white or Ornstein-Uhlenbeck noise current */
} psst_stim_type;

/* The odour waveform (docs/models.md §6.6), times in ms, amplitude in uA/cm^2:
 *   y = 0                                   t < onset
 *     = 1 - exp(-(t - onset)/rise)          onset <= t < offset
 *     = decay_coef exp(-(t - offset)/decay) t >= offset
 *   I = amplitude * y */
typedef struct psst_odour {
  double onset, offset, rise, decay, amplitude, decay_coef;
} psst_odour;

/* A noise current (PSST_STIM_NOISE): Ornstein-Uhlenbeck with mean,
 * stationary sd and correlation time tau, or white (tau = 0: sd is then
 * the intensity sigma [uA/cm^2 ms^0.5], I = mean + sigma xi(t)). */
typedef struct psst_noise {
  double mean; /* [uA/cm^2] */
  double sd;   /* [uA/cm^2] (white: sigma [uA/cm^2 ms^0.5]) */
  double tau;  /* [ms]; 0: white */
} psst_noise;

typedef struct psst_stimulus {
  psst_selection target;
  psst_stim_type type;
  psst_noise noise; /* PSST_STIM_NOISE */
  int npulses;
  psst_pulse *pulses;
  char *file_path, *file_var; /* PSST_STIM_FILE: variable (neuron, time) */
  double sample_dt;           /* [ms] spacing of the file's samples; an
                                 integer multiple of run.dt */
  psst_odour odour;           /* PSST_STIM_ODOUR */
  double fraction;            /* < 0: every target; else trunc(fraction *
                                 targets) recipients by a seeded shuffle */
  int line;
} psst_stimulus;

typedef enum psst_method { PSST_METHOD_RK4 = 0, PSST_METHOD_EULER } psst_method;

typedef enum psst_backend_choice {
  PSST_BACKEND_AUTO = 0, /* CUDA when built with it and a device is visible */
  PSST_BACKEND_CPU,
  PSST_BACKEND_CUDA
} psst_backend_choice;

/* How injected currents sampled on the grid are held between grid points:
 * EXACT: all stages of step i use sample i (the current on [t_i, t_i+1), so
 * a step that starts on a grid point is exact); TUTORIAL: the tutorial's
 * rule, RK4's last stage (at t_i + h) uses sample i+1. */
typedef enum psst_hold { PSST_HOLD_EXACT = 0, PSST_HOLD_TUTORIAL } psst_hold;

/* Which exchange carries the stage voltages (run.exchange): AUTO picks
 * HALO when the halos of all ranks together are less than half of what
 * the full exchange moves, else ALLGATHER (engine/build.c). */
typedef enum psst_exchange_choice {
  PSST_EXCHANGE_AUTO = 0,
  PSST_EXCHANGE_ALLGATHER,
  PSST_EXCHANGE_HALO
} psst_exchange_choice;

typedef struct psst_run_settings {
  double t_end; /* [ms] grid is t_k = k*dt, k = 0..M-1, M = t_end/dt */
  double dt;    /* [ms] */
  psst_method method;
  uint64_t seed;
  psst_backend_choice backend;   /* run.backend / --backend */
  psst_hold hold;                /* run.hold */
  psst_exchange_choice exchange; /* run.exchange */
} psst_run_settings;

/* What one recorded variable is (record blocks). */
typedef enum psst_recvar_kind {
  PSST_RECV_NEURON = 0, /* a state variable of the neuron's kind */
  PSST_RECV_SYN_STATE,  /* "P.x": projection P's state variable x per target
                           neuron: the state itself (per-postsynaptic
                           storage), else the sum over the target's
                           synapses of weight * x */
  PSST_RECV_SYN_G,      /* "P.g": P's conductance onto the target [mS/cm^2] */
  PSST_RECV_SYN_I       /* "P.I": P's current, g (V - E) [uA/cm^2] */
} psst_recvar_kind;

typedef struct psst_recvar {
  char name[2 * PSST_NAME_MAX + 2]; /* as written: "V", "EE.gsyn", "EE.I" */
  psst_recvar_kind kind;
  int proj;  /* SYN_*: the projection */
  int state; /* SYN_STATE: the kind's state index */
} psst_recvar;

/* One record block: its variables of its neurons every `every` steps. */
typedef struct psst_record_block {
  char name[PSST_NAME_MAX]; /* "" for the unnamed block (plain netCDF names)*/
  int nvars;
  psst_recvar *vars;
  psst_selection neurons; /* n == 0: every neuron that is not a source */
  int64_t every;          /* [steps] >= 1 (from every_ms at run check) */
  double every_ms;        /* > 0: the interval as given in ms */
  int line;
} psst_record_block;

typedef struct psst_record {
  int nblock; /* >= 1 */
  psst_record_block *block;
  int spikes;       /* 1: record spikes */
  int spike_linear; /* spike times by linear interpolation of V between the
                       step ends (else: cubic Hermite, V and dV/dt at both
                       ends) */
  int64_t buffer;   /* records held per block before a collective write */
  int connectivity; /* 1: write every projection's synapses (post, pre,
                       weight, delay) */
  int deflate;      /* 0: uncompressed; 1-9: zlib level of the records and
                       spikes (with the shuffle filter) */
} psst_record;

typedef struct psst_model {
  char *path; /* model file path as given (for messages) */
  char *text; /* the model file's text (provenance) */
  psst_run_settings run;
  int npop;
  psst_population *pops;
  int nproj;
  psst_projection *projs;
  int nstim;
  psst_stimulus *stims;
  psst_record record;
  char *output;            /* output path, or NULL */
  int64_t n_neurons;       /* sum of population sizes */
  int64_t network_neurons; /* network.neurons (share-sized models), or 0 */
  /* user-defined kinds (`kinds:`, src/kinds/user.h): nkind of them, the C
   * source of all of them (NULL when none), and the text of the kind files
   * they came from ({file: ...}, concatenated; part of the model hash) */
  int nkind;
  struct psst_user_kind *kinds;
  /* user-defined synapse kinds (src/kinds/user_syn.h), nsynkind of them */
  int nsynkind;
  struct psst_user_synkind *synkinds;
  char *kinds_source;
  char *kinds_text;
} psst_model;

/* Number of grid points M = round(t_end/dt); steps = M - 1 (docs/models.md
 * §1.1). */
int64_t psst_model_grid_points(const psst_model *m);

/* Largest grid, t_end/dt points: 2^53, so that every step index k and
 * k * dt are exact in a double (and no int64 count overflows). */
#define PSST_GRID_MAX 9007199254740992.0

/* Record block b's interval [steps] at the run's dt (every_ms / dt, or
 * every). */
int64_t psst_record_every(const psst_model *m, int b);

/* Global id of neuron `lid` of population `pop`. */
static inline int64_t psst_model_gid(const psst_model *m, int pop, int64_t i) {
  return m->pops[pop].first_gid + i;
}

/* Population of a global id (binary search). */
int psst_model_pop_of(const psst_model *m, int64_t gid);

/* The model's user-defined kinds, neuron and synapse kinds together. */
int psst_model_user_kind_count(const psst_model *m);
/* The name of the model's user-defined kind i (i < the count above: the
 * neuron kinds, then the synapse kinds), or NULL. */
const char *psst_model_user_kind_name(const psst_model *m, int i);
/* The descriptor of m's user-defined neuron kind i, or NULL. Not
 * collective. */
const psst_neuron_kind *psst_model_user_kind(const psst_model *m, int i);
/* The descriptor of m's user-defined synapse kind i (i < nsynkind), or
 * NULL. Not collective. */
const psst_synapse_kind *psst_model_user_synapse_kind(const psst_model *m,
                                                      int i);

/* Free everything the model owns and set *m to NULL. Not collective. */
void psst_model_destroy(psst_model **m);

#ifdef __cplusplus
}
#endif
#endif
