/* kinds/user_syn.h — the hooks of a user-defined synapse kind (internal;
 * issue 11, graded synapse kinds; not yet read from model files).
 *
 * A graded (voltage-transmitter) synapse kind is an equation set over its
 * state x, its parameters p and the presynaptic membrane potential V_pre
 * [mV] (dr/dt = alpha * T(V_pre) * (1 - r) - beta * r), and a current in
 * the postsynaptic membrane potential V [mV] of the form g * s * (V - E)
 * (psst_expr_split_current). Symbol access texts: states x[k], parameters
 * p[k], V_pre "Iext" (the equations are emitted by the neuron emitter,
 * psst_expr_eqset_emit_deriv, whose hook takes Iext), V "V" (the current
 * only). The transmitter hook passes V_pre through (T = V_pre), so the
 * equations read the presynaptic voltage of every RK4 stage directly.
 */
#ifndef PSST_KINDS_USER_SYN_H
#define PSST_KINDS_USER_SYN_H

#include <stddef.h>

#include "kinds/expr.h"

/* Append to *src (malloc'ed, *len its length, grown as needed) the hooks of
 * mech/mech.h for synapse kind `name` (psst_sk_<name>_transmitter, _deriv,
 * _drive, _current, static inline) and host entry points with external
 * linkage for each of them, psst_usk_<name>_transmitter(p, t, V, fire_t,
 * aux), _deriv(p, t, T, x, dx), _drive(p, x), _current(p, g, E). `set`
 * is the checked equation set, `current` the checked current expression
 * over the same table (psst_expr_eqset_symtab(set)), `v_name` its
 * postsynaptic voltage symbol. Errors: those of psst_expr_split_current
 * (PSST_ERR_USER), PSST_ERR_NOMEM. */
int psst_user_syn_emit_hooks(const psst_expr_eqset *set,
                             const psst_expr *current, const char *v_name,
                             const char *name, char **src, size_t *len);

#endif
