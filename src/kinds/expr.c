/* kinds/expr.c — units, expression trees, statements (kinds/expr.h). */
#include "kinds/expr.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mech/mech.h"
#include "psst/error.h"

#define MSG_MAX 1024
#define EXP_MAX 64 /* largest |exponent| of a base unit */

/* Set the error of a text at 1-based column col. */
static int fail_at(psst_expr_diag *diag, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail_at(psst_expr_diag *diag, int col, const char *fmt, ...) {
  char msg[MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (diag) diag->column = col;
  if (col > 0) return psst_error_set(PSST_ERR_USER, "column %d: %s", col, msg);
  return psst_error_set(PSST_ERR_USER, "%s", msg);
}

/* ==== units ============================================================ */

psst_unit psst_unit_one(void) {
  psst_unit u;
  memset(&u, 0, sizeof u);
  return u;
}

int psst_unit_equal(psst_unit a, psst_unit b) {
  for (int d = 0; d < PSST_NDIM; d++)
    if (a.dim[d] != b.dim[d]) return 0;
  return a.scale == b.scale;
}

static int unit_same_dims(psst_unit a, psst_unit b) {
  for (int d = 0; d < PSST_NDIM; d++)
    if (a.dim[d] != b.dim[d]) return 0;
  return 1;
}

int psst_unit_is_one(psst_unit u) {
  return psst_unit_equal(u, psst_unit_one());
}

static psst_unit unit_mul(psst_unit a, psst_unit b, int sign) {
  for (int d = 0; d < PSST_NDIM; d++)
    a.dim[d] += sign * b.dim[d];
  a.scale += sign * b.scale;
  return a;
}

static int unit_in_range(psst_unit u) {
  for (int d = 0; d < PSST_NDIM; d++)
    if (abs(u.dim[d]) > EXP_MAX) return 0;
  return abs(u.scale) <= 10 * EXP_MAX;
}

/* u^e; 0 when some exponent (or the scale's) times e is not an integer. */
static int unit_pow(psst_unit u, double e, psst_unit *out) {
  psst_unit r = psst_unit_one();
  for (int d = 0; d <= PSST_NDIM; d++) {
    int v = d < PSST_NDIM ? u.dim[d] : u.scale;
    double x = v * e;
    if (fabs(x) > 10 * EXP_MAX || x != floor(x)) return 0;
    if (d < PSST_NDIM)
      r.dim[d] = (int)x;
    else
      r.scale = (int)x;
  }
  *out = r;
  return unit_in_range(r);
}

typedef struct unit_atom {
  const char *name;
  int dim[PSST_NDIM]; /* V T I L C Temp */
  int scale;
} unit_atom;

/* mS = uA/mV, uF = uA*ms/mV, Hz = 1e-3/ms. */
static const unit_atom unit_atoms[] = {
    {"V", {1, 0, 0, 0, 0, 0}, 3},    {"mV", {1, 0, 0, 0, 0, 0}, 0},
    {"uV", {1, 0, 0, 0, 0, 0}, -3},  {"s", {0, 1, 0, 0, 0, 0}, 3},
    {"ms", {0, 1, 0, 0, 0, 0}, 0},   {"us", {0, 1, 0, 0, 0, 0}, -3},
    {"A", {0, 0, 1, 0, 0, 0}, 6},    {"mA", {0, 0, 1, 0, 0, 0}, 3},
    {"uA", {0, 0, 1, 0, 0, 0}, 0},   {"nA", {0, 0, 1, 0, 0, 0}, -3},
    {"pA", {0, 0, 1, 0, 0, 0}, -6},  {"m", {0, 0, 0, 1, 0, 0}, 2},
    {"cm", {0, 0, 0, 1, 0, 0}, 0},   {"mm", {0, 0, 0, 1, 0, 0}, -1},
    {"um", {0, 0, 0, 1, 0, 0}, -4},  {"S", {-1, 0, 1, 0, 0, 0}, 3},
    {"mS", {-1, 0, 1, 0, 0, 0}, 0},  {"uS", {-1, 0, 1, 0, 0, 0}, -3},
    {"nS", {-1, 0, 1, 0, 0, 0}, -6}, {"F", {-1, 1, 1, 0, 0, 0}, 6},
    {"uF", {-1, 1, 1, 0, 0, 0}, 0},  {"nF", {-1, 1, 1, 0, 0, 0}, -3},
    {"pF", {-1, 1, 1, 0, 0, 0}, -6}, {"M", {0, 0, 0, 0, 1, 0}, 3},
    {"mM", {0, 0, 0, 0, 1, 0}, 0},   {"uM", {0, 0, 0, 0, 1, 0}, -3},
    {"nM", {0, 0, 0, 0, 1, 0}, -6},  {"Hz", {0, -1, 0, 0, 0, 0}, -3},
    {"kHz", {0, -1, 0, 0, 0, 0}, 0}, {"degC", {0, 0, 0, 0, 0, 1}, 0},
};

typedef struct unit_parser {
  const char *s;
  size_t pos, len;
  int col0; /* column of s[0] in the caller's text */
  psst_expr_diag *diag;
} unit_parser;

static void up_skip(unit_parser *p) {
  while (p->pos < p->len && p->s[p->pos] && strchr(" \t\r\n", p->s[p->pos]))
    p->pos++;
}

static int up_fail(unit_parser *p, const char *what) {
  return fail_at(p->diag, p->col0 + (int)p->pos, "in unit '%.*s': %s",
                 (int)p->len, p->s, what);
}

static int up_product(unit_parser *p, psst_unit *u);

/* factor := ('1' | atom | '(' product ')') ['^' ['-'] digits] */
static int up_factor(unit_parser *p, psst_unit *u) {
  up_skip(p);
  if (p->pos >= p->len) return up_fail(p, "expected a unit");
  char c = p->s[p->pos];
  if (c == '(') {
    p->pos++;
    PSST_TRY(up_product(p, u));
    up_skip(p);
    if (p->pos >= p->len || p->s[p->pos] != ')')
      return up_fail(p, "expected ')'");
    p->pos++;
  } else if (c == '1') {
    p->pos++;
    *u = psst_unit_one();
  } else if (isalpha((unsigned char)c)) {
    size_t b = p->pos;
    while (p->pos < p->len && isalpha((unsigned char)p->s[p->pos]))
      p->pos++;
    size_t n = p->pos - b;
    size_t i, na = sizeof unit_atoms / sizeof unit_atoms[0];
    for (i = 0; i < na; i++)
      if (strlen(unit_atoms[i].name) == n &&
          memcmp(unit_atoms[i].name, p->s + b, n) == 0)
        break;
    if (i == na) {
      p->pos = b;
      return fail_at(p->diag, p->col0 + (int)b,
                     "in unit '%.*s': unknown unit '%.*s' (known: V mV uV s "
                     "ms us A mA uA nA pA m cm mm um S mS uS nS F uF nF pF "
                     "M mM uM nM Hz kHz degC 1)",
                     (int)p->len, p->s, (int)n, p->s + b);
    }
    memcpy(u->dim, unit_atoms[i].dim, sizeof u->dim);
    u->scale = unit_atoms[i].scale;
  } else {
    return up_fail(p, "expected a unit");
  }
  up_skip(p);
  if (p->pos < p->len && p->s[p->pos] == '^') {
    p->pos++;
    up_skip(p);
    int sign = 1;
    if (p->pos < p->len && p->s[p->pos] == '-') {
      sign = -1;
      p->pos++;
    }
    if (p->pos >= p->len || !isdigit((unsigned char)p->s[p->pos]))
      return up_fail(p, "expected an integer power after '^'");
    int e = 0;
    while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos])) {
      e = e * 10 + (p->s[p->pos++] - '0');
      if (e > EXP_MAX) return up_fail(p, "power too large");
    }
    psst_unit r;
    if (!unit_pow(*u, sign * e, &r)) return up_fail(p, "power too large");
    *u = r;
  }
  return 0;
}

static int up_product(unit_parser *p, psst_unit *u) {
  PSST_TRY(up_factor(p, u));
  for (;;) {
    up_skip(p);
    if (p->pos >= p->len) return 0;
    char c = p->s[p->pos];
    if (c != '*' && c != '/') return 0;
    p->pos++;
    psst_unit f;
    PSST_TRY(up_factor(p, &f));
    *u = unit_mul(*u, f, c == '*' ? 1 : -1);
    if (!unit_in_range(*u)) return up_fail(p, "power too large");
  }
}

/* Parse s[0 .. len) whose first character is at column col0. */
static int unit_parse_span(const char *s, size_t len, int col0, psst_unit *u,
                           psst_expr_diag *diag) {
  unit_parser p = {s, 0, len, col0, diag};
  PSST_TRY(up_product(&p, u));
  up_skip(&p);
  if (p.pos < p.len) return up_fail(&p, "unexpected character");
  return 0;
}

int psst_unit_parse(const char *text, psst_unit *u, int *column) {
  psst_expr_diag d = {0, -1};
  if (!text) text = "";
  int rc = unit_parse_span(text, strlen(text), 1, u, &d);
  if (column) *column = rc < 0 ? d.column : 0;
  return rc;
}

/* Names tried first when formatting (the units of psst's model files). */
static const char *const unit_names[] = {
    "1",       "mV",        "ms",         "1/ms",      "mV/ms", "mS/cm^2",
    "uA/cm^2", "uF/cm^2",   "mM",         "mM/ms",     "Hz",    "degC",
    "1/mV",    "1/(ms*mV)", "uA/cm^2/ms", "mS/cm^2/ms"};
/* Groups a leftover product of mV and ms may follow. */
static const char *const unit_groups[] = {
    "mS/cm^2", "uA/cm^2", "uF/cm^2", "mS", "uA", "uF", "mM", "cm^2", "degC"};

