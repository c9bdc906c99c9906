/* tests/unit/expr_hh.h — the squid axon (docs/models.md §11.1, phi = 1)
 * written in the equation language of kinds/expr.h, shared by test_expr and
 * the generator of test_expr_compiled. */
#ifndef PSST_TEST_EXPR_HH_H
#define PSST_TEST_EXPR_HH_H

#include "kinds/expr.h"

/* The symbols: states V m h n (x[0..3]), parameters C_m g_Na E_Na g_K E_K
 * g_L E_L (p[0..6]), input I_inj (Iext). */
static inline int expr_hh_symbols(psst_expr_symtab *t) {
  static const struct {
    const char *name, *unit;
    psst_expr_role role;
    const char *access;
  } s[] = {
      {"V", "mV", PSST_EXPR_STATE, "x[0]"},
      {"m", "1", PSST_EXPR_STATE, "x[1]"},
      {"h", "1", PSST_EXPR_STATE, "x[2]"},
      {"n", "1", PSST_EXPR_STATE, "x[3]"},
      {"C_m", "uF/cm^2", PSST_EXPR_PARAM, "p[0]"},
      {"g_Na", "mS/cm^2", PSST_EXPR_PARAM, "p[1]"},
      {"E_Na", "mV", PSST_EXPR_PARAM, "p[2]"},
      {"g_K", "mS/cm^2", PSST_EXPR_PARAM, "p[3]"},
      {"E_K", "mV", PSST_EXPR_PARAM, "p[4]"},
      {"g_L", "mS/cm^2", PSST_EXPR_PARAM, "p[5]"},
      {"E_L", "mV", PSST_EXPR_PARAM, "p[6]"},
      {"I_inj", "uA/cm^2", PSST_EXPR_INPUT, "Iext"},
  };
  for (size_t k = 0; k < sizeof s / sizeof s[0]; k++) {
    int rc = psst_expr_symtab_add(t, s[k].name, s[k].unit, s[k].role,
                                  s[k].access, 0.0);
    if (rc) return rc;
  }
  return 0;
}

/* The statements, out of dependency order; V_th is used only by the
 * condition, spare by nothing. */
static const char *const expr_hh_statements[] = {
    ("dV/dt = (I_inj - g_Na*m^3*h*(V-E_Na) - g_K*n^4*(V-E_K) - "
     "g_L*(V-E_L))/C_m"),
    "dm/dt = alpha_m*(1 - m) - beta_m*m",
    "dh/dt = alpha_h*(1 - h) - beta_h*h",
    "dn/dt = alpha_n*(1 - n) - beta_n*n",
    "alpha_m = rate/exprel(-(V + 40[mV])/10[mV])",
    "rate = 1[1/ms]",
    "beta_m = 4*rate*exp(-(V + 65[mV])/18[mV])",
    "alpha_h = 0.07[1/ms]*exp(-(V + 65[mV])/20[mV])",
    "beta_h = 1[1/ms]/(1 + exp(-(V + 35[mV])/10[mV]))",
    "alpha_n = 0.1[1/ms]/exprel(-(V + 55[mV])/10[mV])",
    "beta_n = 0.125[1/ms]*exp(-(V + 65[mV])/80[mV])",
    "V > V_th",
    "V_th = -20[mV]",
    "spare = 2*rate",
};
enum {
  EXPR_HH_NSTMT = sizeof expr_hh_statements / sizeof expr_hh_statements[0]
};

/* The set without statement `skip` (-1: all), checked when check is 1;
 * NULL on an error (message in psst_error_message()). */
static inline psst_expr_eqset *expr_hh_set(int skip, int check) {
  psst_expr_symtab t = {0};
  psst_expr_eqset *s = NULL;
  psst_expr_diag d;
  int rc = expr_hh_symbols(&t);
  if (rc == 0) rc = psst_expr_eqset_create(&t, &s);
  psst_expr_symtab_free(&t);
  for (int k = 0; rc == 0 && k < EXPR_HH_NSTMT; k++)
    if (k != skip) rc = psst_expr_eqset_add(s, expr_hh_statements[k], &d);
  if (rc == 0 && check) rc = psst_expr_eqset_check(s, &d);
  if (rc) psst_expr_eqset_destroy(&s);
  return s;
}

#endif
