/* kinds/expr.h — equations of user-defined kinds: units, expressions,
 * statements, dimensional analysis, evaluation and C emission (internal).
 *
 * Step 1 of issue 11: a self-contained module, not yet read from model
 * files. Text is parsed into a syntax tree; C is emitted from the tree,
 * never copied from the text.
 *
 * ## Units
 * A unit is an integer exponent per base dimension and a power of ten:
 *   voltage [mV], time [ms], current [uA], length [cm],
 *   concentration [mM], temperature [degC].
 * With these bases the membrane equation holds with scale 1:
 *   mS = uA/mV, uF = uA*ms/mV, so mS/cm^2 * mV = uA/cm^2 and
 *   (uA/cm^2) / (uF/cm^2) = mV/ms. Hz = 1e-3/ms.
 * Unit text: products and quotients (left to right) of atoms with optional
 * integer powers and parentheses: `mS/cm^2/mV`, `1/(ms*mV)`, `cm^-2`.
 * Atoms: V mV uV; s ms us; A mA uA nA pA; cm mm um m; S mS uS nS;
 * F uF nF pF; M mM uM nM; Hz kHz; degC; `1` (dimensionless).
 * No unit is ever converted: adding (or comparing, min/max, ?: branches)
 * quantities whose units differ is an error, also when only the scale
 * differs (Hz + 1/ms), and a dX/dt right-hand side must have exactly the
 * unit unit(X)/ms.
 *
 * ## Expressions (lowest precedence first)
 *   cond    := or [ '?' cond ':' cond ]                 (right-assoc)
 *   or      := and { '||' and }
 *   and     := not { '&&' not }
 *   not     := '!' not | compare
 *   compare := sum [ ('<'|'<='|'>'|'>='|'=='|'!=') sum ] (not chained)
 *   sum     := product { ('+'|'-') product }
 *   product := unary { ('*'|'/') unary }
 *   unary   := ('-'|'+') unary | power
 *   power   := primary [ '^' unary ]                    (right-assoc)
 *   primary := NUMBER [ '[' unit ']' ] | NAME | NAME '(' args ')'
 *            | '(' cond ')'
 * So -2^2 = -(2^2) = -4 and 2^3^2 = 2^9 = 512. NUMBER is decimal
 * (`1`, `1.5`, `.5`, `1e-3`); a bare number is dimensionless, `40[mV]`
 * carries a unit (write `V + 40[mV]`, not `V + 40`; `[` right after the
 * number; the value is not converted: 1[Hz] is 1 in Hz). A comparison gives a
 * condition, usable only as the first operand of `?:` / `where`, as an
 * operand of `&&`, `||`, `!` (which take and give conditions; && and ||
 * short-circuit; `!V > 0[mV]` is `!(V > 0[mV])`), or as a whole spike
 * condition.
 * Functions (arity): exp expm1 exprel log tanh sigmoid (1, dimensionless
 * argument and result); sqrt (1, halves the exponents); abs (1, keeps the
 * unit); min max (2, same unit); pow(x, c) (2, as x^c); heaviside(x) (1, any
 * unit, result 1 for x > 0 else 0, dimensionless); where(c, a, b) (3, as
 * c ? a : b). exprel(x) = (exp(x) - 1)/x, 1 at 0; sigmoid(x) = 1/(1+exp(-x)).
 * x^c with x not dimensionless needs c constant (numbers only) and c times
 * every exponent of x an integer (V^2 yes, V^0.5 no, (V*V)^0.5 yes).
 *
 * ## Statements (psst_expr_eqset_add)
 *   dX/dt = EXPR   X a state; unit(EXPR) must be unit(X)/ms
 *   NAME = EXPR    a subexpression; its unit is inferred; may use other
 *                  subexpressions in any order, not circularly
 *   EXPR           a condition (spike condition, `V > -20[mV]`); at most one
 * Assigning a parameter, state, input or constant is an error, so is
 * d<param>/dt, and (psst_expr_eqset_check) a state without an equation.
 *
 * ## Errors
 * Functions return 0 or a negative PSST_ERR_* code with the message set by
 * psst_error_set. Messages of errors in a text start with `column N: `, N
 * 1-based inside the text given (unit string, expression or statement),
 * counted in bytes from its start (spaces, tabs and line breaks are all
 * white space and count as one column each: the caller maps N - 1, a byte
 * offset, to its file's line and column);
 * the same N comes back in psst_expr_diag.column (0 when the error is about
 * a whole equation set) so that the caller can add file:line:column. Unit
 * errors quote the offending term and show both units as text. Where N
 * points: a binary operator's or comparison's token for its unit mismatch,
 * a function's name for its arity or argument, a name for an unknown
 * symbol, the start of the right-hand side for a dX/dt of the wrong unit,
 * the reference that closes a cycle of subexpressions.
 *
 * ## Evaluation and C
 * psst_expr_eval uses the built-in kinds' math (psst_exp, psst_exprel, ...).
 * The emitter writes fully parenthesised C from the tree: numbers in %.17g
 * (with ".0" when integral), symbols by their access text, subexpressions as
 * locals `psst_s_NAME`, x^2..x^4 of a name or number as x*x*... (evaluated
 * the same way), other powers psst_pow, abs/min/max as fabs/fmin/fmax,
 * sigmoid and heaviside inline.
 *
 * Nothing here is collective; nothing prints.
 */
