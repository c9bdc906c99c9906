/* psst_nccompare — compare two psst output files.
 *
 *   psst_nccompare A.nc B.nc [--rtol R] [--atol A] [--vars V,m]
 *                  [--spikes-only] [--spike-tol T]
 *
 * Same dimensions (name and length); spikes equal as a multiset of
 * (spike_neuron, spike_time): exact by default, times within T ms with
 * --spike-tol; every record variable (time, neuron) — or those of --vars —
 * and the coordinates time, neuron_id, population equal exactly by default
 * (and those of every named record block, P_time, P_neuron, P_neuron_id,
 * P_population, for the dimensions P_time and P_neuron),
 * or |a - b| <= atol + rtol * max(|a|, |b|). Attributes (timings, provenance)
 * are not compared.
 *
 * Prints the first differences, then a one-line summary, e.g.
 *   spikes: 123 identical; V: max |diff| 0 (bit-identical)
 * Exit status: 0 equal, 1 different, 2 usage error or unreadable file.
 */
#include <math.h>
#include <netcdf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHOW 5
#define SUMMARY_MAX 8192

static char summary[SUMMARY_MAX];
static int different = 0;

static void add_summary(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static void add_summary(const char *fmt, ...) {
  size_t k = strlen(summary);
  if (k + 3 >= sizeof summary) return;
  if (k) {
    strcat(summary, "; ");
    k += 2;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(summary + k, sizeof summary - k, fmt, ap);
  va_end(ap);
}

static void usage(const char *msg) {
  if (msg) fprintf(stderr, "psst_nccompare: %s\n", msg);
  fprintf(stderr, "usage: psst_nccompare A.nc B.nc [--rtol R] [--atol A] "
                  "[--vars V,m] [--spikes-only] [--spike-tol T]\n");
  exit(2);
}

static void fatal(const char *path, const char *what, int nc) {
  fprintf(stderr, "psst_nccompare: %s: %s: %s\n", path, what, nc_strerror(nc));
  exit(2);
}

typedef struct {
  const char *path;
  int ncid;
} file;

static int find_var(const file *f, const char *name) {
  int id;
  return nc_inq_varid(f->ncid, name, &id) == NC_NOERR ? id : -1;
}

/* The dimension lengths of a variable; returns ndims. */
static int var_shape(const file *f, int id, size_t *len,
                     char dn[][NC_MAX_NAME + 1]) {
  int ndims, dims[NC_MAX_VAR_DIMS], nc;
  if ((nc = nc_inq_varndims(f->ncid, id, &ndims)) != NC_NOERR ||
      (nc = nc_inq_vardimid(f->ncid, id, dims)) != NC_NOERR)
    fatal(f->path, "cannot inquire a variable", nc);
  for (int d = 0; d < ndims; d++)
    if ((nc = nc_inq_dim(f->ncid, dims[d], dn ? dn[d] : NULL, &len[d])) !=
        NC_NOERR)
      fatal(f->path, "cannot inquire a dimension", nc);
  return ndims;
}

/* ---- dimensions -----------------------------------------------------------
 */

static void compare_dims(const file *a, const file *b, int spikes_only) {
  const file *fs[2] = {a, b};
  int bad = 0;
  for (int w = 0; w < 2; w++) {
    const file *f = fs[w], *g = fs[1 - w];
    int nd;
    nc_inq_ndims(f->ncid, &nd);
    for (int d = 0; d < nd; d++) {
      char name[NC_MAX_NAME + 1];
      size_t lf, lg;
      nc_inq_dim(f->ncid, d, name, &lf);
      if (spikes_only && strcmp(name, "spike") != 0) continue;
      int dg;
      if (nc_inq_dimid(g->ncid, name, &dg) != NC_NOERR) {
        /* dimensions of the descriptive tables psst 0.1 did not write
         * (kind_strlen, stimulus recipients, connectivity) are notes; the
         * record and spike dimensions must be in both */
        int data =
            !strcmp(name, "spike") || !strcmp(name, "population") ||
            !strcmp(name, "name_strlen") ||
            (strlen(name) >= 4 && !strcmp(name + strlen(name) - 4, "time")) ||
            (strlen(name) >= 6 && !strcmp(name + strlen(name) - 6, "neuron"));
        printf("dimension '%s' only in %s%s\n", name, f->path,
               data ? "" : " (a table psst 0.1 did not write: not compared)");
        bad += data;
        continue;
      }
      nc_inq_dimlen(g->ncid, dg, &lg);
      if (w == 0 && lf != lg) {
        printf("dimension '%s': %zu in %s, %zu in %s\n", name, lf, a->path, lg,
               b->path);
        bad++;
      }
    }
  }
  if (bad) {
    add_summary("dimensions: %d differ", bad);
    different = 1;
  }
}

/* ---- spikes ---------------------------------------------------------------
 */

typedef struct {
  double t;
  long long n;
} spike;

static int by_time(const void *x, const void *y) {
  const spike *p = x, *q = y;
  if (p->t < q->t) return -1;
  if (p->t > q->t) return 1;
  return (p->n > q->n) - (p->n < q->n);
}

static int by_neuron(const void *x, const void *y) {
  const spike *p = x, *q = y;
  if (p->n != q->n) return (p->n > q->n) - (p->n < q->n);
  return (p->t > q->t) - (p->t < q->t);
}

/* Reads the spikes of f; returns their number or -1 when f has none. */
static long long read_spikes(const file *f, spike **out) {
  int it = find_var(f, "spike_time"), in = find_var(f, "spike_neuron");
  *out = NULL;
  if (it < 0 || in < 0) return -1;
  size_t len[NC_MAX_VAR_DIMS];
  if (var_shape(f, it, len, NULL) != 1) usage("spike_time is not 1-D");
  size_t n = len[0];
  double *t = malloc((n + 1) * sizeof *t);
  long long *g = malloc((n + 1) * sizeof *g);
  spike *s = malloc((n + 1) * sizeof *s);
  if (!t || !g || !s) usage("out of memory");
  int nc;
  if (n && (nc = nc_get_var_double(f->ncid, it, t)) != NC_NOERR)
    fatal(f->path, "cannot read spike_time", nc);
  if (n && (nc = nc_get_var_longlong(f->ncid, in, g)) != NC_NOERR)
    fatal(f->path, "cannot read spike_neuron", nc);
  for (size_t i = 0; i < n; i++)
    s[i] = (spike){t[i], g[i]};
  free(t);
  free(g);
  *out = s;
  return (long long)n;
}

static void compare_spikes(const file *a, const file *b, double tol) {
  spike *sa, *sb;
  long long na = read_spikes(a, &sa), nb = read_spikes(b, &sb);
  if (na < 0 && nb < 0) return; /* neither file records spikes */
  if (na < 0 || nb < 0) {
    printf("spike variables only in %s\n", na < 0 ? b->path : a->path);
    add_summary("spikes: only in one file");
    different = 1;
    free(sa);
    free(sb);
    return;
  }
  /* Exact: order by (time, neuron), so the first difference reported is the
   * earliest one. With a tolerance: by (neuron, time), so spikes of
   * different neurons that swap places within the tolerance still pair. */
  int (*cmp)(const void *, const void *) = tol > 0 ? by_neuron : by_time;
  qsort(sa, (size_t)na, sizeof *sa, cmp);
  qsort(sb, (size_t)nb, sizeof *sb, cmp);
  long long i = 0, j = 0, matched = 0, only_a = 0, only_b = 0;
  double maxdt = 0;
  int shown = 0;
  while (i < na || j < nb) {
    int c;
    if (i == na)
      c = 1;
    else if (j == nb)
      c = -1;
    else if (sa[i].n == sb[j].n && fabs(sa[i].t - sb[j].t) <= tol)
      c = 0;
    else if (sa[i].t == sb[j].t && sa[i].n == sb[j].n)
      c = 0; /* inf */
    else
      c = cmp(&sa[i], &sb[j]);
    if (c == 0) {
      double dt = fabs(sa[i].t - sb[j].t);
      if (dt > maxdt) maxdt = dt;
      matched++;
      i++;
      j++;
    } else if (c < 0) {
      if (shown++ < MAX_SHOW)
        printf("spike only in %s: t = %.17g ms, neuron %lld\n", a->path,
               sa[i].t, sa[i].n);
      only_a++;
      i++;
    } else {
      if (shown++ < MAX_SHOW)
        printf("spike only in %s: t = %.17g ms, neuron %lld\n", b->path,
               sb[j].t, sb[j].n);
      only_b++;
      j++;
    }
  }
  if (only_a || only_b) {
    add_summary("spikes: %lld vs %lld, %lld matched, %lld only in A, "
                "%lld only in B",
                na, nb, matched, only_a, only_b);
    different = 1;
  } else if (maxdt == 0) {
    add_summary("spikes: %lld identical", na);
  } else {
    add_summary("spikes: %lld equal within %g ms (max |dt| %.3g)", na, tol,
                maxdt);
  }
  free(sa);
  free(sb);
}

/* ---- variables ------------------------------------------------------------
 */

static int same_bits(double x, double y) {
  return memcmp(&x, &y, sizeof x) == 0;
}

/* Compare a numeric variable present in both files, in blocks of rows. */
/* Compare variable name_a of a with name_b of b (the same name but for
 * the renamed coordinates of older files, compare_coord). */
static void compare_var2(const file *a, const char *name_a, const file *b,
                         const char *name_b, double rtol, double atol) {
  const char *name = name_a;
  int ia = find_var(a, name_a), ib = find_var(b, name_b);
  if (ia < 0 || ib < 0) {
    printf("variable '%s' only in %s\n", name, ia < 0 ? b->path : a->path);
    add_summary("%s: only in one file", name);
    different = 1;
    return;
  }
  size_t la[NC_MAX_VAR_DIMS], lb[NC_MAX_VAR_DIMS];
  char dn[NC_MAX_VAR_DIMS][NC_MAX_NAME + 1];
  int nda = var_shape(a, ia, la, dn), ndb = var_shape(b, ib, lb, NULL);
  int same = nda == ndb && nda >= 1 && nda <= 2;
  for (int d = 0; same && d < nda; d++)
    same = la[d] == lb[d];
  if (!same) {
    printf("variable '%s': shapes differ (or not 1-D/2-D)\n", name);
    add_summary("%s: shapes differ", name);
    different = 1;
    return;
  }
  size_t rows = la[0], cols = nda == 2 ? la[1] : 1;
  size_t block = cols ? (1u << 20) / cols : 1;
  if (block < 1) block = 1;
  double *va = malloc((block * cols + 1) * sizeof *va);
  double *vb = malloc((block * cols + 1) * sizeof *vb);
  if (!va || !vb) usage("out of memory");
  double maxdiff = 0;
  unsigned long long nbits = 0, nfail = 0,
                     total = (unsigned long long)rows * cols;
  int shown = 0;
  for (size_t r0 = 0; r0 < rows && cols > 0; r0 += block) {
    size_t nr = rows - r0 < block ? rows - r0 : block;
    size_t start[2] = {r0, 0}, count[2] = {nr, cols};
    int nc;
    if ((nc = nc_get_vara_double(a->ncid, ia, start, count, va)) != NC_NOERR)
      fatal(a->path, name, nc);
    if ((nc = nc_get_vara_double(b->ncid, ib, start, count, vb)) != NC_NOERR)
      fatal(b->path, name, nc);
    for (size_t k = 0; k < nr * cols; k++) {
      double x = va[k], y = vb[k];
      if (same_bits(x, y)) continue;
      nbits++;
      int ok;
      double d;
      if (isnan(x) || isnan(y)) {
        ok = isnan(x) && isnan(y);
        d = ok ? 0 : INFINITY;
      } else {
        d = fabs(x - y);
        if (x == y) d = 0; /* -0 vs 0, equal infinities */
        ok = d <= atol + rtol * fmax(fabs(x), fabs(y));
      }
      if (d > maxdiff) maxdiff = d;
      if (!ok) {
        nfail++;
        if (shown++ < MAX_SHOW) {
          size_t r = r0 + k / cols, c = k % cols;
          if (nda == 2)
            printf("%s[%s %zu, %s %zu]: %.17g vs %.17g (|diff| %.3g)\n", name,
                   dn[0], r, dn[1], c, x, y, d);
          else
            printf("%s[%zu]: %.17g vs %.17g (|diff| %.3g)\n", name, r, x, y, d);
        }
      }
    }
  }
  free(va);
  free(vb);
  if (nfail) {
    add_summary("%s: %llu of %llu values differ, max |diff| %.3g", name, nfail,
                total, maxdiff);
    different = 1;
  } else if (nbits == 0) {
    add_summary("%s: max |diff| 0 (bit-identical)", name);
  } else {
    add_summary("%s: max |diff| %.3g (within rtol %g, atol %g)", name, maxdiff,
                rtol, atol);
  }
}

static void compare_var(const file *a, const file *b, const char *name,
                        double rtol, double atol) {
  compare_var2(a, name, b, name, rtol, atol);
}

/* The per-neuron population index of the block with prefix pre in f:
 * PREneuron_population, or in files of psst 0.1 PREpopulation when it is
 * 1-D over PREneuron (not the coordinate of the dimension population). */
static int neuron_pop_var(const file *f, const char *pre, char *out, size_t n) {
  snprintf(out, n, "%sneuron_population", pre);
  if (find_var(f, out) >= 0) return 1;
  snprintf(out, n, "%spopulation", pre);
  int id = find_var(f, out);
  if (id < 0) return 0;
  size_t len[NC_MAX_VAR_DIMS];
  char dn[NC_MAX_VAR_DIMS][NC_MAX_NAME + 1], want[NC_MAX_NAME + 8];
  snprintf(want, sizeof want, "%sneuron", pre);
  return var_shape(f, id, len, dn) == 1 && !strcmp(dn[0], want);
}

/* Do dimensions t and n name one record block's (time, neuron): "time"
 * and "neuron", or "P_time" and "P_neuron"? */
static int block_dims(const char *t, const char *n) {
  size_t lt = strlen(t), ln = strlen(n);
  if (lt < 4 || ln < 6 || strcmp(t + lt - 4, "time") ||
      strcmp(n + ln - 6, "neuron"))
    return 0;
  return lt - 4 == ln - 6 && !strncmp(t, n, lt - 4);
}

/* Record variables of a: (time, neuron) of a block, numeric, in file
 * order. */
static int record_vars(const file *a, char names[][NC_MAX_NAME + 1], int max) {
  int nv, n = 0;
  nc_inq_nvars(a->ncid, &nv);
  for (int v = 0; v < nv && n < max; v++) {
    size_t len[NC_MAX_VAR_DIMS];
    char dn[NC_MAX_VAR_DIMS][NC_MAX_NAME + 1];
    nc_type type;
    nc_inq_vartype(a->ncid, v, &type);
    if (type == NC_CHAR || type >= NC_STRING) continue;
    if (var_shape(a, v, len, dn) != 2) continue;
    if (!block_dims(dn[0], dn[1])) continue;
    nc_inq_varname(a->ncid, v, names[n++]);
  }
  return n;
}

static double parse_num(const char *opt, const char *s) {
  char *end;
  double v = s ? strtod(s, &end) : -1;
  if (!s || end == s || *end || !(v >= 0) || isinf(v)) {
    fprintf(stderr, "psst_nccompare: %s needs a number >= 0\n", opt);
    usage(NULL);
  }
  return v;
}

int main(int argc, char **argv) {
  const char *pos[2] = {NULL, NULL}, *vars = NULL;
  int npos = 0, spikes_only = 0;
  double rtol = 0, atol = 0, spike_tol = 0;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--rtol"))
      rtol = parse_num(s, i + 1 < argc ? argv[++i] : NULL);
    else if (!strcmp(s, "--atol"))
      atol = parse_num(s, i + 1 < argc ? argv[++i] : NULL);
    else if (!strcmp(s, "--spike-tol"))
      spike_tol = parse_num(s, i + 1 < argc ? argv[++i] : NULL);
    else if (!strcmp(s, "--vars")) {
      if (i + 1 >= argc || !argv[i + 1][0]) usage("--vars needs a list");
      vars = argv[++i];
    } else if (!strcmp(s, "--spikes-only"))
      spikes_only = 1;
    else if (!strcmp(s, "-h") || !strcmp(s, "--help"))
      usage(NULL);
    else if (s[0] == '-' && s[1] == '-') {
      fprintf(stderr, "psst_nccompare: unknown option %s\n", s);
      usage(NULL);
    } else if (npos < 2)
      pos[npos++] = s;
    else
      usage("too many files");
  }
  if (npos != 2) usage("two files needed");
  if (spikes_only && vars) usage("--vars and --spikes-only exclude each other");

  file a = {pos[0], -1}, b = {pos[1], -1};
  int nc;
  if ((nc = nc_open(a.path, NC_NOWRITE, &a.ncid)) != NC_NOERR)
    fatal(a.path, "cannot open", nc);
  if ((nc = nc_open(b.path, NC_NOWRITE, &b.ncid)) != NC_NOERR)
    fatal(b.path, "cannot open", nc);

  compare_dims(&a, &b, spikes_only);
  compare_spikes(&a, &b, spike_tol);
  if (!spikes_only) {
    static char names[256][NC_MAX_NAME + 1];
    int n = 0;
    if (vars) {
      char *list = malloc(strlen(vars) + 1);
      strcpy(list, vars);
      for (char *tok = strtok(list, ","); tok && n < 256;
           tok = strtok(NULL, ",")) {
        if (find_var(&a, tok) < 0 && find_var(&b, tok) < 0) {
          fprintf(stderr, "psst_nccompare: no variable '%s' in either file\n",
                  tok);
          exit(2);
        }
        snprintf(names[n++], NC_MAX_NAME + 1, "%s", tok);
      }
      free(list);
    } else {
      n = record_vars(&a, names, 256);
      /* record variables only in b */
      static char nb[256][NC_MAX_NAME + 1];
      int m = record_vars(&b, nb, 256);
      for (int k = 0; k < m; k++)
        if (find_var(&a, nb[k]) < 0 && n < 256)
          memcpy(names[n++], nb[k], sizeof nb[k]);
    }
    for (int k = 0; k < n; k++)
      compare_var(&a, &b, names[k], rtol, atol);
    /* the coordinates of every block: the prefixes of the *time
     * dimensions that have a *neuron partner (and the plain ones) */
    int nd;
    nc_inq_ndims(a.ncid, &nd);
    for (int d = -1; d < nd; d++) {
      char pre[NC_MAX_NAME + 1] = "";
      if (d >= 0) {
        char dn[NC_MAX_NAME + 1], partner[NC_MAX_NAME + 8];
        nc_inq_dimname(a.ncid, d, dn);
        size_t l = strlen(dn);
        if (l <= 5 || strcmp(dn + l - 5, "_time")) continue;
        memcpy(pre, dn, l - 4);
        pre[l - 4] = '\0';
        int id;
        snprintf(partner, sizeof partner, "%sneuron", pre);
        if (nc_inq_dimid(a.ncid, partner, &id) != NC_NOERR) continue;
      }
      /* time, the ids (neuron_id; the coordinate neuron where both files
       * have it: psst 0.1 had none) and the population index (renamed
       * from population, which is the populations' dimension) */
      const char *coords[] = {"time", "neuron_id", "neuron"};
      for (int k = 0; k < 3; k++) {
        char cn[2 * NC_MAX_NAME + 2];
        snprintf(cn, sizeof cn, "%s%s", pre, coords[k]);
        int ina = find_var(&a, cn) >= 0, inb = find_var(&b, cn) >= 0;
        if (!ina && !inb) continue;
        if (k == 2 && ina != inb) continue;
        int listed = 0;
        for (int j = 0; j < n; j++)
          listed |= !strcmp(names[j], cn);
        if (!listed)
          compare_var(&a, &b, cn, k == 0 ? rtol : 0, k == 0 ? atol : 0);
      }
      char pa[2 * NC_MAX_NAME + 2], pb[2 * NC_MAX_NAME + 2];
      int ha = neuron_pop_var(&a, pre, pa, sizeof pa);
      int hb = neuron_pop_var(&b, pre, pb, sizeof pb);
      if (ha || hb) {
        if (!ha) snprintf(pa, sizeof pa, "%sneuron_population", pre);
        if (!hb) snprintf(pb, sizeof pb, "%sneuron_population", pre);
        compare_var2(&a, pa, &b, pb, 0, 0);
      }
    }
  }
  nc_close(a.ncid);
  nc_close(b.ncid);
  printf("%s\n", summary[0] ? summary : "nothing to compare");
  return different ? 1 : 0;
}
