/* kinds/user_syn.h — user-defined synapse kinds (internal; issue 11).
 *
 * A synapse kind of a model file (`type: synapse`, parsed and checked by
 * config.c) is
 *   transmitter  T = f(V_pre, t, t_spike, parameters), per presynaptic
 *                neuron from its membrane potential V_pre [mV] at every
 *                RK4 stage and its last spike time t_spike [ms] (optional
 *                with on_spike)
 *   equations    dx/dt of each receptor state x, over x, the parameters
 *                and T (and the kind's subexpressions of them)
 *   on_spike     optional: new values of states on each presynaptic spike
 *                (spike-triggered), over the states, parameters and w
 *   current      g * s * (V - E) (psst_expr_split_current), V the
 *                postsynaptic membrane potential [mV]
 * It becomes a psst_synapse_kind with id PSST_SYN_COUNT + its index, and
 * generated source: the hooks of mech/mech.h, the loops of
 * mech/syn_loops.h over them, and psst_usl_<name>_table, which fills a
 * psst_cpu_synapse_fns with those loops (the engine gives it to the
 * projections of the kind: psst_lproj.loops).
 */
#ifndef PSST_KINDS_USER_SYN_H
#define PSST_KINDS_USER_SYN_H

#include <stddef.h>

#include "kinds/expr.h"
#include "psst/kinds.h"
#include "psst/model.h"

typedef struct psst_user_synkind {
  psst_synapse_kind k;    /* k.state, k.param point to the arrays below */
  psst_state_info *state; /* names, units owned (strdup) */
  psst_param_info *param; /* names, units owned (strdup) */
  char *name;             /* k.name */
  char table[96];         /* psst_usl_<name>_table */
} psst_user_synkind;

/* The synapse kind `name`: a user kind of m (m may be NULL), else a
 * built-in one; NULL when neither. Not collective. */
const psst_synapse_kind *psst_model_synapse_kind_find(const psst_model *m,
                                                      const char *name);

/* 1 when kind is one of a model's user kinds (id >= PSST_SYN_COUNT). */
int psst_synapse_kind_is_user(const psst_synapse_kind *kind);

/* A spike-triggered kind's update: on each spike delivered (after its
 * delay), state `state[i]` becomes `value[i]` for i < n, all computed from
 * the state before the spike (checked over syms: states x[k], parameters
 * p[k], the synapse's weight as "w"). */
typedef struct psst_user_syn_spike {
  int n;
  const int *state;
  psst_expr *const *value;
  const psst_expr_symtab *syms;
} psst_user_syn_spike;

/* Append to *src (malloc'ed, *len its length, grown as needed) the whole
 * generated source of synapse kind `name` with nstate states and nparam
 * parameters: the hooks of mech/mech.h (psst_sk_<name>_*, static inline),
 * the loops of mech/syn_loops.h and
 *   void psst_usl_<name>_table(psst_cpu_synapse_fns *f)
 * `set` is the checked equation set (states x[k], parameters p[k], the
 * transmitter T as "Iext"), `transmitter` the checked transmitter or NULL
 * (V_pre as "V", t as "t", the last presynaptic spike time as "fire_t",
 * parameters p[k]), `current` the checked current (states x[k],
 * parameters p[k], V as `v_name`), `spike` the on-spike update or NULL.
 * Errors: those of psst_expr_split_current (PSST_ERR_USER),
 * PSST_ERR_NOMEM. */
int psst_user_syn_emit(const psst_expr_eqset *set, const psst_expr *transmitter,
                       const psst_expr_symtab *tr_syms,
                       const psst_expr *current,
                       const psst_expr_symtab *cur_syms, const char *v_name,
                       const psst_user_syn_spike *spike, const char *name,
                       int nstate, int nparam, char **src, size_t *len);

/* Free the user-defined synapse kinds of m (m->synkinds). */
void psst_user_synkinds_free(psst_model *m);

#endif