#ifndef PSST_KINDS_EXPR_H
#define PSST_KINDS_EXPR_H

#include <stddef.h>

/* ---- units ---------------------------------------------------------- */

enum {
  PSST_DIM_VOLTAGE, /* mV */
  PSST_DIM_TIME,    /* ms */
  PSST_DIM_CURRENT, /* uA */
  PSST_DIM_LENGTH,  /* cm */
  PSST_DIM_CONC,    /* mM */
  PSST_DIM_TEMP,    /* degC */
  PSST_NDIM
};

typedef struct psst_unit {
  int dim[PSST_NDIM]; /* exponent of each base unit */
  int scale;          /* the unit is 10^scale times the product */
} psst_unit;

/* Where an error lies: column 1-based in the text (0: whole set), and the
 * statement (0-based order of psst_expr_eqset_add; -1: none). */
typedef struct psst_expr_diag {
  int column;
  int statement;
} psst_expr_diag;

/* The dimensionless unit `1`. */
psst_unit psst_unit_one(void);
/* 1 when a and b are the same unit (dimensions and scale). */
int psst_unit_equal(psst_unit a, psst_unit b);
/* 1 when u is `1` exactly (scale 0). */
int psst_unit_is_one(psst_unit u);
/* Parse unit text (see above) into *u. On error *column (if not NULL) is
 * the 1-based column in text. */
int psst_unit_parse(const char *text, psst_unit *u, int *column);
/* u as text ("mS/cm^2", "mV/ms", "1e-3/ms" when no name fits better) into
 * buf (always terminated); returns buf. */
const char *psst_unit_format(psst_unit u, char *buf, size_t cap);

/* ---- symbols -------------------------------------------------------- */

typedef enum psst_expr_role {
  PSST_EXPR_STATE,   /* state variable: dX/dt = ... */
  PSST_EXPR_PARAM,   /* parameter of the kind, read-only */
  PSST_EXPR_DERIVED, /* subexpression NAME = ... (added by an eqset) */
  PSST_EXPR_INPUT,   /* given by the engine: I_inj, I_syn, t */
  PSST_EXPR_CONST    /* builtin constant with a value */
} psst_expr_role;

#define PSST_EXPR_NAME_MAX 64
#define PSST_EXPR_ACCESS_MAX 64

typedef struct psst_expr_symbol {
  char name[PSST_EXPR_NAME_MAX];
  psst_unit unit;
  int unit_known; /* 0 for a subexpression not yet typed */
  psst_expr_role role;
  char access[PSST_EXPR_ACCESS_MAX]; /* C text reading it: "x[1]", "p[0]" */
  double value;                      /* CONST: its value (in its unit) */
} psst_expr_symbol;

typedef struct psst_expr_symtab {
  psst_expr_symbol *sym;
  int n, cap;
} psst_expr_symtab;

/* Add a symbol; unit is unit text; access is the C text the emitter writes
 * for it (may be NULL for CONST, whose value is then written). Errors:
 * duplicate or invalid name, bad unit. The table owns its array; zero-
 * initialise it before the first add, free with psst_expr_symtab_free. */
int psst_expr_symtab_add(psst_expr_symtab *t, const char *name,
                         const char *unit, psst_expr_role role,
                         const char *access, double value);
/* Index of name, or -1. */
int psst_expr_symtab_find(const psst_expr_symtab *t, const char *name);
void psst_expr_symtab_free(psst_expr_symtab *t);

/* ---- one expression ------------------------------------------------- */

typedef struct psst_expr psst_expr;

/* Parse text into a tree (syntax, literal units, functions and arities;
 * symbols are not looked up yet). Owned by the caller: psst_expr_destroy. */
int psst_expr_parse(const char *text, psst_expr **out, psst_expr_diag *diag);
void psst_expr_destroy(psst_expr **e);

/* Look up the symbols of e in t and infer its unit: *unit (if not NULL);
 * *is_condition (if not NULL) is 1 for a comparison result. The symbol
 * indices of t are then stored in e (eval and emit use the same t). */
int psst_expr_check(psst_expr *e, const psst_expr_symtab *t, psst_unit *unit,
                    int *is_condition, psst_expr_diag *diag);

/* Value of a checked e with symbol i worth values[i] (for every role);
 * a condition gives 1 or 0. Math as in the built-in kinds (psst_exp, ...).
 */
int psst_expr_eval(const psst_expr *e, const double *values, double *out);

