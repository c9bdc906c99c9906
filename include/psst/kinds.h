/* psst/kinds.h — descriptors of neuron and synapse kinds (mechanisms).
 *
 * A kind is one descriptor: its tables (state variables and parameters with
 * name, unit, default and allowed range), flags that tell the engine what it
 * must do for the kind, its storage rule and its cost. Its equations are
 * per-element inline hooks in the kind's header (src/mech/), written once
 * and instantiated into the loops of every backend from one kind list
 * (src/mech/list.h). The same tables validate model files, fill defaults,
 * document the kind (`psst info`) and name netCDF variables.
 *
 * README "Adding a kind" describes the three places a new kind touches.
 */
#ifndef PSST_KINDS_H
#define PSST_KINDS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One parameter of a kind. Values outside [min, max] are user errors. */
typedef struct psst_param_info {
  const char *name;        /* key in the model file, e.g. "g_Na" */
  const char *unit;        /* e.g. "mS/cm^2"; "1" when dimensionless */
  double def;              /* default value [unit]; NaN: see
                              psst_synapse_kind.from_target */
  double min, max;         /* allowed closed range [unit] */
  const char *description; /* one line, for `psst info` */
} psst_param_info;

/* One state variable of a kind. */
typedef struct psst_state_info {
  const char *name;      /* e.g. "V", "m"; also the netCDF variable name */
  const char *unit;      /* e.g. "mV" */
  const char *long_name; /* e.g. "membrane potential" */
  double def;            /* default initial value [unit] */
  int def_is_steady;     /* 1: default is the steady state at the initial V */
  int fraction;          /* 1: a fraction (a gate, an open receptor
                            fraction): initial values must lie in [0, 1] */
} psst_state_info;

/* Right-hand side of n neurons of one kind, structure of arrays: a
 * portable reference loop over the kind's hook (tests, single-cell tools;
 * the backends instantiate their own loops from the same hook).
 *   params  kind->nparam values (one population shares them)
 *   y       state: variable v of neuron i at y[v * ld + i]; y[0..n) is V [mV]
 *   Iext    per neuron, the current that is not intrinsic: injected minus
 *           synaptic [uA/cm^2]
 *   dy      derivatives, same layout as y [unit of the variable / ms]
 * Must not allocate. */
typedef void (*psst_neuron_rhs_fn)(size_t n, const double *params,
                                   const double *y, size_t ld,
                                   const double *Iext, double *dy);

/* Steady state of gate `var` at membrane potential V [mV]; used for
 * state variables with def_is_steady. */
typedef double (*psst_neuron_steady_fn)(int var, double V,
                                        const double *params);

/* Derived per-population (or per-projection) constants: writes
 * params[nparam .. nparam + nderived) from the user-visible params[0 ..
 * nparam), once, after validation (e.g. the temperature factor phi, so
 * that no hook evaluates pow() per element). */
typedef void (*psst_kind_prepare_fn)(double *params);

/* Checks that no single range can express (e.g. tau_rise < tau_decay):
 * NULL when the params are valid, else the reason, with *param set to the
 * index of the parameter to blame. */
typedef const char *(*psst_kind_check_fn)(const double *params, int *param);

/* What the engine must do for a neuron kind (psst_neuron_kind.flags). */
enum psst_neuron_flags {
  /* a spike source: its spikes are made by the engine (drawn or given),
   * not found by threshold crossings; its one state variable is a
   * constant placeholder. Not a target of projections or currents. */
  PSST_NEURON_F_SOURCE = 1u << 0,
};

/* Most derived constants a kind may have. */
#define PSST_KIND_DERIVED_MAX 8

typedef struct psst_neuron_kind {
  const char *name;    /* "hh_tutorial", "hh_classic", "cobahh", ... */
  const char *summary; /* one line */
  const char *source;  /* where the equations come from */
  int id;              /* position in the kind list (src/mech/list.h) */
  int nstate;
  const psst_state_info *state; /* state[0] is V */
  int nparam;
  const psst_param_info *param;
  int nderived;                 /* derived constants after the params */
  psst_kind_prepare_fn prepare; /* NULL when nderived == 0 */
  psst_kind_check_fn check;     /* or NULL */
  double threshold;             /* default spike threshold [mV] */
  double refractory;            /* default dead time of spike detection [ms] */
  psst_neuron_rhs_fn rhs;       /* reference loop (see above) */
  psst_neuron_steady_fn steady; /* NULL if no variable is def_is_steady */
  /* cost of one neuron-step relative to one synapse-step of a sparse
   * per-presynaptic drive (partition balance; benchmarks/core/calibrate) */
  double cost;
  unsigned flags; /* psst_neuron_flags */
} psst_neuron_kind;