static void fmt_append(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void fmt_append(char *buf, size_t cap, const char *fmt, ...) {
  size_t n = strlen(buf);
  if (n + 1 >= cap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + n, cap - n, fmt, ap);
  va_end(ap);
}

/* One base power "mV^2" into buf, with '*' or '/' before it when not first.
 */
static void fmt_power(char *buf, size_t cap, const char *name, int e,
                      int *first) {
  if (e == 0) return;
  int a = abs(e);
  if (e > 0)
    fmt_append(buf, cap, "%s%s", *first ? "" : "*", name);
  else
    fmt_append(buf, cap, "%s%s", *first ? "1/" : "/", name);
  if (a != 1) fmt_append(buf, cap, "^%d", a);
  *first = 0;
}

const char *psst_unit_format(psst_unit u, char *buf, size_t cap) {
  if (!buf || cap == 0) return buf;
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof unit_names / sizeof unit_names[0]; i++) {
    psst_unit v;
    if (psst_unit_parse(unit_names[i], &v, NULL) == 0 &&
        psst_unit_equal(u, v)) {
      snprintf(buf, cap, "%s", unit_names[i]);
      return buf;
    }
  }
  /* a group (with exponent +1 or -1) times powers of mV and ms: the group
   * that leaves the fewest of them */
  psst_unit rest = u;
  const char *group = NULL;
  int gsign = 0, best = 1 << 20;
  for (size_t i = 0; i < sizeof unit_groups / sizeof unit_groups[0]; i++) {
    psst_unit g;
    if (psst_unit_parse(unit_groups[i], &g, NULL) != 0) continue;
    for (int sg = 1; sg >= -1; sg -= 2) {
      psst_unit r = unit_mul(u, g, -sg);
      int ok = 1;
      for (int d = PSST_DIM_CURRENT; d < PSST_NDIM; d++)
        if (r.dim[d] != 0) ok = 0;
      int cost = abs(r.dim[PSST_DIM_VOLTAGE]) + abs(r.dim[PSST_DIM_TIME]);
      if (ok && cost < best) {
        best = cost;
        group = unit_groups[i];
        gsign = sg;
        rest = r;
      }
    }
  }
  if (rest.scale != 0) fmt_append(buf, cap, "1e%d*", rest.scale);
  int first = 1;
  if (group && gsign > 0) {
    fmt_append(buf, cap, "%s", group);
    first = 0;
  }
  if (!group) {
    static const char *const base[PSST_NDIM] = {"mV", "ms", "uA",
                                                "cm", "mM", "degC"};
    for (int d = 0; d < PSST_NDIM; d++)
      if (rest.dim[d] > 0) fmt_power(buf, cap, base[d], rest.dim[d], &first);
    for (int d = 0; d < PSST_NDIM; d++)
      if (rest.dim[d] < 0) fmt_power(buf, cap, base[d], rest.dim[d], &first);
  } else {
    if (rest.dim[PSST_DIM_VOLTAGE] > 0)
      fmt_power(buf, cap, "mV", rest.dim[PSST_DIM_VOLTAGE], &first);
    if (rest.dim[PSST_DIM_TIME] > 0)
      fmt_power(buf, cap, "ms", rest.dim[PSST_DIM_TIME], &first);
    if (gsign < 0) {
      if (strchr(group, '/'))
        fmt_append(buf, cap, "%s(%s)", first ? "1/" : "/", group);
      else
        fmt_append(buf, cap, "%s%s", first ? "1/" : "/", group);
      first = 0;
    }
    if (rest.dim[PSST_DIM_VOLTAGE] < 0)
      fmt_power(buf, cap, "mV", rest.dim[PSST_DIM_VOLTAGE], &first);
    if (rest.dim[PSST_DIM_TIME] < 0)
      fmt_power(buf, cap, "ms", rest.dim[PSST_DIM_TIME], &first);
  }
  if (first) {
    /* only a scale: "1e-3*" -> "1e-3" */
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == '*') buf[n - 1] = '\0';
    if (!buf[0]) snprintf(buf, cap, "1");
  }
  return buf;
}

/* ==== symbols ========================================================== */

