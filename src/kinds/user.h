/* kinds/user.h — user-defined neuron kinds of a model (internal; issue 11,
 * step 2).
 *
 * A model file's `kinds:` become psst_user_kind entries of the model
 * (psst_model.kinds, parsed and checked by config.c): a psst_neuron_kind
 * descriptor with id PSST_NK_COUNT + its index, tables that the model owns,
 * and the C source of the whole model's user kinds (psst_model.
 * kinds_source): one translation unit with, per kind,
 *   psst_nk_<name>_deriv   the emitted hook (kinds/expr.h)
 *   psst_uk_<name>_kernel  the SoA loop, with the signature of the CPU
 *                          kernel table's neuron entries
 *                          (backend/cpu/cpu_kernels.h), written like the
 *                          built-in loops so that it vectorises.
 * The engine compiles and loads it when a simulation is created
 * (kinds/jit.h) and gives each user kind's segments the kernel pointer
 * (psst_seg.kernel); the CPU backend calls it instead of its table entry.
 */
#ifndef PSST_KINDS_USER_H
#define PSST_KINDS_USER_H

#include <stddef.h>

#include "psst/kinds.h"
#include "psst/model.h"

typedef struct psst_user_kind {
  psst_neuron_kind k;     /* k.state, k.param point to the arrays below */
  psst_state_info *state; /* names, units owned (strdup) */
  psst_param_info *param; /* names, units owned (strdup) */
  char *name;             /* k.name */
  char kernel[96];        /* psst_uk_<name>_kernel */
  /* states whose init is an expression (state[i].def_is_steady): init[i]
   * checked against set's table (NULL for the others); sym[i] the table
   * index of state i, sym[nstate + j] of parameter j; all NULL when every
   * init is a number */
  struct psst_expr **init;
  struct psst_expr_eqset *set;
  int *sym;
} psst_user_kind;

/* The initial values of u's expression-initialised states for a neuron
 * whose V is V [mV] and whose parameters are p[nparam]: x[i] for each state
 * i with def_is_steady (x[0] = V; the others untouched), evaluated by
 * psst's expression evaluator (the same psst_exp & co. as the generated
 * code), with the other states and I NaN. Not collective. */
int psst_user_kind_steady(const psst_user_kind *u, double V, const double *p,
                          double *x);

/* The neuron kind `name`: a user kind of m (m may be NULL), else a built-in
 * one; NULL when neither. Not collective. */
const psst_neuron_kind *psst_model_neuron_kind_find(const psst_model *m,
                                                    const char *name);

/* 1 when kind is one of a model's user kinds (id >= PSST_NK_COUNT). */
int psst_neuron_kind_is_user(const psst_neuron_kind *kind);

/* Append printf-style text to *src (a malloc'ed string, *len its length,
 * grown as needed): how generated kind source is written. */
int psst_kind_source_append(char **src, size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Append to *src (a malloc'ed string, *len its length, grown as needed) the
 * SoA kernel psst_uk_<name>_kernel of a kind with nstate states and nparam
 * parameters whose hook psst_nk_<name>_deriv precedes it. */
int psst_user_kind_emit_kernel(const char *name, int nstate, int nparam,
                               char **src, size_t *len);

/* Free the user kinds of m (m->kinds, m->kinds_source, m->kinds_text). */
void psst_user_kinds_free(psst_model *m);

#endif
