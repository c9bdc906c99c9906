/* The hooks of a user-defined synapse kind (kinds/user_syn.h), generated
 * from gaba_a's equations, compiled through kinds/jit and compared with the
 * built-in gaba_a's hooks: current g and E, drive, and the receptor
 * derivative over a grid of presynaptic voltages and states. argv[1]: a
 * cache directory. */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/jit.h"
#include "kinds/user_syn.h"
#include "mech/list.h"
#include "psst/error.h"
#include "psst_test.h"

typedef double (*transmitter_fn)(const double *, double, double, double,
                                 double);
typedef void (*deriv_fn)(const double *, double, double, const double *,
                         double *);
typedef double (*drive_fn)(const double *, const double *);
typedef void (*current_fn)(const double *, double *, double *);

/* the symbol table of gaba_a written as a user kind (kinds/user_syn.h) */
static int gaba_set(psst_expr_eqset **set, psst_expr **cur) {
  psst_expr_symtab t;
  memset(&t, 0, sizeof t);
  static const char *const pname[] = {"alpha", "beta", "V0", "sigma", "g", "E"};
  const psst_param_info *info = psst_synapse_gaba_a.param;
  int rc = psst_expr_symtab_add(&t, "O", "1", PSST_EXPR_STATE, "x[0]", 0);
  for (int k = 0; rc == 0 && k < PSST_GABAA_NPARAM; k++) {
    char acc[16];
    snprintf(acc, sizeof acc, "p[%d]", k);
    CHECK(strcmp(info[k].name, pname[k]) == 0);
    rc = psst_expr_symtab_add(&t, pname[k], info[k].unit, PSST_EXPR_PARAM, acc,
                              0);
  }
  if (!rc)
    rc = psst_expr_symtab_add(&t, "V_pre", "mV", PSST_EXPR_INPUT, "Iext", 0);
  if (!rc) rc = psst_expr_symtab_add(&t, "V", "mV", PSST_EXPR_INPUT, "V", 0);
  if (!rc) rc = psst_expr_eqset_create(&t, set);
  psst_expr_symtab_free(&t);
  psst_expr_diag d;
  if (!rc)
    rc = psst_expr_eqset_add(*set, "T = sigmoid((V_pre - V0)/sigma)", &d);
  if (!rc)
    rc = psst_expr_eqset_add(*set, "dO/dt = alpha*(1 - O)*T - beta*O", &d);
  if (!rc) rc = psst_expr_eqset_check(*set, &d);
  if (!rc) rc = psst_expr_parse("g * O * (V - E)", cur, &d);
  if (!rc)
    rc = psst_expr_check(*cur, psst_expr_eqset_symtab(*set), NULL, NULL, &d);
  return rc;
}

int main(int argc, char **argv) {
  if (argc > 1) setenv("PSST_CACHE", argv[1], 1);
  psst_expr_eqset *set = NULL;
  psst_expr *cur = NULL;
  int rc = gaba_set(&set, &cur);
  if (rc) fprintf(stderr, "%s\n", psst_error_message());
  CHECK_INT_EQ(rc, 0);
  /* generated code starts with psst's helpers as text (kinds/jit.h) */
  const char *pre = psst_jit_prelude();
  size_t len = pre ? strlen(pre) : 0;
  char *src = malloc(len + 1);
  if (src && pre) memcpy(src, pre, len + 1);
  CHECK(src && pre);
  if (!rc) rc = psst_user_syn_emit_hooks(set, cur, "V", "gaba_u", &src, &len);
  if (rc) fprintf(stderr, "%s\n", psst_error_message());
  CHECK_INT_EQ(rc, 0);
  psst_jit_module *mod = NULL;
  psst_jit_fn f[4] = {NULL, NULL, NULL, NULL};
  if (!rc) rc = psst_jit_load(src, "psst_usk_gaba_u_deriv", &mod, &f[0]);
  if (!rc) rc = psst_jit_symbol(mod, "psst_usk_gaba_u_transmitter", &f[1]);
  if (!rc) rc = psst_jit_symbol(mod, "psst_usk_gaba_u_drive", &f[2]);
  if (!rc) rc = psst_jit_symbol(mod, "psst_usk_gaba_u_current", &f[3]);
  if (rc) fprintf(stderr, "%s\n%s", psst_error_message(), src);
  CHECK_INT_EQ(rc, 0);
  if (!rc) {
    deriv_fn deriv = (deriv_fn)f[0];
    transmitter_fn tr = (transmitter_fn)f[1];
    drive_fn drive = (drive_fn)f[2];
    current_fn current = (current_fn)f[3];
    /* the defaults, and a set of other values */
    double ps[2][PSST_GABAA_NPARAM];
    for (int k = 0; k < PSST_GABAA_NPARAM; k++)
      ps[0][k] = psst_synapse_gaba_a.param[k].def;
    double other[PSST_GABAA_NPARAM] = {3.0, 0.5, -35.0, 4.0, 0.1, -80.0};
    memcpy(ps[1], other, sizeof other);
    double maxrel = 0.0;
    int n = 0;
    for (int s = 0; s < 2; s++) {
      const double *p = ps[s];
      double g0, E0, g1, E1;
      psst_synapse_gaba_a.current(p, &g0, &E0);
      current(p, &g1, &E1);
      CHECK(g0 == g1 && E0 == E1);
      for (int iv = 0; iv <= 60; iv++)
        for (int io = 0; io <= 10; io++) {
          double V = -90.0 + 2.5 * iv, x[1] = {0.1 * io}, d0[1], d1[1];
          double T0 = psst_sk_gaba_a_transmitter(p, 0.0, V, 0.0, 0.0);
          psst_sk_gaba_a_deriv(p, 0.0, T0, x, d0);
          deriv(p, 0.0, tr(p, 0.0, V, 0.0, 0.0), x, d1);
          CHECK(psst_synapse_gaba_a.drive(p, x) == drive(p, x));
          double scale = fabs(d0[0]) > 1e-300 ? fabs(d0[0]) : 1.0;
          double rel = fabs(d1[0] - d0[0]) / scale;
          if (rel > maxrel) maxrel = rel;
          n++;
        }
    }
    printf("gaba_a vs generated: %d points, max relative |d dO/dt| %.3g\n", n,
           maxrel);
    CHECK(maxrel <= 1e-12);
  }
  psst_jit_close(&mod);
  free(src);
  psst_expr_destroy(&cur);
  psst_expr_eqset_destroy(&set);
  return TEST_RESULT();
}