static int valid_name(const char *s) {
  if (!s || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
  for (const char *c = s; *c; c++)
    if (!(isalnum((unsigned char)*c) || *c == '_')) return 0;
  return strlen(s) < PSST_EXPR_NAME_MAX;
}

int psst_expr_symtab_find(const psst_expr_symtab *t, const char *name) {
  for (int i = 0; i < t->n; i++)
    if (strcmp(t->sym[i].name, name) == 0) return i;
  return -1;
}

static int symtab_push(psst_expr_symtab *t, const char *name, psst_unit u,
                       int unit_known, psst_expr_role role, const char *access,
                       double value) {
  PSST_CHECK(valid_name(name), PSST_ERR_USER,
             "invalid symbol name '%s' (a letter or '_', then letters, "
             "digits, '_'; at most %d characters)",
             name ? name : "", PSST_EXPR_NAME_MAX - 1);
  PSST_CHECK(psst_expr_symtab_find(t, name) < 0, PSST_ERR_USER,
             "symbol '%s' defined twice", name);
  PSST_CHECK(!access || strlen(access) < PSST_EXPR_ACCESS_MAX, PSST_ERR_USER,
             "access text of '%s' longer than %d characters", name,
             PSST_EXPR_ACCESS_MAX - 1);
  if (t->n == t->cap) {
    int nc = t->cap ? 2 * t->cap : 16;
    psst_expr_symbol *ns = realloc(t->sym, (size_t)nc * sizeof *ns);
    PSST_ALLOC_CHECK(ns);
    t->sym = ns;
    t->cap = nc;
  }
  psst_expr_symbol *s = &t->sym[t->n++];
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->unit = u;
  s->unit_known = unit_known;
  s->role = role;
  if (access) snprintf(s->access, sizeof s->access, "%s", access);
  s->value = value;
  return 0;
}

int psst_expr_symtab_add(psst_expr_symtab *t, const char *name,
                         const char *unit, psst_expr_role role,
                         const char *access, double value) {
  psst_unit u;
  int col;
  if (psst_unit_parse(unit, &u, &col) < 0) {
    psst_error_prefix("symbol '%s': ", name ? name : "");
    return PSST_ERR_USER;
  }
  return symtab_push(t, name, u, 1, role, access, value);
}

void psst_expr_symtab_free(psst_expr_symtab *t) {
  free(t->sym);
  t->sym = NULL;
  t->n = t->cap = 0;
}

/* ==== expression trees ================================================= */

enum { N_NUM, N_SYM, N_NEG, N_BIN, N_CMP, N_CALL, N_COND, N_LOGIC };
enum { C_LT, C_LE, C_GT, C_GE, C_EQ, C_NE };
static const char *const cmp_text[] = {"<", "<=", ">", ">=", "==", "!="};

enum {
  F_EXP,
  F_EXPM1,
  F_EXPREL,
  F_LOG,
  F_POW,
  F_SQRT,
  F_TANH,
  F_ABS,
  F_MIN,
  F_MAX,
  F_SIGMOID,
  F_HEAVISIDE,
  F_WHERE,
  F_COUNT
};
static const struct {
  const char *name;
  int nargs;
  const char *c;
} funcs[F_COUNT] = {
    {"exp", 1, "psst_exp"},       {"expm1", 1, "psst_expm1"},
    {"exprel", 1, "psst_exprel"}, {"log", 1, "psst_log"},
    {"pow", 2, "psst_pow"},       {"sqrt", 1, "sqrt"},
    {"tanh", 1, "tanh"},          {"abs", 1, "fabs"},
    {"min", 2, "fmin"},           {"max", 2, "fmax"},
    {"sigmoid", 1, NULL},         {"heaviside", 1, NULL},
    {"where", 3, NULL},
};

typedef struct node {
  int kind, op;     /* op: '+', '-', '*', '/', '^', C_*, F_* */
  int arg[3], narg; /* children */
  int lo, hi;       /* the term's text: src[lo .. hi) */
  int olo, ohi;     /* the same with the parentheses around it, if any: what
                       a parent's text spans (so that it quotes them whole) */
  int col;          /* 1-based column of its token (operator, name) */
  double num;       /* N_NUM: value; '^': folded exponent */
  int has_num;      /* '^': exponent is constant */
  int sym;          /* N_SYM: index in the checked table */
  psst_unit unit;   /* N_NUM: literal unit; after check: the node's unit */
  int is_cond;      /* after check: a comparison result */
} node;

struct psst_expr {
  char *src;
  node *nodes;
  int n, cap;
  int root;
};

void psst_expr_destroy(psst_expr **e) {
  if (!e || !*e) return;
  free((*e)->src);
  free((*e)->nodes);
  free(*e);
  *e = NULL;
}

/* ---- tokens ---- */

enum { T_END, T_NUM, T_ID, T_OP };
enum { O_LE = 256, O_GE, O_EQ, O_NE, O_AND, O_OR };

typedef struct token {
  int type, op; /* T_OP: the character or O_* */
  int lo, hi;
  double num;
} token;

typedef struct parser {
  psst_expr *e;
  const char *s;
  int pos;
  token tok;
  psst_expr_diag *diag;
  int depth;
} parser;

static int lex(parser *p) {
  const char *s = p->s;
  while (s[p->pos] && strchr(" \t\r\n", s[p->pos]))
    p->pos++;
  token *t = &p->tok;
  t->lo = p->pos;
  char c = s[p->pos];
  if (c == '\0') {
    t->type = T_END;
    t->hi = p->pos;
    return 0;
  }
  if (isdigit((unsigned char)c) ||
      (c == '.' && isdigit((unsigned char)s[p->pos + 1]))) {
    int i = p->pos;
    while (isdigit((unsigned char)s[i]))
      i++;
    if (s[i] == '.') {
      i++;
      while (isdigit((unsigned char)s[i]))
        i++;
    }
    if (s[i] == 'e' || s[i] == 'E') {
      int j = i + 1;
      if (s[j] == '+' || s[j] == '-') j++;
      if (!isdigit((unsigned char)s[j]))
        return fail_at(p->diag, i + 1, "malformed number '%.*s'", j - p->pos,
                       s + p->pos);
      while (isdigit((unsigned char)s[j]))
        j++;
      i = j;
    }
    char tmp[128];
    int n = i - p->pos;
    if (n >= (int)sizeof tmp)
      return fail_at(p->diag, p->pos + 1, "number too long");
    memcpy(tmp, s + p->pos, (size_t)n);
    tmp[n] = '\0';
    t->num = strtod(tmp, NULL);
    if (!isfinite(t->num))
      return fail_at(p->diag, p->pos + 1, "number '%s' out of range", tmp);
    t->type = T_NUM;
    p->pos = i;
    t->hi = i;
    return 0;
  }
  if (isalpha((unsigned char)c) || c == '_') {
    int i = p->pos;
    while (isalnum((unsigned char)s[i]) || s[i] == '_')
      i++;
    if (i - p->pos >= PSST_EXPR_NAME_MAX)
      return fail_at(p->diag, p->pos + 1, "name longer than %d characters",
                     PSST_EXPR_NAME_MAX - 1);
    t->type = T_ID;
    p->pos = i;
    t->hi = i;
    return 0;
  }
  t->type = T_OP;
  char d = s[p->pos + 1];
  int two = 0;
  if (c == '<' && d == '=')
    t->op = O_LE, two = 1;
  else if (c == '>' && d == '=')
    t->op = O_GE, two = 1;
  else if (c == '=' && d == '=')
    t->op = O_EQ, two = 1;
  else if (c == '!' && d == '=')
    t->op = O_NE, two = 1;
  else if (c == '&' && d == '&')
    t->op = O_AND, two = 1;
  else if (c == '|' && d == '|')
    t->op = O_OR, two = 1;
  else if (strchr("+-*/^(),?:<>=[!", c))
    t->op = c;
  else
    return fail_at(p->diag, p->pos + 1, "unexpected character '%c'",
                   isprint((unsigned char)c) ? c : '?');
  p->pos += two ? 2 : 1;
  t->hi = p->pos;
  return 0;
}

static int is_op(const parser *p, int op) {
  return p->tok.type == T_OP && p->tok.op == op;
}

static int unexpected(parser *p) {
  if (p->tok.type == T_END)
    return fail_at(p->diag, p->tok.lo + 1, "unexpected end of expression");
  return fail_at(p->diag, p->tok.lo + 1, "unexpected '%.*s'",
                 p->tok.hi - p->tok.lo, p->s + p->tok.lo);
}

static int new_node(parser *p, int kind, int op, int lo, int hi, int col,
                    int *out) {
  psst_expr *e = p->e;
  if (e->n == e->cap) {
    int nc = e->cap ? 2 * e->cap : 32;
    node *nn = realloc(e->nodes, (size_t)nc * sizeof *nn);
    PSST_ALLOC_CHECK(nn);
    e->nodes = nn;
    e->cap = nc;
  }
  node *n = &e->nodes[e->n];
  memset(n, 0, sizeof *n);
  n->kind = kind;
  n->op = op;
  n->lo = n->olo = lo;
  n->hi = n->ohi = hi;
  n->col = col;
  n->sym = -1;
  n->arg[0] = n->arg[1] = n->arg[2] = -1;
  n->unit = psst_unit_one();
  *out = e->n++;
  return 0;
}

static int binary(parser *p, int kind, int op, int col, int a, int b,
                  int *out) {
  int lo = p->e->nodes[a].olo, hi = p->e->nodes[b].ohi;
  PSST_TRY(new_node(p, kind, op, lo, hi, col, out));
  node *n = &p->e->nodes[*out];
  n->arg[0] = a;
  n->arg[1] = b;
  n->narg = 2;
  return 0;
}

static int p_cond(parser *p, int *out);
static int p_unary(parser *p, int *out);

static int p_primary(parser *p, int *out) {
  token t = p->tok;
  if (t.type == T_NUM) {
    PSST_TRY(new_node(p, N_NUM, 0, t.lo, t.hi, t.lo + 1, out));
    p->e->nodes[*out].num = t.num;
    PSST_TRY(lex(p));
    if (is_op(p, '[') && p->tok.lo == t.hi) {
      const char *close = strchr(p->s + p->tok.hi, ']');
      if (!close)
        return fail_at(p->diag, p->tok.lo + 1, "'[' without ']' after number");
      int ulo = p->tok.hi;
      psst_unit u;
      PSST_TRY(unit_parse_span(p->s + ulo, (size_t)(close - (p->s + ulo)),
                               ulo + 1, &u, p->diag));
      p->e->nodes[*out].unit = u;
      p->pos = (int)(close - p->s) + 1;
      p->e->nodes[*out].hi = p->e->nodes[*out].ohi = p->pos;
      PSST_TRY(lex(p));
    }
    return 0;
  }
  if (t.type == T_ID) {
    PSST_TRY(lex(p));
    if (!is_op(p, '(')) return new_node(p, N_SYM, 0, t.lo, t.hi, t.lo + 1, out);
    int f;
    for (f = 0; f < F_COUNT; f++)
      if ((int)strlen(funcs[f].name) == t.hi - t.lo &&
          memcmp(funcs[f].name, p->s + t.lo, (size_t)(t.hi - t.lo)) == 0)
        break;
    if (f == F_COUNT)
      return fail_at(p->diag, t.lo + 1,
                     "unknown function '%.*s' (allowed: exp, expm1, exprel, "
                     "log, pow, sqrt, tanh, abs, min, max, sigmoid, "
                     "heaviside, where)",
                     t.hi - t.lo, p->s + t.lo);
    int args[4], na = 0;
    PSST_TRY(lex(p));
    if (!is_op(p, ')')) {
      for (;;) {
        int a;
        PSST_TRY(p_cond(p, &a));
        if (na < 4) args[na] = a;
        na++;
        if (!is_op(p, ',')) break;
        PSST_TRY(lex(p));
      }
    }
    if (!is_op(p, ')')) {
      if (p->tok.type == T_END)
        return fail_at(p->diag, t.lo + 1, "'%s(' without ')'", funcs[f].name);
      return unexpected(p);
    }
    if (na != funcs[f].nargs)
      return fail_at(p->diag, t.lo + 1, "%s takes %d argument%s, not %d",
                     funcs[f].name, funcs[f].nargs,
                     funcs[f].nargs == 1 ? "" : "s", na);
    int kind = f == F_WHERE ? N_COND : N_CALL;
    PSST_TRY(new_node(p, kind, f, t.lo, p->tok.hi, t.lo + 1, out));
    node *n = &p->e->nodes[*out];
    for (int i = 0; i < na; i++)
      n->arg[i] = args[i];
    n->narg = na;
    return lex(p);
  }
  if (is_op(p, '(')) {
    PSST_TRY(lex(p));
    PSST_TRY(p_cond(p, out));
    if (!is_op(p, ')')) {
      if (p->tok.type == T_END)
        return fail_at(p->diag, t.lo + 1, "'(' without ')'");
      return unexpected(p);
    }
    p->e->nodes[*out].olo = t.lo; /* (the outermost pair, parsed last) */
    p->e->nodes[*out].ohi = p->tok.hi;
    return lex(p);
  }
  return unexpected(p);
}

static int p_power(parser *p, int *out) {
  int a;
  PSST_TRY(p_primary(p, &a));
  if (!is_op(p, '^')) {
    *out = a;
    return 0;
  }
  int col = p->tok.lo + 1, b;
  PSST_TRY(lex(p));
  PSST_TRY(p_unary(p, &b));
  return binary(p, N_BIN, '^', col, a, b, out);
}

static int p_unary(parser *p, int *out) {
  if (++p->depth > 200)
    return fail_at(p->diag, p->tok.lo + 1, "nested too deeply");
  int rc;
  if (is_op(p, '-') || is_op(p, '+')) {
    token t = p->tok;
    int a;
    PSST_TRY(lex(p));
    PSST_TRY(p_unary(p, &a));
    if (t.op == '+') {
      *out = a;
      rc = 0;
    } else {
      rc = new_node(p, N_NEG, '-', t.lo, p->e->nodes[a].ohi, t.lo + 1, out);
      if (rc == 0) {
        p->e->nodes[*out].arg[0] = a;
        p->e->nodes[*out].narg = 1;
      }
    }
  } else {
    rc = p_power(p, out);
  }
  p->depth--;
  return rc;
}

static int p_product(parser *p, int *out) {
  PSST_TRY(p_unary(p, out));
  while (is_op(p, '*') || is_op(p, '/')) {
    int op = p->tok.op, col = p->tok.lo + 1, b;
    PSST_TRY(lex(p));
    PSST_TRY(p_unary(p, &b));
    PSST_TRY(binary(p, N_BIN, op, col, *out, b, out));
  }
  return 0;
}

static int p_sum(parser *p, int *out) {
  PSST_TRY(p_product(p, out));
  while (is_op(p, '+') || is_op(p, '-')) {
    int op = p->tok.op, col = p->tok.lo + 1, b;
    PSST_TRY(lex(p));
    PSST_TRY(p_product(p, &b));
    PSST_TRY(binary(p, N_BIN, op, col, *out, b, out));
  }
  return 0;
}

static int cmp_op(const parser *p) {
  if (p->tok.type != T_OP) return -1;
  switch (p->tok.op) {
  case '<': return C_LT;
  case O_LE: return C_LE;
  case '>': return C_GT;
  case O_GE: return C_GE;
  case O_EQ: return C_EQ;
  case O_NE: return C_NE;
  default: return -1;
  }
}

static int p_compare(parser *p, int *out) {
  PSST_TRY(p_sum(p, out));
  int c = cmp_op(p);
  if (c < 0) return 0;
  int col = p->tok.lo + 1, b;
  PSST_TRY(lex(p));
  PSST_TRY(p_sum(p, &b));
  PSST_TRY(binary(p, N_CMP, c, col, *out, b, out));
  if (cmp_op(p) >= 0)
    return fail_at(p->diag, p->tok.lo + 1,
                   "comparisons do not chain ('a < b < c')");
  return 0;
}

/* not := '!' not | compare */
static int p_not(parser *p, int *out) {
  if (!is_op(p, '!')) return p_compare(p, out);
  if (++p->depth > 200)
    return fail_at(p->diag, p->tok.lo + 1, "nested too deeply");
  token t = p->tok;
  int a;
  PSST_TRY(lex(p));
  PSST_TRY(p_not(p, &a));
  PSST_TRY(new_node(p, N_LOGIC, '!', t.lo, p->e->nodes[a].ohi, t.lo + 1, out));
  p->e->nodes[*out].arg[0] = a;
  p->e->nodes[*out].narg = 1;
  p->depth--;
  return 0;
}

/* and := not { '&&' not };  or := and { '||' and } */
static int p_logic(parser *p, int level, int *out) {
  int tok = level ? O_OR : O_AND;
  PSST_TRY(level ? p_logic(p, 0, out) : p_not(p, out));
  while (is_op(p, tok)) {
    int col = p->tok.lo + 1, b;
    PSST_TRY(lex(p));
    PSST_TRY(level ? p_logic(p, 0, &b) : p_not(p, &b));
    PSST_TRY(binary(p, N_LOGIC, level ? '|' : '&', col, *out, b, out));
  }
  return 0;
}

static int p_cond(parser *p, int *out) {
  if (++p->depth > 200)
    return fail_at(p->diag, p->tok.lo + 1, "nested too deeply");
  int c;
  PSST_TRY(p_logic(p, 1, &c));
  if (!is_op(p, '?')) {
    *out = c;
    p->depth--;
    return 0;
  }
  int col = p->tok.lo + 1, a, b;
  PSST_TRY(lex(p));
  PSST_TRY(p_cond(p, &a));
  if (!is_op(p, ':')) {
    if (p->tok.type == T_END) return fail_at(p->diag, col, "'?' without ':'");
    return unexpected(p);
  }
  PSST_TRY(lex(p));
  PSST_TRY(p_cond(p, &b));
  PSST_TRY(new_node(p, N_COND, F_WHERE, p->e->nodes[c].olo, p->e->nodes[b].ohi,
                    col, out));
  node *n = &p->e->nodes[*out];
  n->arg[0] = c;
  n->arg[1] = a;
  n->arg[2] = b;
  n->narg = 3;
  p->depth--;
  return 0;
}

static int expr_alloc(const char *text, psst_expr **out) {
  psst_expr *e = calloc(1, sizeof *e);
  PSST_ALLOC_CHECK(e);
  size_t n = strlen(text);
  e->src = malloc(n + 1);
  if (!e->src) {
    free(e);
    PSST_ALLOC_CHECK(NULL);
  }
  memcpy(e->src, text, n + 1);
  e->root = -1;
  *out = e;
  return 0;
}

/* Parse e->src from byte offset start to its end into e->root. */
static int parse_from(psst_expr *e, int start, psst_expr_diag *diag) {
  parser p = {e, e->src, start, {0, 0, 0, 0, 0.0}, diag, 0};
  PSST_TRY(lex(&p));
  if (p.tok.type == T_END)
    return fail_at(diag, p.tok.lo + 1, "empty expression");
  PSST_TRY(p_cond(&p, &e->root));
  if (p.tok.type != T_END) return unexpected(&p);
  return 0;
}

int psst_expr_parse(const char *text, psst_expr **out, psst_expr_diag *diag) {
  *out = NULL;
  if (diag) diag->column = 0, diag->statement = -1;
  psst_expr *e = NULL;
  PSST_TRY(expr_alloc(text ? text : "", &e));
  int rc = parse_from(e, 0, diag);
  if (rc < 0) {
    psst_expr_destroy(&e);
    return rc;
  }
  *out = e;
  return 0;
}

/* ---- checking ---- */

static int edit_distance(const char *a, int na, const char *b) {
  int nb = (int)strlen(b);
  int row[PSST_EXPR_NAME_MAX + 1];
  if (na > PSST_EXPR_NAME_MAX || nb > PSST_EXPR_NAME_MAX) return 1 << 20;
  for (int j = 0; j <= nb; j++)
    row[j] = j;
  for (int i = 1; i <= na; i++) {
    int diag = row[0];
    row[0] = i;
    for (int j = 1; j <= nb; j++) {
      int up = row[j];
      int v = diag + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < v) v = row[j] + 1;
      if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
      row[j] = v;
      diag = up;
    }
  }
  return row[nb];
}

