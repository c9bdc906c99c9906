/* User-defined neuron kinds of a model: lookup, kernel text, freeing
 * (kinds/user.h). */
#include "kinds/user.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/expr.h"
#include "kinds/user_syn.h"
#include "mech/list.h"
#include "psst/error.h"

const psst_neuron_kind *psst_model_neuron_kind_find(const psst_model *m,
                                                    const char *name) {
  for (int i = 0; m && i < m->nkind; i++)
    if (strcmp(m->kinds[i].name, name) == 0) return &m->kinds[i].k;
  return psst_neuron_kind_find(name);
}

int psst_model_user_kind_count(const psst_model *m) {
  return m ? m->nkind + m->nsynkind : 0;
}

const char *psst_model_user_kind_name(const psst_model *m, int i) {
  if (!m || i < 0) return NULL;
  if (i < m->nkind) return m->kinds[i].name;
  i -= m->nkind;
  return i < m->nsynkind ? psst_model_user_synapse_kind(m, i)->name : NULL;
}

const psst_neuron_kind *psst_model_user_kind(const psst_model *m, int i) {
  return m && i >= 0 && i < m->nkind ? &m->kinds[i].k : NULL;
}

int psst_neuron_kind_is_user(const psst_neuron_kind *kind) {
  return kind && kind->id >= PSST_NK_COUNT;
}

int psst_kind_source_append(char **src, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int need = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (need < 0) return psst_error_set(PSST_ERR_INTERNAL, "vsnprintf failed");
  char *n = realloc(*src, *len + (size_t)need + 1);
  if (!n) return psst_error_set(PSST_ERR_NOMEM, "out of memory (kind source)");
  *src = n;
  va_start(ap, fmt);
  vsnprintf(n + *len, (size_t)need + 1, fmt, ap);
  va_end(ap);
  *len += (size_t)need;
  return 0;
}

int psst_user_kind_emit_kernel(const char *name, int nstate, int nparam,
                               char **src, size_t *len) {
  /* the loop of backend/cpu/cpu_kernels.c (PSST__NEURON_LOOP) */
  return psst_kind_source_append(
      src, len,
      "\nvoid psst_uk_%s_kernel(int64_t n, int64_t ld, const double *p_,\n"
      "    const double *restrict y, const double *restrict Iext,\n"
      "    double *restrict dy) {\n"
      "  enum { S = %d, P = %d };\n"
      "  double p[P + 1];\n"
      "  for (int q = 0; q < P; q++)\n"
      "    p[q] = p_[q];\n"
      "  PSST_UK_SIMD for (int64_t i = 0; i < n; i++) {\n"
      "    double x[S], dx[S];\n"
      "    for (int v = 0; v < S; v++)\n"
      "      x[v] = y[v * ld + i];\n"
      "    psst_nk_%s_deriv(p, x, Iext[i], dx);\n"
      "    for (int v = 0; v < S; v++)\n"
      "      dy[v * ld + i] = dx[v];\n"
      "  }\n"
      "}\n",
      name, nstate, nparam, name);
}

int psst_user_kind_steady(const psst_user_kind *u, double V, const double *p,
                          double *x) {
  x[0] = V;
  if (!u->set) return 0;
  const psst_expr_symtab *t = psst_expr_eqset_symtab(u->set);
  int ns = u->k.nstate, np = u->k.nparam;
  double *val = malloc((size_t)(t->n + ns + 1) * sizeof *val);
  PSST_ALLOC_CHECK(val);
  double *dx = val + t->n;
  for (int k = 0; k < t->n; k++)
    val[k] = NAN; /* other states, I */
  val[u->sym[0]] = V;
  for (int j = 0; j < np; j++)
    val[u->sym[ns + j]] = p[j];
  int rc = psst_expr_eqset_eval(u->set, val, dx);
  for (int i = 1; rc == 0 && i < ns; i++)
    if (u->init[i]) rc = psst_expr_eval(u->init[i], val, &x[i]);
  free(val);
  return rc;
}

void psst_user_kinds_free(psst_model *m) {
  for (int i = 0; m->kinds && i < m->nkind; i++) {
    psst_user_kind *u = &m->kinds[i];
    for (int j = 0; u->state && j < u->k.nstate; j++) {
      free((char *)u->state[j].name);
      free((char *)u->state[j].unit);
    }
    for (int j = 0; u->param && j < u->k.nparam; j++) {
      free((char *)u->param[j].name);
      free((char *)u->param[j].unit);
    }
    for (int j = 0; u->init && j < u->k.nstate; j++)
      psst_expr_destroy(&u->init[j]);
    free(u->init);
    free(u->sym);
    psst_expr_eqset_destroy(&u->set);
    free(u->state);
    free(u->param);
    free(u->name);
  }
  free(m->kinds);
  free(m->kinds_source);
  free(m->kinds_text);
  m->kinds = NULL;
  m->kinds_source = NULL;
  m->kinds_text = NULL;
  m->nkind = 0;
}
