/* User-defined synapse kinds: the C of their hooks (kinds/user_syn.h). */
#include "kinds/user_syn.h"
#include "kinds/user.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psst/error.h"

#define PART_MAX 4096 /* bytes of one part of the current (G, drive, E) */

int psst_user_syn_emit_hooks(const psst_expr_eqset *set,
                             const psst_expr *current, const char *v_name,
                             const char *name, char **src, size_t *len) {
  const psst_expr_symtab *t = psst_expr_eqset_symtab(set);
  char *g = malloc(3 * PART_MAX);
  PSST_ALLOC_CHECK(g);
  char *drive = g + PART_MAX, *E = g + 2 * PART_MAX;
  char inner[PSST_EXPR_NAME_MAX + 8];
  snprintf(inner, sizeof inner, "syn_%s", name);
  size_t cap = 1 << 16;
  char *deriv = malloc(cap);
  int rc = deriv ? 0 : psst_error_set(PSST_ERR_NOMEM, "out of memory");
  if (!rc)
    rc = psst_expr_split_current(current, t, v_name, g, drive, E, PART_MAX,
                                 NULL);
  /* the equations as a neuron-style hook psst_nk_syn_<name>_deriv(p, x,
   * Iext = V_pre, dx), wrapped into the synapse hooks */
  if (!rc) rc = psst_expr_eqset_emit_deriv(set, inner, deriv, cap);
  if (!rc) rc = psst_kind_source_append(src, len, "\n%s", deriv);
  if (!rc)
    rc = psst_kind_source_append(
        src, len,
        "PSST_HD static inline double psst_sk_%s_transmitter(const double *p,"
        "\n    double t, double V, double fire_t, double aux) {\n"
        "  (void)p;\n  (void)t;\n  (void)fire_t;\n  (void)aux;\n"
        "  return V; /* the equations read V_pre themselves */\n}\n"
        "PSST_HD static inline void psst_sk_%s_deriv(const double *p, "
        "double t,\n    double T, const double *x, double *dx) {\n"
        "  (void)t;\n  psst_nk_%s_deriv(p, x, T, dx);\n}\n"
        "PSST_HD static inline double psst_sk_%s_drive(const double *p,\n"
        "    const double *x) {\n  (void)p;\n  (void)x;\n  return %s;\n}\n"
        "PSST_HD static inline void psst_sk_%s_current(const double *p, "
        "double *g,\n    double *E) {\n  (void)p;\n  *g = %s;\n  *E = %s;\n}\n"
        "double psst_usk_%s_transmitter(const double *p, double t, double V,\n"
        "    double fire_t, double aux) {\n"
        "  return psst_sk_%s_transmitter(p, t, V, fire_t, aux);\n}\n"
        "void psst_usk_%s_deriv(const double *p, double t, double T,\n"
        "    const double *x, double *dx) {\n"
        "  psst_sk_%s_deriv(p, t, T, x, dx);\n}\n"
        "double psst_usk_%s_drive(const double *p, const double *x) {\n"
        "  return psst_sk_%s_drive(p, x);\n}\n"
        "void psst_usk_%s_current(const double *p, double *g, double *E) {\n"
        "  psst_sk_%s_current(p, g, E);\n}\n",
        name, name, inner, name, drive, name, g, E, name, name, name, name,
        name, name, name, name);
  free(deriv);
  free(g);
  return rc;
}
