/* YAML model files into a validated psst_model (libyaml document API).
 *
 * The whole file is loaded into a yaml_document_t, then walked once, section
 * by section: run, populations (selectors need them), projections, stimuli,
 * record, output. Every check reports
 *   <file>:<line>:<column>: <key path>: <what is wrong and what is allowed>
 * with the position of the offending node (1-based), and returns
 * PSST_ERR_USER. The model under construction is freed on any error.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kinds/expr.h"
#include "kinds/jit.h"
#include "kinds/user.h"
#include "kinds/user_syn.h"
#include "mech/list.h"
#include "mech/rules.h"
#include "psst/config.h"
#include "psst/error.h"
#include "psst/io.h"

#define KP_MAX 256   /* longest key path kept in messages */
#define LIST_MAX 512 /* longest "allowed: ..." / "known: ..." list */

typedef struct ctx {
  const char *path; /* model file path, for messages */
  char *dir;        /* folder of the model file with a trailing '/', or "" */
  yaml_document_t *doc;
  psst_model *m;
  const psst_config_overrides *ov; /* may be NULL */
  char got[96]; /* scratch for describing a node in a message */
} ctx;

/* ---- nodes ----------------------------------------------------------------
 */

static yaml_node_t *node_at(ctx *c, int id) {
  return yaml_document_get_node(c->doc, id);
}

