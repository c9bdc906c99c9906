/* psst/kinds.h — descriptors of neuron and synapse kinds.
 *
 * A kind is data: its state variables and parameters with name, unit,
 * default and allowed range. The same table validates model files, fills
 * defaults, documents the kind (`psst info`) and writes netCDF attributes.
 * The per-neuron equations live in static inline functions in the kind's
 * header (include/psst/neurons/<kind>.h), shared by every backend.
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
  double def;              /* default value [unit] */
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
} psst_state_info;

/* Right-hand side of n neurons of one kind, structure of arrays.
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

typedef struct psst_neuron_kind {
  const char *name;    /* "hh_tutorial", "hh_classic", "cobahh", ... */
  const char *summary; /* one line */
  const char *source;  /* where the equations come from */
  int nstate;
  const psst_state_info *state; /* state[0] is V */
  int nparam;
  const psst_param_info *param;
  double threshold;  /* default spike threshold [mV] */
  double refractory; /* default dead time of spike detection [ms] */
  psst_neuron_rhs_fn rhs;
  psst_neuron_steady_fn steady; /* NULL if no variable is def_is_steady */
} psst_neuron_kind;

/* Synapse kinds known to the engine. */
typedef enum psst_synapse_id {
  PSST_SYN_ACH_PULSE = 0, /* MODEL.md §3.2-3.3: firing-time pulse release */
  PSST_SYN_GABA_A = 1,    /* MODEL.md §3.4: sigmoid of presynaptic V */
  PSST_SYN_EXP_COND = 2, /* MODEL.md §11.2: spike-triggered exp. conductance */
  PSST_SYN_GABA_B = 3,   /* MODEL.md §7: slow receptor / G-protein scheme */
  PSST_SYN_COUNT
} psst_synapse_id;

typedef struct psst_synapse_kind {
  const char *name; /* "ach_pulse", "gaba_a", "exp_cond" */
  const char *summary;
  const char *source;
  psst_synapse_id id;
  int nparam;
  const psst_param_info *param;
  int nstate;
  const psst_state_info *state; /* receptor or conductance state */
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

/* The individual kinds (defined in src/neurons and src/synapses). */
extern const psst_neuron_kind psst_neuron_hh_tutorial;
extern const psst_neuron_kind psst_neuron_hh_classic;
extern const psst_neuron_kind psst_neuron_cobahh;
extern const psst_neuron_kind psst_neuron_pn;
extern const psst_neuron_kind psst_neuron_ln;
extern const psst_synapse_kind psst_synapse_ach_pulse;
extern const psst_synapse_kind psst_synapse_gaba_a;
extern const psst_synapse_kind psst_synapse_exp_cond;
extern const psst_synapse_kind psst_synapse_gaba_b;

#ifdef __cplusplus
}
#endif
#endif
