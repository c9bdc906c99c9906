/* A user-defined synapse kind (kinds/user_syn.h) generated from gaba_a's
 * equations, written in the built-in's order of operations, compiled
 * through kinds/jit and compared with the built-in gaba_a's loops of the
 * CPU kernel table (the same loops, mech/syn_loops.h, over other hooks):
 * transmitter, receptor derivative per presynaptic neuron and per synapse,
 * drive and current, over a grid of presynaptic voltages and states, must
 * be bit-identical. argv[1]: a cache directory. */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu_kernels.h"
#include "kinds/jit.h"
#include "kinds/user_syn.h"
#include "psst/error.h"
#include "psst_test.h"

typedef void (*table_fn)(psst_cpu_synapse_fns *f);

enum { NV = 61, NO = 11, NE = NV * NO };

static int add_params(psst_expr_symtab *t) {
  static const char *const pname[] = {"alpha", "beta", "V0", "sigma", "g", "E"};
  const psst_param_info *info = psst_synapse_gaba_a.param;
  int rc = 0;
  for (int k = 0; rc == 0 && k < PSST_GABAA_NPARAM; k++) {
    char acc[16];
    snprintf(acc, sizeof acc, "p[%d]", k);
    CHECK(strcmp(info[k].name, pname[k]) == 0);
    rc = psst_expr_symtab_add(t, pname[k], info[k].unit, PSST_EXPR_PARAM, acc,
                              0);
  }
  return rc < 0 ? rc : 0;
}

/* gaba_a as a user kind: the three tables of kinds/user_syn.h */
static int gaba_kind(psst_expr_eqset **set, psst_expr **tr, psst_expr **cur,
                     psst_expr_symtab *eq, psst_expr_symtab *ts,
                     psst_expr_symtab *cs) {
  int rc = psst_expr_symtab_add(eq, "O", "1", PSST_EXPR_STATE, "x[0]", 0);
  if (rc >= 0) rc = add_params(eq);
  if (rc >= 0)
    rc = psst_expr_symtab_add(eq, "T", "1", PSST_EXPR_INPUT, "Iext", 0);
  if (rc >= 0) rc = add_params(ts);
  if (rc >= 0)
    rc = psst_expr_symtab_add(ts, "V_pre", "mV", PSST_EXPR_INPUT, "V", 0);
  if (rc >= 0)
    rc = psst_expr_symtab_add(cs, "O", "1", PSST_EXPR_STATE, "x[0]", 0);
  if (rc >= 0) rc = add_params(cs);
  if (rc >= 0)
    rc = psst_expr_symtab_add(cs, "V", "mV", PSST_EXPR_INPUT, "V", 0);
  if (rc < 0) return rc;
  psst_expr_diag d;
  rc = psst_expr_eqset_create(eq, set);
  if (!rc)
    rc = psst_expr_eqset_add(*set, "dO/dt = alpha*(1 - O)*T - beta*O", &d);
  if (!rc) rc = psst_expr_eqset_check(*set, &d);
  if (!rc) rc = psst_expr_parse("1/(1 + exp(-(V_pre - V0)/sigma))", tr, &d);
  if (!rc) rc = psst_expr_check(*tr, ts, NULL, NULL, &d);
  if (!rc) rc = psst_expr_parse("g * O * (V - E)", cur, &d);
  if (!rc) rc = psst_expr_check(*cur, cs, NULL, NULL, &d);
  return rc;
}