/* C source of a checked e into buf[cap] (terminated), fully parenthesised,
 * numbers in %.17g, symbols by their access text (DERIVED: psst_s_NAME). */
int psst_expr_emit(const psst_expr *e, const psst_expr_symtab *t, char *buf,
                   size_t cap);

/* ---- equation sets -------------------------------------------------- */

typedef struct psst_expr_eqset psst_expr_eqset;

/* A set over a copy of syms (states, parameters, inputs, constants). */
int psst_expr_eqset_create(const psst_expr_symtab *syms, psst_expr_eqset **out);
void psst_expr_eqset_destroy(psst_expr_eqset **s);
/* Parse one statement (dX/dt = E, NAME = E, or a condition). */
int psst_expr_eqset_add(psst_expr_eqset *s, const char *stmt,
                        psst_expr_diag *diag);
/* Whole-set checks: unknown symbols, circular subexpressions (message
 * names the cycle "a -> b -> a"), units of every statement, a state
 * without an equation, a condition that is not a comparison. */
int psst_expr_eqset_check(psst_expr_eqset *s, psst_expr_diag *diag);
/* The set's table (the given symbols, then its subexpressions). */
const psst_expr_symtab *psst_expr_eqset_symtab(const psst_expr_eqset *s);
/* Derivatives of a checked set: values[] indexed as the table (states,
 * parameters, inputs set by the caller; subexpression slots are written);
 * dx[k] for the k-th STATE symbol of the table. */
int psst_expr_eqset_eval(const psst_expr_eqset *s, double *values, double *dx);
/* Value of the condition of a checked set (0 or 1) in *out; error when
 * the set has none. Call after psst_expr_eqset_eval (uses its values). */
int psst_expr_eqset_eval_condition(const psst_expr_eqset *s,
                                   const double *values, double *out);
/* A complete C function
 *   PSST_HD static inline void psst_nk_<kind>_deriv(const double *p,
 *       const double *x, double Iext, double *dx)
 * of a checked set: the subexpressions the equations need, as locals
 * `psst_s_NAME` in dependency order, then dx[k] for the k-th state (the
 * condition is not part of it). Symbol access texts must use p, x, Iext. */
int psst_expr_eqset_emit_deriv(const psst_expr_eqset *s, const char *kind,
                               char *buf, size_t cap);
/* The condition of a checked set as a complete C function
 *   PSST_HD static inline int psst_nk_<kind>_condition(const double *p,
 *       const double *x, double Iext)
 * (1 when it holds), with the subexpressions it needs as locals; error when
 * the set has none. The hook's name and use are the next step's to fix. */
int psst_expr_eqset_emit_condition(const psst_expr_eqset *s, const char *kind,
                                   char *buf, size_t cap);

/* ---- synaptic currents ---------------------------------------------- */

/* The engine's form of a synaptic current (user-defined synapse kinds):
 *   I_i = G * (sum_j w_ij D(x_j)) * (V_i - E)
 * read off a checked current expression e over table t, where v_name is
 * the postsynaptic membrane potential's symbol. e must be in uA/cm^2 and a
 * product (`*`, and `/` by factors without state) of: factors of
 * parameters, numbers and constants (G, multiplied left to right, "1.0"
 * when none), factors reading state variables (D, per element; at least
 * one; never a divisor), and exactly one (V - E) with E of parameters only.
 * Subexpressions and other inputs are refused. The C texts of G, D and E
 * (fully parenthesised, as psst_expr_emit) go to g, drive and E, each of
 * cap bytes. Errors (PSST_ERR_USER) start with `column N: ` as above and
 * say the expected form. Example: `g * O * (V - E)` gives "p[4]", "x[0]",
 * "p[5]"; the engine then evaluates g * drive * (V - E), in that order. */
int psst_expr_split_current(const psst_expr *e, const psst_expr_symtab *t,
                            const char *v_name, char *g, char *drive, char *E,
                            size_t cap, psst_expr_diag *diag);

/* ---- what an expression reads ----------------------------------------- */

/* 1 when checked e reads symbol `name` of t (directly, not through a
 * subexpression), else 0. */
int psst_expr_reads(const psst_expr *e, const psst_expr_symtab *t,
                    const char *name);
/* The degree of checked e (over t, without subexpressions) in t's state
 * variables: 0 when it reads none, 1 when it is linear and homogeneous in
 * them (each term a state times factors without state), -1 otherwise
 * (also for what is linear but not recognised as such: a state inside a
 * function, a power or a condition). */
int psst_expr_state_degree(const psst_expr *e, const psst_expr_symtab *t);
/* 1 when every dX/dt of checked set s is linear and homogeneous in the
 * states (as above, subexpressions followed to their definitions). */
int psst_expr_eqset_linear(const psst_expr_eqset *s);
/* 1 when checked e is `X + c` or `c + X`, X the state `state` of t and c
 * reading no state. */
int psst_expr_is_increment(const psst_expr *e, const psst_expr_symtab *t,
                           const char *state);

#endif