/* What the engine must do for a synapse kind (psst_synapse_kind.flags). */
enum psst_synapse_flags {
  /* has a transmitter per presynaptic neuron (the hook `transmitter`) that
   * drives the state derivatives (hook `deriv`) */
  PSST_SYN_F_TRANSMITTER = 1u << 0,
  /* the transmitter reads the presynaptic membrane potential at every
   * RK4 stage: every stage exchanges the voltages */
  PSST_SYN_F_READS_STAGE_V = 1u << 1,
  /* the transmitter reads the presynaptic last firing times */
  PSST_SYN_F_READS_FIRE_T = 1u << 2,
  /* a presynaptic spike updates the state of each of its targets (hook
   * `on_spike`), effective from the next step */
  PSST_SYN_F_SPIKE_TRIGGERED = 1u << 3,
  /* decides something per presynaptic neuron at step boundaries (hook
   * `release`): one auxiliary value per presynaptic neuron (aux_name) */
  PSST_SYN_F_STEP_BOUNDARY = 1u << 4,
  /* g is a total per postsynaptic neuron, shared among its inputs: the
   * drive is divided by the neuron's in-degree */
  PSST_SYN_F_SHARED_G = 1u << 5,
  /* the drive of an element is its first state variable (hook `drive` is
   * the identity): the loops read the state directly */
  PSST_SYN_F_DRIVE_IS_STATE = 1u << 6,
};

/* Where a projection's synaptic state lives (psst_synapse_kind.storage is
 * a mask of 1 << these). */
typedef enum psst_store {
  PSST_STORE_PRE = 0,     /* one state per presynaptic neuron (replicated;
                             exact when the synapses of one presynaptic
                             neuron share kinetics and initial state) */
  PSST_STORE_SYNAPSE = 1, /* one state per synapse (local rows) */
  PSST_STORE_POST = 2     /* one state per postsynaptic neuron (local rows;
                             exact for kinetics linear in the state) */
} psst_store;

typedef struct psst_synapse_kind {
  const char *name; /* "ach_pulse", "gaba_a", "exp_cond", ... */
  const char *summary;
  const char *source;
  int id; /* position in the kind list (src/mech/list.h) */
  int nparam;
  const psst_param_info *param;
  /* NULL, or per parameter: when its value is not given (default NaN),
   * take the postsynaptic population's parameter of this name (e.g. "E_K"),
   * or NULL */
  const char *const *from_target;
  int nderived;
  psst_kind_prepare_fn prepare;
  psst_kind_check_fn check; /* or NULL */
  int nstate;
  const psst_state_info *state; /* receptor or conductance state */
  unsigned flags;               /* psst_synapse_flags */
  unsigned storage;             /* allowed psst_store values, 1 << s */
  const char *aux_name;         /* STEP_BOUNDARY: name of the value kept per
                                   presynaptic neuron (checkpoints) */
  double aux_init;              /* its initial value */
  /* cost of one synapse-step relative to one synapse-step of a sparse
   * per-presynaptic drive (partition balance) */
  double cost;
  /* NULL, or the kind a projection of this kind becomes when it is given a
   * delay (ach_pulse -> ach_spike) */
  const char *with_delay;
  /* host entry points of the kind's hooks (recording): what one element
   * with state x contributes to the drive (times its weight), and the
   * current's g and E (I = g * drive * (V - E)) */
  double (*drive)(const double *params, const double *x);
  void (*current)(const double *params, double *g, double *E);
} psst_synapse_kind;

/* Registry. Not collective. NULL when not found. */
const psst_neuron_kind *psst_neuron_kind_find(const char *name);
int psst_neuron_kind_count(void);
const psst_neuron_kind *psst_neuron_kind_get(int i);

const psst_synapse_kind *psst_synapse_kind_find(const char *name);
int psst_synapse_kind_count(void);
const psst_synapse_kind *psst_synapse_kind_get(int i);

/* Index of a parameter / state variable by name, or -1. */
int psst_param_index(const psst_param_info *p, int n, const char *name);
int psst_state_index(const psst_state_info *s, int n, const char *name);

/* The kinds themselves are declared by the kind list (src/mech/list.h). */

#ifdef __cplusplus
}
#endif
#endif
