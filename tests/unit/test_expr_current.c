/* Unit tests of psst_expr_split_current (kinds/expr.h): a synaptic current
 * read off as the engine's I = G * (sum w D(x)) * (V - E), the parts' C
 * text, and the errors for currents of any other form (issue 11, the
 * current of user-defined synapse kinds). */
#include <string.h>

#include "kinds/expr.h"
#include "psst/error.h"
#include "psst_test.h"

static psst_expr_symtab syms(void) {
  psst_expr_symtab t;
  memset(&t, 0, sizeof t);
  CHECK(psst_expr_symtab_add(&t, "O", "1", PSST_EXPR_STATE, "x[0]", 0) == 0);
  CHECK(psst_expr_symtab_add(&t, "B", "1", PSST_EXPR_STATE, "x[1]", 0) == 0);
  CHECK(psst_expr_symtab_add(&t, "g", "mS/cm^2", PSST_EXPR_PARAM, "p[0]", 0) ==
        0);
  CHECK(psst_expr_symtab_add(&t, "E", "mV", PSST_EXPR_PARAM, "p[1]", 0) == 0);
  CHECK(psst_expr_symtab_add(&t, "alpha", "1/ms", PSST_EXPR_PARAM, "p[2]", 0) ==
        0);
  CHECK(psst_expr_symtab_add(&t, "V", "mV", PSST_EXPR_INPUT, "V", 0) == 0);
  CHECK(psst_expr_symtab_add(&t, "V_pre", "mV", PSST_EXPR_INPUT, "V_pre", 0) ==
        0);
  CHECK(psst_expr_symtab_add(&t, "gO", "mS/cm^2", PSST_EXPR_DERIVED, NULL, 0) ==
        0);
  return t;
}

/* Split text; 0 or the error code; the parts into g, d, E. */
static int split(const char *text, char *g, char *d, char *E,
                 psst_expr_diag *diag) {
  psst_expr_symtab t = syms();
  psst_expr *e = NULL;
  int rc = psst_expr_parse(text, &e, diag);
  if (rc == 0) rc = psst_expr_check(e, &t, NULL, NULL, diag);
  if (rc == 0) rc = psst_expr_split_current(e, &t, "V", g, d, E, 128, diag);
  psst_expr_destroy(&e);
  psst_expr_symtab_free(&t);
  return rc;
}

static void test_forms(void) {
  char g[128], d[128], E[128];
  psst_expr_diag diag;
  /* gaba_a's: the parts the built-in current hook has */
  CHECK_INT_EQ(split("g * O * (V - E)", g, d, E, &diag), 0);
  CHECK(strcmp(g, "p[0]") == 0);
  CHECK(strcmp(d, "x[0]") == 0);
  CHECK(strcmp(E, "p[1]") == 0);
  /* factors in any order; several state factors make the drive; numbers
   * and divisions by parameters go to G, left to right */
  CHECK_INT_EQ(split("(V - E) * O * 0.5 * g * B / 2", g, d, E, &diag), 0);
  CHECK(strcmp(g, "((0.5 * p[0]) / 2.0)") == 0);
  CHECK(strcmp(d, "(x[0] * x[1])") == 0);
  CHECK(strcmp(E, "p[1]") == 0);
  /* E may be an expression of parameters */
  CHECK_INT_EQ(split("g * O * (V - (E + 10[mV]))", g, d, E, &diag), 0);
  CHECK_STR_CONTAINS(E, "p[1]");
  CHECK_STR_CONTAINS(E, "10.0");
}

/* text must fail with PSST_ERR_USER and a message containing `want`, at a
 * column inside the text (or 1 for the whole current). */
static void bad(const char *text, const char *want) {
  char g[128], d[128], E[128];
  psst_expr_diag diag = {0, -1};
  int rc = split(text, g, d, E, &diag);
  if (rc != PSST_ERR_USER) fprintf(stderr, "'%s' gave %d\n", text, rc);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), want);
  CHECK(diag.column >= 1 && diag.column <= (int)strlen(text));
}

static void test_errors(void) {
  bad("g * O * (E - V)", "as (V - E)");
  bad("g * O * V", "as (V - E)");
  bad("g * O * (V - E) + g * B * (V - E)", "as (V - E)");
  bad("g * O * (V - E) * (V - E) / 1[mV]", "as (V - E)");
  bad("g * (V - E)", "reads no state variable");
  bad("g * (V - E) / O", "cannot divide");
  bad("g * O * (V - V_pre)", "the postsynaptic V");
  bad("g * O * (V_pre - E)", "the postsynaptic V");
  bad("gO * (V - E)", "subexpressions");
  bad("alpha * O", "not uA/cm^2");
  bad("g * O * (V - E) > 0[uA/cm^2]", "a condition");
}

int main(void) {
  test_forms();
  test_errors();
  return TEST_RESULT();
}