/* " (did you mean 'g_Na'?)" or "" into buf. */
static const char *suggest(const psst_expr_symtab *t, const char *name, int n,
                           char *buf, size_t cap) {
  int best = 3, bi = -1;
  for (int i = 0; i < t->n; i++) {
    int d = edit_distance(name, n, t->sym[i].name);
    if (d < best) best = d, bi = i;
  }
  buf[0] = '\0';
  if (bi >= 0 && best < n)
    snprintf(buf, cap, " (did you mean '%s'?)", t->sym[bi].name);
  return buf;
}

static int resolve(psst_expr *e, const psst_expr_symtab *t,
                   psst_expr_diag *diag) {
  for (int i = 0; i < e->n; i++) {
    node *n = &e->nodes[i];
    if (n->kind != N_SYM) continue;
    char name[PSST_EXPR_NAME_MAX];
    snprintf(name, sizeof name, "%.*s", n->hi - n->lo, e->src + n->lo);
    n->sym = psst_expr_symtab_find(t, name);
    if (n->sym < 0) {
      char sg[PSST_EXPR_NAME_MAX + 32];
      return fail_at(diag, n->col, "unknown symbol '%s'%s", name,
                     suggest(t, name, (int)strlen(name), sg, sizeof sg));
    }
  }
  return 0;
}

typedef struct checker {
  psst_expr *e;
  const psst_expr_symtab *t;
  psst_expr_diag *diag;
} checker;

static const char *term(const checker *c, int i, char *buf, size_t cap) {
  const node *n = &c->e->nodes[i];
  snprintf(buf, cap, "%.*s", n->hi - n->lo, c->e->src + n->lo);
  return buf;
}

static int has_symbols(const psst_expr *e, int i) {
  const node *n = &e->nodes[i];
  if (n->kind == N_SYM) return 1;
  for (int k = 0; k < n->narg; k++)
    if (has_symbols(e, n->arg[k])) return 1;
  return 0;
}

/* Unit mismatch of operands a and b of node i doing `what`. */
static int mismatch(const checker *c, int i, int a, int b, const char *what) {
  char ua[128], ub[128], ti[256], ta[256], tb[256];
  psst_unit x = c->e->nodes[a].unit, y = c->e->nodes[b].unit;
  psst_unit_format(x, ua, sizeof ua);
  psst_unit_format(y, ub, sizeof ub);
  char hint[192] = "";
  if (unit_same_dims(x, y)) {
    snprintf(hint, sizeof hint,
             " (same dimension, different scale: psst converts no units)");
  } else {
    /* a bare number beside a quantity: say how to write it */
    int bare = -1;
    if (psst_unit_is_one(y) && !has_symbols(c->e, b))
      bare = b;
    else if (psst_unit_is_one(x) && !has_symbols(c->e, a))
      bare = a;
    if (bare >= 0)
      snprintf(hint, sizeof hint,
               " (numbers are dimensionless; write one with its unit, as "
               "in 1[%s])",
               bare == b ? ua : ub);
  }
  return fail_at(c->diag, c->e->nodes[i].col,
                 "in '%s': cannot %s %s ('%s') and %s ('%s')%s",
                 term(c, i, ti, sizeof ti), what, ua, term(c, a, ta, sizeof ta),
                 ub, term(c, b, tb, sizeof tb), hint);
}

static int type_node(checker *c, int i);

/* Type child a of node i as a number (not a condition). */
static int number(checker *c, int a) {
  PSST_TRY(type_node(c, a));
  if (c->e->nodes[a].is_cond) {
    char ta[256];
    return fail_at(c->diag, c->e->nodes[a].col,
                   "'%s' is a condition, not a number (use it in "
                   "'cond ? a : b')",
                   term(c, a, ta, sizeof ta));
  }
  return 0;
}

static int dimensionless(checker *c, int i, int a, const char *fname) {
  psst_unit u = c->e->nodes[a].unit;
  if (psst_unit_is_one(u)) return 0;
  char ua[128], ta[256];
  return fail_at(c->diag, c->e->nodes[i].col,
                 "%s needs a dimensionless argument; '%s' has unit %s", fname,
                 term(c, a, ta, sizeof ta), psst_unit_format(u, ua, sizeof ua));
}

static int node_eval(const psst_expr *e, int i, const double *values,
                     double *out);

/* Unit of base a to the power of node b (node i is the power or pow()). */
static int power_unit(checker *c, int i, int a, int b) {
  node *n = &c->e->nodes[i];
  psst_unit ub = c->e->nodes[b].unit;
  char ua[128], ta[256], tb[256];
  if (!psst_unit_is_one(ub))
    return fail_at(c->diag, c->e->nodes[b].col,
                   "exponent '%s' must be dimensionless, has unit %s",
                   term(c, b, ta, sizeof ta),
                   psst_unit_format(ub, ua, sizeof ua));
  n->has_num = !has_symbols(c->e, b);
  if (n->has_num) PSST_TRY(node_eval(c->e, b, NULL, &n->num));
  psst_unit base = c->e->nodes[a].unit;
  if (psst_unit_is_one(base)) {
    n->unit = base;
    return 0;
  }
  if (!n->has_num)
    return fail_at(c->diag, c->e->nodes[b].col,
                   "exponent '%s' of '%s' (unit %s) must be a constant number",
                   term(c, b, ta, sizeof ta), term(c, a, tb, sizeof tb),
                   psst_unit_format(base, ua, sizeof ua));
  if (!unit_pow(base, n->num, &n->unit)) {
    return fail_at(c->diag, n->col,
                   "'%s' has unit %s, which to the power %.17g is not a unit "
                   "with integer exponents (or too large)",
                   term(c, a, tb, sizeof tb),
                   psst_unit_format(base, ua, sizeof ua), n->num);
  }
  return 0;
}

