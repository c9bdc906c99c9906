/* Unit tests of the equation language of user-defined kinds (kinds/expr.h):
 * units, parsing and precedence, dimensional analysis, errors with their
 * columns, evaluation against the built-in HH kind, C emission. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr_hh.h"
#include "kinds/expr.h"
#include "mech/neurons/hh.h"
#include "psst/error.h"
#include "psst_test.h"

static psst_unit U(const char *text) {
  psst_unit u;
  int col = 0;
  if (psst_unit_parse(text, &u, &col) != 0) {
    fprintf(stderr, "unit '%s': %s\n", text, psst_error_message());
    psst_test_failures++;
    return psst_unit_one();
  }
  return u;
}

static void test_units(void) {
  /* the membrane equation holds with scale 1 */
  psst_unit g = U("mS/cm^2"), v = U("mV"), i = U("uA/cm^2"), c = U("uF/cm^2");
  psst_unit gv = g, ic = i;
  for (int d = 0; d < PSST_NDIM; d++) {
    gv.dim[d] += v.dim[d];
    ic.dim[d] -= c.dim[d];
  }
  gv.scale += v.scale;
  ic.scale -= c.scale;
  CHECK(psst_unit_equal(gv, i));
  CHECK(psst_unit_equal(ic, U("mV/ms")));
  CHECK_INT_EQ(ic.scale, 0);
  /* Hz is 1e-3/ms: same dimension as 1/ms, another scale */
  psst_unit hz = U("Hz"), per_ms = U("1/ms");
  CHECK(!psst_unit_equal(hz, per_ms));
  CHECK_INT_EQ(hz.scale, -3);
  CHECK_INT_EQ(hz.dim[PSST_DIM_TIME], -1);
  CHECK(psst_unit_equal(U("kHz"), per_ms));
  CHECK(psst_unit_equal(U("mS/cm^2/mV"), U("uA/cm^2/mV^2")));
  CHECK(psst_unit_equal(U("1/(ms*mV)"), U("1/ms/mV")));
  CHECK(psst_unit_equal(U("cm^-2"), U("1/cm^2")));
  CHECK_INT_EQ(U("V").scale, 3);
  CHECK_INT_EQ(U("um^2").scale, -8);
  CHECK(psst_unit_is_one(U("1")));
  CHECK(psst_unit_is_one(U("mV/mV")));
  /* format: the units of model files read back as written */
  const char *names[] = {
      "mV", "ms",   "mS/cm^2", "uA/cm^2", "uF/cm^2",    "mM",   "Hz",
      "1",  "1/ms", "mV/ms",   "degC",    "mS/cm^2/mV", "1/mV", "mS/cm^2/ms"};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    char buf[64];
    psst_unit_format(U(names[k]), buf, sizeof buf);
    if (strcmp(buf, names[k]) != 0)
      fprintf(stderr, "format(%s) = %s\n", names[k], buf);
    CHECK(strcmp(buf, names[k]) == 0);
  }
  char buf[64];
  CHECK(strcmp(psst_unit_format(U("Hz*mV"), buf, sizeof buf), "1e-3*mV/ms") ==
        0);
  /* errors name the column */
  psst_unit u;
  int col = 0;
  CHECK(psst_unit_parse("mS/cm^2/mv", &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 9);
  CHECK_STR_CONTAINS(psst_error_message(), "unknown unit 'mv'");
  CHECK_STR_CONTAINS(psst_error_message(), "column 9");
  CHECK(psst_unit_parse("cm^", &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 4);
  CHECK(psst_unit_parse("", &u, &col) == PSST_ERR_USER);
  CHECK(psst_unit_parse("mV)", &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
}

/* Value of a constant expression; NAN (and a failure) on error. */
static double eval_const(const char *text) {
  psst_expr *e = NULL;
  psst_expr_symtab t = {0};
  double v = NAN;
  psst_expr_diag d;
  if (psst_expr_parse(text, &e, &d) != 0 ||
      psst_expr_check(e, &t, NULL, NULL, &d) != 0 ||
      psst_expr_eval(e, NULL, &v) != 0) {
    fprintf(stderr, "'%s': %s\n", text, psst_error_message());
    psst_test_failures++;
  }
  psst_expr_destroy(&e);
  CHECK(e == NULL);
  return v;
}

static void test_arithmetic(void) {
  CHECK(eval_const("2^3^2") == 512.0); /* right-assoc: 2^(3^2) */
  CHECK(eval_const("(2^3)^2") == 64.0);
  CHECK(eval_const("-2^2") == -4.0); /* -(2^2) */
  CHECK(eval_const("2^-1") == 0.5);
  CHECK(eval_const("1 + 2*3") == 7.0);
  CHECK(eval_const("(1 + 2)*3") == 9.0);
  CHECK(eval_const("10/4/5") == 0.5); /* left-assoc */
  CHECK(eval_const("10 - 4 - 3") == 3.0);
  CHECK(eval_const("- -3") == 3.0);
  CHECK(eval_const(".5 + 1e-3") == 0.501);
  CHECK(eval_const("1.5e+2*2E-1") == 30.0);
  CHECK(eval_const("2 > 1 ? 3 : 4") == 3.0);
  CHECK(eval_const("1 >= 2 ? 3 : 1 != 1 ? 5 : 6") == 6.0);
  CHECK(eval_const("where(1 <= 1, 3, 4)") == 3.0);
  CHECK(eval_const("1 < 2 && 2 < 3 ? 1 : 0") == 1.0);
  CHECK(eval_const("1 < 2 && 2 > 3 ? 1 : 0") == 0.0);
  CHECK(eval_const("1 > 2 || !(2 > 3) ? 5 : 6") == 5.0);
  CHECK(eval_const("1 > 2 || 2 > 3 && 1 < 2 ? 5 : 6") == 6.0); /* && first */
  CHECK(eval_const("1 < 2 || 2 > 3 && 1 > 2 ? 5 : 6") == 5.0);
  CHECK(eval_const("!1 < 2 ? 1 : 0") == 0.0); /* !(1 < 2) */
  CHECK(eval_const("!!(1 < 2) ? 1 : 0") == 1.0);
  CHECK(eval_const("where(1 == 2, 3, 4)") == 4.0);
  CHECK(eval_const("min(3, -4) + max(3, 4)") == 0.0);
  CHECK(eval_const("abs(-3) + sqrt(16)") == 7.0);
  CHECK(eval_const("heaviside(-1) + heaviside(0) + heaviside(2)") == 1.0);
  CHECK(eval_const("sigmoid(0)") == 0.5);
  CHECK(eval_const("exprel(0)") == 1.0);
  CHECK_REL(eval_const("exprel(1e-3)"), expm1(1e-3) / 1e-3, 1e-15);
  CHECK_REL(eval_const("exp(1) * log(2) + expm1(0) + tanh(0.5)"),
            exp(1.0) * log(2.0) + tanh(0.5), 1e-15);
  CHECK(eval_const("pow(2, 10)") == 1024.0);
  CHECK(eval_const("40[mV] / 20[mV]") == 2.0);
}

static void add(psst_expr_symtab *t, const char *name, const char *unit,
                psst_expr_role role, const char *access) {
  if (psst_expr_symtab_add(t, name, unit, role, access, 0.0) != 0) {
    fprintf(stderr, "add %s: %s\n", name, psst_error_message());
    psst_test_failures++;
  }
}

static void hh_symbols(psst_expr_symtab *t) {
  if (expr_hh_symbols(t) != 0) {
    fprintf(stderr, "HH symbols: %s\n", psst_error_message());
    psst_test_failures++;
  }
}

/* Parse and check text over t: 0 or the error code; unit and column out. */
static int check_expr(const psst_expr_symtab *t, const char *text,
                      psst_expr **out, psst_unit *unit, int *col) {
  psst_expr *e = NULL;
  psst_expr_diag d = {0, 0};
  int rc = psst_expr_parse(text, &e, &d);
  if (rc == 0) rc = psst_expr_check(e, t, unit, NULL, &d);
  *col = rc ? d.column : 0;
  if (out && rc == 0)
    *out = e;
  else
    psst_expr_destroy(&e);
  return rc;
}

static void test_hh_units(void) {
  psst_expr_symtab t = {0};
  hh_symbols(&t);
  psst_unit u;
  int col;
  CHECK(check_expr(&t,
                   "(I_inj - g_Na*m^3*h*(V-E_Na) - g_K*n^4*(V-E_K) - "
                   "g_L*(V-E_L))/C_m",
                   NULL, &u, &col) == 0);
  CHECK(psst_unit_equal(u, U("mV/ms")));
  CHECK(check_expr(&t, "g_Na*m^3*h*(V - E_Na)", NULL, &u, &col) == 0);
  CHECK(psst_unit_equal(u, U("uA/cm^2")));
  CHECK(check_expr(&t, "sqrt(V*V) + abs(-E_K)", NULL, &u, &col) == 0);
  CHECK(psst_unit_equal(u, U("mV")));
  /* the wrong sum: both units, both terms, the column of '+' */
  CHECK(check_expr(&t, "g_Na*m^3*h + V", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 12);
  const char *msg = psst_error_message();
  CHECK_STR_CONTAINS(msg, "column 12");
  CHECK_STR_CONTAINS(msg, "in 'g_Na*m^3*h + V'");
  CHECK_STR_CONTAINS(msg, "cannot add mS/cm^2 ('g_Na*m^3*h') and mV ('V')");
  /* a parenthesised operand is quoted with both its parentheses, inside
   * the operand and in the term (the closing one used to be dropped:
   * 'g_K*(V - E_K') */
  CHECK(check_expr(&t, "g_K*(V - E_K) + (V - E_K)", NULL, &u, &col) ==
        PSST_ERR_USER);
  CHECK_INT_EQ(col, 15);
  msg = psst_error_message();
  CHECK_STR_CONTAINS(msg, "in 'g_K*(V - E_K) + (V - E_K)'");
  CHECK_STR_CONTAINS(msg, "cannot add uA/cm^2 ('g_K*(V - E_K)') and mV "
                          "('V - E_K')");
  CHECK(check_expr(&t, "((V - E_K))*g_K - -(V)", NULL, &u, &col) ==
        PSST_ERR_USER);
  CHECK_INT_EQ(col, 17);
  msg = psst_error_message();
  CHECK_STR_CONTAINS(msg, "in '((V - E_K))*g_K - -(V)'");
  CHECK_STR_CONTAINS(msg, "('((V - E_K))*g_K') and mV ('-(V)')");
  /* a bare number is dimensionless */
  CHECK(check_expr(&t, "V + 40", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "numbers are dimensionless; write one with its unit, as "
                     "in 1[mV]");
  CHECK(check_expr(&t, "-(2*20) < V", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 9);
  CHECK_STR_CONTAINS(psst_error_message(), "as in 1[mV]");
  CHECK(check_expr(&t, "-(2*20[mV]) < V", NULL, &u, &col) == 0);
  CHECK(check_expr(&t, "V + 40[mV]", NULL, &u, &col) == 0);
  CHECK(check_expr(&t, "V - 1[V]", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "different scale");
  /* functions of dimensionless arguments, powers */
  CHECK(check_expr(&t, "m*exp(V)", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "exp needs a dimensionless argument; 'V' has unit mV");
  CHECK(check_expr(&t, "exp(V/1[mV])", NULL, &u, &col) == 0);
  CHECK(check_expr(&t, "V^0.5", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 2);
  CHECK(check_expr(&t, "(V*V)^0.5", NULL, &u, &col) == 0);
  CHECK(psst_unit_equal(u, U("mV")));
  CHECK(check_expr(&t, "V^m", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
  CHECK(check_expr(&t, "m^(h*2)", NULL, &u, &col) == 0);
  CHECK(check_expr(&t, "pow(V, 3)", NULL, &u, &col) == 0);
  CHECK(psst_unit_equal(u, U("mV^3")));
  CHECK(check_expr(&t, "sqrt(V)", NULL, &u, &col) == PSST_ERR_USER);
  CHECK(check_expr(&t, "min(V, g_K)", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 1);
  CHECK_STR_CONTAINS(psst_error_message(), "mV ('V') and mS/cm^2 ('g_K')");
  CHECK(check_expr(&t, "V > 0[mV] ? V : E_K", NULL, &u, &col) == 0);
  CHECK(check_expr(&t, "V > 0[mV] ? V : m", NULL, &u, &col) == PSST_ERR_USER);
  CHECK(check_expr(&t, "V > m", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
  CHECK(check_expr(&t, "(V > E_K) + 1", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "is a condition, not a number");
  CHECK(check_expr(&t, "V > E_K && m < h ? V : E_K", NULL, &u, &col) == 0);
  CHECK(check_expr(&t, "V > E_K && m", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 12);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "'m' is not a condition ('&&' joins comparisons");
  CHECK(check_expr(&t, "!V", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 2);
  CHECK(check_expr(&t, "m + (m < h || h < m)", NULL, &u, &col) ==
        PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "is a condition, not a number");
  CHECK(check_expr(&t, "V ? 1 : 2", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "is not a condition");
  psst_expr_symtab_free(&t);
}

static void test_hz(void) {
  psst_expr_symtab t = {0};
  add(&t, "r1", "Hz", PSST_EXPR_PARAM, "p[0]");
  add(&t, "r2", "1/ms", PSST_EXPR_PARAM, "p[1]");
  psst_unit u;
  int col;
  CHECK(check_expr(&t, "r1 + r2", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 4);
  CHECK_STR_CONTAINS(psst_error_message(), "cannot add Hz ('r1') and 1/ms");
  CHECK(check_expr(&t, "1[Hz] + 1[1/ms]", NULL, &u, &col) == PSST_ERR_USER);
  CHECK(check_expr(&t, "r1 + 2[Hz]", NULL, &u, &col) == 0);
  CHECK(psst_unit_equal(u, U("Hz")));
  CHECK(check_expr(&t, "exp(r1*1[ms])", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "has unit 1e-3");
  CHECK(check_expr(&t, "exp(r1*1[s])", NULL, &u, &col) == 0);
  /* a temperature factor: a dimensioned argument made dimensionless */
  add(&t, "T", "degC", PSST_EXPR_PARAM, "p[2]");
  psst_expr *phi = NULL;
  CHECK(check_expr(&t, "3^((T - 6.3[degC])/10[degC])", &phi, &u, &col) == 0);
  CHECK(psst_unit_is_one(u));
  double vals[3] = {0.0, 0.0, 16.3}, v = NAN;
  if (phi) CHECK(psst_expr_eval(phi, vals, &v) == 0);
  CHECK_REL(v, 3.0, 1e-15);
  psst_expr_destroy(&phi);
  CHECK(check_expr(&t, "3^(T - 6.3[degC])", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "has unit degC");
  psst_expr_symtab_free(&t);
}

static void test_errors(void) {
  psst_expr_symtab t = {0};
  hh_symbols(&t);
  psst_unit u;
  int col;
  CHECK(check_expr(&t, "m + g_NA", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 5);
  CHECK_STR_CONTAINS(psst_error_message(), "unknown symbol 'g_NA'");
  CHECK_STR_CONTAINS(psst_error_message(), "did you mean 'g_Na'?");
  CHECK(check_expr(&t, "m*exp(m, h)", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
  CHECK_STR_CONTAINS(psst_error_message(), "exp takes 1 argument, not 2");
  CHECK(check_expr(&t, "min(m)", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "min takes 2 arguments, not 1");
  CHECK(check_expr(&t, "1 + cosh(m)", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 5);
  CHECK_STR_CONTAINS(psst_error_message(), "unknown function 'cosh'");
  CHECK_STR_CONTAINS(psst_error_message(), "allowed: exp, expm1, exprel");
  /* syntax */
  CHECK(check_expr(&t, "1 +", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 4);
  CHECK_STR_CONTAINS(psst_error_message(), "unexpected end");
  CHECK(check_expr(&t, "(1 + m", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 1);
  CHECK(check_expr(&t, "m h", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
  /* line breaks are white space; columns count bytes */
  CHECK(check_expr(&t, "m +\n  g_NA", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 7);
  CHECK(check_expr(&t, "m +\r\n\tV/1[ mV ]", NULL, &u, &col) == 0);
  CHECK(check_expr(&t, "m # h", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 3);
  CHECK(check_expr(&t, "1e+", NULL, &u, &col) == PSST_ERR_USER);
  CHECK(check_expr(&t, "1e999", NULL, &u, &col) == PSST_ERR_USER);
  CHECK(check_expr(&t, "m < h < V", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 7);
  CHECK(check_expr(&t, "", NULL, &u, &col) == PSST_ERR_USER);
  CHECK(check_expr(&t, "V + 1[mv]", NULL, &u, &col) == PSST_ERR_USER);
  CHECK_INT_EQ(col, 7);
  CHECK(check_expr(&t, "V + 1[mV", NULL, &u, &col) == PSST_ERR_USER);
  /* deep nesting is refused, not a stack overflow */
  char deep[1200];
  memset(deep, '(', 600);
  deep[600] = '1';
  memset(deep + 601, ')', 598);
  deep[1199] = '\0';
  CHECK(check_expr(&t, deep, NULL, &u, &col) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "nested too deeply");
  psst_expr_symtab_free(&t);
}

/* alpha_m of the squid axon [1/ms] at V [mV], two ways. */
static void test_alpha_m(void) {
  psst_expr_symtab t = {0};
  add(&t, "V", "mV", PSST_EXPR_STATE, "x[0]");
  psst_expr *direct = NULL, *viaexprel = NULL;
  psst_unit u1, u2;
  int col;
  CHECK(check_expr(&t, "0.1[1/(ms*mV)]*(V+40[mV])/(1-exp(-(V+40[mV])/10[mV]))",
                   &direct, &u1, &col) == 0);
  CHECK(check_expr(&t, "1[1/ms]/exprel(-(V + 40[mV])/10[mV])", &viaexprel, &u2,
                   &col) == 0);
  CHECK(psst_unit_equal(u1, U("1/ms")));
  CHECK(psst_unit_equal(u2, U("1/ms")));
  if (!direct || !viaexprel) return;
  const double Vs[] = {-100.0, -65.0, -40.5, -40.0, -39.9999, -20.0, 0.0, 30.0};
  for (size_t k = 0; k < sizeof Vs / sizeof Vs[0]; k++) {
    double V = Vs[k], a = NAN, b = NAN;
    double ref = psst_hh_classic_rates(V).am;
    CHECK(psst_expr_eval(viaexprel, &V, &b) == 0);
    CHECK_REL(b, ref, 1e-14);
    CHECK(psst_expr_eval(direct, &V, &a) == 0);
    if (V != -40.0)
      CHECK_REL(a, ref, 1e-9);
    else
      CHECK(isnan(a)); /* 0/0: why exprel exists */
  }
  psst_expr_destroy(&direct);
  psst_expr_destroy(&viaexprel);
  /* small integer powers evaluate as written in C: x*x*x */
  psst_expr *cube = NULL;
  CHECK(check_expr(&t, "V^3/V + V^(1 + 1)", &cube, &u1, &col) == 0);
  double V = 0.3, c = NAN;
  if (cube) CHECK(psst_expr_eval(cube, &V, &c) == 0);
  CHECK(c == (0.3 * 0.3 * 0.3) / 0.3 + 0.3 * 0.3);
  psst_expr_destroy(&cube);
  CHECK(check_expr(&t, "V^1e300", NULL, &u1, &col) == PSST_ERR_USER);
  CHECK(check_expr(&t, "V^(0/0)", NULL, &u1, &col) == PSST_ERR_USER);
  psst_expr_symtab_free(&t);
}

static void test_emit(void) {
  psst_expr_symtab t = {0};
  hh_symbols(&t);
  struct {
    const char *text, *c;
  } cases[] = {
      {"g_Na*m^3*h*(V - E_Na)",
       "(((p[1] * (x[1] * x[1] * x[1])) * x[2]) * (x[0] - p[2]))"},
      {"V + 40[mV]", "(x[0] + 40.0)"},
      {"0.1*-V", "(0.10000000000000001 * (-x[0]))"},
      {"exprel(-(V + 40[mV])/10[mV])",
       "psst_exprel(((-(x[0] + 40.0)) / 10.0))"},
      {"m^(h*2) + pow(h, 1.5) + exp(m) + log(h) + expm1(n)",
       "((((psst_pow(x[1], (x[2] * 2.0)) + psst_pow(x[2], 1.5)) + "
       "psst_exp(x[1])) + psst_log(x[2])) + psst_expm1(x[3]))"},
      {"min(V, E_K) - max(abs(V), sqrt(E_K*E_Na)) + tanh(m)*1[mV]",
       "((fmin(x[0], p[4]) - fmax(fabs(x[0]), sqrt((p[4] * p[2])))) + "
       "(tanh(x[1]) * 1.0))"},
      {"V > E_K ? sigmoid(m) : heaviside(V)",
       "psst_select((x[0] > p[4]), (1.0 / (1.0 + psst_exp((-x[1])))), "
       "(x[0] > 0.0 ? 1.0 : 0.0))"},
      {"V > E_K && !(m < h) || I_inj == I_inj",
       "(((x[0] > p[4]) && (!(x[1] < x[2]))) || (Iext == Iext))"},
      {"where(V <= 1e-3[mV], I_inj, 1e20[uA/cm^2])",
       "psst_select((x[0] <= 0.001), Iext, 1e+20)"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    psst_expr *e = NULL;
    psst_unit u;
    int col;
    char buf[512];
    CHECK(check_expr(&t, cases[k].text, &e, &u, &col) == 0);
    if (!e) {
      fprintf(stderr, "%s: %s\n", cases[k].text, psst_error_message());
      continue;
    }
    CHECK(psst_expr_emit(e, &t, buf, sizeof buf) == 0);
    if (strcmp(buf, cases[k].c) != 0)
      fprintf(stderr, "emit(%s) =\n  %s\nexpected\n  %s\n", cases[k].text, buf,
              cases[k].c);
    CHECK(strcmp(buf, cases[k].c) == 0);
    /* too small a buffer is an error, the text stays terminated */
    CHECK(psst_expr_emit(e, &t, buf, 8) == PSST_ERR_USER);
    CHECK(strlen(buf) < 8);
    psst_expr_destroy(&e);
  }
  psst_expr_symtab_free(&t);
}

static void test_hh_set(void) {
  psst_expr_eqset *s = expr_hh_set(-1, 0);
  psst_expr_diag d;
  CHECK(s != NULL);
  if (!s) {
    fprintf(stderr, "HH set: %s\n", psst_error_message());
    return;
  }
  psst_error_clear();
  CHECK(psst_expr_eqset_check(s, &d) == 0);
  if (psst_error_code()) fprintf(stderr, "%s\n", psst_error_message());
  const psst_expr_symtab *t = psst_expr_eqset_symtab(s);
  int am = psst_expr_symtab_find(t, "alpha_m");
  CHECK(am >= 0 && psst_unit_equal(t->sym[am].unit, U("1/ms")));
  CHECK_INT_EQ(t->n, 12 + 9);
  /* derivatives against the built-in squid axon (phi = 1) */
  double P[7] = {1.0, 120.0, 50.0, 36.0, -77.0, 0.3, -54.387};
  double X[][4] = {{-65.0, 0.05, 0.6, 0.32},
                   {-40.0, 0.2, 0.4, 0.5},
                   {-55.0, 0.1, 0.5, 0.4},
                   {10.0, 0.9, 0.1, 0.7}};
  for (int k = 0; k < 4; k++) {
    double values[32] = {0}, dx[4] = {0}, ref[4], cond = -1.0;
    const double Iext = 7.5;
    memcpy(values, X[k], sizeof X[k]);
    memcpy(values + 4, P, sizeof P);
    values[11] = Iext;
    CHECK(psst_expr_eqset_eval(s, values, dx) == 0);
    psst_hh_rates r = psst_hh_classic_rates(X[k][0]);
    psst_hh_deriv(&r, 1.0, P[0], P[1], P[2], P[3], P[4], P[5], P[6], X[k][0],
                  X[k][1], X[k][2], X[k][3], Iext, &ref[0], &ref[1], &ref[2],
                  &ref[3]);
    for (int v = 0; v < 4; v++)
      CHECK_NEAR(dx[v], ref[v], 1e-12 * (1.0 + fabs(ref[v])));
    CHECK(psst_expr_eqset_eval_condition(s, values, &cond) == 0);
    CHECK(cond == (X[k][0] > -20.0 ? 1.0 : 0.0));
  }
  /* emitted deriv: locals before their uses, every state written */
  static char buf[16384];
  CHECK(psst_expr_eqset_emit_deriv(s, "user_hh", buf, sizeof buf) == 0);
  CHECK_STR_CONTAINS(buf, "PSST_HD static inline void psst_nk_user_hh_deriv("
                          "const double *p, const double *x,\n    double "
                          "Iext, double *dx) {\n");
  CHECK_STR_CONTAINS(buf, "  const double psst_s_rate = 1.0;\n");
  CHECK_STR_CONTAINS(
      buf, "  dx[1] = ((psst_s_alpha_m * (1.0 - x[1])) - (psst_s_beta_m * "
           "x[1]));\n");
  CHECK_STR_CONTAINS(
      buf, "  dx[0] = ((((Iext - (((p[1] * (x[1] * x[1] * x[1])) * x[2]) * "
           "(x[0] - p[2])))");
  const char *rate = strstr(buf, "const double psst_s_rate");
  const char *am_def = strstr(buf, "const double psst_s_alpha_m");
  const char *am_use = strstr(buf, "dx[1] =");
  CHECK(rate && am_def && am_use && rate < am_def && am_def < am_use);
  CHECK(strstr(buf, "dx[3] =") != NULL);
  /* neither the condition nor what only it uses, nor what nothing uses */
  CHECK(strstr(buf, "-20") == NULL);
  CHECK(strstr(buf, "V_th") == NULL);
  CHECK(strstr(buf, "spare") == NULL);
  /* the condition, with what it needs */
  CHECK(psst_expr_eqset_emit_condition(s, "user_hh", buf, sizeof buf) == 0);
  CHECK(strcmp(buf, "PSST_HD static inline int psst_nk_user_hh_condition("
                    "const double *p, const double *x,\n    double Iext) {\n"
                    "  (void)p;\n  (void)x;\n  (void)Iext;\n"
                    "  const double psst_s_V_th = (-20.0);\n"
                    "  return (x[0] > psst_s_V_th);\n}\n") == 0);
  CHECK(psst_expr_eqset_emit_deriv(s, "no good", buf, sizeof buf) ==
        PSST_ERR_USER);
  psst_expr_eqset_destroy(&s);
  CHECK(s == NULL);

  /* a state without an equation */
  s = expr_hh_set(3, 0);
  CHECK(s && psst_expr_eqset_check(s, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.column, 0);
  CHECK_INT_EQ(d.statement, -1);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "state variable 'n' has no equation dn/dt");
  psst_expr_eqset_destroy(&s);
  /* a subexpression missing: unknown symbol at its use */
  s = expr_hh_set(5, 0);
  CHECK(s && psst_expr_eqset_check(s, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.statement, 4);
  CHECK_INT_EQ(d.column, 11);
  CHECK_STR_CONTAINS(psst_error_message(), "unknown symbol 'rate'");
  psst_expr_eqset_destroy(&s);
}

/* One set of statements over the HH symbols: the code of the first failing
 * add or of check, with d. */
static int run_set(const char *const *stmts, int n, psst_expr_diag *d) {
  psst_expr_symtab t = {0};
  hh_symbols(&t);
  psst_expr_eqset *s = NULL;
  int rc = psst_expr_eqset_create(&t, &s);
  psst_expr_symtab_free(&t);
  for (int k = 0; rc == 0 && k < n; k++)
    rc = psst_expr_eqset_add(s, stmts[k], d);
  if (rc == 0) rc = psst_expr_eqset_check(s, d);
  psst_expr_eqset_destroy(&s);
  return rc;
}

static void test_statement_errors(void) {
  psst_expr_diag d;
  const char *a1[] = {"g_Na = 3[mS/cm^2]"};
  CHECK(run_set(a1, 1, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.column, 1);
  CHECK_INT_EQ(d.statement, 0);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "cannot assign 'g_Na': it is a parameter");
  const char *a2[] = {"dm/dt = 0[1/ms]", "dg_Na/dt = 1"};
  CHECK(run_set(a2, 2, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.statement, 1);
  CHECK_INT_EQ(d.column, 2);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "dg_Na/dt: 'g_Na' is a parameter, not a state variable");
  const char *a3[] = {"V = 3[mV]"};
  CHECK(run_set(a3, 1, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "write dV/dt = ...");
  const char *a4[] = {"dq/dt = 1"};
  CHECK(run_set(a4, 1, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "unknown state variable 'q'");
  const char *a5[] = {"x1 = 1", "x1 = 2"};
  CHECK(run_set(a5, 2, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "'x1' defined twice");
  const char *a6[] = {"dm/dt = 1[1/ms]", "dm/dt = 2[1/ms]"};
  CHECK(run_set(a6, 2, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "second equation dm/dt");
  /* circular subexpressions: the cycle, at the reference that closes it */
  const char *c1[] = {"dm/dt = a", "c = 1[1/ms]", "a = b + c", "b = 2*a"};
  CHECK(run_set(c1, 4, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "circular subexpressions: a -> b -> a");
  CHECK_INT_EQ(d.statement, 2);
  CHECK_INT_EQ(d.column, 5);
  const char *c2[] = {"a = a + 1"};
  CHECK(run_set(c2, 1, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "circular subexpressions: a -> a");
  /* the equation's unit: X per ms */
  const char *u1[] = {"dV/dt = I_inj", "dm/dt = 0[1/ms]", "dh/dt = 0[1/ms]",
                      "dn/dt = 0[1/ms]"};
  CHECK(run_set(u1, 4, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.statement, 0);
  CHECK_INT_EQ(d.column, 9);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "dV/dt = 'I_inj': the right-hand side has unit "
                     "uA/cm^2, expected mV/ms");
  /* a right-hand side that starts with a parenthesis is quoted whole, and
   * the column is that parenthesis' */
  const char *u3[] = {"dV/dt = (I_inj - g_L*(V - E_L))", "dm/dt = 0[1/ms]",
                      "dh/dt = 0[1/ms]", "dn/dt = 0[1/ms]"};
  CHECK(run_set(u3, 4, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.column, 10);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "dV/dt = 'I_inj - g_L*(V - E_L)': the right-hand side");
  const char *u4[] = {"dV/dt = (I_inj - g_L*(V - E_L))*C_m", "dm/dt = 0[1/ms]",
                      "dh/dt = 0[1/ms]", "dn/dt = 0[1/ms]"};
  CHECK(run_set(u4, 4, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.column, 9);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "dV/dt = '(I_inj - g_L*(V - E_L))*C_m': the right-hand "
                     "side");
  /* a unit error inside a statement: the column in the statement */
  const char *u2[] = {"dm/dt = g_Na*m^3*h + V"};
  CHECK(run_set(u2, 1, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.column, 20);
  CHECK_STR_CONTAINS(psst_error_message(), "column 20");
  /* conditions */
  const char *k1[] = {"V + 1[mV]"};
  CHECK(run_set(k1, 1, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "is not a condition");
  const char *k2[] = {"V > 0[mV]", "V < 0[mV]"};
  CHECK(run_set(k2, 2, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "a second condition");
  const char *k3[] = {"V > -20"};
  CHECK(run_set(k3, 1, &d) == PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "cannot compare mV ('V') and 1");
  const char *s1[] = {"dm/dt = ", "x"};
  CHECK(run_set(s1, 1, &d) == PSST_ERR_USER);
  CHECK_INT_EQ(d.column, 9);
  CHECK_STR_CONTAINS(psst_error_message(), "empty expression");
}

static unsigned long long rnd_state = 12345;
static unsigned rnd(unsigned n) {
  rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(rnd_state >> 33) % n;
}

/* A random well-formed expression (units often wrong) appended to text. */
static void gen_expr(char *text, size_t cap, int depth) {
  static const char *const leaves[] = {"m", "2", "V", "E_Na", "0.5",   "1[mV]",
                                       "a", "b", "m", "1e-3", "3[Hz]", "I_inj"};
  static const char *const ops[] = {" + ", " - ", "*", "/", "^"};
  static const char *const fns[] = {"exp(", "exprel(",    "sqrt(", "abs(",
                                    "-(",   "heaviside(", "tanh("};
  size_t n = strlen(text);
  if (n + 64 > cap) return;
  unsigned k = depth <= 0 ? 0 : rnd(4);
  if (k == 0) {
    strcat(text, leaves[rnd(sizeof leaves / sizeof leaves[0])]);
  } else if (k == 1) {
    strcat(text, "(");
    gen_expr(text, cap, depth - 1);
    strcat(text, ops[rnd(sizeof ops / sizeof ops[0])]);
    gen_expr(text, cap, depth - 1);
    strcat(text, ")");
  } else if (k == 2) {
    strcat(text, fns[rnd(sizeof fns / sizeof fns[0])]);
    gen_expr(text, cap, depth - 1);
    strcat(text, ")");
  } else {
    strcat(text, rnd(2) ? "where(" : "min(");
    if (text[strlen(text) - 2] == 'e') {
      gen_expr(text, cap, depth - 1);
      strcat(text, rnd(2) ? " > " : " <= ");
      gen_expr(text, cap, depth - 1);
      if (rnd(3) == 0) strcat(text, rnd(2) ? " && !(m > 0.5)" : " || m < 2");
      strcat(text, ", ");
    }
    gen_expr(text, cap, depth - 1);
    strcat(text, ", ");
    gen_expr(text, cap, depth - 1);
    strcat(text, ")");
  }
}

/* Random statements from the language's pieces: every call returns 0 or
 * PSST_ERR_USER with "column N: " for N inside the text (or 0 for a whole
 * set), and a set that checks emits and evaluates. Deterministic (LCG);
 * under the ASan build this also looks for memory errors. */
static void test_random(void) {
  static const char *const pieces[] = {
      "V",     "m",      "g_Na", "E_Na", "I_inj",  "1",     "2.5", "1e-3",
      "[mV]",  "[1/ms]", "[Hz]", "[",    "]",      "(",     ")",   "+",
      "-",     "*",      "/",    "^",    "<",      ">=",    "==",  "?",
      ":",     ",",      "exp(", "min(", "where(", "sqrt(", "a",   "b",
      "dV/dt", "dm/dt",  "=",    " ",    "e",      ".",     "#",   "d",
      "&&",    "||",     "!",    "&",    "\n"};
  const int np = (int)(sizeof pieces / sizeof pieces[0]);
  int accepted = 0, checked = 0;
  for (int trial = 0; trial < 3000; trial++) {
    psst_expr_symtab t = {0}; /* no states: sets without dX/dt can check */
    add(&t, "V", "mV", PSST_EXPR_PARAM, "p[0]");
    add(&t, "m", "1", PSST_EXPR_PARAM, "p[1]");
    add(&t, "g_Na", "mS/cm^2", PSST_EXPR_PARAM, "p[2]");
    add(&t, "E_Na", "mV", PSST_EXPR_PARAM, "p[3]");
    add(&t, "I_inj", "uA/cm^2", PSST_EXPR_INPUT, "Iext");
    psst_expr_eqset *s = NULL;
    CHECK(psst_expr_eqset_create(&t, &s) == 0);
    psst_expr_symtab_free(&t);
    if (!s) return;
    int nadd = 0;
    for (int k = 0; k < 3; k++) {
      char text[512] = "";
      if (trial % 2) { /* soup of pieces */
        int len = 1 + (int)rnd(12);
        for (int q = 0; q < len; q++)
          strcat(text, pieces[rnd((unsigned)np)]);
      } else { /* a well-formed statement */
        static const char *const lhs[] = {"a = ", "b = ", "c = ", ""};
        strcat(text, lhs[rnd(4)]);
        gen_expr(text, sizeof text, 1 + (int)rnd(4));
      }
      psst_expr_diag d = {-1, -1};
      int rc = psst_expr_eqset_add(s, text, &d);
      if (rc == 0) {
        accepted++;
        nadd++;
        continue;
      }
      if (rc != PSST_ERR_USER || d.column < 1 ||
          d.column > (int)strlen(text) + 1 ||
          !strstr(psst_error_message(), "column "))
        fprintf(stderr, "'%s': rc %d column %d: %s\n", text, rc, d.column,
                psst_error_message());
      CHECK(rc == PSST_ERR_USER);
      CHECK(d.column >= 1 && d.column <= (int)strlen(text) + 1);
    }
    psst_expr_diag d;
    int rc = psst_expr_eqset_check(s, &d);
    CHECK(rc == 0 || rc == PSST_ERR_USER);
    if (rc == 0) {
      static char buf[8192];
      double values[64] = {0}, dx[4] = {0};
      checked += nadd > 0;
      CHECK(psst_expr_eqset_emit_deriv(s, "r", buf, sizeof buf) == 0);
      rc = psst_expr_eqset_emit_condition(s, "r", buf, sizeof buf);
      CHECK(rc == 0 || (rc == PSST_ERR_USER &&
                        strstr(psst_error_message(), "no condition")));
      CHECK(psst_expr_eqset_eval(s, values, dx) == 0);
    }
    psst_expr_eqset_destroy(&s);
  }
  /* the generator reaches the interesting paths */
  if (getenv("PSST_TEST_VERBOSE") || accepted < 100 || checked < 20)
    fprintf(stderr, "random: %d statements accepted, %d sets checked\n",
            accepted, checked);
  CHECK(accepted >= 100);
  CHECK(checked >= 20);
}

int main(void) {
  test_units();
  test_arithmetic();
  test_hh_units();
  test_hz();
  test_errors();
  test_alpha_m();
  test_emit();
  test_hh_set();
  test_statement_errors();
  test_random();
  return TEST_RESULT();
}