static int same(const double *a, const double *b, int n) {
  for (int i = 0; i < n; i++)
    if (memcmp(&a[i], &b[i], sizeof a[i]) != 0) return 0;
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 1) setenv("PSST_CACHE", argv[1], 1);
  psst_expr_symtab eq = {0}, ts = {0}, cs = {0};
  psst_expr_eqset *set = NULL;
  psst_expr *tr = NULL, *cur = NULL;
  int rc = gaba_kind(&set, &tr, &cur, &eq, &ts, &cs);
  if (rc) fprintf(stderr, "%s\n", psst_error_message());
  CHECK_INT_EQ(rc, 0);
  /* generated code starts with psst's helpers as text (kinds/jit.h) */
  const char *pre = psst_jit_prelude();
  size_t len = pre ? strlen(pre) : 0;
  char *src = malloc(len + 1);
  if (src && pre) memcpy(src, pre, len + 1);
  CHECK(src && pre);
  if (!rc)
    rc = psst_user_syn_emit(set, tr, &ts, cur, &cs, "V", NULL, "gaba_u", 1,
                            PSST_GABAA_NPARAM, &src, &len);
  if (rc) fprintf(stderr, "%s\n", psst_error_message());
  CHECK_INT_EQ(rc, 0);
  psst_jit_module *mod = NULL;
  psst_jit_fn fn = NULL;
  if (!rc) rc = psst_jit_load(src, "psst_usl_gaba_u_table", &mod, &fn);
  if (rc) fprintf(stderr, "%s\n%s", psst_error_message(), src);
  CHECK_INT_EQ(rc, 0);
  if (!rc) {
    psst_cpu_synapse_fns u;
    table_fn table;
    memcpy(&table, &fn, sizeof table);
    table(&u);
    const psst_cpu_synapse_fns *b =
        &psst_cpu_kernels_baseline.synapse[PSST_SYN_GABA_A];
    /* the defaults, and a set of other values */
    double ps[2][PSST_GABAA_NPARAM];
    for (int k = 0; k < PSST_GABAA_NPARAM; k++)
      ps[0][k] = psst_synapse_gaba_a.param[k].def;
    double other[PSST_GABAA_NPARAM] = {3.0, 0.5, -35.0, 4.0, 0.1, -80.0};
    memcpy(ps[1], other, sizeof other);
    static double V[NE], ft[NE], x[NE], T0[NE], T1[NE], d0[NE], d1[NE];
    static int32_t col[NE];
    for (int iv = 0; iv < NV; iv++)
      for (int io = 0; io < NO; io++) {
        int e = iv * NO + io;
        V[e] = -90.0 + 2.5 * iv;
        x[e] = 0.1 * io;
        col[e] = (int32_t)((e * 7) % NE);
      }
    int ok = 1;
    for (int s = 0; s < 2; s++) {
      const double *p = ps[s];
      double g0, E0, g1, E1;
      b->current(p, &g0, &E0);
      u.current(p, &g1, &E1);
      ok &= g0 == g1 && E0 == E1;
      b->transmitter(NE, p, 0.0, V, ft, ft, T0);
      u.transmitter(NE, p, 0.0, V, ft, ft, T1);
      ok &= same(T0, T1, NE);
      b->deriv_pre(NE, p, 0.0, T0, x, NE, d0);
      u.deriv_pre(NE, p, 0.0, T0, x, NE, d1);
      ok &= same(d0, d1, NE);
      b->deriv_syn(NE, p, 0.0, T0, col, x, NE, d0);
      u.deriv_syn(NE, p, 0.0, T0, col, x, NE, d1);
      ok &= same(d0, d1, NE);
      b->drive(NE, p, x, NE, d0);
      u.drive(NE, p, x, NE, d1);
      ok &= same(d0, d1, NE);
    }
    printf("gaba_a vs generated: %d elements x 2 parameter sets: %s\n", NE,
           ok ? "bit-identical" : "DIFFERENT");
    CHECK(ok);
  }
  psst_jit_close(&mod);
  free(src);
  psst_expr_destroy(&cur);
  psst_expr_destroy(&tr);
  psst_expr_eqset_destroy(&set);
  psst_expr_symtab_free(&eq);
  psst_expr_symtab_free(&ts);
  psst_expr_symtab_free(&cs);
  return TEST_RESULT();
}