static int type_node(checker *c, int i) {
  node *n = &c->e->nodes[i];
  int a = n->arg[0], b = n->arg[1];
  n->is_cond = 0;
  switch (n->kind) {
  case N_NUM: return 0; /* the literal's unit */
  case N_SYM: {
    const psst_expr_symbol *s = &c->t->sym[n->sym];
    if (!s->unit_known)
      return psst_error_set(PSST_ERR_INTERNAL, "unit of '%s' used before known",
                            s->name);
    c->e->nodes[i].unit = s->unit;
    return 0;
  }
  case N_NEG:
    PSST_TRY(number(c, a));
    n = &c->e->nodes[i];
    n->unit = c->e->nodes[a].unit;
    return 0;
  case N_BIN:
    PSST_TRY(number(c, a));
    PSST_TRY(number(c, b));
    n = &c->e->nodes[i];
    switch (n->op) {
    case '+':
    case '-':
      if (!psst_unit_equal(c->e->nodes[a].unit, c->e->nodes[b].unit))
        return mismatch(c, i, a, b, n->op == '+' ? "add" : "subtract");
      n->unit = c->e->nodes[a].unit;
      return 0;
    case '*':
    case '/':
      n->unit = unit_mul(c->e->nodes[a].unit, c->e->nodes[b].unit,
                         n->op == '*' ? 1 : -1);
      if (!unit_in_range(n->unit)) {
        char ti[256];
        return fail_at(c->diag, n->col, "in '%s': unit exponent too large",
                       term(c, i, ti, sizeof ti));
      }
      return 0;
    default: return power_unit(c, i, a, b);
    }
  case N_CMP:
    PSST_TRY(number(c, a));
    PSST_TRY(number(c, b));
    n = &c->e->nodes[i];
    if (!psst_unit_equal(c->e->nodes[a].unit, c->e->nodes[b].unit))
      return mismatch(c, i, a, b, "compare");
    n->unit = psst_unit_one();
    n->is_cond = 1;
    return 0;
  case N_COND:
    PSST_TRY(type_node(c, a));
    if (!c->e->nodes[a].is_cond) {
      char ta[256];
      return fail_at(c->diag, c->e->nodes[a].col,
                     "'%s' is not a condition (a comparison such as "
                     "'V > 0[mV]')",
                     term(c, a, ta, sizeof ta));
    }
    PSST_TRY(number(c, b));
    PSST_TRY(number(c, n->arg[2]));
    n = &c->e->nodes[i];
    if (!psst_unit_equal(c->e->nodes[b].unit, c->e->nodes[n->arg[2]].unit))
      return mismatch(c, i, b, n->arg[2], "choose between");
    n->unit = c->e->nodes[b].unit;
    return 0;
  case N_LOGIC:
    for (int k = 0; k < n->narg; k++) {
      int x = c->e->nodes[i].arg[k];
      PSST_TRY(type_node(c, x));
      if (!c->e->nodes[x].is_cond) {
        char tx[256];
        return fail_at(c->diag, c->e->nodes[x].col,
                       "'%s' is not a condition ('%s' joins comparisons "
                       "such as 'V > 0[mV]')",
                       term(c, x, tx, sizeof tx),
                       n->op == '!'   ? "!"
                       : n->op == '&' ? "&&"
                                      : "||");
      }
    }
    n->unit = psst_unit_one();
    n->is_cond = 1;
    return 0;
  case N_CALL:
    for (int k = 0; k < n->narg; k++)
      PSST_TRY(number(c, c->e->nodes[i].arg[k]));
    n = &c->e->nodes[i];
    switch (n->op) {
    case F_EXP:
    case F_EXPM1:
    case F_EXPREL:
    case F_LOG:
    case F_TANH:
    case F_SIGMOID:
      PSST_TRY(dimensionless(c, i, a, funcs[n->op].name));
      c->e->nodes[i].unit = psst_unit_one();
      return 0;
    case F_SQRT: {
      psst_unit u = c->e->nodes[a].unit;
      if (!unit_pow(u, 0.5, &n->unit)) {
        char ua[128], ta[256];
        return fail_at(c->diag, n->col,
                       "sqrt of '%s' (unit %s): the unit has an odd exponent",
                       term(c, a, ta, sizeof ta),
                       psst_unit_format(u, ua, sizeof ua));
      }
      return 0;
    }
    case F_ABS: n->unit = c->e->nodes[a].unit; return 0;
    case F_MIN:
    case F_MAX:
      if (!psst_unit_equal(c->e->nodes[a].unit, c->e->nodes[b].unit))
        return mismatch(c, i, a, b,
                        n->op == F_MIN ? "take min of" : "take max of");
      n->unit = c->e->nodes[a].unit;
      return 0;
    case F_HEAVISIDE: n->unit = psst_unit_one(); return 0;
    case F_POW: return power_unit(c, i, a, b);
    default: break;
    }
    break;
  default: break;
  }
  return psst_error_set(PSST_ERR_INTERNAL, "expression node of kind %d",
                        n->kind);
}

/* Resolve and type e's root; symbols of t must have known units. */
static int check_root(psst_expr *e, const psst_expr_symtab *t,
                      psst_expr_diag *diag) {
  PSST_TRY(resolve(e, t, diag));
  checker c = {e, t, diag};
  return type_node(&c, e->root);
}

int psst_expr_check(psst_expr *e, const psst_expr_symtab *t, psst_unit *unit,
                    int *is_condition, psst_expr_diag *diag) {
  if (diag) diag->column = 0, diag->statement = -1;
  PSST_TRY(check_root(e, t, diag));
  if (unit) *unit = e->nodes[e->root].unit;
  if (is_condition) *is_condition = e->nodes[e->root].is_cond;
  return 0;
}

/* k when node n is x^k with k = 2, 3 or 4 constant and x a symbol or
 * number (written, and evaluated, as x*x*...); else 0. */
static int small_power(const psst_expr *e, const node *n) {
  if (n->kind != N_BIN || n->op != '^' || !n->has_num) return 0;
  const node *b = &e->nodes[n->arg[0]];
  if (b->kind != N_SYM && b->kind != N_NUM) return 0;
  for (int k = 2; k <= 4; k++)
    if (n->num == k) return k;
  return 0;
}

/* ---- evaluation ---- */

static int node_eval(const psst_expr *e, int i, const double *values,
                     double *out) {
  const node *n = &e->nodes[i];
  double x = 0.0, y = 0.0;
  switch (n->kind) {
  case N_NUM: *out = n->num; return 0;
  case N_SYM:
    PSST_CHECK(values && n->sym >= 0, PSST_ERR_INTERNAL,
               "evaluating an unchecked symbol");
    *out = values[n->sym];
    return 0;
  case N_NEG:
    PSST_TRY(node_eval(e, n->arg[0], values, &x));
    *out = -x;
    return 0;
  case N_COND:
    PSST_TRY(node_eval(e, n->arg[0], values, &x));
    return node_eval(e, n->arg[x != 0.0 ? 1 : 2], values, out);
  case N_LOGIC:
    PSST_TRY(node_eval(e, n->arg[0], values, &x));
    if (n->op == '!') {
      *out = x != 0.0 ? 0.0 : 1.0;
      return 0;
    }
    if ((n->op == '&') == (x != 0.0)) /* && of true, || of false */
      PSST_TRY(node_eval(e, n->arg[1], values, &x));
    *out = x != 0.0 ? 1.0 : 0.0;
    return 0;
  default: break;
  }
  PSST_TRY(node_eval(e, n->arg[0], values, &x));
  if (n->narg > 1) PSST_TRY(node_eval(e, n->arg[1], values, &y));
  if (n->kind == N_BIN) {
    switch (n->op) {
    case '+': *out = x + y; return 0;
    case '-': *out = x - y; return 0;
    case '*': *out = x * y; return 0;
    case '/': *out = x / y; return 0;
    default: {
      int k = small_power(e, n);
      if (!k) {
        *out = psst_pow(x, y);
        return 0;
      }
      double r = x;
      for (int q = 1; q < k; q++)
        r *= x;
      *out = r;
      return 0;
    }
    }
  }
  if (n->kind == N_CMP) {
    int r = 0;
    switch (n->op) {
    case C_LT: r = x < y; break;
    case C_LE: r = x <= y; break;
    case C_GT: r = x > y; break;
    case C_GE: r = x >= y; break;
    case C_EQ: r = x == y; break;
    default: r = x != y; break;
    }
    *out = r ? 1.0 : 0.0;
    return 0;
  }
  switch (n->op) {
  case F_EXP: *out = psst_exp(x); return 0;
  case F_EXPM1: *out = psst_expm1(x); return 0;
  case F_EXPREL: *out = psst_exprel(x); return 0;
  case F_LOG: *out = psst_log(x); return 0;
  case F_POW: *out = psst_pow(x, y); return 0;
  case F_SQRT: *out = sqrt(x); return 0;
  case F_TANH: *out = tanh(x); return 0;
  case F_ABS: *out = fabs(x); return 0;
  case F_MIN: *out = fmin(x, y); return 0;
  case F_MAX: *out = fmax(x, y); return 0;
  case F_SIGMOID: *out = 1.0 / (1.0 + psst_exp(-x)); return 0;
  case F_HEAVISIDE: *out = x > 0.0 ? 1.0 : 0.0; return 0;
  default: break;
  }
  return psst_error_set(PSST_ERR_INTERNAL, "expression node of kind %d",
                        n->kind);
}

int psst_expr_eval(const psst_expr *e, const double *values, double *out) {
  PSST_CHECK(e && e->root >= 0, PSST_ERR_INTERNAL, "no expression");
  return node_eval(e, e->root, values, out);
}

/* ---- C emission ---- */

typedef struct outbuf {
  char *buf;
  size_t cap, len;
} outbuf;

static void put(outbuf *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void put(outbuf *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = o->len < o->cap ? o->cap - o->len : 0;
  int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0) o->len += (size_t)n;
}

static void put_number(outbuf *o, double v) {
  char s[64];
  snprintf(s, sizeof s, "%.17g", v);
  int plain = strpbrk(s, ".eEn") == NULL; /* "40": make it a double */
  if (v < 0)
    put(o, "(%s%s)", s, plain ? ".0" : "");
  else
    put(o, "%s%s", s, plain ? ".0" : "");
}

