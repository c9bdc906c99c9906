/* Connectivity rules and files into CSR rows (internal). */
#include "network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "psst/error.h"
#include "psst/io.h"
#include "rng.h"

/* Generator of one row: calls emit(j, w) for ascending source indices. */
typedef struct row_ctx {
  const psst_model *m;
  const psst_projection *p;
  int ip;
  int64_t nsrc;
  unsigned char *mark; /* nsrc scratch flags (fixed in-degree) */
  int32_t *pick;       /* 2 x (indegree + 1) scratch */
  const double *mrow;  /* matrix row (matrix/file rules) */
  /* output */
  int64_t n;
  int32_t *col;
  double *w;
  int64_t cap;
  int store;
} row_ctx;

static int emit(row_ctx *c, int64_t j, double w) {
  if (c->store) {
    if (c->n == c->cap) {
      int64_t cap = c->cap ? 2 * c->cap : 1024;
      int32_t *col = realloc(c->col, (size_t)cap * sizeof *col);
      PSST_ALLOC_CHECK(col);
      c->col = col;
      double *w2 = realloc(c->w, (size_t)cap * sizeof *w2);
      PSST_ALLOC_CHECK(w2);
      c->w = w2;
      c->cap = cap;
    }
    c->col[c->n] = (int32_t)j;
    c->w[c->n] = w;
  }
  c->n++;
  return 0;
}

/* Sort a[0 .. n) ascending: quicksort (median of three, the smaller part
 * first so the stack stays O(log n)) down to runs of 16, then one
 * insertion sort. */