static const char *sval(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

static int is_plain(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE &&
         n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int is_null(const yaml_node_t *n) {
  if (!is_plain(n)) return 0;
  const char *s = sval(n);
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
         !strcmp(s, "NULL");
}

static int seq_len(const yaml_node_t *n) {
  return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_at(ctx *c, const yaml_node_t *n, int i) {
  return node_at(c, n->data.sequence.items.start[i]);
}

static int map_len(const yaml_node_t *n) {
  return (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static yaml_node_t *map_key(ctx *c, const yaml_node_t *n, int i) {
  return node_at(c, n->data.mapping.pairs.start[i].key);
}

static yaml_node_t *map_val(ctx *c, const yaml_node_t *n, int i) {
  return node_at(c, n->data.mapping.pairs.start[i].value);
}

/* Value of `key` in mapping n (keys already checked to be scalars), or NULL. */
static yaml_node_t *map_get(ctx *c, const yaml_node_t *n, const char *key) {
  for (int i = 0; i < map_len(n); i++)
    if (!strcmp(sval(map_key(c, n, i)), key)) return map_val(c, n, i);
  return NULL;
}

/* What a node is, for "got ..." in messages. */
static const char *got(ctx *c, const yaml_node_t *n) {
  if (n->type == YAML_MAPPING_NODE) return "a mapping";
  if (n->type == YAML_SEQUENCE_NODE) return "a sequence";
  if (is_null(n)) return "nothing";
  const char *q = is_plain(n) ? "" : "'";
  const char *s = sval(n);
  if (strlen(s) > 60)
    snprintf(c->got, sizeof c->got, "%s%.60s...%s", q, s, q);
  else
    snprintf(c->got, sizeof c->got, "%s%s%s", q, s, q);
  return c->got;
}

/* ---- messages -------------------------------------------------------------
 */

static int fail(ctx *c, const yaml_node_t *n, const char *kp, const char *fmt,
                ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail(ctx *c, const yaml_node_t *n, const char *kp, const char *fmt,
                ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  unsigned long line = n ? (unsigned long)n->start_mark.line + 1 : 1;
  unsigned long col = n ? (unsigned long)n->start_mark.column + 1 : 1;
  return psst_error_set(PSST_ERR_USER, "%s:%lu:%lu: %s%s%s", c->path, line, col,
                        kp, *kp ? ": " : "", msg);
}

static void kp_key(char *out, const char *parent, const char *key) {
  int r = *parent ? snprintf(out, KP_MAX, "%s.%s", parent, key)
                  : snprintf(out, KP_MAX, "%s", key);
  if (r < 0 || r >= KP_MAX) out[KP_MAX - 1] = '\0';
}

static void kp_idx(char *out, const char *parent, int i) {
  int r = snprintf(out, KP_MAX, "%s[%d]", parent, i);
  if (r < 0 || r >= KP_MAX) out[KP_MAX - 1] = '\0';
}

/* Append `s` to a ", "-separated list in buf (LIST_MAX bytes). */
static void list_add(char *buf, const char *s) {
  size_t len = strlen(buf);
  if (len + strlen(s) + 8 >= LIST_MAX) {
    if (len + 5 < LIST_MAX && !strstr(buf, "...")) strcat(buf, ", ...");
    return;
  }
  if (len) strcat(buf, ", ");
  strcat(buf, s);
}

static void list_words(char *buf, const char *const *words) {
  buf[0] = '\0';
  for (; *words; words++)
    list_add(buf, *words);
}

/* " unit" or "" for dimensionless ("1") quantities. */
static const char *unit_sp(const char *unit) {
  return (unit && *unit && strcmp(unit, "1")) ? " " : "";
}
static const char *unit_s(const char *unit) {
  return (unit && *unit && strcmp(unit, "1")) ? unit : "";
}

/* ---- mappings -------------------------------------------------------------
 */

/* n must be a mapping with scalar, unique keys; with `allowed` (NULL-ended),
 * only those keys. */
static int check_map(ctx *c, const yaml_node_t *n, const char *kp,
                     const char *const *allowed) {
  if (n->type != YAML_MAPPING_NODE) {
    if (allowed) {
      char list[LIST_MAX];
      list_words(list, allowed);
      return fail(c, n, kp, "must be a mapping (keys: %s), got %s", list,
                  got(c, n));
    }
    return fail(c, n, kp, "must be a mapping, got %s", got(c, n));
  }
  for (int i = 0; i < map_len(n); i++) {
    yaml_node_t *k = map_key(c, n, i);
    if (k->type != YAML_SCALAR_NODE)
      return fail(c, k, kp, "keys must be plain names, got %s", got(c, k));
    char kp2[KP_MAX];
    kp_key(kp2, kp, sval(k));
    for (int j = 0; j < i; j++) {
      yaml_node_t *k0 = map_key(c, n, j);
      if (k0->type == YAML_SCALAR_NODE && !strcmp(sval(k0), sval(k)))
        return fail(c, k, kp2, "duplicate key (first given at line %lu)",
                    (unsigned long)k0->start_mark.line + 1);
    }
    if (allowed) {
      int ok = 0;
      for (const char *const *a = allowed; *a && !ok; a++)
        ok = !strcmp(*a, sval(k));
      if (!ok) {
        char list[LIST_MAX];
        list_words(list, allowed);
        return fail(c, k, kp2, "unknown key (allowed: %s)", list);
      }
    }
  }
  return 0;
}

static int req(ctx *c, yaml_node_t *map, const char *kp, const char *key,
               yaml_node_t **out) {
  *out = map_get(c, map, key);
  if (*out) return 0;
  char kp2[KP_MAX];
  kp_key(kp2, kp, key);
  return fail(c, map, kp2, "required key is missing");
}

/* Optional key: an absent key and an empty value (`key:`) both give NULL. */
static yaml_node_t *opt(ctx *c, yaml_node_t *map, const char *key) {
  yaml_node_t *v = map_get(c, map, key);
  return (v && is_null(v)) ? NULL : v;
}

/* ---- scalars --------------------------------------------------------------
 */

static int parse_double(const yaml_node_t *n, double *x) {
  if (!is_plain(n) || is_null(n)) return 0;
  const char *s = sval(n);
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || !isfinite(v)) return 0;
  *x = v;
  return 1;
}

static int parse_int(const yaml_node_t *n, int64_t *x) {
  if (!is_plain(n) || is_null(n)) return 0;
  const char *s = sval(n);
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end != s && !*end && errno == 0) {
    *x = (int64_t)v;
    return 1;
  }
  double d; /* 1e6 is an integer too, as long as it is exact */
  if (parse_double(n, &d) && d == floor(d) && fabs(d) <= 9007199254740992.0) {
    *x = (int64_t)d;
    return 1;
  }
  return 0;
}

/* A number in [lo, hi] (or (lo, hi] with lo_open) [unit]. */
static int get_num(ctx *c, const yaml_node_t *n, const char *kp, double lo,
                   double hi, int lo_open, const char *unit, double *out) {
  double v;
  const char *open = lo_open ? "(" : "[";
  if (!parse_double(n, &v))
    return fail(c, n, kp, "must be a number in %s%g, %g]%s%s, got %s", open, lo,
                hi, unit_sp(unit), unit_s(unit), got(c, n));
  if (v < lo || v > hi || (lo_open && v == lo))
    return fail(c, n, kp, "must be in %s%g, %g]%s%s, got %s", open, lo, hi,
                unit_sp(unit), unit_s(unit), got(c, n));
  *out = v;
  return 0;
}

static int get_int(ctx *c, const yaml_node_t *n, const char *kp, int64_t lo,
                   int64_t hi, int64_t *out) {
  int64_t v;
  if (!parse_int(n, &v) || v < lo || v > hi)
    return fail(c, n, kp, "must be an integer in [%lld, %lld], got %s",
                (long long)lo, (long long)hi, got(c, n));
  *out = v;
  return 0;
}

static int get_bool(ctx *c, const yaml_node_t *n, const char *kp, int *out) {
  static const char *const t[] = {"true", "True", "TRUE", "yes", "Yes",
                                  "YES",  "on",   "On",   "ON",  NULL};
  static const char *const f[] = {"false", "False", "FALSE", "no",  "No",
                                  "NO",    "off",   "Off",   "OFF", NULL};
  if (is_plain(n)) {
    for (int i = 0; t[i]; i++)
      if (!strcmp(sval(n), t[i])) return *out = 1, 0;
    for (int i = 0; f[i]; i++)
      if (!strcmp(sval(n), f[i])) return *out = 0, 0;
  }
  return fail(c, n, kp, "must be true or false, got %s", got(c, n));
}

/* A non-empty string (any scalar style); the text belongs to the document. */
static int get_str(ctx *c, const yaml_node_t *n, const char *kp,
                   const char **out) {
  if (n->type != YAML_SCALAR_NODE || is_null(n) || !*sval(n))
    return fail(c, n, kp, "must be a non-empty string, got %s", got(c, n));
  *out = sval(n);
  return 0;
}

/* One of `words` (NULL-ended); *out = its index. */
static int get_enum(ctx *c, const yaml_node_t *n, const char *kp,
                    const char *const *words, int *out) {
  if (n->type == YAML_SCALAR_NODE)
    for (int i = 0; words[i]; i++)
      if (!strcmp(sval(n), words[i])) return *out = i, 0;
  char list[LIST_MAX];
  list_words(list, words);
  return fail(c, n, kp, "must be one of %s, got %s", list, got(c, n));
}

/* [A-Za-z_][A-Za-z0-9_]*, at most PSST_NAME_MAX - 1 characters. */
static int get_name(ctx *c, const yaml_node_t *n, const char *kp,
                    char out[PSST_NAME_MAX]) {
  const char *s = NULL;
  PSST_TRY(get_str(c, n, kp, &s));
  size_t len = strlen(s);
  int ok =
      len < PSST_NAME_MAX && (s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') ||
                              (s[0] >= 'a' && s[0] <= 'z'));
  for (size_t i = 1; ok && i < len; i++)
    ok = s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
         (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');
  if (!ok)
    return fail(c, n, kp,
                "must be a name of letters, digits and '_' that does not "
                "start with a digit, at most %d characters, got %s",
                PSST_NAME_MAX - 1, got(c, n));
  memcpy(out, s, len + 1);
  return 0;
}

/* A path inside the model: relative ones are taken from the model's folder. */
static int get_path(ctx *c, const yaml_node_t *n, const char *kp, char **out) {
  const char *s = NULL;
  PSST_TRY(get_str(c, n, kp, &s));
  size_t ld = (s[0] == '/') ? 0 : strlen(c->dir), ls = strlen(s);
  char *p = malloc(ld + ls + 1);
  PSST_ALLOC_CHECK(p);
  memcpy(p, c->dir, ld);
  memcpy(p + ld, s, ls + 1);
  *out = p;
  return 0;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static void *xcalloc(size_t n, size_t size) { return calloc(n ? n : 1, size); }

/* ---- kind tables ----------------------------------------------------------
 */

static int get_params(ctx *c, yaml_node_t *n, const char *kp, const char *kind,
                      const psst_param_info *info, int np, double *vals) {
  for (int i = 0; i < np; i++)
    vals[i] = info[i].def;
  if (!n) return 0;
  PSST_TRY(check_map(c, n, kp, NULL));
  for (int i = 0; i < map_len(n); i++) {
    yaml_node_t *k = map_key(c, n, i);
    char kp2[KP_MAX];
    kp_key(kp2, kp, sval(k));
    int j = psst_param_index(info, np, sval(k));
    if (j < 0) {
      char list[LIST_MAX] = "";
      for (int q = 0; q < np; q++)
        list_add(list, info[q].name);
      return fail(c, k, kp2, "unknown parameter of kind %s (allowed: %s)", kind,
                  np ? list : "none");
    }
    PSST_TRY(get_num(c, map_val(c, n, i), kp2, info[j].min, info[j].max, 0,
                     info[j].unit, &vals[j]));
  }
  return 0;
}

/* The kind's own cross-parameter check (psst_*_kind.check), blaming the
 * parameter it names: its value in the params map if given, else `where`
 * (the kind's key). */
static int check_kind_params(ctx *c, yaml_node_t *params, yaml_node_t *where,
                             const char *kp, const char *kind,
                             psst_kind_check_fn check,
                             const psst_param_info *info, const double *vals) {
  if (!check) return 0;
  int bad = 0;
  const char *why = check(vals, &bad);
  if (!why) return 0;
  char kp2[KP_MAX];
  kp_key(kp2, kp, info[bad].name);
  yaml_node_t *at = params ? opt(c, params, info[bad].name) : NULL;
  return fail(c, at ? at : where, kp2, "%s %s = %g: %s", kind, info[bad].name,
              vals[bad], why);
}

/* number | {normal: [mean, sd]} | {uniform: [lo, hi]} */
static int get_init_value(ctx *c, yaml_node_t *n, const char *kp,
                          const char *unit, psst_init_value *out) {
  static const char *const forms[] = {"normal", "uniform", NULL};
  const char *what = "must be a number, {normal: [mean, sd]} or "
                     "{uniform: [lo, hi]}";
  double x;
  if (parse_double(n, &x)) {
    out->type = PSST_INIT_CONST;
    out->a = x;
    out->b = 0;
    return 0;
  }
  if (n->type != YAML_MAPPING_NODE || map_len(n) != 1)
    return fail(c, n, kp, "%s%s%s, got %s", what, *unit_s(unit) ? " in " : "",
                unit_s(unit), got(c, n));
  PSST_TRY(check_map(c, n, kp, forms));
  yaml_node_t *k = map_key(c, n, 0), *v = map_val(c, n, 0);
  int normal = !strcmp(sval(k), "normal");
  char kp2[KP_MAX];
  kp_key(kp2, kp, sval(k));
  double ab[2];
  if (v->type != YAML_SEQUENCE_NODE || seq_len(v) != 2 ||
      !parse_double(seq_at(c, v, 0), &ab[0]) ||
      !parse_double(seq_at(c, v, 1), &ab[1]))
    return fail(c, v, kp2, "must be a sequence of two numbers %s, got %s",
                normal ? "[mean, sd]" : "[lo, hi]", got(c, v));
  if (normal && ab[1] < 0)
    return fail(c, v, kp2, "standard deviation must be >= 0, got %g", ab[1]);
  if (!normal && ab[0] > ab[1])
    return fail(c, v, kp2, "needs lo <= hi, got [%g, %g]", ab[0], ab[1]);
  out->type = normal ? PSST_INIT_NORMAL : PSST_INIT_UNIFORM;
  out->a = ab[0];
  out->b = ab[1];
  return 0;
}

/* A per-synapse value: a number, or {normal: [mean, sd]},
 * {uniform: [lo, hi]} or {lognormal: [mu, sigma]} (of the log), each with
 * optional min and max (clamping bounds, within [lo, hi] and defaulting to
 * them). `unit` for messages. */
static int get_dist(ctx *c, yaml_node_t *n, const char *kp, double lo,
                    double hi, const char *unit, psst_dist *out) {
  static const char *const forms[] = {"normal", "uniform", "lognormal",
                                      "min",    "max",     NULL};
  const char *what = "must be a number, {normal: [mean, sd]}, {uniform: [lo, "
                     "hi]} or {lognormal: [mu, sigma]} (with optional min, "
                     "max)";
  memset(out, 0, sizeof *out);
  out->min = lo;
  out->max = hi;
  double x;
  if (parse_double(n, &x)) {
    PSST_TRY(get_num(c, n, kp, lo, hi, 0, unit, &x));
    out->type = PSST_DIST_CONST;
    out->a = x;
    return 0;
  }
  if (n->type != YAML_MAPPING_NODE)
    return fail(c, n, kp, "%s%s%s, got %s", what, *unit_s(unit) ? " in " : "",
                unit_s(unit), got(c, n));
  PSST_TRY(check_map(c, n, kp, forms));
  char kp2[KP_MAX];
  yaml_node_t *v, *form = NULL;
  const char *fname = NULL;
  for (int f = 0; f < 3; f++)
    if ((v = opt(c, n, forms[f]))) {
      if (form) {
        kp_key(kp2, kp, forms[f]);
        return fail(c, v, kp2, "%s and %s exclude each other", fname, forms[f]);
      }
      form = v;
      fname = forms[f];
      out->type = f == 0   ? PSST_DIST_NORMAL
                  : f == 1 ? PSST_DIST_UNIFORM
                           : PSST_DIST_LOGNORMAL;
    }
  if (!form) return fail(c, n, kp, "%s, got %s", what, got(c, n));
  kp_key(kp2, kp, fname);
  double ab[2];
  const char *names = out->type == PSST_DIST_NORMAL    ? "[mean, sd]"
                      : out->type == PSST_DIST_UNIFORM ? "[lo, hi]"
                                                       : "[mu, sigma]";
  if (form->type != YAML_SEQUENCE_NODE || seq_len(form) != 2 ||
      !parse_double(seq_at(c, form, 0), &ab[0]) ||
      !parse_double(seq_at(c, form, 1), &ab[1]) || !isfinite(ab[0]) ||
      !isfinite(ab[1]))
    return fail(c, form, kp2, "must be a sequence of two numbers %s, got %s",
                names, got(c, form));
  if (out->type != PSST_DIST_UNIFORM && ab[1] < 0)
    return fail(c, form, kp2, "%s must be >= 0, got %g",
                out->type == PSST_DIST_NORMAL ? "the standard deviation"
                                              : "sigma",
                ab[1]);
  if (out->type == PSST_DIST_UNIFORM && !(ab[0] <= ab[1]))
    return fail(c, form, kp2, "needs lo <= hi, got [%g, %g]", ab[0], ab[1]);
  out->a = ab[0];
  out->b = ab[1];
  if (out->type == PSST_DIST_UNIFORM) {
    out->min_given = 1;
    out->min = ab[0] > lo ? ab[0] : lo;
    out->max = ab[1] < hi ? ab[1] : hi;
    if (ab[0] < lo || ab[1] > hi)
      return fail(c, form, kp2, "must lie in [%g, %g]%s%s, got [%g, %g]", lo,
                  hi, *unit_s(unit) ? " " : "", unit_s(unit), ab[0], ab[1]);
  }
  if ((v = opt(c, n, "min"))) {
    kp_key(kp2, kp, "min");
    out->min_given = 1;
    PSST_TRY(get_num(c, v, kp2, lo, hi, 0, unit, &out->min));
  }
  if ((v = opt(c, n, "max"))) {
    kp_key(kp2, kp, "max");
    PSST_TRY(get_num(c, v, kp2, lo, hi, 0, unit, &out->max));
  }
  if (!(out->min <= out->max))
    return fail(c, v ? v : n, kp, "needs min <= max, got min %g, max %g",
                out->min, out->max);
  return 0;
}

/* init mapping of a kind's state table (+ fire_t when with_fire_t). */
static int get_inits(ctx *c, yaml_node_t *n, const char *kp, const char *kind,
                     const psst_state_info *st, int ns, int with_fire_t,
                     psst_init_value *vals) {
  for (int i = 0; i < ns; i++) {
    vals[i].type = PSST_INIT_DEFAULT;
    vals[i].a = st[i].def;
  }
  if (with_fire_t) {
    vals[ns].type = PSST_INIT_DEFAULT;
    vals[ns].a = PSST_FIRE_T_DEFAULT;
  }
  if (!n) return 0;
  PSST_TRY(check_map(c, n, kp, NULL));
  for (int i = 0; i < map_len(n); i++) {
    yaml_node_t *k = map_key(c, n, i);
    char kp2[KP_MAX];
    kp_key(kp2, kp, sval(k));
    int j = psst_state_index(st, ns, sval(k));
    const char *unit = j >= 0 ? st[j].unit : "ms";
    if (j < 0 && with_fire_t && !strcmp(sval(k), "fire_t")) j = ns;
    if (j < 0) {
      char list[LIST_MAX] = "";
      for (int q = 0; q < ns; q++)
        list_add(list, st[q].name);
      if (with_fire_t) list_add(list, "fire_t");
      return fail(c, k, kp2, "unknown state variable of kind %s (allowed: %s)",
                  kind, *list ? list : "none");
    }
    PSST_TRY(get_init_value(c, map_val(c, n, i), kp2, unit, &vals[j]));
    /* a fraction (a gate, an open receptor fraction) lies in [0, 1]: a
     * constant, a uniform's bounds, a normal's mean */
    const psst_init_value *iv = &vals[j];
    if (j < ns && st[j].fraction) {
      yaml_node_t *vn = map_val(c, n, i);
      if (iv->type == PSST_INIT_CONST && !(iv->a >= 0 && iv->a <= 1))
        return fail(c, vn, kp2,
                    "%s (%s) is a fraction: it must be in [0, 1], got %g",
                    st[j].name, st[j].long_name, iv->a);
      if (iv->type == PSST_INIT_UNIFORM && !(iv->a >= 0 && iv->b <= 1))
        return fail(c, vn, kp2,
                    "%s (%s) is a fraction: {uniform: [lo, hi]} must lie in "
                    "[0, 1], got [%g, %g]",
                    st[j].name, st[j].long_name, iv->a, iv->b);
      if (iv->type == PSST_INIT_NORMAL && !(iv->a >= 0 && iv->a <= 1))
        return fail(c, vn, kp2,
                    "%s (%s) is a fraction: the mean of {normal: [mean, sd]} "
                    "must be in [0, 1], got %g",
                    st[j].name, st[j].long_name, iv->a);
    }
  }
  return 0;
}

/* ---- selectors ------------------------------------------------------------
 */

static void known_pops(ctx *c, char *list) {
  list[0] = '\0';
  for (int i = 0; i < c->m->npop; i++)
    list_add(list, c->m->pops[i].name);
}

/* "POP", "POP[i]" or "POP[i:j]" (0 <= i < j <= size). */
static int get_slice(ctx *c, const yaml_node_t *n, const char *kp,
                     psst_slice *out) {
  static const char *const shape =
      "expected POP, POP[i] or POP[i:j] with integers 0 <= i < j <= size";
  const char *s = NULL;
  PSST_TRY(get_str(c, n, kp, &s));
  const char *br = strchr(s, '[');
  size_t nlen = br ? (size_t)(br - s) : strlen(s);
  long long lo = 0, hi = -1;
  int has_idx = 0, has_range = 0;
  if (br) {
    const char *p = br + 1;
    char *end;
    if (*p < '0' || *p > '9')
      return fail(c, n, kp, "bad selector '%s' (%s)", s, shape);
    errno = 0;
    lo = strtoll(p, &end, 10);
    has_idx = 1;
    if (*end == ':') {
      p = end + 1;
      if (*p < '0' || *p > '9')
        return fail(c, n, kp, "bad selector '%s' (%s)", s, shape);
      hi = strtoll(p, &end, 10);
      has_range = 1;
    }
    if (errno || end[0] != ']' || end[1] != '\0')
      return fail(c, n, kp, "bad selector '%s' (%s)", s, shape);
  }
  int pop = -1;
  for (int i = 0; i < c->m->npop && pop < 0; i++)
    if (strlen(c->m->pops[i].name) == nlen &&
        !strncmp(c->m->pops[i].name, s, nlen))
      pop = i;
  if (pop < 0) {
    char list[LIST_MAX];
    known_pops(c, list);
    return fail(c, n, kp, "unknown population '%.*s' (known: %s)", (int)nlen, s,
                list);
  }
  int64_t size = c->m->pops[pop].size;
  if (!has_idx) {
    lo = 0;
    hi = size;
  } else if (!has_range) {
    if (lo >= size)
      return fail(c, n, kp,
                  "index %lld is out of range: population %s has %lld "
                  "neurons (allowed: 0 to %lld)",
                  lo, c->m->pops[pop].name, (long long)size,
                  (long long)size - 1);
    hi = lo + 1;
  } else if (!(lo < hi && hi <= size)) {
    return fail(c, n, kp,
                "slice [%lld:%lld] is empty or out of range: population %s "
                "has %lld neurons (need 0 <= i < j <= %lld)",
                lo, hi, c->m->pops[pop].name, (long long)size, (long long)size);
  }
  out->pop = pop;
  out->lo = lo;
  out->hi = hi;
  return 0;
}

/* A selector string or a non-empty sequence of them. */
static int get_selection(ctx *c, yaml_node_t *n, const char *kp,
                         psst_selection *out) {
  if (n->type == YAML_MAPPING_NODE ||
      (n->type == YAML_SEQUENCE_NODE && seq_len(n) == 0))
    return fail(c, n, kp,
                "must be a selector (POP, POP[i] or POP[i:j]) or a "
                "non-empty sequence of selectors, got %s",
                got(c, n));
  int ns = n->type == YAML_SEQUENCE_NODE ? seq_len(n) : 1;
  out->slice = xcalloc((size_t)ns, sizeof *out->slice);
  PSST_ALLOC_CHECK(out->slice);
  out->n = ns;
  if (n->type != YAML_SEQUENCE_NODE) return get_slice(c, n, kp, &out->slice[0]);
  for (int i = 0; i < ns; i++) {
    char kp2[KP_MAX];
    kp_idx(kp2, kp, i);
    PSST_TRY(get_slice(c, seq_at(c, n, i), kp2, &out->slice[i]));
  }
  return 0;
}

/* Sort key of selection overlap checks: population, then first neuron,
 * then position in the list. */
static const psst_slice *g_sort_slices;
static int cmp_slice_idx(const void *a, const void *b) {
  const psst_slice *x = &g_sort_slices[*(const int *)a];
  const psst_slice *y = &g_sort_slices[*(const int *)b];
  if (x->pop != y->pop) return x->pop < y->pop ? -1 : 1;
  if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
  return *(const int *)a - *(const int *)b;
}

/* No neuron may be selected twice by one selection (n is its node, a
 * sequence when the selection has several selectors): a stimulus would
 * inject its current twice. Sorted, so O(n log n) in the selectors. */
static int check_no_overlap(ctx *c, yaml_node_t *n, const char *kp,
                            const psst_selection *sel, const char *what) {
  if (sel->n < 2) return 0;
  int *idx = xcalloc((size_t)sel->n, sizeof *idx);
  PSST_ALLOC_CHECK(idx);
  for (int i = 0; i < sel->n; i++)
    idx[i] = i;
  g_sort_slices = sel->slice;
  qsort(idx, (size_t)sel->n, sizeof *idx, cmp_slice_idx);
  int top = idx[0]; /* the slice reaching furthest in its population */
  for (int k = 1; k < sel->n; k++) {
    const psst_slice *s = &sel->slice[idx[k]], *t = &sel->slice[top];
    if (s->pop == t->pop && s->lo < t->hi) {
      int first = top < idx[k] ? top : idx[k];
      int later = top < idx[k] ? idx[k] : top;
      yaml_node_t *ln = seq_at(c, n, later);
      char kp2[KP_MAX];
      kp_idx(kp2, kp, later);
      int rc = fail(c, ln, kp2,
                    "%s overlaps %s[%d] %s: neuron %s[%lld] is selected "
                    "twice (%s); list each neuron once",
                    sval(ln), kp, first, sval(seq_at(c, n, first)),
                    c->m->pops[s->pop].name, (long long)s->lo, what);
      free(idx);
      return rc;
    }
    if (s->pop != t->pop || s->hi > t->hi) top = idx[k];
  }
  free(idx);
  return 0;
}

/* ---- run ------------------------------------------------------------------
 */

static int parse_run(ctx *c, yaml_node_t *n) {
  static const char *const keys[] = {"t_end",   "dt",   "method",   "seed",
                                     "backend", "hold", "exchange", NULL};
  static const char *const exchanges[] = {"auto", "allgather", "halo", NULL};
  static const char *const methods[] = {"rk4", "euler", NULL};
  static const char *const holds[] = {"exact", "tutorial", NULL};
  static const char *const backends[] = {"auto", "cpu", "cuda", NULL};
  psst_run_settings *r = &c->m->run;
  PSST_TRY(check_map(c, n, "run", keys));
  yaml_node_t *v;
  PSST_TRY(req(c, n, "run", "t_end", &v));
  PSST_TRY(get_num(c, v, "run.t_end", 0, 1e9, 1, "ms", &r->t_end));
  yaml_node_t *at = v;
  r->dt = 0.01;
  if ((v = opt(c, n, "dt"))) {
    PSST_TRY(get_num(c, v, "run.dt", 0, r->t_end, 1, "ms", &r->dt));
    at = v;
  } else if (r->dt > r->t_end) {
    return fail(c, at, "run.t_end",
                "must be at least 2 steps of the default dt = 0.01 ms, "
                "got %g",
                r->t_end);
  }
  double q = r->t_end / r->dt, qi = nearbyint(q);
  if (!(q <= PSST_GRID_MAX))
    return fail(c, at, at == v ? "run.dt" : "run.t_end",
                "t_end/dt = %g/%g = %.10g grid points is more than the "
                "2^53 = %.0f a run can have",
                r->t_end, r->dt, q, PSST_GRID_MAX);
  if (fabs(q - qi) > 1e-9 * q || qi < 2)
    return fail(c, at, at == v ? "run.dt" : "run.t_end",
                "t_end/dt = %g/%g = %.10g must be an integer >= 2", r->t_end,
                r->dt, q);
  int method = 0;
  if ((v = opt(c, n, "method")))
    PSST_TRY(get_enum(c, v, "run.method", methods, &method));
  r->method = method ? PSST_METHOD_EULER : PSST_METHOD_RK4;
  int64_t seed = 1;
  if ((v = opt(c, n, "seed")))
    PSST_TRY(get_int(c, v, "run.seed", 0, INT64_MAX, &seed));
  r->seed = (uint64_t)seed;
  int backend = 0;
  if ((v = opt(c, n, "backend")))
    PSST_TRY(get_enum(c, v, "run.backend", backends, &backend));
  r->backend = (psst_backend_choice)backend;
  int hold = 0;
  if ((v = opt(c, n, "hold")))
    PSST_TRY(get_enum(c, v, "run.hold", holds, &hold));
  r->hold = (psst_hold)hold;
  int exchange = 0;
  if ((v = opt(c, n, "exchange")))
    PSST_TRY(get_enum(c, v, "run.exchange", exchanges, &exchange));
  r->exchange = (psst_exchange_choice)exchange;
  return 0;
}

/* ---- populations ----------------------------------------------------------
 */

/* {path: P, variable: V, sample_dt: ms}: a netCDF waveform (neuron,
 * sample); sample_dt defaults to run.dt and must be a multiple of it. */
static int get_waveform_file(ctx *c, yaml_node_t *v, const char *kp2,
                             char **path, char **var_out, double *sample_dt) {
  static const char *const fkeys[] = {"path", "variable", "sample_dt", NULL};
  char kp3[KP_MAX];
  PSST_TRY(check_map(c, v, kp2, fkeys));
  yaml_node_t *fv;
  PSST_TRY(req(c, v, kp2, "path", &fv));
  kp_key(kp3, kp2, "path");
  PSST_TRY(get_path(c, fv, kp3, path));
  PSST_TRY(req(c, v, kp2, "variable", &fv));
  kp_key(kp3, kp2, "variable");
  const char *var = NULL;
  PSST_TRY(get_str(c, fv, kp3, &var));
  *var_out = xstrdup(var);
  PSST_ALLOC_CHECK(*var_out);
  *sample_dt = c->m->run.dt;
  if ((fv = opt(c, v, "sample_dt"))) {
    double dt = c->m->run.dt;
    kp_key(kp3, kp2, "sample_dt");
    PSST_TRY(get_num(c, fv, kp3, 0, 1e9, 1, "ms", sample_dt));
    double q = *sample_dt / dt, qi = nearbyint(q);
    if (qi < 1 || fabs(q - qi) > 1e-9 * q)
      return fail(c, fv, kp3,
                  "must be a positive integer multiple of run.dt = %g ms, "
                  "got %g (= %.10g dt)",
                  dt, *sample_dt, q);
  }
  return 0;
}

/* ---- spike sources ---------------------------------------------------------
 */

/* spike_times: {neuron: [...], time: [...]} inline, or {file: {path: P,
 * neuron: VAR, time: VAR}} (two 1-D variables of one length; names default
 * to neuron and time). Neurons are indices in the population, times [ms]
 * in (0, t_end], in ascending order. */
static int get_spike_list(ctx *c, yaml_node_t *n, const char *kp,
                          psst_population *p) {
  static const char *const keys[] = {"neuron", "time", "file", NULL};
  static const char *const fkeys[] = {"path", "neuron", "time", NULL};
  char kp2[KP_MAX], kp3[KP_MAX];
  if (n->type != YAML_MAPPING_NODE)
    return fail(c, n, kp,
                "must be {neuron: [...], time: [...]} or {file: {path: P, "
                "neuron: VAR, time: VAR}}, got %s",
                got(c, n));
  PSST_TRY(check_map(c, n, kp, keys));
  yaml_node_t *fnode = opt(c, n, "file"), *v;
  double *nv = NULL, *tv = NULL;
  int64_t nn = 0, nt = 0;
  const double t_end = c->m->run.t_end;
  char *path = NULL;
  const char *vn = "neuron", *vt = "time";
  if (fnode) {
    for (int i = 0; i < 2; i++)
      if ((v = opt(c, n, keys[i]))) {
        kp_key(kp2, kp, keys[i]);
        return fail(c, v, kp2, "goes either inline or in file, not both");
      }
    kp_key(kp2, kp, "file");
    PSST_TRY(check_map(c, fnode, kp2, fkeys));
    PSST_TRY(req(c, fnode, kp2, "path", &v));
    kp_key(kp3, kp2, "path");
    PSST_TRY(get_path(c, v, kp3, &path));
    if ((v = opt(c, fnode, "neuron"))) {
      kp_key(kp3, kp2, "neuron");
      PSST_TRY(get_str(c, v, kp3, &vn));
    }
    if ((v = opt(c, fnode, "time"))) {
      kp_key(kp3, kp2, "time");
      PSST_TRY(get_str(c, v, kp3, &vt));
    }
    int rc = psst_io_read_series(path, vn, &nn, &nv);
    if (rc == 0) rc = psst_io_read_series(path, vt, &nt, &tv);
    if (rc == 0 && nn != nt)
      rc = psst_error_set(PSST_ERR_USER,
                          "%s: '%s' has %lld values and '%s' %lld: one "
                          "neuron per spike time",
                          path, vn, (long long)nn, vt, (long long)nt);
    if (rc < 0) {
      char msg[1024];
      snprintf(msg, sizeof msg, "%s", psst_error_message());
      free(path);
      free(nv);
      free(tv);
      return fail(c, fnode, kp2, "%s", msg);
    }
  } else {
    yaml_node_t *a, *b;
    PSST_TRY(req(c, n, kp, "neuron", &a));
    PSST_TRY(req(c, n, kp, "time", &b));
    kp_key(kp2, kp, "neuron");
    if (a->type != YAML_SEQUENCE_NODE)
      return fail(c, a, kp2, "must be a sequence of neuron indices, got %s",
                  got(c, a));
    kp_key(kp3, kp, "time");
    if (b->type != YAML_SEQUENCE_NODE || seq_len(b) != seq_len(a))
      return fail(c, b, kp3,
                  "must be a sequence of %d times (one per neuron entry), "
                  "got %s",
                  seq_len(a), got(c, b));
    nn = nt = seq_len(a);
    nv = xcalloc((size_t)nn + 1, sizeof *nv);
    tv = xcalloc((size_t)nn + 1, sizeof *tv);
    PSST_ALLOC_CHECK(nv);
    PSST_ALLOC_CHECK(tv);
    for (int64_t i = 0; i < nn; i++) {
      char kpi[KP_MAX];
      int64_t j;
      kp_idx(kpi, kp2, (int)i);
      if (get_int(c, seq_at(c, a, (int)i), kpi, 0, p->size - 1, &j) < 0) {
        free(nv);
        free(tv);
        return PSST_ERR_USER;
      }
      nv[i] = (double)j;
      kp_idx(kpi, kp3, (int)i);
      if (get_num(c, seq_at(c, b, (int)i), kpi, 0, t_end, 1, "ms", &tv[i]) <
          0) {
        free(nv);
        free(tv);
        return PSST_ERR_USER;
      }
      if (i > 0 && tv[i] < tv[i - 1]) {
        int rc = fail(c, seq_at(c, b, (int)i), kpi,
                      "spike times must be in ascending order: %.17g ms "
                      "comes after %.17g ms",
                      tv[i], tv[i - 1]);
        free(nv);
        free(tv);
        return rc;
      }
    }
  }
  /* the file's values (inline ones are checked above already) */
  for (int64_t i = 0; fnode && i < nn; i++) {
    const char *why = NULL;
    char buf[256];
    if (!(nv[i] >= 0 && nv[i] < (double)p->size && nv[i] == floor(nv[i]))) {
      snprintf(buf, sizeof buf,
               "%s[%lld] = %.17g is not a neuron index in [0, %lld)", vn,
               (long long)i, nv[i], (long long)p->size);
      why = buf;
    } else if (!(tv[i] > 0 && tv[i] <= t_end)) {
      snprintf(buf, sizeof buf,
               "%s[%lld] = %.17g ms is outside the run (0, t_end = %g ms]", vt,
               (long long)i, tv[i], t_end);
      why = buf;
    } else if (i > 0 && tv[i] < tv[i - 1]) {
      snprintf(buf, sizeof buf,
               "%s[%lld] = %.17g ms comes after %s[%lld] = %.17g ms: spike "
               "times must be in ascending order",
               vt, (long long)i, tv[i], vt, (long long)(i - 1), tv[i - 1]);
      why = buf;
    }
    if (why) {
      kp_key(kp2, kp, "file");
      int rc = fail(c, fnode, kp2, "%s: %s", path, why);
      free(path);
      free(nv);
      free(tv);
      return rc;
    }
  }
  free(path);
  p->nspikes = nn;
  p->spike_time = tv;
  p->spike_neuron = xcalloc((size_t)nn + 1, sizeof *p->spike_neuron);
  if (!p->spike_neuron) free(nv);
  PSST_ALLOC_CHECK(p->spike_neuron);
  for (int64_t i = 0; i < nn; i++)
    p->spike_neuron[i] = (int64_t)nv[i];
  free(nv);
  return 0;
}

/* The keys of a spike source (poisson: rate_file; spike_times: spikes), and
 * the neuron keys it refuses. */
static int parse_source(ctx *c, yaml_node_t *n, const char *kp,
                        psst_population *p) {
  static const char *const neuron_only[] = {
      "init", "init_noise", "init_file", "threshold", "refractory", NULL};
  const psst_neuron_kind *k = p->kind;
  char kp2[KP_MAX];
  yaml_node_t *v;
  for (int i = 0; neuron_only[i]; i++)
    if ((v = opt(c, n, neuron_only[i]))) {
      kp_key(kp2, kp, neuron_only[i]);
      return fail(c, v, kp2,
                  "%s is a spike source (no membrane state): it takes no %s",
                  k->name, neuron_only[i]);
    }
  int poisson = !strcmp(k->name, "poisson");
  const char *mine = poisson ? "rate_file" : "spikes";
  const char *other = poisson ? "spikes" : "rate_file";
  if ((v = opt(c, n, other))) {
    kp_key(kp2, kp, other);
    return fail(c, v, kp2, "goes with kind %s, not %s",
                poisson ? "spike_times" : "poisson", k->name);
  }
  kp_key(kp2, kp, mine);
  if (poisson) {
    if (!(v = opt(c, n, "rate_file"))) return 0;
    yaml_node_t *params = opt(c, n, "params");
    if (params && opt(c, params, "rate")) {
      char kp3[KP_MAX], kp4[KP_MAX];
      kp_key(kp3, kp, "params");
      kp_key(kp4, kp3, "rate");
      return fail(c, opt(c, params, "rate"), kp4,
                  "rate_file gives the rates: params.rate goes without it");
    }
    return get_waveform_file(c, v, kp2, &p->rate_path, &p->rate_var,
                             &p->rate_sample_dt);
  }
  PSST_TRY(req(c, n, kp, "spikes", &v));
  return get_spike_list(c, v, kp2, p);
}

static int parse_population(ctx *c, yaml_node_t *n, int idx) {
  static const char *const keys[] = {
      "name",      "kind",       "size",      "share",     "params",
      "init",      "init_noise", "init_file", "threshold", "refractory",
      "rate_file", "spikes",     NULL};
  psst_population *p = &c->m->pops[idx];
  char kp[KP_MAX], kp2[KP_MAX];
  kp_idx(kp, "populations", idx);
  p->line = (int)n->start_mark.line + 1;
  PSST_TRY(check_map(c, n, kp, keys));
  yaml_node_t *v;
  PSST_TRY(req(c, n, kp, "name", &v));
  kp_key(kp2, kp, "name");
  PSST_TRY(get_name(c, v, kp2, p->name));
  for (int j = 0; j < idx; j++)
    if (!strcmp(c->m->pops[j].name, p->name))
      return fail(c, v, kp2,
                  "duplicate population name '%s' (first at line %d)", p->name,
                  c->m->pops[j].line);
  PSST_TRY(req(c, n, kp, "kind", &v));
  yaml_node_t *kind_node = v;
  kp_key(kp2, kp, "kind");
  const char *kind = NULL;
  PSST_TRY(get_str(c, v, kp2, &kind));
  p->kind = psst_model_neuron_kind_find(c->m, kind);
  if (!p->kind) {
    char list[LIST_MAX] = "";
    for (int i = 0; i < psst_neuron_kind_count(); i++)
      list_add(list, psst_neuron_kind_get(i)->name);
    for (int i = 0; i < c->m->nkind; i++)
      list_add(list, c->m->kinds[i].name);
    return fail(c, v, kp2, "unknown neuron kind '%s' (known: %s)", kind, list);
  }
  const psst_neuron_kind *k = p->kind;
  yaml_node_t *share = opt(c, n, "share");
  if (share) {
    kp_key(kp2, kp, "share");
    if (map_get(c, n, "size"))
      return fail(c, share, kp2,
                  "size and share cannot both be given (share sizes the "
                  "population from network.neurons)");
    if (c->m->network_neurons <= 0)
      return fail(c, share, kp2,
                  "needs network: {neurons: N} at the top of the model "
                  "(the population gets trunc(N * share / sum of shares))");
    PSST_TRY(get_num(c, share, kp2, 0, 1e9, 1, "1", &p->share));
  } else {
    PSST_TRY(req(c, n, kp, "size", &v));
    kp_key(kp2, kp, "size");
    PSST_TRY(get_int(c, v, kp2, 1, 1000000000, &p->size));
  }
  /* the params, then the kind's derived constants after them */
  p->params = xcalloc((size_t)(k->nparam + k->nderived), sizeof *p->params);
  PSST_ALLOC_CHECK(p->params);
  kp_key(kp2, kp, "params");
  PSST_TRY(get_params(c, opt(c, n, "params"), kp2, k->name, k->param, k->nparam,
                      p->params));
  PSST_TRY(check_kind_params(c, opt(c, n, "params"), kind_node, kp2, k->name,
                             k->check, k->param, p->params));
  if (k->prepare) k->prepare(p->params);
  if (k->flags & PSST_NEURON_F_SOURCE) {
    PSST_TRY(parse_source(c, n, kp, p));
  } else {
    static const char *const src_keys[] = {"rate_file", "spikes"};
    for (int i = 0; i < 2; i++)
      if ((v = opt(c, n, src_keys[i]))) {
        kp_key(kp2, kp, src_keys[i]);
        return fail(c, v, kp2, "goes with kind %s (a spike source), not %s",
                    i ? "spike_times" : "poisson", k->name);
      }
  }
  p->init = xcalloc((size_t)k->nstate + 1, sizeof *p->init);
  PSST_ALLOC_CHECK(p->init);
  kp_key(kp2, kp, "init");
  PSST_TRY(get_inits(c, opt(c, n, "init"), kp2, k->name, k->state, k->nstate, 1,
                     p->init));
  if ((v = opt(c, n, "init_noise"))) {
    kp_key(kp2, kp, "init_noise");
    PSST_TRY(get_num(c, v, kp2, 0, 1, 0, "1", &p->init_noise));
  }
  if ((v = opt(c, n, "init_file"))) {
    kp_key(kp2, kp, "init_file");
    PSST_TRY(get_path(c, v, kp2, &p->init_file));
  }
  p->threshold = k->threshold;
  if ((v = opt(c, n, "threshold"))) {
    kp_key(kp2, kp, "threshold");
    PSST_TRY(get_num(c, v, kp2, -1000, 1000, 0, "mV", &p->threshold));
  }
  p->refractory = k->refractory;
  if ((v = opt(c, n, "refractory"))) {
    kp_key(kp2, kp, "refractory");
    PSST_TRY(get_num(c, v, kp2, 0, 1e9, 0, "ms", &p->refractory));
  }
  return 0;
}

static int parse_populations(ctx *c, yaml_node_t *n) {
  if (n->type != YAML_SEQUENCE_NODE || seq_len(n) == 0)
    return fail(c, n, "populations",
                "must be a non-empty sequence of populations, got %s",
                got(c, n));
  int np = seq_len(n);
  c->m->pops = xcalloc((size_t)np, sizeof *c->m->pops);
  PSST_ALLOC_CHECK(c->m->pops);
  c->m->npop = np;
  double shares = 0;
  for (int i = 0; i < np; i++) {
    PSST_TRY(parse_population(c, seq_at(c, n, i), i));
    shares += c->m->pops[i].share;
  }
  /* share-sized populations: PN = trunc(90 N/120) etc. (docs/models.md §9.2) */
  int64_t gid = 0;
  for (int i = 0; i < np; i++) {
    psst_population *p = &c->m->pops[i];
    if (p->share > 0) {
      p->size = (int64_t)floor(
          (double)c->m->network_neurons * p->share / shares + 1e-9);
      if (p->size < 1 || p->size > 1000000000)
        return fail(c, seq_at(c, n, i), "populations",
                    "network.neurons = %lld gives population '%s' %lld "
                    "neurons; it needs 1 to 1e9",
                    (long long)c->m->network_neurons, p->name,
                    (long long)p->size);
    }
    p->first_gid = gid;
    gid += p->size;
  }
  c->m->n_neurons = gid;
  return 0;
}

/* ---- projections ----------------------------------------------------------
 */

static int64_t slice_size(const psst_slice *s) { return s->hi - s->lo; }

static int parse_matrix(ctx *c, psst_projection *pr, yaml_node_t *v,
                        const char *kp) {
  int64_t nto = slice_size(&pr->to), nfrom = slice_size(&pr->from);
  if (v->type != YAML_SEQUENCE_NODE)
    return fail(c, v, kp,
                "must be a sequence of %lld rows (one per postsynaptic "
                "neuron) of %lld numbers, got %s",
                (long long)nto, (long long)nfrom, got(c, v));
  if (seq_len(v) != nto)
    return fail(c, v, kp,
                "has %d rows, needs %lld (one per postsynaptic neuron of "
                "'to')",
                seq_len(v), (long long)nto);
  for (int r = 0; r < nto; r++) {
    yaml_node_t *row = seq_at(c, v, r);
    char kpr[KP_MAX];
    kp_idx(kpr, kp, r);
    if (row->type != YAML_SEQUENCE_NODE || seq_len(row) != nfrom)
      return fail(c, row, kpr,
                  "must be a row of %lld numbers (one per presynaptic "
                  "neuron of 'from'), got %s%s",
                  (long long)nfrom,
                  row->type == YAML_SEQUENCE_NODE ? "a row of " : "",
                  row->type == YAML_SEQUENCE_NODE ? "" : got(c, row));
  }
  pr->matrix = xcalloc((size_t)(nto * nfrom), sizeof *pr->matrix);
  PSST_ALLOC_CHECK(pr->matrix);
  for (int r = 0; r < nto; r++) {
    yaml_node_t *row = seq_at(c, v, r);
    for (int q = 0; q < nfrom; q++) {
      char kpr[KP_MAX], kpq[KP_MAX];
      kp_idx(kpr, kp, r);
      kp_idx(kpq, kpr, q);
      PSST_TRY(get_num(c, seq_at(c, row, q), kpq, 0, 1e9, 0, "1",
                       &pr->matrix[(size_t)r * (size_t)nfrom + (size_t)q]));
    }
  }
  return 0;
}

static int parse_connect(ctx *c, psst_projection *pr, yaml_node_t *n,
                         const char *kp) {
  static const char *const forms[] = {"random", "fixed_indegree", "matrix",
                                      "file",   "like",           NULL};
  static const char *const what =
      "must be all_to_all, one_to_one, {random: {p: P}}, {fixed_indegree: "
      "K}, {matrix: [[...], ...]}, {file: {path: P, variable: V}} or "
      "{like: PROJECTION}";
  int64_t nfrom = slice_size(&pr->from), nto = slice_size(&pr->to);
  if (n->type == YAML_SCALAR_NODE) {
    if (!strcmp(sval(n), "all_to_all")) {
      pr->rule = PSST_CONN_ALL_TO_ALL;
      return 0;
    }
    if (!strcmp(sval(n), "one_to_one")) {
      pr->rule = PSST_CONN_ONE_TO_ONE;
      if (nfrom != nto)
        return fail(c, n, kp,
                    "one_to_one needs 'from' and 'to' of equal size, got "
                    "%lld and %lld neurons",
                    (long long)nfrom, (long long)nto);
      return 0;
    }
    return fail(c, n, kp, "%s, got %s", what, got(c, n));
  }
  if (n->type != YAML_MAPPING_NODE || map_len(n) != 1)
    return fail(c, n, kp, "%s, got %s", what, got(c, n));
  PSST_TRY(check_map(c, n, kp, forms));
  const char *form = sval(map_key(c, n, 0));
  yaml_node_t *v = map_val(c, n, 0);
  char kp2[KP_MAX], kp3[KP_MAX];
  kp_key(kp2, kp, form);
  if (!strcmp(form, "random")) {
    static const char *const keys[] = {"p", NULL};
    pr->rule = PSST_CONN_RANDOM;
    PSST_TRY(check_map(c, v, kp2, keys));
    yaml_node_t *pv;
    PSST_TRY(req(c, v, kp2, "p", &pv));
    kp_key(kp3, kp2, "p");
    return get_num(c, pv, kp3, 0, 1, 0, "1", &pr->p);
  }
  if (!strcmp(form, "fixed_indegree")) {
    pr->rule = PSST_CONN_FIXED_INDEGREE;
    int overlap = pr->from.pop == pr->to.pop && pr->from.lo < pr->to.hi &&
                  pr->to.lo < pr->from.hi;
    int64_t kmax = (overlap && !pr->allow_self) ? nfrom - 1 : nfrom;
    int64_t k;
    if (!parse_int(v, &k) || k < 0 || k > kmax)
      return fail(c, v, kp2,
                  "must be an integer in [0, %lld] (the size of 'from'%s), "
                  "got %s",
                  (long long)kmax,
                  kmax < nfrom ? " minus 1: 'from' and 'to' overlap and "
                                 "allow_self is false"
                               : "",
                  got(c, v));
    pr->indegree = k;
    return 0;
  }
  if (!strcmp(form, "matrix")) {
    pr->rule = PSST_CONN_MATRIX;
    return parse_matrix(c, pr, v, kp2);
  }
  if (!strcmp(form, "like")) {
    const char *other = NULL;
    PSST_TRY(get_str(c, v, kp2, &other));
    int self = (int)(pr - c->m->projs);
    for (int j = 0; j < self; j++) {
      const psst_projection *q = &c->m->projs[j];
      if (strcmp(q->name, other)) continue;
      if (q->from.pop != pr->from.pop || q->from.lo != pr->from.lo ||
          q->from.hi != pr->from.hi || q->to.pop != pr->to.pop ||
          q->to.lo != pr->to.lo || q->to.hi != pr->to.hi)
        return fail(c, v, kp2,
                    "projection '%s' connects other neurons: 'like' needs "
                    "the same from and to",
                    other);
      pr->rule = PSST_CONN_LIKE;
      pr->like = j;
      pr->allow_self = q->allow_self;
      return 0;
    }
    return fail(c, v, kp2,
                "no earlier projection is named '%s' (like refers to a "
                "projection defined above this one)",
                other);
  }
  static const char *const keys[] = {"path", "variable", NULL};
  pr->rule = PSST_CONN_FILE;
  PSST_TRY(check_map(c, v, kp2, keys));
  yaml_node_t *fv;
  PSST_TRY(req(c, v, kp2, "path", &fv));
  kp_key(kp3, kp2, "path");
  PSST_TRY(get_path(c, fv, kp3, &pr->file_path));
  PSST_TRY(req(c, v, kp2, "variable", &fv));
  kp_key(kp3, kp2, "variable");
  const char *var = NULL;
  PSST_TRY(get_str(c, fv, kp3, &var));
  pr->file_var = xstrdup(var);
  PSST_ALLOC_CHECK(pr->file_var);
  return 0;
}

static int parse_projection(ctx *c, yaml_node_t *n, int idx) {
  static const char *const keys[] = {
      "name",  "synapse", "from", "to",      "connect", "allow_self", "weight",
      "delay", "params",  "init", "storage", "drive",   NULL};
  static const char *const storages[] = {"auto", "per_pre", "per_synapse",
                                         NULL};
  static const char *const drives[] = {"auto", "dense", "sparse", NULL};
  psst_projection *pr = &c->m->projs[idx];
  char kp[KP_MAX], kp2[KP_MAX];
  kp_idx(kp, "projections", idx);
  pr->line = (int)n->start_mark.line + 1;
  PSST_TRY(check_map(c, n, kp, keys));
  yaml_node_t *v, *name_node = opt(c, n, "name"), *syn_node;
  PSST_TRY(req(c, n, kp, "synapse", &v));
  syn_node = v;
  kp_key(kp2, kp, "synapse");
  const char *syn = NULL;
  PSST_TRY(get_str(c, v, kp2, &syn));
  pr->kind = psst_model_synapse_kind_find(c->m, syn);
  if (!pr->kind) {
    char list[LIST_MAX] = "";
    for (int i = 0; i < psst_synapse_kind_count(); i++)
      list_add(list, psst_synapse_kind_get(i)->name);
    for (int i = 0; i < c->m->nsynkind; i++)
      list_add(list, c->m->synkinds[i].name);
    return fail(c, v, kp2, "unknown synapse kind '%s' (known: %s)", syn, list);
  }
  /* a kind that becomes another with a delay (ach_pulse, keyed to the last
   * firing time, becomes ach_spike, a pulse per delivered spike) */
  if (pr->kind->with_delay && opt(c, n, "delay")) {
    const psst_synapse_kind *was = pr->kind;
    pr->kind = psst_synapse_kind_find(was->with_delay);
    PSST_CHECK(pr->kind, PSST_ERR_INTERNAL, "kind %s: no kind %s", was->name,
               was->with_delay);
    yaml_node_t *pn = opt(c, n, "params");
    for (int i = 0; pn && pn->type == YAML_MAPPING_NODE && i < map_len(pn);
         i++) {
      yaml_node_t *key = map_key(c, pn, i);
      const char *name = sval(key);
      if (psst_param_index(pr->kind->param, pr->kind->nparam, name) < 0 &&
          psst_param_index(was->param, was->nparam, name) >= 0) {
        char kp3[KP_MAX];
        kp_key(kp3, kp, "params");
        kp_key(kp2, kp3, name);
        return fail(c, key, kp2,
                    "is a parameter of %s, which with delay: becomes %s "
                    "(allowed there: see psst info %s)",
                    was->name, pr->kind->name, pr->kind->name);
      }
    }
  }
  const psst_synapse_kind *k = pr->kind;
  if (name_node) {
    kp_key(kp2, kp, "name");
    PSST_TRY(get_name(c, name_node, kp2, pr->name));
  } else {
    snprintf(pr->name, sizeof pr->name, "%.40s_%d", k->name, idx);
  }
  for (int j = 0; j < idx; j++)
    if (!strcmp(c->m->projs[j].name, pr->name)) {
      kp_key(kp2, kp, "name");
      return fail(c, name_node ? name_node : n, kp2,
                  "duplicate projection name '%s' (first at line %d)", pr->name,
                  c->m->projs[j].line);
    }
  PSST_TRY(req(c, n, kp, "from", &v));
  kp_key(kp2, kp, "from");
  PSST_TRY(get_slice(c, v, kp2, &pr->from));
  const psst_population *fpop = &c->m->pops[pr->from.pop];
  if ((fpop->kind->flags & PSST_NEURON_F_SOURCE) &&
      (k->flags & (PSST_SYN_F_READS_STAGE_V | PSST_SYN_F_STEP_BOUNDARY)))
    return fail(c, v, kp2,
                "population %s is a spike source (kind %s) and has no "
                "membrane potential, which %s reads; use a spike-triggered "
                "kind (exp_cond, exp2_cond, ach_pulse with a delay)",
                fpop->name, fpop->kind->name, k->name);
  PSST_TRY(req(c, n, kp, "to", &v));
  kp_key(kp2, kp, "to");
  PSST_TRY(get_slice(c, v, kp2, &pr->to));
  const psst_population *tpop = &c->m->pops[pr->to.pop];
  if (tpop->kind->flags & PSST_NEURON_F_SOURCE)
    return fail(c, v, kp2,
                "population %s is a spike source (kind %s): it receives no "
                "synapses",
                tpop->name, tpop->kind->name);
  if ((v = opt(c, n, "allow_self"))) {
    kp_key(kp2, kp, "allow_self");
    PSST_TRY(get_bool(c, v, kp2, &pr->allow_self));
  }
  PSST_TRY(req(c, n, kp, "connect", &v));
  kp_key(kp2, kp, "connect");
  PSST_TRY(parse_connect(c, pr, v, kp2));
  pr->weight = 1;
  if ((v = opt(c, n, "weight")) && pr->rule == PSST_CONN_LIKE) {
    kp_key(kp2, kp, "weight");
    return fail(c, v, kp2,
                "goes with the projection this one is like (it shares its "
                "synapses and weights)");
  }
  if ((v = opt(c, n, "weight"))) {
    kp_key(kp2, kp, "weight");
    if (v->type == YAML_SCALAR_NODE && !strcmp(sval(v), "matrix")) {
      if (pr->rule != PSST_CONN_MATRIX && pr->rule != PSST_CONN_FILE)
        return fail(c, v, kp2,
                    "\"matrix\" needs connect: {matrix: ...} or {file: "
                    "...}; with this connect rule give a number in [0, "
                    "1e+09]");
      pr->weights_from_matrix = 1;
    } else if (v->type == YAML_MAPPING_NODE) {
      PSST_TRY(get_dist(c, v, kp2, 0, 1e9, "1", &pr->weight_dist));
    } else if (!parse_double(v, &pr->weight)) {
      return fail(c, v, kp2,
                  "must be a number in [0, 1e+09], \"matrix\" or a "
                  "distribution ({normal: [mean, sd]}, {uniform: [lo, hi]}, "
                  "{lognormal: [mu, sigma]}), got %s",
                  got(c, v));
    } else {
      PSST_TRY(get_num(c, v, kp2, 0, 1e9, 0, "1", &pr->weight));
    }
  }
  /* per-synapse delays: spike-triggered kinds only, at least one step */
  if ((v = opt(c, n, "delay"))) {
    kp_key(kp2, kp, "delay");
    if (!(k->flags & PSST_SYN_F_SPIKE_TRIGGERED))
      return fail(c, v, kp2,
                  "%s is not spike-triggered (its transmitter follows the "
                  "presynaptic %s at every stage): it takes no delay",
                  k->name,
                  (k->flags & PSST_SYN_F_READS_STAGE_V) ? "voltage" : "state");
    const double dt = c->m->run.dt;
    double d0;
    if (parse_double(v, &d0) && !(d0 >= dt * (1 - 1e-9)))
      return fail(c, v, kp2,
                  "must be at least one step (dt = %g ms) and finite, got %g",
                  dt, d0);
    /* a distribution's draws below one step become one step, unless the
     * model file gives its own lower bound (min, or a uniform's lo) */
    PSST_TRY(get_dist(c, v, kp2, dt * (1 - 1e-9), 1e6, "ms", &pr->delay));
  } /* else NONE: one step, whatever dt */
  /* the params, then the kind's derived constants after them */
  pr->params = xcalloc((size_t)(k->nparam + k->nderived), sizeof *pr->params);
  PSST_ALLOC_CHECK(pr->params);
  kp_key(kp2, kp, "params");
  yaml_node_t *params_node = opt(c, n, "params");
  PSST_TRY(get_params(c, params_node, kp2, k->name, k->param, k->nparam,
                      pr->params));
  /* parameters whose default is the target's (e.g. gaba_b's E = E_K) */
  const psst_population *tp = &c->m->pops[pr->to.pop];
  for (int q = 0; q < k->nparam; q++) {
    const char *from = k->from_target ? k->from_target[q] : NULL;
    if (!from || !isnan(pr->params[q])) continue;
    int j = psst_param_index(tp->kind->param, tp->kind->nparam, from);
    if (j < 0) {
      kp_key(kp2, kp, "synapse");
      return fail(c, syn_node, kp2,
                  "%s takes its %s from the target's %s, but population "
                  "'%s' (kind %s) has no %s parameter; give params.%s",
                  k->name, k->param[q].name, from, tp->name, tp->kind->name,
                  from, k->param[q].name);
    }
    pr->params[q] = tp->params[j];
  }
  kp_key(kp2, kp, "params");
  PSST_TRY(check_kind_params(c, params_node, syn_node, kp2, k->name, k->check,
                             k->param, pr->params));
  if (k->prepare) k->prepare(pr->params);
  pr->init = xcalloc((size_t)k->nstate, sizeof *pr->init);
  PSST_ALLOC_CHECK(pr->init);
  kp_key(kp2, kp, "init");
  PSST_TRY(get_inits(c, opt(c, n, "init"), kp2, k->name, k->state, k->nstate, 0,
                     pr->init));
  int e = 0;
  if ((v = opt(c, n, "storage"))) {
    kp_key(kp2, kp, "storage");
    PSST_TRY(get_enum(c, v, kp2, storages, &e));
    /* a storage the kind does not allow */
    psst_store want = e == PSST_STORAGE_PER_PRE       ? PSST_STORE_PRE
                      : e == PSST_STORAGE_PER_SYNAPSE ? PSST_STORE_SYNAPSE
                                                      : PSST_STORE_POST;
    if (e != PSST_STORAGE_AUTO && !(k->storage & (1u << want))) {
      const char *only = (k->storage & (1u << PSST_STORE_POST))
                             ? "one state per postsynaptic neuron (exact for "
                               "its linear kinetics)"
                             : "one state per presynaptic neuron (exact, "
                               "docs/models.md §7)";
      return fail(c, v, kp2, "%s keeps %s; %s is not available", k->name, only,
                  sval(v));
    }
    if (e == PSST_STORAGE_PER_PRE && pr->delay.type != PSST_DIST_NONE &&
        pr->delay.type != PSST_DIST_CONST)
      return fail(c, v, kp2,
                  "per_pre needs one delay for every synapse of a "
                  "presynaptic neuron; with distributed delays use "
                  "per_synapse (or auto)");
  }
  pr->storage = (psst_storage)e;
  e = 0;
  if ((v = opt(c, n, "drive"))) {
    kp_key(kp2, kp, "drive");
    PSST_TRY(get_enum(c, v, kp2, drives, &e));
  }
  pr->drive = (psst_drive)e;
  return 0;
}

static int parse_projections(ctx *c, yaml_node_t *n) {
  if (n->type != YAML_SEQUENCE_NODE)
    return fail(c, n, "projections",
                "must be a sequence of projections, got %s", got(c, n));
  int np = seq_len(n);
  c->m->projs = xcalloc((size_t)np, sizeof *c->m->projs);
  PSST_ALLOC_CHECK(c->m->projs);
  c->m->nproj = np;
  for (int i = 0; i < np; i++)
    PSST_TRY(parse_projection(c, seq_at(c, n, i), i));
  return 0;
}

/* ---- stimuli --------------------------------------------------------------
 */

static int parse_pulse(ctx *c, yaml_node_t *n, const char *kp, psst_pulse *p) {
  static const char *const keys[] = {"start", "stop", "amplitude", NULL};
  char kp2[KP_MAX];
  yaml_node_t *v, *stop;
  PSST_TRY(check_map(c, n, kp, keys));
  PSST_TRY(req(c, n, kp, "start", &v));
  kp_key(kp2, kp, "start");
  PSST_TRY(get_num(c, v, kp2, -1e9, 1e9, 0, "ms", &p->start));
  PSST_TRY(req(c, n, kp, "stop", &stop));
  kp_key(kp2, kp, "stop");
  PSST_TRY(get_num(c, stop, kp2, -1e9, 1e9, 0, "ms", &p->stop));
  if (!(p->start < p->stop))
    return fail(c, stop, kp2, "must be greater than start (%g ms), got %g",
                p->start, p->stop);
  PSST_TRY(req(c, n, kp, "amplitude", &v));
  kp_key(kp2, kp, "amplitude");
  return get_num(c, v, kp2, -1e9, 1e9, 0, "uA/cm^2", &p->amplitude);
}

static int parse_stimulus(ctx *c, yaml_node_t *n, int idx) {
  static const char *const keys[] = {"target",   "amplitude", "start", "stop",
                                     "pulses",   "file",      "odour", "noise",
                                     "fraction", NULL};
  static const char *const kinds[] = {"amplitude", "pulses", "file", "odour",
                                      "noise"};
  psst_stimulus *s = &c->m->stims[idx];
  char kp[KP_MAX], kp2[KP_MAX];
  kp_idx(kp, "stimuli", idx);
  s->line = (int)n->start_mark.line + 1;
  PSST_TRY(check_map(c, n, kp, keys));
  yaml_node_t *v;
  PSST_TRY(req(c, n, kp, "target", &v));
  kp_key(kp2, kp, "target");
  PSST_TRY(get_selection(c, v, kp2, &s->target));
  PSST_TRY(check_no_overlap(c, v, kp2, &s->target,
                            "it would get the stimulus's current twice"));
  for (int i = 0; i < s->target.n; i++) {
    const psst_population *tp = &c->m->pops[s->target.slice[i].pop];
    if (tp->kind->flags & PSST_NEURON_F_SOURCE)
      return fail(c, v, kp2,
                  "population %s is a spike source (kind %s): no current "
                  "can be injected into it",
                  tp->name, tp->kind->name);
  }
  int which = -1;
  for (int i = 0; i < 5; i++) {
    if (!(v = map_get(c, n, kinds[i]))) continue;
    if (which >= 0) {
      kp_key(kp2, kp, kinds[i]);
      return fail(c, v, kp2,
                  "%s and %s cannot both be given (exactly one of amplitude, "
                  "pulses, file, odour, noise)",
                  kinds[which], kinds[i]);
    }
    which = i;
  }
  if (which < 0)
    return fail(c, n, kp,
                "needs exactly one of amplitude, pulses, file, odour, noise");
  s->fraction = -1.0;
  if ((v = opt(c, n, "fraction"))) {
    kp_key(kp2, kp, "fraction");
    if (which == 2)
      return fail(c, v, kp2,
                  "does not go with file (the file has one row per target)");
    PSST_TRY(get_num(c, v, kp2, 0, 1, 0, "1", &s->fraction));
  }
  if (which != 0)
    for (int i = 0; i < 2; i++)
      if ((v = map_get(c, n, i ? "stop" : "start"))) {
        kp_key(kp2, kp, i ? "stop" : "start");
        return fail(c, v, kp2,
                    "goes only with amplitude (use the start and "
                    "stop of each pulse)");
      }
  s->sample_dt = c->m->run.dt;
  if (which == 0) {
    s->type = PSST_STIM_PULSES;
    s->pulses = xcalloc(1, sizeof *s->pulses);
    PSST_ALLOC_CHECK(s->pulses);
    s->npulses = 1;
    psst_pulse *p = &s->pulses[0];
    p->start = -INFINITY;
    p->stop = INFINITY;
    kp_key(kp2, kp, "amplitude");
    PSST_TRY(get_num(c, map_get(c, n, "amplitude"), kp2, -1e9, 1e9, 0,
                     "uA/cm^2", &p->amplitude));
    if ((v = opt(c, n, "start"))) {
      kp_key(kp2, kp, "start");
      PSST_TRY(get_num(c, v, kp2, -1e9, 1e9, 0, "ms", &p->start));
    }
    if ((v = opt(c, n, "stop"))) {
      kp_key(kp2, kp, "stop");
      PSST_TRY(get_num(c, v, kp2, -1e9, 1e9, 0, "ms", &p->stop));
      if (!(p->start < p->stop))
        return fail(c, v, kp2, "must be greater than start (%g ms), got %g",
                    p->start, p->stop);
    }
    return 0;
  }
  if (which == 4) {
    /* {mean, sd, tau}: Ornstein-Uhlenbeck; {mean, sigma}: white */
    static const char *const nkeys[] = {"mean", "sd", "tau", "sigma", NULL};
    char kp3[KP_MAX];
    psst_noise *z = &s->noise;
    s->type = PSST_STIM_NOISE;
    v = map_get(c, n, "noise");
    kp_key(kp2, kp, "noise");
    if (v->type != YAML_MAPPING_NODE)
      return fail(c, v, kp2,
                  "must be {mean: uA/cm^2, sd: uA/cm^2, tau: ms} "
                  "(Ornstein-Uhlenbeck) or {mean: uA/cm^2, sigma: uA/cm^2 "
                  "ms^0.5} (white), got %s",
                  got(c, v));
    PSST_TRY(check_map(c, v, kp2, nkeys));
    yaml_node_t *fv;
    if ((fv = opt(c, v, "mean"))) {
      kp_key(kp3, kp2, "mean");
      PSST_TRY(get_num(c, fv, kp3, -1e9, 1e9, 0, "uA/cm^2", &z->mean));
    }
    yaml_node_t *sd = opt(c, v, "sd"), *tau = opt(c, v, "tau");
    yaml_node_t *sigma = opt(c, v, "sigma");
    if (sigma && (sd || tau)) {
      kp_key(kp3, kp2, "sigma");
      return fail(c, sigma, kp3,
                  "is white noise's intensity; sd and tau are the "
                  "Ornstein-Uhlenbeck current's: give one or the other");
    }
    if (sigma) {
      kp_key(kp3, kp2, "sigma");
      PSST_TRY(get_num(c, sigma, kp3, 0, 1e9, 0, "uA/cm^2 ms^0.5", &z->sd));
      z->tau = 0;
      return 0;
    }
    if (!sd || !tau)
      return fail(c, v, kp2,
                  "needs sd and tau (Ornstein-Uhlenbeck), or sigma (white "
                  "noise)");
    kp_key(kp3, kp2, "sd");
    PSST_TRY(get_num(c, sd, kp3, 0, 1e9, 0, "uA/cm^2", &z->sd));
    kp_key(kp3, kp2, "tau");
    PSST_TRY(get_num(c, tau, kp3, 0, 1e9, 1, "ms", &z->tau));
    return 0;
  }
  if (which == 1) {
    s->type = PSST_STIM_PULSES;
    v = map_get(c, n, "pulses");
    kp_key(kp2, kp, "pulses");
    if (v->type != YAML_SEQUENCE_NODE || seq_len(v) == 0)
      return fail(c, v, kp2,
                  "must be a non-empty sequence of {start, stop, "
                  "amplitude}, got %s",
                  got(c, v));
    int np = seq_len(v);
    s->pulses = xcalloc((size_t)np, sizeof *s->pulses);
    PSST_ALLOC_CHECK(s->pulses);
    s->npulses = np;
    for (int i = 0; i < np; i++) {
      char kp3[KP_MAX];
      kp_idx(kp3, kp2, i);
      PSST_TRY(parse_pulse(c, seq_at(c, v, i), kp3, &s->pulses[i]));
    }
    return 0;
  }
  char kp3[KP_MAX];
  if (which == 3) {
    /* docs/models.md §6.6 defaults */
    static const char *const okeys[] = {
        "onset", "offset", "rise", "decay", "amplitude", "decay_coef", NULL};
    psst_odour *o = &s->odour;
    *o = (psst_odour){100.0, 600.0, 75.0, 150.0, 10.0, 0.9996};
    s->type = PSST_STIM_ODOUR;
    v = map_get(c, n, "odour");
    kp_key(kp2, kp, "odour");
    if (!is_null(v)) {
      PSST_TRY(check_map(c, v, kp2, okeys));
      struct {
        const char *key, *unit;
        double lo, hi;
        int open;
        double *dst;
      } f[] = {{"onset", "ms", -1e9, 1e9, 0, &o->onset},
               {"offset", "ms", -1e9, 1e9, 0, &o->offset},
               {"rise", "ms", 0, 1e9, 1, &o->rise},
               {"decay", "ms", 0, 1e9, 1, &o->decay},
               {"amplitude", "uA/cm^2", -1e9, 1e9, 0, &o->amplitude},
               {"decay_coef", "1", -1e9, 1e9, 0, &o->decay_coef}};
      for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        yaml_node_t *fv = opt(c, v, f[i].key);
        if (!fv) continue;
        kp_key(kp3, kp2, f[i].key);
        PSST_TRY(get_num(c, fv, kp3, f[i].lo, f[i].hi, f[i].open, f[i].unit,
                         f[i].dst));
      }
      if (!(o->onset <= o->offset))
        return fail(c, v, kp2, "onset (%g ms) must not be after offset (%g ms)",
                    o->onset, o->offset);
    }
    return 0;
  }
  s->type = PSST_STIM_FILE;
  kp_key(kp2, kp, "file");
  return get_waveform_file(c, map_get(c, n, "file"), kp2, &s->file_path,
                           &s->file_var, &s->sample_dt);
}

static int parse_stimuli(ctx *c, yaml_node_t *n) {
  if (n->type != YAML_SEQUENCE_NODE)
    return fail(c, n, "stimuli", "must be a sequence of stimuli, got %s",
                got(c, n));
  int ns = seq_len(n);
  c->m->stims = xcalloc((size_t)ns, sizeof *c->m->stims);
  PSST_ALLOC_CHECK(c->m->stims);
  c->m->nstim = ns;
  for (int i = 0; i < ns; i++)
    PSST_TRY(parse_stimulus(c, seq_at(c, n, i), i));
  return 0;
}

/* ---- record ---------------------------------------------------------------
 */

/* Is population p recorded by block rb? */
static int block_has_pop(const psst_record_block *rb, int p) {
  if (rb->neurons.n == 0) return 1;
  for (int i = 0; i < rb->neurons.n; i++)
    if (rb->neurons.slice[i].pop == p) return 1;
  return 0;
}

/* A neuron state variable: every population the block records (sources
 * aside when it records all) has it. */
static int check_record_var(ctx *c, yaml_node_t *n, const char *kp,
                            const psst_record_block *rb, const char *var) {
  for (int p = 0; p < c->m->npop; p++) {
    if (!block_has_pop(rb, p)) continue;
    const psst_neuron_kind *k = c->m->pops[p].kind;
    if (k->flags & PSST_NEURON_F_SOURCE) {
      if (rb->neurons.n == 0) continue; /* "all" means all with a state */
      return fail(c, n, kp,
                  "population %s is a spike source (kind %s): it has no "
                  "state to record (its spikes are recorded with spikes: "
                  "true)",
                  c->m->pops[p].name, k->name);
    }
    if (psst_state_index(k->state, k->nstate, var) >= 0) continue;
    char list[LIST_MAX] = "";
    for (int q = 0; q < k->nstate; q++)
      list_add(list, k->state[q].name);
    return fail(c, n, kp,
                "'%s' is not a state variable of population %s (kind %s "
                "has %s)%s",
                var, c->m->pops[p].name, k->name, list,
                rb->neurons.n == 0 ? "; record.neurons can restrict the "
                                     "populations"
                                   : "");
  }
  return 0;
}

/* "P.x": projection P's state x, g (conductance) or I (current) per
 * target neuron. */
static int get_syn_record_var(ctx *c, yaml_node_t *n, const char *kp,
                              const psst_record_block *rb, const char *s,
                              psst_recvar *rv) {
  const char *dot = strchr(s, '.');
  size_t lp = (size_t)(dot - s);
  int ip = -1;
  for (int i = 0; i < c->m->nproj; i++)
    if (strlen(c->m->projs[i].name) == lp &&
        !strncmp(c->m->projs[i].name, s, lp))
      ip = i;
  if (ip < 0) {
    char list[LIST_MAX] = "";
    for (int i = 0; i < c->m->nproj; i++)
      list_add(list, c->m->projs[i].name);
    return fail(c, n, kp,
                "'%s': no projection '%.*s' (projections: %s; a synaptic "
                "variable is PROJECTION.VARIABLE)",
                s, (int)lp, s, c->m->nproj ? list : "none");
  }
  const psst_projection *pr = &c->m->projs[ip];
  const psst_synapse_kind *k = pr->kind;
  const char *x = dot + 1;
  rv->proj = ip;
  if (!strcmp(x, "g")) {
    rv->kind = PSST_RECV_SYN_G;
  } else if (!strcmp(x, "I")) {
    rv->kind = PSST_RECV_SYN_I;
  } else {
    rv->kind = PSST_RECV_SYN_STATE;
    rv->state = psst_state_index(k->state, k->nstate, x);
    if (rv->state < 0) {
      char list[LIST_MAX] = "";
      for (int q = 0; q < k->nstate; q++)
        list_add(list, k->state[q].name);
      list_add(list, "g");
      list_add(list, "I");
      return fail(c, n, kp, "'%s': %s (kind %s) has no '%s' (it has %s)", s,
                  pr->name, k->name, x, list);
    }
  }
  if (!block_has_pop(rb, pr->to.pop))
    return fail(c, n, kp,
                "'%s': projection %s targets population %s, which this "
                "record block does not record",
                s, pr->name, c->m->pops[pr->to.pop].name);
  return 0;
}

/* One record block (a mapping): variables, neurons, every or every_ms,
 * and (in one block only) spikes, spike_times, buffer. */
static int parse_record_block(ctx *c, yaml_node_t *n, const char *kp,
                              psst_record_block *rb, int *globals_seen) {
  static const char *const keys[] = {"name",        "variables", "neurons",
                                     "every",       "every_ms",  "spikes",
                                     "spike_times", "buffer",    "connectivity",
                                     "compression", NULL};
  static const char *const global_keys[] = {
      "spikes", "spike_times", "buffer", "connectivity", "compression", NULL};
  static const char *const interps[] = {"hermite", "linear", NULL};
  psst_record *r = &c->m->record;
  char kp2[KP_MAX];
  yaml_node_t *v;
  if (n && n->type != YAML_MAPPING_NODE)
    return fail(c, n, kp, "must be a mapping (a record block), got %s",
                got(c, n));
  if (n) PSST_TRY(check_map(c, n, kp, keys));
  rb->line = n ? (int)n->start_mark.line + 1 : 0;
  if (n && (v = opt(c, n, "name"))) {
    kp_key(kp2, kp, "name");
    PSST_TRY(get_name(c, v, kp2, rb->name));
    if (!strcmp(rb->name, "spike"))
      return fail(c, v, kp2,
                  "'spike' is taken (its variables would be the spikes' "
                  "spike_time, spike_neuron)");
  }
  if (n && (v = opt(c, n, "neurons"))) {
    kp_key(kp2, kp, "neurons");
    PSST_TRY(get_selection(c, v, kp2, &rb->neurons));
  }
  kp_key(kp2, kp, "variables");
  v = n ? opt(c, n, "variables") : NULL;
  if (v && (v->type == YAML_MAPPING_NODE ||
            (v->type == YAML_SEQUENCE_NODE && seq_len(v) == 0)))
    return fail(c, v, kp2,
                "must be a non-empty sequence of state variable names, got "
                "%s",
                got(c, v));
  int nv = !v ? 1 : v->type == YAML_SEQUENCE_NODE ? seq_len(v) : 1;
  rb->vars = xcalloc((size_t)nv, sizeof *rb->vars);
  PSST_ALLOC_CHECK(rb->vars);
  rb->nvars = nv;
  if (!v) {
    strcpy(rb->vars[0].name, "V");
  } else {
    for (int i = 0; i < nv; i++) {
      yaml_node_t *e = v->type == YAML_SEQUENCE_NODE ? seq_at(c, v, i) : v;
      char kp3[KP_MAX];
      if (v->type == YAML_SEQUENCE_NODE)
        kp_idx(kp3, kp2, i);
      else
        snprintf(kp3, sizeof kp3, "%s", kp2);
      const char *s = NULL;
      PSST_TRY(get_str(c, e, kp3, &s));
      if (strlen(s) >= sizeof rb->vars[i].name)
        return fail(c, e, kp3, "'%s' is too long", s);
      if (strchr(s, '.'))
        PSST_TRY(get_syn_record_var(c, e, kp3, rb, s, &rb->vars[i]));
      else
        PSST_TRY(check_record_var(c, e, kp3, rb, s));
      for (int j = 0; j < i; j++)
        if (!strcmp(rb->vars[j].name, s))
          return fail(c, e, kp3, "'%s' is listed twice", s);
      strcpy(rb->vars[i].name, s);
    }
  }
  rb->every = 10;
  yaml_node_t *ev = n ? opt(c, n, "every") : NULL;
  yaml_node_t *em = n ? opt(c, n, "every_ms") : NULL;
  if (ev && em) {
    kp_key(kp2, kp, "every_ms");
    return fail(c, em, kp2,
                "every (steps) and every_ms (ms) cannot both be given");
  }
  if (ev) {
    kp_key(kp2, kp, "every");
    PSST_TRY(get_int(c, ev, kp2, 1, INT64_MAX, &rb->every));
  }
  if (em) {
    kp_key(kp2, kp, "every_ms");
    PSST_TRY(get_num(c, em, kp2, 0, 1e9, 1, "ms", &rb->every_ms));
    double q = rb->every_ms / c->m->run.dt;
    if (!(q >= 0.5 && fabs(q - nearbyint(q)) <= 1e-9 * q))
      return fail(c, em, kp2,
                  "must be a positive integer multiple of run.dt = %g ms, "
                  "got %g (= %.10g dt)",
                  c->m->run.dt, rb->every_ms, q);
  }
  for (int g = 0; n && global_keys[g]; g++) {
    if (!(v = opt(c, n, global_keys[g]))) continue;
    kp_key(kp2, kp, global_keys[g]);
    if (globals_seen[g])
      return fail(c, v, kp2,
                  "is a setting of the whole output: give it in one record "
                  "block only");
    globals_seen[g] = 1;
    if (g == 0) {
      PSST_TRY(get_bool(c, v, kp2, &r->spikes));
    } else if (g == 1) {
      int interp = 0;
      PSST_TRY(get_enum(c, v, kp2, interps, &interp));
      r->spike_linear = interp == 1;
    } else if (g == 2) {
      PSST_TRY(get_int(c, v, kp2, 1, 1000000000, &r->buffer));
    } else if (g == 3) {
      PSST_TRY(get_bool(c, v, kp2, &r->connectivity));
    } else {
      int64_t level = 0;
      PSST_TRY(get_int(c, v, kp2, 0, 9, &level));
      r->deflate = (int)level;
    }
  }
  return 0;
}

/* record: one block (a mapping, or nothing: V of every neuron every 10
 * steps), or a sequence of blocks, each with its own name. */
static int parse_record(ctx *c, yaml_node_t *n) {
  psst_record *r = &c->m->record;
  r->spikes = 1;
  r->spike_linear = 0;
  r->buffer = 1000;
  int seen[5] = {0, 0, 0, 0, 0};
  if (!n || n->type != YAML_SEQUENCE_NODE) {
    r->block = xcalloc(1, sizeof *r->block);
    PSST_ALLOC_CHECK(r->block);
    r->nblock = 1;
    return parse_record_block(c, n, "record", &r->block[0], seen);
  }
  int nb = seq_len(n);
  if (nb == 0)
    return fail(c, n, "record",
                "must be a record block (a mapping) or a non-empty sequence "
                "of them, got %s",
                got(c, n));
  r->block = xcalloc((size_t)nb, sizeof *r->block);
  PSST_ALLOC_CHECK(r->block);
  r->nblock = nb;
  for (int b = 0; b < nb; b++) {
    char kp[KP_MAX];
    kp_idx(kp, "record", b);
    yaml_node_t *bn = seq_at(c, n, b);
    PSST_TRY(parse_record_block(c, bn, kp, &r->block[b], seen));
    const char *name = r->block[b].name;
    for (int j = 0; j < b; j++)
      if (!strcmp(r->block[j].name, name)) {
        char kp2[KP_MAX];
        kp_key(kp2, kp, "name");
        yaml_node_t *nn = opt(c, bn, "name");
        return fail(c, nn ? nn : bn, kp2,
                    name[0] ? "duplicate record block name '%s' (first at "
                              "line %d)"
                            : "%sonly one record block may be unnamed (the "
                              "other at line %d): give each a name",
                    name, r->block[j].line);
      }
  }
  return 0;
}

/* ---- user-defined kinds (kinds:, src/kinds/user.h) ------------------------
 */

static int load_document(const char *path, const char *text, size_t len,
                         yaml_document_t *doc);

/* Where an error of the expression module lies in the file: for a plain or
 * quoted scalar on one line, the scalar's first character (after the
 * opening quote) plus the byte offset inside the expression; for block
 * scalars and scalars spread over lines, the scalar's start, with the
 * column inside the expression kept in the message. `prefix` is the number
 * of bytes psst put in front of the text ("dV/dt = "). */
static int kind_text_fail(ctx *c, const yaml_node_t *n, const char *kp,
                          size_t prefix) {
  const char *msg = psst_error_message();
  int col = 0, used = 0;
  char rest[1024];
  if (sscanf(msg, "column %d: %n", &col, &used) >= 1 && used > 0)
    msg += used;
  else
    col = 0;
  snprintf(rest, sizeof rest, "%s", msg);
  unsigned long line = (unsigned long)n->start_mark.line + 1;
  unsigned long fcol = (unsigned long)n->start_mark.column + 1;
  int scalar = n->type == YAML_SCALAR_NODE;
  int style = scalar ? (int)n->data.scalar.style : -1;
  int one_line = scalar && n->start_mark.line == n->end_mark.line &&
                 !strchr(sval(n), '\n');
  size_t off =
      col > 0 && (size_t)(col - 1) >= prefix ? (size_t)(col - 1) - prefix : 0;
  if (col > 0 && one_line &&
      (style == YAML_PLAIN_SCALAR_STYLE ||
       style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
       style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)) {
    fcol += (style == YAML_PLAIN_SCALAR_STYLE ? 0 : 1) + off;
    return psst_error_set(PSST_ERR_USER, "%s:%lu:%lu: %s: %s", c->path, line,
                          fcol, kp, rest);
  }
  if (col > 0)
    return psst_error_set(
        PSST_ERR_USER, "%s:%lu:%lu: %s: column %lu of the expression: %s",
        c->path, line, fcol, kp, (unsigned long)off + 1, rest);
  return psst_error_set(PSST_ERR_USER, "%s:%lu:%lu: %s: %s", c->path, line,
                        fcol, kp, rest);
}

/* One statement of a kind: its node, key path and prefix length. */
typedef struct kind_stmt {
  yaml_node_t *node;
  char kp[KP_MAX];
  size_t prefix;
} kind_stmt;

static char *kind_strdup(const char *s) { return xstrdup(s ? s : ""); }

/* Add state or parameter `name` [unit] of a user kind to its symbol table,
 * read by the generated code as `<array>[index]` ("x[1]", "p[0]"). A bad
 * unit is reported at the `unit` value w (key kp_unit), a bad name at the
 * key node (key kp). */
static int kind_symbol(ctx *c, psst_expr_symtab *syms, const char *name,
                       const char *unit, int role, const char *array, int index,
                       const yaml_node_t *key, const char *kp,
                       const yaml_node_t *w, const char *kp_unit) {
  char access[32];
  snprintf(access, sizeof access, "%s[%d]", array, index);
  if (psst_expr_symtab_add(syms, name, unit, role, access, 0) >= 0) return 0;
  int in_unit = !strncmp(psst_error_message(), "column", 6);
  return kind_text_fail(c, in_unit ? w : key, in_unit ? kp_unit : kp, 0);
}

/* The `state` mapping of a kind into *state (*nstate of them): a neuron
 * kind's starts with V [mV] and may have init expressions; a synapse
 * kind's receptor states have numbers. Each state becomes symbol x[i] of
 * syms. */
static int parse_kind_state(ctx *c, yaml_node_t *n, const char *kp, int neuron,
                            psst_state_info **state, int *nstate,
                            psst_expr_symtab *syms) {
  static const char *const skeys[] = {"unit", "init", "fraction", NULL};
  PSST_TRY(check_map(c, n, kp, NULL));
  int ns = map_len(n);
  if (ns < 1)
    return fail(c, n, kp,
                neuron ? "needs at least V (the membrane potential, mV)"
                       : "needs at least one state variable (the receptor "
                         "state, e.g. O: {unit: \"1\", init: 0})");
  if (ns > PSST_KIND_NSTATE_MAX)
    return fail(c, n, kp, "at most %d state variables, got %d",
                PSST_KIND_NSTATE_MAX, ns);
  *state = xcalloc((size_t)ns, sizeof **state);
  PSST_ALLOC_CHECK(*state);
  for (int i = 0; i < ns; i++) {
    yaml_node_t *key = map_key(c, n, i), *v = map_val(c, n, i), *w;
    char kp2[KP_MAX], kp3[KP_MAX];
    kp_key(kp2, kp, sval(key));
    if (neuron && i == 0 && strcmp(sval(key), "V"))
      return fail(c, key, kp2,
                  "the first state variable must be V (the membrane "
                  "potential, mV)");
    if (!neuron && (!strcmp(sval(key), "V") || !strcmp(sval(key), "V_pre") ||
                    !strcmp(sval(key), "T")))
      return fail(c, key, kp2,
                  "'%s' is given by psst in a synapse kind (V_pre: the "
                  "presynaptic membrane potential, T: the transmitter, V: "
                  "the postsynaptic membrane potential) and cannot be a "
                  "state variable",
                  sval(key));
    PSST_TRY(check_map(c, v, kp2, skeys));
    psst_state_info *s = &(*state)[i];
    s->name = kind_strdup(sval(key));
    *nstate = i + 1;
    PSST_TRY(req(c, v, kp2, "unit", &w));
    kp_key(kp3, kp2, "unit");
    const char *unit = NULL;
    PSST_TRY(get_str(c, w, kp3, &unit));
    if (neuron && i == 0 && strcmp(unit, "mV"))
      return fail(c, w, kp3, "V must be in mV, got %s", got(c, w));
    s->unit = kind_strdup(unit);
    s->long_name = "";
    PSST_ALLOC_CHECK(s->name);
    PSST_ALLOC_CHECK(s->unit);
    PSST_TRY(kind_symbol(c, syms, s->name, unit, PSST_EXPR_STATE, "x", i, key,
                         kp2, w, kp3));
    PSST_TRY(req(c, v, kp2, "init", &w));
    kp_key(kp3, kp2, "init");
    double num;
    if (neuron && i > 0 && w->type == YAML_SCALAR_NODE &&
        !parse_double(w, &num)) {
      /* an expression of V and the parameters (kind_init_exprs) */
      s->def_is_steady = 1;
      s->def = 0.0;
      if ((w = opt(c, v, "fraction"))) {
        kp_key(kp3, kp2, "fraction");
        PSST_TRY(get_bool(c, w, kp3, &s->fraction));
      }
      continue;
    }
    PSST_TRY(get_num(c, w, kp3, -1e300, 1e300, 0, unit, &s->def));
    if ((w = opt(c, v, "fraction"))) {
      kp_key(kp3, kp2, "fraction");
      PSST_TRY(get_bool(c, w, kp3, &s->fraction));
      if (s->fraction && (s->def < 0 || s->def > 1))
        return fail(c, map_get(c, v, "init"), kp2,
                    "a fraction's init must lie in [0, 1], got %g", s->def);
    }
  }
  return 0;
}

/* The `parameters` mapping of a kind into *param (*nparam of them), each
 * symbol p[i] of syms. */
static int parse_kind_params(ctx *c, yaml_node_t *n, const char *kp,
                             psst_param_info **param, int *nparam,
                             psst_expr_symtab *syms) {
  static const char *const pkeys[] = {"unit", "default", "range", "description",
                                      NULL};
  PSST_TRY(check_map(c, n, kp, NULL));
  int np = map_len(n);
  *param = xcalloc((size_t)np, sizeof **param);
  PSST_ALLOC_CHECK(*param);
  for (int i = 0; i < np; i++) {
    yaml_node_t *key = map_key(c, n, i), *v = map_val(c, n, i), *w;
    char kp2[KP_MAX], kp3[KP_MAX];
    kp_key(kp2, kp, sval(key));
    PSST_TRY(check_map(c, v, kp2, pkeys));
    psst_param_info *p = &(*param)[i];
    p->name = kind_strdup(sval(key));
    *nparam = i + 1;
    PSST_TRY(req(c, v, kp2, "unit", &w));
    kp_key(kp3, kp2, "unit");
    const char *unit = NULL;
    PSST_TRY(get_str(c, w, kp3, &unit));
    p->unit = kind_strdup(unit);
    p->description = "";
    PSST_ALLOC_CHECK(p->name);
    PSST_ALLOC_CHECK(p->unit);
    PSST_TRY(kind_symbol(c, syms, p->name, unit, PSST_EXPR_PARAM, "p", i, key,
                         kp2, w, kp3));
    p->min = -HUGE_VAL;
    p->max = HUGE_VAL;
    if ((w = opt(c, v, "range"))) {
      kp_key(kp3, kp2, "range");
      if (w->type != YAML_SEQUENCE_NODE || seq_len(w) != 2)
        return fail(c, w, kp3, "must be [min, max], got %s", got(c, w));
      PSST_TRY(get_num(c, seq_at(c, w, 0), kp3, -HUGE_VAL, HUGE_VAL, 0, unit,
                       &p->min));
      PSST_TRY(
          get_num(c, seq_at(c, w, 1), kp3, p->min, HUGE_VAL, 0, unit, &p->max));
    }
    PSST_TRY(req(c, v, kp2, "default", &w));
    kp_key(kp3, kp2, "default");
    PSST_TRY(get_num(c, w, kp3, p->min, p->max, 0, unit, &p->def));
  }
  return 0;
}

/* Add one statement `prefix + text` to the set. */
/* The `init` value of state `name` under the kind's `state` mapping (key
 * kp), and its key path in kp3. */
static yaml_node_t *kind_init_node(ctx *c, yaml_node_t *state, const char *kp,
                                   const char *name, char kp3[KP_MAX]) {
  char kp2[KP_MAX];
  kp_key(kp2, kp, name);
  kp_key(kp3, kp2, "init");
  return map_get(c, map_get(c, state, name), "init");
}

/* The states of u whose init is an expression (def_is_steady): parsed and
 * checked against the checked set's symbols (unit = the state's), kept in
 * u->init with the set (u->set; the engine evaluates them per neuron at its
 * initial V, kinds/user.h), and evaluated once at V's default init with the
 * default parameters, which also gives state_info.def. An init may use V,
 * the parameters and the expressions of them; one that reads another state
 * or I comes out NaN there (they are NaN) and is refused. */
static int kind_init_exprs(ctx *c, psst_user_kind *u, psst_expr_eqset *set,
                           yaml_node_t *state, const char *kp) {
  const psst_expr_symtab *t = psst_expr_eqset_symtab(set);
  int ns = u->k.nstate, np = u->k.nparam, any = 0;
  for (int i = 1; i < ns; i++)
    any |= u->state[i].def_is_steady;
  if (!any) return 0;
  u->init = xcalloc((size_t)ns, sizeof *u->init);
  u->sym = xcalloc((size_t)(ns + np), sizeof *u->sym);
  PSST_ALLOC_CHECK(u->init);
  PSST_ALLOC_CHECK(u->sym);
  for (int i = 0; i < ns; i++)
    u->sym[i] = psst_expr_symtab_find(t, u->state[i].name);
  for (int j = 0; j < np; j++)
    u->sym[ns + j] = psst_expr_symtab_find(t, u->param[j].name);
  for (int i = 1; i < ns; i++) {
    psst_state_info *s = &u->state[i];
    if (!s->def_is_steady) continue;
    char kp3[KP_MAX];
    yaml_node_t *w = kind_init_node(c, state, kp, s->name, kp3);
    psst_expr_diag d = {0, -1};
    psst_unit unit;
    int cond = 0, k = psst_expr_symtab_find(t, s->name);
    if (psst_expr_parse(sval(w), &u->init[i], &d) < 0 ||
        psst_expr_check(u->init[i], t, &unit, &cond, &d) < 0)
      return kind_text_fail(c, w, kp3, 0);
    if (cond)
      return fail(c, w, kp3, "'%s' is a condition, not an initial value",
                  sval(w));
    if (k < 0 || !psst_unit_equal(unit, t->sym[k].unit)) {
      char ug[128];
      return fail(c, w, kp3,
                  "'%s' has unit %s, but %s is in %s (an init expression "
                  "gives the state's value)",
                  sval(w), psst_unit_format(unit, ug, sizeof ug), s->name,
                  s->unit);
    }
  }
  u->set = set;
  double *p = xcalloc((size_t)u->k.nparam + 1, sizeof *p);
  PSST_ALLOC_CHECK(p);
  for (int j = 0; j < u->k.nparam; j++)
    p[j] = u->param[j].def;
  double *x = xcalloc((size_t)ns, sizeof *x);
  int rc = x ? psst_user_kind_steady(u, u->state[0].def, p, x)
             : psst_error_set(PSST_ERR_NOMEM, "out of memory");
  for (int i = 1; rc == 0 && i < ns; i++) {
    psst_state_info *s = &u->state[i];
    if (!s->def_is_steady) continue;
    char kp3[KP_MAX];
    yaml_node_t *w = kind_init_node(c, state, kp, s->name, kp3);
    if (!isfinite(x[i]))
      rc = fail(c, w, kp3,
                "'%s' is not a finite number at V = %g mV with the default "
                "parameters; an init expression may use V, the parameters "
                "and the expressions of them, not other states or I",
                sval(w), u->state[0].def);
    else if (s->fraction && (x[i] < 0 || x[i] > 1))
      rc = fail(c, w, kp3,
                "a fraction's init must lie in [0, 1], got %g at V = %g mV",
                x[i], u->state[0].def);
    else
      s->def = x[i];
  }
  free(p);
  free(x);
  return rc;
}

static int kind_add_stmt(ctx *c, psst_expr_eqset *set, kind_stmt *st,
                         const char *prefix, yaml_node_t *text_node) {
  const char *text = NULL;
  PSST_TRY(get_str(c, text_node, st->kp, &text));
  size_t lp = strlen(prefix), lt = strlen(text);
  char *stmt = malloc(lp + lt + 1);
  PSST_ALLOC_CHECK(stmt);
  memcpy(stmt, prefix, lp);
  memcpy(stmt + lp, text, lt + 1);
  st->node = text_node;
  st->prefix = lp;
  psst_expr_diag d = {0, -1};
  int rc = psst_expr_eqset_add(set, stmt, &d);
  free(stmt);
  if (rc < 0) return kind_text_fail(c, text_node, st->kp, lp);
  return 0;
}

/* The `expressions` and `equations` of kind node n (key path kp) over
 * syms (its states, parameters and inputs): one checked set in *out, or an
 * error at the statement's file:line:column. Every state needs exactly one
 * equation, dX/dt. */
static int kind_equations(ctx *c, yaml_node_t *n, const char *kp,
                          const psst_state_info *state, int nstate,
                          const psst_expr_symtab *syms, psst_expr_eqset **out) {
  psst_expr_eqset *set = NULL;
  kind_stmt *st = NULL;
  yaml_node_t *exprs = opt(c, n, "expressions"), *eqs = NULL;
  char kp2[KP_MAX], kpe[KP_MAX];
  int ne = 0;
  int rc = psst_expr_eqset_create(syms, &set);
  if (!rc && exprs) {
    kp_key(kpe, kp, "expressions");
    rc = check_map(c, exprs, kpe, NULL);
    ne = rc ? 0 : map_len(exprs);
  }
  if (!rc) {
    st = xcalloc((size_t)ne + (size_t)nstate, sizeof *st);
    if (!st) rc = psst_error_set(PSST_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; !rc && i < ne; i++) {
    char prefix[PSST_NAME_MAX + 8];
    snprintf(prefix, sizeof prefix, "%s = ", sval(map_key(c, exprs, i)));
    kp_key(st[i].kp, kpe, sval(map_key(c, exprs, i)));
    rc = kind_add_stmt(c, set, &st[i], prefix, map_val(c, exprs, i));
  }
  if (!rc) rc = req(c, n, kp, "equations", &eqs);
  if (!rc) {
    kp_key(kp2, kp, "equations");
    rc = check_map(c, eqs, kp2, NULL);
  }
  for (int i = 0; !rc && i < map_len(eqs); i++) {
    const char *x = sval(map_key(c, eqs, i));
    char kp3[KP_MAX];
    kp_key(kp3, kp2, x);
    if (psst_state_index(state, nstate, x) < 0)
      rc = fail(c, map_key(c, eqs, i), kp3,
                "'%s' is not a state variable of this kind (equations "
                "are dX/dt of each state X)",
                x);
  }
  for (int i = 0; !rc && i < nstate; i++)
    if (!map_get(c, eqs, state[i].name))
      rc = fail(c, eqs, kp2,
                "state '%s' has no equation (every state variable needs "
                "one: %s: \"...\", its dX/dt in %s/ms)",
                state[i].name, state[i].name, state[i].unit);
  /* the statements in the order of the states, after the expressions */
  for (int i = 0; !rc && i < nstate; i++) {
    char prefix[PSST_NAME_MAX + 16];
    snprintf(prefix, sizeof prefix, "d%s/dt = ", state[i].name);
    kp_key(st[ne + i].kp, kp2, state[i].name);
    rc = kind_add_stmt(c, set, &st[ne + i], prefix,
                       map_get(c, eqs, state[i].name));
  }
  if (!rc) {
    psst_expr_diag d = {0, -1};
    if (psst_expr_eqset_check(set, &d) < 0) {
      if (d.statement >= 0 && d.statement < ne + nstate)
        rc = kind_text_fail(c, st[d.statement].node, st[d.statement].kp,
                            st[d.statement].prefix);
      else
        rc = kind_text_fail(c, n, kp, 0);
    }
  }
  free(st);
  if (rc) psst_expr_eqset_destroy(&set);
  *out = set;
  return rc;
}

/* Append generated text to the model's kind source, which starts with
 * psst's helpers as text (kinds/jit.h) and the loops' pragma. */
static int kinds_source_add(psst_model *m, const char *text) {
  size_t len = m->kinds_source ? strlen(m->kinds_source) : 0;
  if (!m->kinds_source) {
    static const char prelude[] =
        "/* generated by psst from the kinds of a model file */\n"
        "#if defined(__clang__)\n"
        "#define PSST_UK_SIMD _Pragma(\"clang loop "
        "vectorize(assume_safety)\")\n"
        "#elif defined(__GNUC__)\n"
        "#define PSST_UK_SIMD _Pragma(\"GCC ivdep\")\n"
        "#else\n#define PSST_UK_SIMD\n#endif\n";
    const char *helpers = psst_jit_prelude();
    size_t lh = helpers ? strlen(helpers) : 0;
    m->kinds_source = helpers ? malloc(lh + sizeof prelude) : NULL;
    if (!m->kinds_source)
      return psst_error_set(PSST_ERR_NOMEM, "out of memory");
    memcpy(m->kinds_source, helpers, lh);
    memcpy(m->kinds_source + lh, prelude, sizeof prelude);
    len = lh + sizeof prelude - 1;
  }
  return text ? psst_kind_source_append(&m->kinds_source, &len, "\n%s", text)
              : 0;
}

/* A user kind's name: new, and no built-in kind's (neither list). */
static int kind_name(ctx *c, yaml_node_t *n, const char *kp,
                     char name[PSST_NAME_MAX]) {
  yaml_node_t *v;
  char kp2[KP_MAX];
  PSST_TRY(req(c, n, kp, "name", &v));
  kp_key(kp2, kp, "name");
  PSST_TRY(get_name(c, v, kp2, name));
  if (psst_neuron_kind_find(name) || psst_synapse_kind_find(name))
    return fail(c, v, kp2,
                "'%s' is a built-in kind; a user-defined kind must have a "
                "name of its own",
                name);
  if (psst_model_neuron_kind_find(c->m, name) ||
      psst_model_synapse_kind_find(c->m, name))
    return fail(c, v, kp2, "duplicate kind name '%s'", name);
  return 0;
}

/* Add the kind's input symbol `name` [unit] read as `access`; a state or
 * parameter of that name is refused at node n. */
static int kind_input(ctx *c, psst_expr_symtab *syms, const char *name,
                      const char *unit, const char *access, yaml_node_t *n,
                      const char *kp, const char *what) {
  if (psst_expr_symtab_add(syms, name, unit, PSST_EXPR_INPUT, access, 0) >= 0)
    return 0;
  return fail(c, n, kp,
              "'%s' is %s (%s) and cannot be a state or parameter "
              "name",
              name, what, unit);
}

/* A checked expression of kind node n's key `key` over syms: its unit in
 * *unit; a condition is refused. */
static int kind_expr(ctx *c, yaml_node_t *n, const char *kp, const char *key,
                     const psst_expr_symtab *syms, psst_expr **e,
                     psst_unit *unit) {
  yaml_node_t *v;
  char kp2[KP_MAX];
  const char *text = NULL;
  PSST_TRY(req(c, n, kp, key, &v));
  kp_key(kp2, kp, key);
  PSST_TRY(get_str(c, v, kp2, &text));
  psst_expr_diag d = {0, -1};
  int cond = 0;
  if (psst_expr_parse(text, e, &d) < 0 ||
      psst_expr_check(*e, syms, unit, &cond, &d) < 0)
    return kind_text_fail(c, v, kp2, 0);
  if (cond) return fail(c, v, kp2, "'%s' is a condition, not a value", text);
  return 0;
}

/* Copy the states (with `states`) and the parameters of kind table from
 * into to. */
static int kind_syms_copy(const psst_expr_symtab *from, psst_expr_symtab *to,
                          int states, const char *kp) {
  for (int i = 0; i < from->n; i++) {
    const psst_expr_symbol *y = &from->sym[i];
    char ut[128];
    if (y->role != PSST_EXPR_PARAM && (y->role != PSST_EXPR_STATE || !states))
      continue;
    psst_unit_format(y->unit, ut, sizeof ut);
    if (psst_expr_symtab_add(to, y->name, ut, y->role, y->access, 0) < 0)
      return psst_error_set(PSST_ERR_INTERNAL, "psst bug: %s: %s", kp,
                            psst_error_message());
  }
  return 0;
}

/* A synapse kind's on_spike mapping (node v at kp): each key a state of
 * the kind, each value its new value (in the state's unit) over syms. */
static int parse_on_spike(ctx *c, yaml_node_t *v, const char *kp,
                          const psst_user_synkind *u,
                          const psst_expr_symtab *syms, int *state,
                          psst_expr **value, int *n) {
  *n = 0;
  if (v->type != YAML_MAPPING_NODE || map_len(v) == 0)
    return fail(c, v, kp,
                "must be a mapping from state variables to their new "
                "values, as {g: \"g + g_inc*w\"}");
  for (int i = 0; i < map_len(v); i++) {
    yaml_node_t *key = map_key(c, v, i);
    const char *name = sval(key);
    char kp2[KP_MAX];
    kp_key(kp2, kp, name);
    int k = psst_state_index(u->state, u->k.nstate, name);
    if (k < 0)
      return fail(c, key, kp2, "'%s' is not a state variable of kind %s", name,
                  u->name);
    psst_unit ut, want;
    PSST_TRY(kind_expr(c, v, kp, name, syms, &value[*n], &ut));
    state[(*n)++] = k;
    if (psst_unit_parse(u->state[k].unit, &want, NULL) < 0)
      return psst_error_set(PSST_ERR_INTERNAL, "psst bug: %s: %s", kp2,
                            psst_error_message());
    if (!psst_unit_equal(ut, want)) {
      char a[128], b[128];
      return fail(c, map_val(c, v, i), kp2,
                  "the new value of %s is in %s, not in its unit %s", name,
                  psst_unit_format(ut, a, sizeof a),
                  psst_unit_format(want, b, sizeof b));
    }
  }
  return 0;
}

/* Where a synapse kind's state may live, and its flags. Graded: per
 * presynaptic neuron or per synapse. Spike-triggered (on_spike): per
 * synapse; also per presynaptic neuron when the update does not read the
 * weight (every synapse of a neuron then has the same state, which the
 * weights multiply); only per postsynaptic neuron when that is exact and
 * cheaper: no transmitter, every equation, the current and every update
 * linear in the states (x + c), every initial state 0 (then the sum over
 * a neuron's synapses obeys the synapses' own equations). */
static void syn_kind_storage(psst_user_synkind *u, int transmitter,
                             const psst_expr_eqset *set, const psst_expr *cur,
                             const psst_expr_symtab *cur_syms,
                             const psst_user_syn_spike *sp,
                             const char *drive_is_x0) {
  u->k.storage = 1u << PSST_STORE_PRE | 1u << PSST_STORE_SYNAPSE;
  /* the drive sums the first state itself: no copy into a drive array */
  if (drive_is_x0) u->k.flags |= PSST_SYN_F_DRIVE_IS_STATE;
  if (sp->n == 0) return;
  u->k.flags |= PSST_SYN_F_SPIKE_TRIGGERED;
  int reads_w = 0, linear = !transmitter && psst_expr_eqset_linear(set) &&
                            psst_expr_state_degree(cur, cur_syms) == 1;
  for (int i = 0; i < sp->n; i++) {
    reads_w |= psst_expr_reads(sp->value[i], sp->syms, "w");
    linear &= psst_expr_is_increment(sp->value[i], sp->syms,
                                     u->state[sp->state[i]].name);
  }
  for (int k = 0; k < u->k.nstate; k++)
    linear &= u->state[k].def == 0.0;
  u->k.storage = 1u << PSST_STORE_SYNAPSE;
  if (!reads_w) u->k.storage |= 1u << PSST_STORE_PRE;
  if (linear) u->k.storage = 1u << PSST_STORE_POST;
}

/* A synapse kind (`type: synapse`, kinds/user_syn.h): state, parameters,
 * transmitter (of V_pre, t, t_spike) and/or on_spike, expressions and
 * equations (of T), current (of V). */
static int parse_syn_kind(ctx *c, yaml_node_t *n, const char *kp,
                          const char *name) {
  static const char *const keys[] = {
      "name",        "type",      "state",   "parameters", "transmitter",
      "expressions", "equations", "current", "on_spike",   NULL};
  psst_model *m = c->m;
  PSST_TRY(check_map(c, n, kp, keys));
  psst_user_synkind *nk =
      realloc(m->synkinds, (size_t)(m->nsynkind + 1) * sizeof *nk);
  PSST_ALLOC_CHECK(nk);
  m->synkinds = nk;
  psst_user_synkind *u = &m->synkinds[m->nsynkind++];
  memset(u, 0, sizeof *u);
  u->name = kind_strdup(name);
  PSST_ALLOC_CHECK(u->name);
  u->k.name = u->name;
  snprintf(u->table, sizeof u->table, "psst_usl_%s_table", name);
  /* eq: states, parameters, T; tr: parameters, V_pre, t, t_spike; cur:
   * states, parameters, V; os: states, parameters, w */
  psst_expr_symtab eq = {0}, tr = {0}, cur = {0}, os = {0};
  psst_expr_eqset *set = NULL;
  psst_expr *te = NULL, *ce = NULL, **ov = NULL;
  int *ostate = NULL;
  psst_user_syn_spike sp = {0, NULL, NULL, &os};
  char kp2[KP_MAX], tunit[128] = "1", drive[64] = "";
  yaml_node_t *v, *osn = opt(c, n, "on_spike");
  psst_unit ut;
  int rc = req(c, n, kp, "state", &v);
  if (!rc) {
    kp_key(kp2, kp, "state");
    rc = parse_kind_state(c, v, kp2, 0, &u->state, &u->k.nstate, &eq);
  }
  if (!rc && (v = opt(c, n, "parameters"))) {
    kp_key(kp2, kp, "parameters");
    rc = parse_kind_params(c, v, kp2, &u->param, &u->k.nparam, &eq);
  }
  if (!rc) rc = kind_syms_copy(&eq, &tr, 0, kp);
  if (!rc) rc = kind_syms_copy(&eq, &cur, 1, kp);
  if (!rc) rc = kind_syms_copy(&eq, &os, 1, kp);
  if (!rc)
    rc = kind_input(c, &tr, "V_pre", "mV", "V", n, kp,
                    "the presynaptic membrane potential");
  if (!rc) rc = kind_input(c, &tr, "t", "ms", "t", n, kp, "the time");
  if (!rc)
    rc = kind_input(c, &tr, "t_spike", "ms", "fire_t", n, kp,
                    "the presynaptic neuron's last spike time");
  if (!rc)
    rc = kind_input(c, &cur, "V", "mV", "V", n, kp,
                    "the postsynaptic membrane potential");
  if (!rc)
    rc = kind_input(c, &os, "w", "1", "w", n, kp, "the synapse's weight");
  int has_tr = opt(c, n, "transmitter") != NULL;
  if (!rc && !has_tr && !osn)
    rc = fail(c, n, kp,
              "synapse kind %s needs a transmitter (graded: T of V_pre, t, "
              "t_spike) or on_spike (spike-triggered: new state values on "
              "each presynaptic spike), or both",
              name);
  if (!rc && has_tr) rc = kind_expr(c, n, kp, "transmitter", &tr, &te, &ut);
  if (!rc && has_tr) {
    psst_unit_format(ut, tunit, sizeof tunit);
    rc = kind_input(c, &eq, "T", tunit, "Iext", n, kp, "the transmitter");
  }
  if (!rc) rc = kind_equations(c, n, kp, u->state, u->k.nstate, &eq, &set);
  if (!rc && osn) {
    ov = calloc((size_t)map_len(osn) + 1, sizeof *ov);
    ostate = calloc((size_t)map_len(osn) + 1, sizeof *ostate);
    if (!ov || !ostate) rc = psst_error_set(PSST_ERR_NOMEM, "out of memory");
    kp_key(kp2, kp, "on_spike");
    if (!rc) rc = parse_on_spike(c, osn, kp2, u, &os, ostate, ov, &sp.n);
    sp.state = ostate;
    sp.value = ov;
  }
  if (!rc) rc = kind_expr(c, n, kp, "current", &cur, &ce, NULL);
  if (!rc) {
    char *src = NULL;
    size_t len = 0;
    rc = psst_user_syn_emit(set, te, &tr, ce, &cur, "V", &sp, name, u->k.nstate,
                            u->k.nparam, &src, &len);
    if (rc) {
      yaml_node_t *cn = map_get(c, n, "current");
      kp_key(kp2, kp, "current");
      if (psst_error_code() == PSST_ERR_USER)
        rc = kind_text_fail(c, cn, kp2, 0);
    } else {
      rc = kinds_source_add(m, src);
    }
    free(src);
  }
  if (!rc) {
    char g[64], E[64];
    /* the drive's C text: "x[0]" when it is the first state itself */
    if (psst_expr_split_current(ce, &cur, "V", g, drive, E, sizeof drive,
                                NULL) < 0)
      drive[0] = '\0';
    u->k.flags = 0;
    if (te) u->k.flags |= PSST_SYN_F_TRANSMITTER;
    if (te && psst_expr_reads(te, &tr, "V_pre"))
      u->k.flags |= PSST_SYN_F_READS_STAGE_V;
    if (te && psst_expr_reads(te, &tr, "t_spike"))
      u->k.flags |= PSST_SYN_F_READS_FIRE_T;
    syn_kind_storage(u, te != NULL, set, ce, &cur, &sp,
                     strcmp(drive, "x[0]") == 0 ? drive : NULL);
  }
  for (int i = 0; ov && i < sp.n; i++)
    psst_expr_destroy(&ov[i]);
  free(ov);
  free(ostate);
  psst_expr_destroy(&te);
  psst_expr_destroy(&ce);
  psst_expr_eqset_destroy(&set);
  psst_expr_symtab_free(&eq);
  psst_expr_symtab_free(&tr);
  psst_expr_symtab_free(&cur);
  psst_expr_symtab_free(&os);
  PSST_TRY(rc);
  u->k.summary = u->k.flags & PSST_SYN_F_SPIKE_TRIGGERED
                     ? "user-defined synapse kind (spike-triggered: on_spike)"
                 : u->k.flags & PSST_SYN_F_READS_STAGE_V
                     ? "user-defined synapse kind (graded: transmitter of "
                       "V_pre)"
                     : "user-defined synapse kind (transmitter of t_spike)";
  u->k.source = "model file (kinds:)";
  u->k.id = PSST_SYN_COUNT + m->nsynkind - 1;
  u->k.state = u->state;
  u->k.param = u->param;
  u->k.cost = u->k.flags & PSST_SYN_F_SPIKE_TRIGGERED ? 0.05 : 1.0;
  return 0;
}

static int parse_kind(ctx *c, yaml_node_t *n, const char *kp, int idx) {
  static const char *const keys[] = {"name",       "type",        "state",
                                     "parameters", "expressions", "equations",
                                     "threshold",  "refractory",  NULL};
  psst_model *m = c->m;
  char kp2[KP_MAX];
  yaml_node_t *v;
  if (n->type != YAML_MAPPING_NODE) PSST_TRY(check_map(c, n, kp, keys));
  char name[PSST_NAME_MAX];
  PSST_TRY(kind_name(c, n, kp, name));
  PSST_TRY(req(c, n, kp, "type", &v));
  kp_key(kp2, kp, "type");
  static const char *const types[] = {"neuron", "synapse", NULL};
  int type = 0;
  PSST_TRY(get_enum(c, v, kp2, types, &type));
  if (type == 1) return parse_syn_kind(c, n, kp, name);
  PSST_TRY(check_map(c, n, kp, keys));
  psst_user_kind *nk = realloc(m->kinds, (size_t)(m->nkind + 1) * sizeof *nk);
  PSST_ALLOC_CHECK(nk);
  m->kinds = nk;
  psst_user_kind *u = &m->kinds[m->nkind++];
  memset(u, 0, sizeof *u);
  u->name = kind_strdup(name);
  PSST_ALLOC_CHECK(u->name);
  snprintf(u->kernel, sizeof u->kernel, "psst_uk_%s_kernel", name);

  psst_expr_symtab syms = {0};
  psst_expr_eqset *set = NULL;
  char *deriv = NULL;
  yaml_node_t *state = NULL, *params = NULL;
  int rc = req(c, n, kp, "state", &state);
  if (!rc) {
    kp_key(kp2, kp, "state");
    rc = parse_kind_state(c, state, kp2, 1, &u->state, &u->k.nstate, &syms);
  }
  if (!rc && (params = opt(c, n, "parameters"))) {
    kp_key(kp2, kp, "parameters");
    rc = parse_kind_params(c, params, kp2, &u->param, &u->k.nparam, &syms);
  }
  if (!rc)
    rc = kind_input(c, &syms, "I", "uA/cm^2", "Iext", n, kp,
                    "the input current");
  if (!rc) rc = kind_equations(c, n, kp, u->state, u->k.nstate, &syms, &set);
  if (!rc) {
    kp_key(kp2, kp, "state");
    rc = kind_init_exprs(c, u, set, state, kp2);
  }
  if (!rc) {
    size_t cap = 1 << 18;
    deriv = malloc(cap);
    rc = deriv ? psst_expr_eqset_emit_deriv(set, u->name, deriv, cap)
               : psst_error_set(PSST_ERR_NOMEM, "out of memory");
    if (rc < 0) psst_error_prefix("%s: %s: ", c->path, kp);
  }
  if (!rc) rc = kinds_source_add(m, deriv);
  if (!rc) {
    size_t len = strlen(m->kinds_source);
    rc = psst_user_kind_emit_kernel(u->name, u->k.nstate, u->k.nparam,
                                    &m->kinds_source, &len);
  }
  free(deriv);
  if (u->set != set) psst_expr_eqset_destroy(&set); /* else u owns it */
  psst_expr_symtab_free(&syms);
  PSST_TRY(rc);

  u->k.name = u->name;
  u->k.summary = "user-defined neuron kind";
  u->k.source = "model file (kinds:)";
  u->k.id = PSST_NK_COUNT + m->nkind - 1;
  u->k.state = u->state;
  u->k.param = u->param;
  u->k.threshold = 0.0;
  u->k.refractory = 0.0;
  u->k.cost = 19.0; /* as hh_classic (partition balance only) */
  if ((v = opt(c, n, "threshold"))) {
    kp_key(kp2, kp, "threshold");
    PSST_TRY(get_num(c, v, kp2, -1000, 1000, 0, "mV", &u->k.threshold));
  }
  if ((v = opt(c, n, "refractory"))) {
    kp_key(kp2, kp, "refractory");
    PSST_TRY(get_num(c, v, kp2, 0, 1e9, 0, "ms", &u->k.refractory));
  }
  (void)idx;
  return 0;
}

static int parse_kinds_list(ctx *c, yaml_node_t *n, const char *kp,
                            int allow_files);

/* {file: path}: a kind file, a YAML mapping with one key `kinds:`. */
static int parse_kind_file(ctx *c, yaml_node_t *n, const char *kp) {
  static const char *const keys[] = {"file", NULL};
  PSST_TRY(check_map(c, n, kp, keys));
  yaml_node_t *v;
  char kp2[KP_MAX];
  PSST_TRY(req(c, n, kp, "file", &v));
  kp_key(kp2, kp, "file");
  char *path = NULL;
  PSST_TRY(get_path(c, v, kp2, &path));
  FILE *f = fopen(path, "rb");
  if (!f) {
    char why[1200];
    int e = errno;
    if (!psst_io_missing_path(path, why, sizeof why))
      snprintf(why, sizeof why, "%s", strerror(e));
    int rc = fail(c, v, kp2, "cannot read kind file %s: %s", path, why);
    free(path);
    return rc;
  }
  size_t cap = 1 << 14, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    char *nb = realloc(buf, cap *= 2);
    if (!nb) free(buf);
    buf = nb;
  }
  fclose(f);
  if (!buf) {
    free(path);
    return psst_error_set(PSST_ERR_NOMEM, "out of memory");
  }
  buf[len] = '\0';
  /* the file's text is part of the model's identity (model hash) */
  size_t have = c->m->kinds_text ? strlen(c->m->kinds_text) : 0;
  size_t lp = strlen(path);
  char *kt = realloc(c->m->kinds_text, have + lp + len + 32);
  int rc = 0;
  if (!kt) {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory");
  } else {
    c->m->kinds_text = kt;
    snprintf(kt + have, lp + len + 32, "|kind file %s|%s", path, buf);
  }
  yaml_document_t doc;
  if (!rc) rc = load_document(path, buf, len, &doc);
  free(buf);
  if (!rc) {
    ctx sub = *c;
    sub.path = path;
    sub.doc = &doc;
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    sub.dir = malloc(dlen + 1);
    if (!sub.dir) {
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory");
    } else {
      memcpy(sub.dir, path, dlen);
      sub.dir[dlen] = '\0';
      static const char *const rkeys[] = {"kinds", NULL};
      yaml_node_t *root = yaml_document_get_root_node(&doc), *kv = NULL;
      if (!root)
        rc = fail(&sub, NULL, "", "the kind file is empty (it needs kinds:)");
      if (!rc) rc = check_map(&sub, root, "", rkeys);
      if (!rc) rc = req(&sub, root, "", "kinds", &kv);
      if (!rc) rc = parse_kinds_list(&sub, kv, "kinds", 0);
      free(sub.dir);
    }
    yaml_document_delete(&doc);
  }
  free(path);
  return rc;
}

static int parse_kinds_list(ctx *c, yaml_node_t *n, const char *kp,
                            int allow_files) {
  if (n->type != YAML_SEQUENCE_NODE)
    return fail(c, n, kp,
                "must be a list of kinds (each a neuron kind or {file: "
                "path}), got %s",
                got(c, n));
  for (int i = 0; i < seq_len(n); i++) {
    yaml_node_t *it = seq_at(c, n, i);
    char kp2[KP_MAX];
    kp_idx(kp2, kp, i);
    if (it->type == YAML_MAPPING_NODE && map_get(c, it, "file")) {
      if (!allow_files)
        return fail(c, it, kp2, "a kind file cannot include other kind files");
      PSST_TRY(parse_kind_file(c, it, kp2));
    } else {
      PSST_TRY(parse_kind(c, it, kp2, i));
    }
  }
  return 0;
}

/* ---- top level ------------------------------------------------------------
 */

static int parse_root(ctx *c, yaml_node_t *root) {
  static const char *const keys[] = {"run",         "network",     "kinds",
                                     "populations", "projections", "stimuli",
                                     "record",      "output",      NULL};
  if (!root)
    return fail(c, NULL, "",
                "the model file is empty (it needs at least run and "
                "populations)");
  if (root->type != YAML_MAPPING_NODE)
    return fail(c, root, "",
                "the model file must be a mapping with keys run, "
                "populations, projections, stimuli, record, output; got %s",
                got(c, root));
  yaml_node_t *v;
  if (c->ov && c->ov->kinds_only) {
    /* psst info FILE: a model file's kinds, or a kind file's */
    if (!(v = opt(c, root, "kinds")))
      return fail(c, root, "",
                  "no kinds: here (a model file or a kind file with "
                  "user-defined kinds under `kinds:`)");
    return parse_kinds_list(c, v, "kinds", 1);
  }
  PSST_TRY(check_map(c, root, "", keys));
  PSST_TRY(req(c, root, "", "run", &v));
  PSST_TRY(parse_run(c, v));
  if ((v = opt(c, root, "network"))) {
    static const char *const nkeys[] = {"neurons", NULL};
    yaml_node_t *nv;
    PSST_TRY(check_map(c, v, "network", nkeys));
    PSST_TRY(req(c, v, "network", "neurons", &nv));
    PSST_TRY(get_int(c, nv, "network.neurons", 1, 1000000000,
                     &c->m->network_neurons));
  }
  if (c->ov && c->ov->neurons > 0) {
    if (c->m->network_neurons <= 0)
      return psst_error_set(PSST_ERR_USER,
                            "--neurons: %s has no network.neurons (its "
                            "populations have fixed sizes)",
                            c->path);
    c->m->network_neurons = c->ov->neurons;
  }
  if ((v = opt(c, root, "kinds"))) PSST_TRY(parse_kinds_list(c, v, "kinds", 1));
  PSST_TRY(req(c, root, "", "populations", &v));
  PSST_TRY(parse_populations(c, v));
  if ((v = opt(c, root, "projections"))) PSST_TRY(parse_projections(c, v));
  if ((v = opt(c, root, "stimuli"))) PSST_TRY(parse_stimuli(c, v));
  PSST_TRY(parse_record(c, opt(c, root, "record")));
  if ((v = opt(c, root, "output"))) {
    const char *s = NULL;
    PSST_TRY(get_str(c, v, "output", &s));
    const char *why = psst_io_output_path_problem(s);
    if (why) return fail(c, v, "output", "%s", why);
    c->m->output = xstrdup(s);
    PSST_ALLOC_CHECK(c->m->output);
  }
  return 0;
}

static int syntax_error(const char *path, yaml_parser_t *p) {
  if (p->error == YAML_MEMORY_ERROR)
    return psst_error_set(PSST_ERR_NOMEM, "%s: out of memory parsing YAML",
                          path);
  char ctxt[160] = "";
  if (p->context)
    snprintf(ctxt, sizeof ctxt, " (%s at line %lu, column %lu)", p->context,
             (unsigned long)p->context_mark.line + 1,
             (unsigned long)p->context_mark.column + 1);
  return psst_error_set(PSST_ERR_USER, "%s:%lu:%lu: YAML syntax error: %s%s",
                        path, (unsigned long)p->problem_mark.line + 1,
                        (unsigned long)p->problem_mark.column + 1,
                        p->problem ? p->problem : "unknown problem", ctxt);
}

/* Deepest nesting of mappings and sequences a model file may have (the
 * reference's deepest is 6: populations[i].init.V.uniform[0]). libyaml's
 * scanner costs O(depth) per token, so 200,000 levels took minutes. */
#define YAML_DEPTH_MAX 64

/* A pass over the parser's events that stops at the first node nested
 * deeper than YAML_DEPTH_MAX (before the loader sees the text). Syntax
 * errors are left to the loader, which reports them the same way. */
static int check_depth(const char *path, const char *text, size_t len) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return psst_error_set(PSST_ERR_NOMEM, "%s: out of memory parsing YAML",
                          path);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int depth = 0, rc = 0, done = 0;
  while (!done && !rc) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) break; /* the loader reports it */
    if (ev.type == YAML_SEQUENCE_START_EVENT ||
        ev.type == YAML_MAPPING_START_EVENT) {
      if (++depth > YAML_DEPTH_MAX)
        rc = psst_error_set(PSST_ERR_USER,
                            "%s:%lu:%lu: the YAML is nested more than %d "
                            "levels deep (mappings and sequences); a model "
                            "file needs at most a few",
                            path, (unsigned long)ev.start_mark.line + 1,
                            (unsigned long)ev.start_mark.column + 1,
                            YAML_DEPTH_MAX);
    } else if (ev.type == YAML_SEQUENCE_END_EVENT ||
               ev.type == YAML_MAPPING_END_EVENT) {
      depth--;
    } else if (ev.type == YAML_STREAM_END_EVENT) {
      done = 1;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return rc;
}

/* Load the one document of the text into *doc. */
static int load_document(const char *path, const char *text, size_t len,
                         yaml_document_t *doc) {
  PSST_TRY(check_depth(path, text, len));
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return psst_error_set(PSST_ERR_NOMEM, "%s: out of memory parsing YAML",
                          path);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int rc = 0;
  if (!yaml_parser_load(&parser, doc)) {
    rc = syntax_error(path, &parser);
    yaml_parser_delete(&parser);
    return rc;
  }
  if (yaml_document_get_root_node(doc)) {
    yaml_document_t extra;
    if (!yaml_parser_load(&parser, &extra)) {
      rc = syntax_error(path, &parser);
    } else {
      yaml_node_t *r = yaml_document_get_root_node(&extra);
      if (r)
        rc = psst_error_set(PSST_ERR_USER,
                            "%s:%lu:%lu: a model file holds one YAML "
                            "document; found a second one",
                            path, (unsigned long)r->start_mark.line + 1,
                            (unsigned long)r->start_mark.column + 1);
      yaml_document_delete(&extra);
    }
  }
  yaml_parser_delete(&parser);
  if (rc) yaml_document_delete(doc);
  return rc;
}

int psst_config_parse(const char *path, const char *text, size_t len,
                      psst_model **out) {
  return psst_config_parse_ex(path, text, len, NULL, out);
}

int psst_config_parse_ex(const char *path, const char *text, size_t len,
                         const psst_config_overrides *ov, psst_model **out) {
  if (!out)
    return psst_error_set(PSST_ERR_INTERNAL, "psst_config_parse: out is NULL");
  *out = NULL;
  if (!path) path = "<model>";
  if (!text) len = 0;
  yaml_document_t doc;
  PSST_TRY(load_document(path, text ? text : "", len, &doc));

  ctx c = {0};
  c.path = path;
  c.doc = &doc;
  c.ov = ov;
  int rc;
  const char *slash = strrchr(path, '/');
  size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
  c.dir = malloc(dlen + 1);
  c.m = calloc(1, sizeof *c.m);
  if (c.m) {
    c.m->path = xstrdup(path);
    c.m->text = malloc(len + 1);
  }
  if (!c.dir || !c.m || !c.m->path || !c.m->text) {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory at %s:%d", __FILE__,
                        __LINE__);
  } else {
    memcpy(c.dir, path, dlen);
    c.dir[dlen] = '\0';
    if (len) memcpy(c.m->text, text, len);
    c.m->text[len] = '\0';
    rc = parse_root(&c, yaml_document_get_root_node(&doc));
  }
  yaml_document_delete(&doc);
  free(c.dir);
  if (rc < 0) {
    psst_model_destroy(&c.m);
    return rc;
  }
  *out = c.m;
  return 0;
}

FILE *psst_config_open_model(const char *path) {
  if (!path || !strcmp(path, "-")) {
    psst_error_set(PSST_ERR_USER,
                   "%s: reading the model from standard input is not "
                   "supported: give the path of a model file",
                   path ? path : "(null)");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    char why[1200];
    int e = errno;
    if (!psst_io_missing_path(path, why, sizeof why))
      snprintf(why, sizeof why, "%s", strerror(e));
    psst_error_set(PSST_ERR_USER, "%s: cannot read model file: %s", path, why);
    return NULL;
  }
  struct stat st = {0};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const char *what = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    close(fd);
    psst_error_set(PSST_ERR_USER,
                   "%s: cannot read model file: it is %s; psst reads model "
                   "files that are regular files only",
                   path, what);
    return NULL;
  }
  /* a regular file: blocking reads from here on */
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    psst_error_set(PSST_ERR_USER, "%s: cannot read model file: %s", path,
                   strerror(errno));
    close(fd);
  }
  return f;
}

int psst_config_load(const char *path, psst_model **out) {
  if (!out)
    return psst_error_set(PSST_ERR_INTERNAL, "psst_config_load: out is NULL");
  *out = NULL;
  FILE *f = psst_config_open_model(path);
  if (!f) return PSST_ERR_USER;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    char *nb = realloc(buf, cap *= 2);
    if (!nb) free(buf);
    buf = nb;
  }
  int err = ferror(f) ? errno : 0;
  fclose(f);
  if (!buf)
    return psst_error_set(PSST_ERR_NOMEM,
                          "%s: out of memory reading the "
                          "model file",
                          path);
  if (err) {
    free(buf);
    return psst_error_set(PSST_ERR_USER, "%s: cannot read model file: %s", path,
                          strerror(err ? err : EIO));
  }
  int rc = psst_config_parse(path, buf, len, out);
  free(buf);
  return rc;
}