static int emit_node(const psst_expr *e, const psst_expr_symtab *t, int i,
                     outbuf *o) {
  const node *n = &e->nodes[i];
  int a = n->arg[0], b = n->arg[1];
  switch (n->kind) {
  case N_NUM: put_number(o, n->num); return 0;
  case N_SYM: {
    PSST_CHECK(n->sym >= 0 && n->sym < t->n, PSST_ERR_INTERNAL,
               "emitting an unchecked symbol");
    const psst_expr_symbol *s = &t->sym[n->sym];
    if (s->role == PSST_EXPR_DERIVED)
      put(o, "psst_s_%s", s->name);
    else if (s->access[0])
      put(o, "%s", s->access);
    else if (s->role == PSST_EXPR_CONST)
      put_number(o, s->value);
    else
      return psst_error_set(PSST_ERR_INTERNAL, "symbol '%s' has no access text",
                            s->name);
    return 0;
  }
  case N_NEG:
    put(o, "(-");
    PSST_TRY(emit_node(e, t, a, o));
    put(o, ")");
    return 0;
  case N_BIN:
    if (n->op == '^') {
      int k = small_power(e, n);
      if (k) {
        put(o, "(");
        for (int r = 0; r < k; r++) {
          if (r) put(o, " * ");
          PSST_TRY(emit_node(e, t, a, o));
        }
        put(o, ")");
        return 0;
      }
      put(o, "psst_pow(");
      PSST_TRY(emit_node(e, t, a, o));
      put(o, ", ");
      PSST_TRY(emit_node(e, t, b, o));
      put(o, ")");
      return 0;
    }
    put(o, "(");
    PSST_TRY(emit_node(e, t, a, o));
    put(o, " %c ", (char)n->op);
    PSST_TRY(emit_node(e, t, b, o));
    put(o, ")");
    return 0;
  case N_CMP:
    put(o, "(");
    PSST_TRY(emit_node(e, t, a, o));
    put(o, " %s ", cmp_text[n->op]);
    PSST_TRY(emit_node(e, t, b, o));
    put(o, ")");
    return 0;
  case N_COND:
    /* both branches evaluated, then a select (mech/mech.h), as the
     * built-in kinds do, so that the loops vectorise: a branch holding a
     * call would keep `c ? a : b` scalar */
    put(o, "psst_select(");
    PSST_TRY(emit_node(e, t, a, o));
    put(o, ", ");
    PSST_TRY(emit_node(e, t, b, o));
    put(o, ", ");
    PSST_TRY(emit_node(e, t, n->arg[2], o));
    put(o, ")");
    return 0;
  case N_LOGIC:
    if (n->op == '!') {
      put(o, "(!");
      PSST_TRY(emit_node(e, t, a, o));
      put(o, ")");
      return 0;
    }
    put(o, "(");
    PSST_TRY(emit_node(e, t, a, o));
    put(o, n->op == '&' ? " && " : " || ");
    PSST_TRY(emit_node(e, t, b, o));
    put(o, ")");
    return 0;
  case N_CALL:
    if (n->op == F_SIGMOID) {
      put(o, "(1.0 / (1.0 + psst_exp((-");
      PSST_TRY(emit_node(e, t, a, o));
      put(o, "))))");
      return 0;
    }
    if (n->op == F_HEAVISIDE) {
      put(o, "(");
      PSST_TRY(emit_node(e, t, a, o));
      put(o, " > 0.0 ? 1.0 : 0.0)");
      return 0;
    }
    put(o, "%s(", funcs[n->op].c);
    for (int k = 0; k < n->narg; k++) {
      if (k) put(o, ", ");
      PSST_TRY(emit_node(e, t, n->arg[k], o));
    }
    put(o, ")");
    return 0;
  default: break;
  }
  return psst_error_set(PSST_ERR_INTERNAL, "expression node of kind %d",
                        n->kind);
}

static int outbuf_done(const outbuf *o) {
  PSST_CHECK(o->len < o->cap, PSST_ERR_USER,
             "emitted C needs %zu bytes, buffer has %zu", o->len + 1, o->cap);
  return 0;
}

int psst_expr_emit(const psst_expr *e, const psst_expr_symtab *t, char *buf,
                   size_t cap) {
  outbuf o = {buf, cap, 0};
  if (cap) buf[0] = '\0';
  PSST_CHECK(e && e->root >= 0, PSST_ERR_INTERNAL, "no expression");
  PSST_TRY(emit_node(e, t, e->root, &o));
  return outbuf_done(&o);
}

/* ==== equation sets ==================================================== */

enum { S_ODE, S_SUB, S_COND };

typedef struct statement {
  int kind;
  int target;     /* S_ODE: the state, S_SUB: the subexpression (indices) */
  int target_col; /* column of the target's name */
  psst_expr *e;   /* whole statement text; root = right-hand side */
} statement;

struct psst_expr_eqset {
  psst_expr_symtab t;
  statement *st;
  int n, cap;
  int *order; /* statements in evaluation order (after check) */
  int norder;
  int checked;
};

int psst_expr_eqset_create(const psst_expr_symtab *syms,
                           psst_expr_eqset **out) {
  *out = NULL;
  psst_expr_eqset *s = calloc(1, sizeof *s);
  PSST_ALLOC_CHECK(s);
  for (int i = 0; syms && i < syms->n; i++) {
    const psst_expr_symbol *y = &syms->sym[i];
    int rc =
        symtab_push(&s->t, y->name, y->unit, 1, y->role, y->access, y->value);
    if (rc < 0) {
      psst_expr_eqset_destroy(&s);
      return rc;
    }
  }
  *out = s;
  return 0;
}

void psst_expr_eqset_destroy(psst_expr_eqset **s) {
  if (!s || !*s) return;
  for (int i = 0; i < (*s)->n; i++)
    psst_expr_destroy(&(*s)->st[i].e);
  free((*s)->st);
  free((*s)->order);
  psst_expr_symtab_free(&(*s)->t);
  free(*s);
  *s = NULL;
}

const psst_expr_symtab *psst_expr_eqset_symtab(const psst_expr_eqset *s) {
  return &s->t;
}

static const char *role_name(psst_expr_role r) {
  switch (r) {
  case PSST_EXPR_STATE: return "a state variable";
  case PSST_EXPR_PARAM: return "a parameter";
  case PSST_EXPR_DERIVED: return "a subexpression";
  case PSST_EXPR_INPUT: return "an input";
  default: return "a constant";
  }
}

static int eqset_add(psst_expr_eqset *s, psst_expr *e, psst_expr_diag *diag) {
  parser p = {e, e->src, 0, {0, 0, 0, 0, 0.0}, diag, 0};
  statement st = {S_COND, -1, 0, e};
  int start = 0;
  PSST_TRY(lex(&p));
  token t1 = p.tok;
  if (t1.type == T_ID) {
    PSST_TRY(lex(&p));
    token t2 = p.tok;
    char name[PSST_EXPR_NAME_MAX];
    snprintf(name, sizeof name, "%.*s", t1.hi - t1.lo, e->src + t1.lo);
    int is_ode = 0;
    if (t2.type == T_OP && t2.op == '/' && name[0] == 'd' && name[1]) {
      parser q = p;
      PSST_TRY(lex(&q));
      if (q.tok.type == T_ID && q.tok.hi - q.tok.lo == 2 &&
          memcmp(e->src + q.tok.lo, "dt", 2) == 0) {
        PSST_TRY(lex(&q));
        if (q.tok.type == T_OP && q.tok.op == '=') {
          is_ode = 1;
          start = q.tok.hi;
        }
      }
    }
    if (is_ode) {
      const char *x = name + 1;
      int k = psst_expr_symtab_find(&s->t, x);
      int col = t1.lo + 2;
      if (k < 0) {
        char sg[PSST_EXPR_NAME_MAX + 32];
        return fail_at(diag, col, "d%s/dt: unknown state variable '%s'%s", x, x,
                       suggest(&s->t, x, (int)strlen(x), sg, sizeof sg));
      }
      if (s->t.sym[k].role != PSST_EXPR_STATE)
        return fail_at(diag, col, "d%s/dt: '%s' is %s, not a state variable", x,
                       x, role_name(s->t.sym[k].role));
      for (int i = 0; i < s->n; i++)
        if (s->st[i].kind == S_ODE && s->st[i].target == k)
          return fail_at(diag, col,
                         "second equation d%s/dt (first: "
                         "statement %d)",
                         x, i + 1);
      st.kind = S_ODE;
      st.target = k;
      st.target_col = col;
    } else if (t2.type == T_OP && t2.op == '=') {
      int k = psst_expr_symtab_find(&s->t, name);
      int col = t1.lo + 1;
      if (k >= 0 && s->t.sym[k].role == PSST_EXPR_STATE)
        return fail_at(diag, col,
                       "cannot assign state variable '%s'; write d%s/dt = ...",
                       name, name);
      if (k >= 0 && s->t.sym[k].role == PSST_EXPR_DERIVED)
        return fail_at(diag, col, "subexpression '%s' defined twice", name);
      if (k >= 0)
        return fail_at(diag, col, "cannot assign '%s': it is %s", name,
                       role_name(s->t.sym[k].role));
      int fn;
      for (fn = 0; fn < F_COUNT; fn++)
        if (strcmp(funcs[fn].name, name) == 0)
          return fail_at(diag, col, "'%s' is a function name", name);
      PSST_TRY(symtab_push(&s->t, name, psst_unit_one(), 0, PSST_EXPR_DERIVED,
                           NULL, 0.0));
      st.kind = S_SUB;
      st.target = s->t.n - 1;
      st.target_col = col;
      start = t2.hi;
    }
  }
  if (st.kind == S_COND) {
    for (int i = 0; i < s->n; i++)
      if (s->st[i].kind == S_COND)
        return fail_at(diag, 1, "a second condition (first: statement %d)",
                       i + 1);
  }
  int rc = parse_from(e, start, diag);
  if (rc < 0) {
    if (st.kind == S_SUB) s->t.n--; /* forget the subexpression */
    return rc;
  }
  if (s->n == s->cap) {
    int nc = s->cap ? 2 * s->cap : 16;
    statement *ns = realloc(s->st, (size_t)nc * sizeof *ns);
    if (!ns && st.kind == S_SUB) s->t.n--;
    PSST_ALLOC_CHECK(ns);
    s->st = ns;
    s->cap = nc;
  }
  s->st[s->n++] = st;
  s->checked = 0;
  return 0;
}

int psst_expr_eqset_add(psst_expr_eqset *s, const char *stmt,
                        psst_expr_diag *diag) {
  if (diag) diag->column = 0, diag->statement = s->n;
  psst_expr *e = NULL;
  PSST_TRY(expr_alloc(stmt ? stmt : "", &e));
  int rc = eqset_add(s, e, diag);
  if (rc < 0) psst_expr_destroy(&e);
  return rc;
}