static void qsort_i32(int32_t *a, int64_t n) {
  int64_t lo_s[64], hi_s[64];
  int sp = 0;
  int64_t lo = 0, hi = n - 1;
  for (;;) {
    while (hi - lo > 16) {
      int64_t mid = lo + (hi - lo) / 2;
      int32_t x = a[lo], y = a[mid], z = a[hi], piv;
      piv =
          x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
      int64_t i = lo, j = hi;
      while (i <= j) {
        while (a[i] < piv)
          i++;
        while (a[j] > piv)
          j--;
        if (i <= j) {
          int32_t t = a[i];
          a[i++] = a[j];
          a[j--] = t;
        }
      }
      /* [lo, j] and [i, hi]: push the larger, go on with the smaller */
      if (j - lo < hi - i) {
        lo_s[sp] = i;
        hi_s[sp++] = hi;
        hi = j;
      } else {
        lo_s[sp] = lo;
        hi_s[sp++] = j;
        lo = i;
      }
    }
    if (sp == 0) break;
    sp--;
    lo = lo_s[sp];
    hi = hi_s[sp];
  }
  for (int64_t i = 1; i < n; i++) {
    int32_t v = a[i];
    int64_t j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/* Sort the n distinct values a[0 .. n), each in [0, bound), ascending,
 * with tmp[n] as scratch. Long rows by least-significant-digit radix sort
 * (11-bit digits: 1-3 passes, no comparisons to mispredict), short ones by
 * qsort_i32. The rows of fixed_indegree are sorted here: the C library's
 * qsort, with a call per comparison, was a third of building a network of
 * 1e8 synapses in 1000-input rows. Any sort gives the same (unique) order. */
static void sort_i32(int32_t *a, int32_t *tmp, int64_t n, int64_t bound) {
  if (n < 256) {
    qsort_i32(a, n);
    return;
  }
  enum { BITS = 11, RADIX = 1 << BITS };
  int64_t cnt[RADIX];
  int32_t *src = a, *dst = tmp;
  for (int shift = 0; shift < 31 && ((bound - 1) >> shift) > 0; shift += BITS) {
    memset(cnt, 0, sizeof cnt);
    for (int64_t i = 0; i < n; i++)
      cnt[(src[i] >> shift) & (RADIX - 1)]++;
    int64_t sum = 0;
    for (int d = 0; d < RADIX; d++) {
      int64_t c = cnt[d];
      cnt[d] = sum;
      sum += c;
    }
    for (int64_t i = 0; i < n; i++)
      dst[cnt[(src[i] >> shift) & (RADIX - 1)]++] = src[i];
    int32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, (size_t)n * sizeof *a);
}

/* Generate the row of target-slice index `row`. */
static int gen_row(row_ctx *c, int64_t row) {
  const psst_projection *p = c->p;
  const psst_model *m = c->m;
  int64_t post = psst_model_gid(m, p->to.pop, p->to.lo + row);
  int64_t src0 = psst_model_gid(m, p->from.pop, p->from.lo);
  /* source index of the postsynaptic neuron itself, if it is a source */
  int64_t self = (!p->allow_self && post >= src0 && post < src0 + c->nsrc)
                     ? post - src0
                     : -1;
  uint32_t stream = PSST_STREAM_CONN + (uint32_t)c->ip;
  double w = p->weight;
  switch (p->rule) {
  case PSST_CONN_ALL_TO_ALL:
    for (int64_t j = 0; j < c->nsrc; j++)
      if (j != self) PSST_TRY(emit(c, j, w));
    break;
  case PSST_CONN_ONE_TO_ONE:
    if (row != self) PSST_TRY(emit(c, row, w));
    break;
  case PSST_CONN_RANDOM: {
    /* Bernoulli(p) over candidates, by geometric skips: draw d of the row
     * gives the gap to the next connection. O(synapses) per row. */
    double pr = p->p;
    if (pr <= 0.0) break;
    int64_t ncand = c->nsrc - (self >= 0);
    if (pr >= 1.0) {
      for (int64_t j = 0; j < c->nsrc; j++)
        if (j != self) PSST_TRY(emit(c, j, w));
      break;
    }
    double lq = log1p(-pr);
    int64_t k = -1;
    for (uint64_t d = 0;; d++) {
      double u = 1.0 - psst_rng_uniform(m->run.seed, stream, (uint64_t)post, d);
      double gap = floor(log(u) / lq);
      if (gap >= (double)(ncand - k - 1)) break;
      k += 1 + (int64_t)gap;
      int64_t j = (self >= 0 && k >= self) ? k + 1 : k;
      PSST_TRY(emit(c, j, w));
    }
    break;
  }
  case PSST_CONN_FIXED_INDEGREE: {
    /* Floyd's sampling of k distinct candidates out of ncand. */
    int64_t ncand = c->nsrc - (self >= 0), kk = p->indegree;
    int64_t np = 0;
    for (int64_t j = ncand - kk; j < ncand; j++) {
      double u = psst_rng_uniform(m->run.seed, stream, (uint64_t)post,
                                  (uint64_t)(j - (ncand - kk)));
      int64_t t = (int64_t)(u * (double)(j + 1));
      if (t > j) t = j;
      int64_t pickv = c->mark[t] ? j : t;
      c->mark[pickv] = 1;
      c->pick[np++] = (int32_t)pickv;
    }
    for (int64_t i = 0; i < np; i++)
      c->mark[c->pick[i]] = 0;
    sort_i32(c->pick, c->pick + kk + 1, np, ncand);
    for (int64_t i = 0; i < np; i++) {
      int64_t j = c->pick[i];
      if (self >= 0 && j >= self) j++;
      PSST_TRY(emit(c, j, w));
    }
    break;
  }
  case PSST_CONN_LIKE: /* resolved in run_rows */
  case PSST_CONN_MATRIX:
  case PSST_CONN_FILE:
    for (int64_t j = 0; j < c->nsrc; j++) {
      double v = c->mrow[j];
      if (v != 0.0 && j != self)
        PSST_TRY(emit(c, j, p->weights_from_matrix ? v : w));
    }
    break;
  }
  return 0;
}

static int run_rows(const psst_model *m, int ip, int64_t row_lo, int64_t row_hi,
                    int store, psst_csr *out, int64_t *nnz) {
  /* a projection `like` another draws exactly the other's synapses */
  while (m->projs[ip].rule == PSST_CONN_LIKE)
    ip = m->projs[ip].like;
  const psst_projection *p = &m->projs[ip];
  row_ctx c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.p = p;
  c.ip = ip;
  c.nsrc = p->from.hi - p->from.lo;
  c.store = store;
  int64_t nrows = row_hi - row_lo;
  int rc = 0;
  double *file_rows = NULL;
  int64_t *row_ptr = NULL;
  if (p->rule == PSST_CONN_FIXED_INDEGREE) {
    c.mark = calloc((size_t)c.nsrc + 1, 1);
    c.pick = malloc(2 * ((size_t)p->indegree + 1) * sizeof *c.pick);
    if (!c.mark || !c.pick) {
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (fixed in-degree)");
      goto done;
    }
  }
  if (p->rule == PSST_CONN_FILE && nrows > 0) {
    file_rows = malloc((size_t)(nrows * c.nsrc) * sizeof *file_rows);
    if (!file_rows) {
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (connectivity file)");
      goto done;
    }
    rc = psst_io_read_rows(p->file_path, p->file_var, p->to.hi - p->to.lo,
                           c.nsrc, row_lo, row_hi, file_rows);
    if (rc < 0) {
      psst_error_prefix("projection '%s': ", p->name);
      goto done;
    }
  }
  if (store) {
    row_ptr = malloc(((size_t)nrows + 1) * sizeof *row_ptr);
    if (!row_ptr) {
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (CSR rows)");
      goto done;
    }
    row_ptr[0] = 0;
  }
  for (int64_t r = 0; r < nrows; r++) {
    int64_t row = row_lo + r;
    if (p->rule == PSST_CONN_MATRIX) c.mrow = p->matrix + row * c.nsrc;
    if (p->rule == PSST_CONN_FILE) c.mrow = file_rows + r * c.nsrc;
    rc = gen_row(&c, row);
    if (rc < 0) goto done;
    if (store) row_ptr[r + 1] = c.n;
  }
  if (nnz) *nnz = c.n;
  if (store && p->weight_dist.type != PSST_DIST_NONE) {
    /* per-synapse weights, keyed by (post, pre) under the projection whose
     * synapses these are (a `like` projection shares them) */
    int64_t src0 = psst_model_gid(m, p->from.pop, p->from.lo);
    for (int64_t r = 0; r < nrows; r++) {
      int64_t post = psst_model_gid(m, p->to.pop, p->to.lo + row_lo + r);
      for (int64_t x = row_ptr[r]; x < row_ptr[r + 1]; x++)
        c.w[x] = psst_network_draw(&p->weight_dist, m->run.seed,
                                   PSST_STREAM_WEIGHT + (uint32_t)ip, post,
                                   src0 + c.col[x]);
    }
  }
  if (store) {
    out->nrows = nrows;
    out->nsrc = c.nsrc;
    out->row_ptr = row_ptr;
    out->col = c.col;
    out->weight = p->weight;
    /* keep per-synapse weights only when they differ */
    int uniform = 1;
    for (int64_t k = 0; k < c.n && uniform; k++)
      if (c.w[k] != p->weight) uniform = 0;
    if (uniform) {
      free(c.w);
      out->w = NULL;
    } else {
      out->w = c.w;
    }
    row_ptr = NULL;
    c.col = NULL;
    c.w = NULL;
  }
done:
  free(row_ptr);
  free(c.col);
  free(c.w);
  free(c.mark);
  free(c.pick);
  free(file_rows);
  return rc;
}

int psst_network_build(const psst_model *m, int ip, int64_t row_lo,
                       int64_t row_hi, psst_csr *out) {
  memset(out, 0, sizeof *out);
  return run_rows(m, ip, row_lo, row_hi, 1, out, NULL);
}

int psst_network_count(const psst_model *m, int ip, int64_t row_lo,
                       int64_t row_hi, int64_t *nnz) {
  return run_rows(m, ip, row_lo, row_hi, 0, NULL, nnz);
}

double psst_network_draw(const psst_dist *d, uint64_t seed, uint32_t stream,
                         int64_t post, int64_t pre) {
  double x;
  switch (d->type) {
  case PSST_DIST_NORMAL:
    x = d->a +
        d->b * psst_rng_normal(seed, stream, (uint64_t)post, (uint64_t)pre);
    break;
  case PSST_DIST_UNIFORM:
    x = d->a + (d->b - d->a) * psst_rng_uniform(seed, stream, (uint64_t)post,
                                                (uint64_t)pre);
    break;
  case PSST_DIST_LOGNORMAL:
    x = exp(d->a + d->b * psst_rng_normal(seed, stream, (uint64_t)post,
                                          (uint64_t)pre));
    break;
  case PSST_DIST_CONST:
  case PSST_DIST_NONE:
  default: return d->a;
  }
  return x < d->min ? d->min : x > d->max ? d->max : x;
}

void psst_network_delays(const psst_model *m, int ip, const psst_csr *csr,
                         int64_t row0, int32_t *steps, int32_t *max_steps) {
  const psst_projection *p = &m->projs[ip];
  const double dt = m->run.dt;
  int64_t src0 = psst_model_gid(m, p->from.pop, p->from.lo);
  int32_t mx = 1;
  for (int64_t r = 0; r < csr->nrows; r++) {
    int64_t post = psst_model_gid(m, p->to.pop, p->to.lo + row0 + r);
    for (int64_t x = csr->row_ptr[r]; x < csr->row_ptr[r + 1]; x++) {
      int32_t k = 1;
      if (p->delay.type != PSST_DIST_NONE) {
        double d = psst_network_draw(&p->delay, m->run.seed,
                                     PSST_STREAM_DELAY + (uint32_t)ip, post,
                                     src0 + csr->col[x]);
        double q = floor(d / dt + 0.5 + 1e-9); /* halves up */
        k = q < 1.0 ? 1 : q > 1e9 ? 1000000000 : (int32_t)q;
      }
      steps[x] = k;
      if (k > mx) mx = k;
    }
  }
  *max_steps = mx;
}

void psst_csr_free(psst_csr *c) {
  free(c->row_ptr);
  free(c->col);
  free(c->w);
  memset(c, 0, sizeof *c);
}
