/* User-defined synapse kinds: lookup, generated source, freeing
 * (kinds/user_syn.h). */
#include "kinds/user_syn.h"
#include "kinds/user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mech/list.h"
#include "psst/error.h"

#define PART_MAX 4096 /* bytes of one part of the current (G, drive, E) */

const psst_synapse_kind *psst_model_synapse_kind_find(const psst_model *m,
                                                      const char *name) {
  for (int i = 0; m && i < m->nsynkind; i++)
    if (strcmp(m->synkinds[i].name, name) == 0) return &m->synkinds[i].k;
  return psst_synapse_kind_find(name);
}

int psst_synapse_kind_is_user(const psst_synapse_kind *kind) {
  return kind && kind->id >= PSST_SYN_COUNT;
}

const psst_synapse_kind *psst_model_user_synapse_kind(const psst_model *m,
                                                      int i) {
  return m && i >= 0 && i < m->nsynkind ? &m->synkinds[i].k : NULL;
}

int psst_user_syn_emit(const psst_expr_eqset *set, const psst_expr *transmitter,
                       const psst_expr_symtab *tr_syms,
                       const psst_expr *current,
                       const psst_expr_symtab *cur_syms, const char *v_name,
                       const psst_user_syn_spike *spike, const char *name,
                       int nstate, int nparam, char **src, size_t *len) {
  char *g = malloc(5 * PART_MAX);
  PSST_ALLOC_CHECK(g);
  char *drive = g + PART_MAX, *E = g + 2 * PART_MAX, *T = g + 3 * PART_MAX;
  char *v = g + 4 * PART_MAX; /* one on-spike value */
  size_t cap = 1 << 16;
  char *deriv = malloc(cap);
  int rc = deriv ? 0 : psst_error_set(PSST_ERR_NOMEM, "out of memory");
  if (!rc)
    rc = psst_expr_split_current(current, cur_syms, v_name, g, drive, E,
                                 PART_MAX, NULL);
  if (!rc && transmitter)
    rc = psst_expr_emit(transmitter, tr_syms, T, PART_MAX);
  else if (!rc)
    snprintf(T, PART_MAX, "0.0");
  /* the on-spike update: every new value from the old state, then stored */
  char *os = NULL;
  size_t oslen = 0;
  for (int i = 0; !rc && spike && i < spike->n; i++) {
    rc = psst_expr_emit(spike->value[i], spike->syms, v, PART_MAX);
    if (!rc)
      rc = psst_kind_source_append(&os, &oslen,
                                   "  const double psst_n%d = %s;\n", i, v);
  }
  for (int i = 0; !rc && spike && i < spike->n; i++)
    rc = psst_kind_source_append(&os, &oslen, "  x[%d] = psst_n%d;\n",
                                 spike->state[i], i);
  /* the equations as a neuron-style hook psst_nk_<name>_deriv(p, x,
   * Iext = T, dx) (no neuron kind has this name: kind names are unique),
   * wrapped into the synapse hooks */
  if (!rc) rc = psst_expr_eqset_emit_deriv(set, name, deriv, cap);
  if (!rc)
    rc = psst_kind_source_append(
        src, len,
        "\n/* synapse kind %s */\n"
        "enum {\n  psst_sk_%s_nstate = %d,\n  psst_sk_%s_nparam = %d,\n"
        "  psst_sk_%s_nderived = 0\n};\n%s",
        name, name, nstate, name, nparam, name, deriv);
  if (!rc)
    rc = psst_kind_source_append(
        src, len,
        "PSST_HD static inline double psst_sk_%s_transmitter(const double *p,"
        "\n    double t, double V, double fire_t, double aux) {\n"
        "  (void)p;\n  (void)t;\n  (void)V;\n  (void)fire_t;\n  (void)aux;\n"
        "  return %s;\n}\n"
        "PSST_HD static inline void psst_sk_%s_deriv(const double *p, "
        "double t,\n    double T, const double *x, double *dx) {\n"
        "  (void)t;\n  psst_nk_%s_deriv(p, x, T, dx);\n}\n"
        "PSST_HD static inline double psst_sk_%s_drive(const double *p,\n"
        "    const double *x) {\n  (void)p;\n  (void)x;\n  return %s;\n}\n"
        "PSST_HD static inline void psst_sk_%s_current(const double *p, "
        "double *g,\n    double *E) {\n  (void)p;\n  *g = %s;\n  *E = %s;\n}\n"
        "PSST_HD static inline void psst_sk_%s_on_spike(const double *p, "
        "double w,\n    double t, double *x) {\n"
        "  (void)p;\n  (void)w;\n  (void)t;\n  (void)x;\n%s}\n"
        "PSST_HD static inline int psst_sk_%s_release(const double *p, "
        "double t,\n    double V, double aux) {\n"
        "  (void)p;\n  (void)t;\n  (void)V;\n  (void)aux;\n  return 0;\n}\n"
        "PSST_SYNAPSE_LOOPS(%s)\n"
        "void psst_usl_%s_table(psst_cpu_synapse_fns *f);\n"
        "void psst_usl_%s_table(psst_cpu_synapse_fns *f) {\n"
        "  const psst_cpu_synapse_fns t = PSST_SYNAPSE_LOOPS_TABLE(%s);\n"
        "  *f = t;\n}\n",
        name, T, name, name, name, drive, name, g, E, name, os ? os : "", name,
        name, name, name, name);
  free(os);
  free(deriv);
  free(g);
  return rc;
}

void psst_user_synkinds_free(psst_model *m) {
  for (int i = 0; m->synkinds && i < m->nsynkind; i++) {
    psst_user_synkind *u = &m->synkinds[i];
    for (int j = 0; u->state && j < u->k.nstate; j++) {
      free((char *)u->state[j].name);
      free((char *)u->state[j].unit);
    }
    for (int j = 0; u->param && j < u->k.nparam; j++) {
      free((char *)u->param[j].name);
      free((char *)u->param[j].unit);
    }
    free(u->state);
    free(u->param);
    free(u->name);
  }
  free(m->synkinds);
  m->synkinds = NULL;
  m->nsynkind = 0;
}