/* Statement defining subexpression symbol k, or -1. */
static int defining(const psst_expr_eqset *s, int k) {
  for (int i = 0; i < s->n; i++)
    if (s->st[i].kind == S_SUB && s->st[i].target == k) return i;
  return -1;
}

/* Depth-first over subexpression references from statement i: mark 1 while
 * on the path (path[0 .. *depth)), 2 when done; order gets post-order. */
static int visit(psst_expr_eqset *s, int i, int *mark, int *path, int *depth,
                 psst_expr_diag *diag) {
  if (mark[i] == 2) return 0;
  statement *st = &s->st[i];
  if (mark[i] == 1) {
    /* the cycle: path from the first visit of i */
    char msg[MSG_MAX] = "";
    int from = 0;
    while (path[from] != i)
      from++;
    for (int k = from; k < *depth; k++)
      fmt_append(msg, sizeof msg, "%s -> ",
                 s->t.sym[s->st[path[k]].target].name);
    fmt_append(msg, sizeof msg, "%s", s->t.sym[st->target].name);
    /* report at the reference, in the first statement of the cycle, to the
     * next one */
    statement *f = &s->st[path[from]];
    int next = from + 1 < *depth ? s->st[path[from + 1]].target : st->target;
    int col = f->target_col;
    for (int k = 0; k < f->e->n; k++)
      if (f->e->nodes[k].kind == N_SYM && f->e->nodes[k].sym == next) {
        col = f->e->nodes[k].col;
        break;
      }
    if (diag) diag->statement = path[from];
    return fail_at(diag, col, "circular subexpressions: %s", msg);
  }
  mark[i] = 1;
  path[(*depth)++] = i;
  for (int k = 0; k < st->e->n; k++) {
    const node *n = &st->e->nodes[k];
    if (n->kind != N_SYM || s->t.sym[n->sym].role != PSST_EXPR_DERIVED)
      continue;
    int j = defining(s, n->sym);
    if (j >= 0) PSST_TRY(visit(s, j, mark, path, depth, diag));
  }
  (*depth)--;
  mark[i] = 2;
  s->order[s->norder++] = i;
  return 0;
}

static int eqset_check(psst_expr_eqset *s, int *mark, int *path,
                       psst_expr_diag *diag) {
  /* symbols (all subexpressions are in the table by now) */
  for (int i = 0; i < s->n; i++) {
    if (diag) diag->statement = i;
    PSST_TRY(resolve(s->st[i].e, &s->t, diag));
  }
  /* order: subexpressions before their users, then the rest */
  s->norder = 0;
  for (int i = 0; i < s->n; i++) {
    int depth = 0;
    if (s->st[i].kind == S_SUB) PSST_TRY(visit(s, i, mark, path, &depth, diag));
  }
  for (int i = 0; i < s->n; i++)
    if (s->st[i].kind != S_SUB) s->order[s->norder++] = i;
  /* units */
  for (int q = 0; q < s->norder; q++) {
    int i = s->order[q];
    statement *st = &s->st[i];
    if (diag) diag->statement = i;
    checker c = {st->e, &s->t, diag};
    node *root = &st->e->nodes[st->e->root];
    if (st->kind == S_COND) {
      PSST_TRY(type_node(&c, st->e->root));
      root = &st->e->nodes[st->e->root];
      if (!root->is_cond) {
        char tr[256];
        return fail_at(diag, root->col,
                       "'%s' is not a condition (statements are dX/dt = "
                       "..., NAME = ... or a comparison such as V > "
                       "-20[mV])",
                       term(&c, st->e->root, tr, sizeof tr));
      }
      continue;
    }
    PSST_TRY(number(&c, st->e->root));
    root = &st->e->nodes[st->e->root];
    psst_expr_symbol *y = &s->t.sym[st->target];
    if (st->kind == S_SUB) {
      y->unit = root->unit;
      y->unit_known = 1;
      continue;
    }
    psst_unit want = y->unit;
    want.dim[PSST_DIM_TIME] -= 1;
    if (!psst_unit_equal(root->unit, want)) {
      char uw[128], ug[128], tr[256];
      return fail_at(diag, root->lo + 1,
                     "d%s/dt = '%s': the right-hand side has unit %s, "
                     "expected %s (unit of %s per ms)",
                     y->name, term(&c, st->e->root, tr, sizeof tr),
                     psst_unit_format(root->unit, ug, sizeof ug),
                     psst_unit_format(want, uw, sizeof uw), y->name);
    }
  }
  /* every state has an equation */
  for (int k = 0; k < s->t.n; k++) {
    if (s->t.sym[k].role != PSST_EXPR_STATE) continue;
    int i;
    for (i = 0; i < s->n; i++)
      if (s->st[i].kind == S_ODE && s->st[i].target == k) break;
    if (i == s->n) {
      if (diag) diag->statement = -1;
      return fail_at(diag, 0,
                     "state variable '%s' has no equation d%s/dt = ...",
                     s->t.sym[k].name, s->t.sym[k].name);
    }
  }
  return 0;
}

int psst_expr_eqset_check(psst_expr_eqset *s, psst_expr_diag *diag) {
  if (diag) diag->column = 0, diag->statement = -1;
  s->checked = 0;
  free(s->order);
  s->order = malloc((size_t)(s->n + 1) * sizeof *s->order);
  int *mark = calloc((size_t)s->n + 1, sizeof *mark);
  int *path = malloc((size_t)(s->n + 1) * sizeof *path);
  int rc = 0;
  if (!s->order || !mark || !path) {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory at %s:%d", __FILE__,
                        __LINE__);
  } else {
    rc = eqset_check(s, mark, path, diag);
  }
  free(mark);
  free(path);
  if (rc == 0) {
    s->checked = 1;
    if (diag) diag->statement = -1;
  }
  return rc;
}

/* Index of state symbol k among the states (its dx slot). */
static int state_slot(const psst_expr_symtab *t, int k) {
  int slot = 0;
  for (int i = 0; i < k; i++)
    if (t->sym[i].role == PSST_EXPR_STATE) slot++;
  return slot;
}

int psst_expr_eqset_eval(const psst_expr_eqset *s, double *values, double *dx) {
  PSST_CHECK(s->checked, PSST_ERR_INTERNAL, "equation set not checked");
  for (int k = 0; k < s->t.n; k++)
    if (s->t.sym[k].role == PSST_EXPR_CONST) values[k] = s->t.sym[k].value;
  for (int q = 0; q < s->norder; q++) {
    const statement *st = &s->st[s->order[q]];
    double v;
    if (st->kind == S_COND) continue;
    PSST_TRY(psst_expr_eval(st->e, values, &v));
    if (st->kind == S_SUB)
      values[st->target] = v;
    else
      dx[state_slot(&s->t, st->target)] = v;
  }
  return 0;
}

int psst_expr_eqset_eval_condition(const psst_expr_eqset *s,
                                   const double *values, double *out) {
  PSST_CHECK(s->checked, PSST_ERR_INTERNAL, "equation set not checked");
  for (int i = 0; i < s->n; i++)
    if (s->st[i].kind == S_COND) return psst_expr_eval(s->st[i].e, values, out);
  return psst_error_set(PSST_ERR_USER, "the equations have no condition");
}

/* used[k] = 1 for each subexpression symbol k that the equations dX/dt
 * (cond 0) or the condition (cond 1) need, directly or through other
 * subexpressions (the order has every subexpression before its users, so
 * one backward pass suffices). */
static void mark_used(const psst_expr_eqset *s, int cond, char *used) {
  for (int q = s->norder - 1; q >= 0; q--) {
    const statement *st = &s->st[s->order[q]];
    if (st->kind == S_SUB ? !used[st->target]
                          : (st->kind == S_COND) != (cond != 0))
      continue;
    for (int k = 0; k < st->e->n; k++) {
      const node *n = &st->e->nodes[k];
      if (n->kind == N_SYM && s->t.sym[n->sym].role == PSST_EXPR_DERIVED)
        used[n->sym] = 1;
    }
  }
}

/* The body of a hook: the needed subexpressions as locals, then the
 * equations (cond 0: dx[k] = ...) or the condition (cond 1: return ...). */
static int emit_hook(const psst_expr_eqset *s, int cond, outbuf *o) {
  char *used = calloc((size_t)s->t.n + 1, 1);
  PSST_ALLOC_CHECK(used);
  mark_used(s, cond, used);
  int rc = 0;
  for (int q = 0; rc == 0 && q < s->norder; q++) {
    const statement *st = &s->st[s->order[q]];
    if (st->kind == S_SUB ? !used[st->target]
                          : (st->kind == S_COND) != (cond != 0))
      continue;
    if (st->kind == S_SUB)
      put(o, "  const double psst_s_%s = ", s->t.sym[st->target].name);
    else if (st->kind == S_ODE)
      put(o, "  dx[%d] = ", state_slot(&s->t, st->target));
    else
      put(o, "  return ");
    rc = emit_node(st->e, &s->t, st->e->root, o);
    put(o, ";\n");
  }
  free(used);
  return rc;
}

int psst_expr_eqset_emit_deriv(const psst_expr_eqset *s, const char *kind,
                               char *buf, size_t cap) {
  if (cap) buf[0] = '\0';
  PSST_CHECK(s->checked, PSST_ERR_INTERNAL, "equation set not checked");
  PSST_CHECK(valid_name(kind), PSST_ERR_USER, "invalid kind name '%s'",
             kind ? kind : "");
  outbuf o = {buf, cap, 0};
  put(&o,
      "PSST_HD static inline void psst_nk_%s_deriv(const double *p, "
      "const double *x,\n    double Iext, double *dx) {\n"
      "  (void)p;\n  (void)x;\n  (void)Iext;\n",
      kind);
  PSST_TRY(emit_hook(s, 0, &o));
  put(&o, "}\n");
  return outbuf_done(&o);
}

int psst_expr_eqset_emit_condition(const psst_expr_eqset *s, const char *kind,
                                   char *buf, size_t cap) {
  if (cap) buf[0] = '\0';
  PSST_CHECK(s->checked, PSST_ERR_INTERNAL, "equation set not checked");
  PSST_CHECK(valid_name(kind), PSST_ERR_USER, "invalid kind name '%s'",
             kind ? kind : "");
  int i;
  for (i = 0; i < s->n; i++)
    if (s->st[i].kind == S_COND) break;
  PSST_CHECK(i < s->n, PSST_ERR_USER, "the equations have no condition");
  outbuf o = {buf, cap, 0};
  put(&o,
      "PSST_HD static inline int psst_nk_%s_condition(const double *p, "
      "const double *x,\n    double Iext) {\n"
      "  (void)p;\n  (void)x;\n  (void)Iext;\n",
      kind);
  PSST_TRY(emit_hook(s, 1, &o));
  put(&o, "}\n");
  return outbuf_done(&o);
}

/* ==== synaptic currents (user-defined synapse kinds) =================== */

/* Bit 0: the subtree reads symbol v; bit 1: a STATE; bit 2: a DERIVED;
 * bit 3: an INPUT other than v. *at: the column of the first such name. */
static int reads(const psst_expr *e, const psst_expr_symtab *t, int i, int v,
                 int *at) {
  const node *n = &e->nodes[i];
  int r = 0;
  if (n->kind == N_SYM) {
    psst_expr_role role = t->sym[n->sym].role;
    r = n->sym == v                 ? 1
        : role == PSST_EXPR_STATE   ? 2
        : role == PSST_EXPR_DERIVED ? 4
        : role == PSST_EXPR_INPUT   ? 8
                                    : 0;
    if (r && at && !*at) *at = n->col;
  }
  for (int k = 0; k < n->narg; k++)
    r |= reads(e, t, n->arg[k], v, at);
  return r;
}

typedef struct current_split {
  const psst_expr *e;
  const psst_expr_symtab *t;
  int v;
  psst_expr_diag *diag;
  outbuf g, drive, E;
  int ng, ndrive, nE;
} current_split;

static int split_append(current_split *s, outbuf *o, int *count, int i,
                        char op) {
  if (*count == 0 && op == '*') {
    (*count)++;
    return emit_node(s->e, s->t, i, o);
  }
  /* "(a op b)" around what is there: the factors left to right */
  size_t had = *count == 0 ? 0 : (o->len < o->cap ? o->len : o->cap);
  char *old = malloc(had + 4);
  PSST_ALLOC_CHECK(old);
  if (*count == 0)
    strcpy(old, "1.0");
  else {
    memcpy(old, o->buf, had);
    old[had] = '\0';
  }
  (*count)++;
  o->len = 0;
  if (o->cap) o->buf[0] = '\0';
  put(o, "(%s %c ", old, op);
  free(old);
  PSST_TRY(emit_node(s->e, s->t, i, o));
  put(o, ")");
  return 0;
}

static const char *const current_form =
    "a synaptic current is a product g * s * (V - E): parameters (g), "
    "state variables (s, the synapse's drive, summed over its synapses "
    "with their weights) and one (V - E) with E of parameters only";

static int split_factor(current_split *s, int i, char op) {
  const node *n = &s->e->nodes[i];
  if (n->kind == N_BIN && (n->op == '*' || n->op == '/') && op == '*') {
    PSST_TRY(split_factor(s, n->arg[0], '*'));
    return split_factor(s, n->arg[1], (char)n->op);
  }
  int at = 0;
  int r = reads(s->e, s->t, i, s->v, &at);
  if (r & 4)
    return fail_at(s->diag, at,
                   "in '%.*s': the current cannot use subexpressions (write "
                   "them out); %s",
                   n->hi - n->lo, s->e->src + n->lo, current_form);
  if (r & 8)
    return fail_at(s->diag, at,
                   "in '%.*s': the current reads only parameters, state "
                   "variables and the postsynaptic %s; %s",
                   n->hi - n->lo, s->e->src + n->lo, s->t->sym[s->v].name,
                   current_form);
  if (r & 1) {
    const node *l =
        n->kind == N_BIN && n->op == '-' ? &s->e->nodes[n->arg[0]] : NULL;
    int ok = op == '*' && l && l->kind == N_SYM && l->sym == s->v &&
             reads(s->e, s->t, n->arg[1], s->v, NULL) == 0 && s->nE == 0;
    if (!ok)
      return fail_at(s->diag, n->col,
                     "in '%.*s': %s must appear once, as (%s - E); %s",
                     n->hi - n->lo, s->e->src + n->lo, s->t->sym[s->v].name,
                     s->t->sym[s->v].name, current_form);
    s->nE++;
    return emit_node(s->e, s->t, n->arg[1], &s->E);
  }
  if (r & 2) {
    if (op != '*')
      return fail_at(s->diag, n->col,
                     "in '%.*s': a state variable cannot divide the "
                     "current; %s",
                     n->hi - n->lo, s->e->src + n->lo, current_form);
    return split_append(s, &s->drive, &s->ndrive, i, '*');
  }
  return split_append(s, &s->g, &s->ng, i, op);
}

int psst_expr_split_current(const psst_expr *e, const psst_expr_symtab *t,
                            const char *v_name, char *g, char *drive, char *E,
                            size_t cap, psst_expr_diag *diag) {
  if (cap) g[0] = drive[0] = E[0] = '\0';
  if (diag) diag->column = 0;
  PSST_CHECK(e && e->root >= 0, PSST_ERR_INTERNAL, "no expression");
  int v = psst_expr_symtab_find(t, v_name);
  PSST_CHECK(v >= 0, PSST_ERR_INTERNAL, "no symbol %s", v_name);
  psst_unit want;
  PSST_TRY(psst_unit_parse("uA/cm^2", &want, NULL));
  const node *root = &e->nodes[e->root];
  if (root->is_cond || !psst_unit_equal(root->unit, want)) {
    char have[64];
    psst_unit_format(root->unit, have, sizeof have);
    return fail_at(diag, 1, "the current '%s' is in %s, not uA/cm^2", e->src,
                   root->is_cond ? "a condition" : have);
  }
  current_split s = {e,           t, v, diag, {g, cap, 0}, {drive, cap, 0},
                     {E, cap, 0}, 0, 0, 0};
  PSST_TRY(split_factor(&s, e->root, '*'));
  if (s.nE == 0)
    return fail_at(diag, 1, "the current '%s' has no factor (%s - E); %s",
                   e->src, v_name, current_form);
  if (s.ndrive == 0)
    return fail_at(diag, 1,
                   "the current '%s' reads no state variable of the "
                   "synapse; %s",
                   e->src, current_form);
  if (s.ng == 0) put(&s.g, "1.0");
  PSST_TRY(outbuf_done(&s.g));
  PSST_TRY(outbuf_done(&s.drive));
  return outbuf_done(&s.E);
}

/* ==== reading and linearity ============================================ */

static int reads_node(const psst_expr *e, int i, int sym) {
  const node *n = &e->nodes[i];
  if (n->kind == N_SYM) return n->sym == sym;
  for (int a = 0; a < n->narg; a++)
    if (reads_node(e, n->arg[a], sym)) return 1;
  return 0;
}

int psst_expr_reads(const psst_expr *e, const psst_expr_symtab *t,
                    const char *name) {
  int k = psst_expr_symtab_find(t, name);
  return e && e->root >= 0 && k >= 0 && reads_node(e, e->root, k);
}

/* The degree of node i in the state variables: 0 (reads none), 1 (linear
 * and homogeneous: a sum of terms each a state times factors without
 * state), -1 (anything else, also what might be linear but is not
 * recognised: a state under a function, a power, a condition). A
 * subexpression counts as its definition in set s (without s: -1). */
static int degree_node(const psst_expr *e, const psst_expr_symtab *t,
                       const psst_expr_eqset *s, int i, int depth) {
  const node *n = &e->nodes[i];
  if (depth > 64) return -1;
  if (n->kind == N_NUM) return 0;
  if (n->kind == N_SYM) {
    const psst_expr_symbol *y = &t->sym[n->sym];
    if (y->role == PSST_EXPR_STATE) return 1;
    if (y->role != PSST_EXPR_DERIVED) return 0;
    int d = s ? defining(s, n->sym) : -1;
    if (d < 0) return -1;
    const psst_expr *de = s->st[d].e;
    return degree_node(de, t, s, de->root, depth + 1);
  }
  int da[3] = {0, 0, 0};
  for (int a = 0; a < n->narg; a++)
    if ((da[a] = degree_node(e, t, s, n->arg[a], depth + 1)) < 0) return -1;
  if (n->kind == N_NEG) return da[0];
  if (n->kind == N_BIN) {
    switch (n->op) {
    case '+':
    case '-': return da[0] == da[1] ? da[0] : -1;
    case '*': return da[0] + da[1] <= 1 ? da[0] + da[1] : -1;
    case '/': return da[1] == 0 ? da[0] : -1;
    default: return da[0] + da[1] == 0 ? 0 : -1;
    }
  }
  /* functions, comparisons, conditions: only of what has no state */
  for (int a = 0; a < n->narg; a++)
    if (da[a] != 0) return -1;
  return 0;
}

int psst_expr_state_degree(const psst_expr *e, const psst_expr_symtab *t) {
  if (!e || e->root < 0) return -1;
  return degree_node(e, t, NULL, e->root, 0);
}

int psst_expr_eqset_linear(const psst_expr_eqset *s) {
  if (!s || !s->checked) return 0;
  for (int i = 0; i < s->n; i++) {
    const statement *st = &s->st[i];
    if (st->kind != S_ODE) continue;
    if (degree_node(st->e, &s->t, s, st->e->root, 0) != 1) return 0;
  }
  return 1;
}

int psst_expr_is_increment(const psst_expr *e, const psst_expr_symtab *t,
                           const char *state) {
  int k = psst_expr_symtab_find(t, state);
  if (!e || e->root < 0 || k < 0) return 0;
  const node *n = &e->nodes[e->root];
  if (n->kind != N_BIN || n->op != '+') return 0;
  for (int a = 0; a < 2; a++) {
    const node *x = &e->nodes[n->arg[a]];
    if (x->kind == N_SYM && x->sym == k &&
        degree_node(e, t, NULL, n->arg[1 - a], 0) == 0)
      return 1;
  }
  return 0;
}
