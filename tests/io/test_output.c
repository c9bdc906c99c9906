/* Parallel netCDF output: write at any rank count, read back serially, and
 * the refusals and failures (existing file, bad directory, define error)
 * that every rank must report alike.
 *
 * usage: test_output DIR   (DIR is created; files are left there for the
 *                           ncdump / python / nccompare tests)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "psst/error.h"
#include "psst/io.h"
#include "psst_test.h"

static int rank, size;

static const char *const pop_names[] = {"exc", "inhibitory"};
static const psst_output_var vars2[] = {
    {"V", "mV", "membrane potential"},
    {"m", "1", "Na activation"},
};
static const int64_t batch_rows[] = {4, 1, 7}; /* 12 records */
#define NBATCH 3
#define NREC_TOTAL 12

static int64_t gid_of(int64_t i) { return 10 * i + 3; }
static int pop_of(int64_t i, int64_t n) { return i < n / 2 ? 0 : 1; }
static double value(int64_t row, int64_t gid, int var) {
  return 1000.0 * (double)row + (double)gid + 0.5 * var;
}
static double time_of(int64_t row) { return 0.25 * (double)row; }
/* spikes of recorded neuron i in batch b: (i + b) % 3 of them */
static int nspikes(int64_t i, int b) { return (int)((i + b) % 3); }
static double spike_t(int64_t i, int b, int k) {
  return 100.0 * b + 0.25 * (double)i + 10.0 * k;
}

static void block(int64_t n, int64_t *lo, int64_t *hi) {
  *lo = n * rank / size;
  *hi = n * (rank + 1) / size;
}

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static void remove_both(const char *path) {
  char partial[1024];
  snprintf(partial, sizeof partial, "%s.partial", path);
  if (rank == 0) {
    unlink(path);
    unlink(partial);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

/* Every rank got the same code and the same message. */
static void check_agreed(int rc, int expected, const char *needle) {
  CHECK_INT_EQ(rc, expected);
  int mn, mx;
  MPI_Allreduce(&rc, &mn, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&rc, &mx, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  CHECK_INT_EQ(mn, mx);
  if (needle) CHECK_STR_CONTAINS(psst_error_message(), needle);
  char msg0[4096];
  snprintf(msg0, sizeof msg0, "%s", psst_error_message());
  MPI_Bcast(msg0, (int)sizeof msg0, MPI_CHAR, 0, MPI_COMM_WORLD);
  CHECK(strcmp(msg0, psst_error_message()) == 0);
  if (rank == 0) printf("agreed on %d: %s\n", rc, msg0);
}

typedef struct {
  int64_t n;  /* recorded neurons */
  int nvars;  /* 0 or 2 */
  int spikes; /* define spike variables */
  int force, commit;
  const psst_output_var *vars; /* default vars2 */
} wcase;

static void fill_spec(const wcase *c, const char *path, int64_t *gids,
                      int *pops, psst_output_spec *s, psst_attr *attrs) {
  for (int64_t i = 0; i < c->n; i++) {
    gids[i] = gid_of(i);
    pops[i] = pop_of(i, c->n);
  }
  attrs[0] = (psst_attr)PSST_ATTR_TEXT("title", "psst io test");
  attrs[1] = (psst_attr)PSST_ATTR_NUM("dt", 0.01);
  memset(s, 0, sizeof *s);
  s->path = path;
  s->force = c->force;
  s->n_rec = c->n;
  block(c->n, &s->rec_lo, &s->rec_hi);
  s->rec_gid = gids;
  s->rec_pop = pops;
  s->npop = 2;
  s->pop_names = pop_names;
  s->nvars = c->nvars;
  s->vars = c->vars ? c->vars : vars2;
  s->spikes = c->spikes;
  s->nattrs = 2;
  s->attrs = attrs;
}

/* Create, write NBATCH batches of records and spikes, close. Returns the
 * first failing call's code (0 on success). */
static int write_file(const wcase *c, const char *path) {
  int64_t *gids = malloc((size_t)(c->n + 1) * sizeof *gids);
  int *pops = malloc((size_t)(c->n + 1) * sizeof *pops);
  psst_output_spec s;
  psst_attr attrs[2];
  fill_spec(c, path, gids, pops, &s, attrs);
  psst_output *o = NULL;
  int rc = psst_output_create(MPI_COMM_WORLD, &s, &o);
  if (rc) {
    CHECK(o == NULL);
    free(gids);
    free(pops);
    return rc;
  }
  int64_t lo = s.rec_lo, hi = s.rec_hi, nloc = hi - lo, row0 = 0;
  for (int b = 0; b < NBATCH && !rc; b++) {
    int64_t nr = batch_rows[b];
    double *t = malloc((size_t)nr * sizeof *t);
    double *v[2];
    for (int k = 0; k < 2; k++)
      v[k] = malloc((size_t)(nr * nloc + 1) * sizeof(double));
    for (int64_t r = 0; r < nr; r++) {
      t[r] = time_of(row0 + r);
      for (int64_t i = 0; i < nloc; i++)
        for (int k = 0; k < 2; k++)
          v[k][r * nloc + i] = value(row0 + r, gid_of(lo + i), k);
    }
    const double *const cv[2] = {v[0], v[1]};
    /* ranks other than 0 need not pass time */
    rc = psst_output_write_records(o, 0, nr, rank == 0 ? t : NULL, cv);
    CHECK_INT_EQ(rc, 0);
    row0 += nr;
    free(t);
    free(v[0]);
    free(v[1]);
    if (rc || !c->spikes) continue;

    int64_t n_mine = 0;
    for (int64_t i = lo; i < hi; i++)
      n_mine += nspikes(i, b);
    double *st = malloc((size_t)(n_mine + 1) * sizeof *st);
    int64_t *sg = malloc((size_t)(n_mine + 1) * sizeof *sg);
    int64_t j = 0;
    for (int64_t i = lo; i < hi; i++)
      for (int k = 0; k < nspikes(i, b); k++) {
        st[j] = spike_t(i, b, k);
        sg[j++] = gid_of(i);
      }
    int64_t offset = 0, n_total = 0;
    MPI_Exscan(&n_mine, &offset, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) offset = 0;
    MPI_Allreduce(&n_mine, &n_total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    rc = psst_output_write_spikes(o, n_total, offset, n_mine, st, sg);
    CHECK_INT_EQ(rc, 0);
    free(st);
    free(sg);
  }
  if (!rc && c->spikes) { /* an empty batch is allowed */
    rc = psst_output_write_spikes(o, 0, 0, 0, NULL, NULL);
    CHECK_INT_EQ(rc, 0);
  }
  if (!rc) { /* zero records: nothing happens */
    rc = psst_output_write_records(o, 0, 0, NULL, NULL);
    CHECK_INT_EQ(rc, 0);
  }
  psst_attr fin[2] = {PSST_ATTR_NUM("wall_time_run", 1.25),
                      PSST_ATTR_TEXT("backend", "cpu")};
  int crc = psst_output_close(&o, 2, fin, c->commit);
  CHECK(o == NULL);
  free(gids);
  free(pops);
  return rc ? rc : crc;
}

static void check_text_att(int ncid, int varid, const char *name,
                           const char *want) {
  size_t len = 0;
  char buf[256] = {0};
  CHECK_INT_EQ(nc_inq_attlen(ncid, varid, name, &len), NC_NOERR);
  if (len < sizeof buf && nc_get_att_text(ncid, varid, name, buf) == NC_NOERR) {
    buf[len] = '\0';
    CHECK_STR_CONTAINS(buf, want);
    CHECK_INT_EQ(len, strlen(want));
  } else {
    CHECK(0);
  }
}

static void check_double_att(int ncid, const char *name, double want) {
  double d = -1;
  CHECK_INT_EQ(nc_get_att_double(ncid, NC_GLOBAL, name, &d), NC_NOERR);
  CHECK_NEAR(d, want, 0);
}

static size_t dimlen(int ncid, const char *name, int *id) {
  size_t len = 0;
  int d = -1;
  CHECK_INT_EQ(nc_inq_dimid(ncid, name, &d), NC_NOERR);
  CHECK_INT_EQ(nc_inq_dimlen(ncid, d, &len), NC_NOERR);
  if (id) *id = d;
  return len;
}

/* Read back (rank 0) and compare everything with what write_file wrote. */
static void check_file(const wcase *c, const char *path) {
  char partial[1024];
  snprintf(partial, sizeof partial, "%s.partial", path);
  if (rank != 0) return;
  CHECK(exists(path));
  CHECK(!exists(partial));
  int ncid;
  int nc = nc_open(path, NC_NOWRITE, &ncid);
  CHECK_INT_EQ(nc, NC_NOERR);
  if (nc != NC_NOERR) {
    fprintf(stderr, "%s: %s\n", path, nc_strerror(nc));
    return;
  }
  int fmt;
  nc_inq_format(ncid, &fmt);
  CHECK_INT_EQ(fmt, NC_FORMAT_NETCDF4);

  int d_time, d_spike = -1, id;
  CHECK_INT_EQ(dimlen(ncid, "time", &d_time), NREC_TOTAL);
  int nunlim = 0, unlim[8];
  nc_inq_unlimdims(ncid, &nunlim, unlim);
  int64_t n = c->n;
  if (c->spikes) dimlen(ncid, "spike", &d_spike);
  CHECK_INT_EQ(nunlim, c->spikes ? 2 : 1);
  CHECK(nunlim >= 1 && (unlim[0] == d_time || unlim[1] == d_time));
  if (c->spikes)
    CHECK(nunlim == 2 && (unlim[0] == d_spike || unlim[1] == d_spike));
  if (n > 0)
    CHECK_INT_EQ(dimlen(ncid, "neuron", NULL), n);
  else
    CHECK(nc_inq_dimid(ncid, "neuron", &id) == NC_EBADDIM);
  CHECK_INT_EQ(dimlen(ncid, "population", NULL), 2);
  CHECK_INT_EQ(dimlen(ncid, "name_strlen", NULL), strlen("inhibitory"));

  check_text_att(ncid, NC_GLOBAL, "Conventions", "CF-1.8");
  check_text_att(ncid, NC_GLOBAL, "title", "psst io test");
  check_double_att(ncid, "dt", 0.01);
  check_double_att(ncid, "wall_time_run", 1.25);
  check_text_att(ncid, NC_GLOBAL, "backend", "cpu");

  double t[NREC_TOTAL];
  CHECK_INT_EQ(nc_inq_varid(ncid, "time", &id), NC_NOERR);
  CHECK_INT_EQ(nc_get_var_double(ncid, id, t), NC_NOERR);
  for (int r = 0; r < NREC_TOTAL; r++)
    CHECK_NEAR(t[r], time_of(r), 0);
  check_text_att(ncid, id, "units", "ms");

  if (n > 0) {
    double *v = malloc((size_t)(NREC_TOTAL * n) * sizeof *v);
    for (int k = 0; k < c->nvars; k++) {
      CHECK_INT_EQ(nc_inq_varid(ncid, vars2[k].name, &id), NC_NOERR);
      check_text_att(ncid, id, "units", vars2[k].units);
      check_text_att(ncid, id, "long_name", vars2[k].long_name);
      int ndims, dims[4];
      nc_type type;
      nc_inq_var(ncid, id, NULL, &type, &ndims, dims, NULL);
      CHECK_INT_EQ(type, NC_DOUBLE);
      CHECK_INT_EQ(ndims, 2);
      CHECK_INT_EQ(dims[0], d_time);
      int storage, deflate = 0, shuffle = 0, level = 0;
      size_t chunks[2] = {0, 0};
      nc_inq_var_chunking(ncid, id, &storage, chunks);
      CHECK_INT_EQ(storage, NC_CHUNKED);
      CHECK(chunks[0] >= 64 && chunks[0] <= 1024);
      CHECK(chunks[1] >= 1 && chunks[1] <= (size_t)n);
      nc_inq_var_deflate(ncid, id, &shuffle, &deflate, &level);
      CHECK_INT_EQ(deflate, 0);
      CHECK_INT_EQ(nc_get_var_double(ncid, id, v), NC_NOERR);
      int bad = 0;
      for (int r = 0; r < NREC_TOTAL; r++)
        for (int64_t i = 0; i < n; i++)
          if (v[r * n + i] != value(r, gid_of(i), k)) {
            if (bad++ < 5)
              fprintf(stderr, "%s: %s[%d][%lld] = %g, expected %g\n", path,
                      vars2[k].name, r, (long long)i, v[r * n + i],
                      value(r, gid_of(i), k));
          }
      CHECK_INT_EQ(bad, 0);
    }
    free(v);
    long long *g = malloc((size_t)n * sizeof *g);
    int *p = malloc((size_t)n * sizeof *p);
    CHECK_INT_EQ(nc_inq_varid(ncid, "neuron_id", &id), NC_NOERR);
    nc_type type;
    nc_inq_vartype(ncid, id, &type);
    CHECK_INT_EQ(type, NC_INT64);
    CHECK_INT_EQ(nc_get_var_longlong(ncid, id, g), NC_NOERR);
    CHECK_INT_EQ(nc_inq_varid(ncid, "neuron_population", &id), NC_NOERR);
    CHECK_INT_EQ(nc_get_var_int(ncid, id, p), NC_NOERR);
    for (int64_t i = 0; i < n; i++) {
      CHECK_INT_EQ(g[i], gid_of(i));
      CHECK_INT_EQ(p[i], pop_of(i, n));
    }
    /* the neuron coordinate (netCDF's rule: named like its dimension) */
    CHECK_INT_EQ(nc_inq_varid(ncid, "neuron", &id), NC_NOERR);
    CHECK_INT_EQ(nc_get_var_longlong(ncid, id, g), NC_NOERR);
    for (int64_t i = 0; i < n; i++)
      CHECK_INT_EQ(g[i], gid_of(i));
    /* nothing is named like the dimension 'population' but its coordinate */
    CHECK_INT_EQ(nc_inq_varid(ncid, "population", &id), NC_ENOTVAR);
    free(g);
    free(p);
  }

  char names[2][10];
  CHECK_INT_EQ(nc_inq_varid(ncid, "population_name", &id), NC_NOERR);
  CHECK_INT_EQ(nc_get_var_text(ncid, id, &names[0][0]), NC_NOERR);
  CHECK(memcmp(names[0], "exc\0\0\0\0\0\0\0", 10) == 0);
  CHECK(memcmp(names[1], "inhibitory", 10) == 0);

  if (c->spikes) {
    int64_t ns = 0;
    for (int b = 0; b < NBATCH; b++)
      for (int64_t i = 0; i < n; i++)
        ns += nspikes(i, b);
    CHECK_INT_EQ(dimlen(ncid, "spike", NULL), ns);
    double *st = malloc((size_t)(ns + 1) * sizeof *st);
    long long *sg = malloc((size_t)(ns + 1) * sizeof *sg);
    CHECK_INT_EQ(nc_inq_varid(ncid, "spike_time", &id), NC_NOERR);
    check_text_att(ncid, id, "units", "ms");
    CHECK_INT_EQ(nc_get_var_double(ncid, id, st), NC_NOERR);
    CHECK_INT_EQ(nc_inq_varid(ncid, "spike_neuron", &id), NC_NOERR);
    CHECK_INT_EQ(nc_get_var_longlong(ncid, id, sg), NC_NOERR);
    /* batches in order, within a batch by rank, and the block partition
     * makes that the order of recorded neurons */
    int64_t j = 0;
    int bad = 0;
    for (int b = 0; b < NBATCH; b++)
      for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < nspikes(i, b); k++, j++)
          if (st[j] != spike_t(i, b, k) || sg[j] != gid_of(i)) bad++;
    CHECK_INT_EQ(bad, 0);
    free(st);
    free(sg);
  } else {
    CHECK(nc_inq_varid(ncid, "spike_time", &id) == NC_ENOTVAR);
  }
  CHECK_INT_EQ(nc_close(ncid), NC_NOERR);
}

/* The bytes of a file (rank 0), for "left untouched" checks. */
static char *slurp(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  *len = -1;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)*len + 1);
  if (fread(b, 1, (size_t)*len, f) != (size_t)*len) *len = -2;
  fclose(f);
  return b;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc != 2) {
    if (rank == 0) fprintf(stderr, "usage: test_output DIR\n");
    MPI_Finalize();
    return 2;
  }
  const char *dir = argv[1];
  if (rank == 0 && mkdir(dir, 0755) != 0 && errno != EEXIST)
    fprintf(stderr, "cannot create %s: %s\n", dir, strerror(errno));
  MPI_Barrier(MPI_COMM_WORLD);
  char out[1024], small[1024], p[2048], partial[2100];

  /* 1. 10 neurons, 2 variables, spikes */
  wcase full = {10, 2, 1, 0, 1, NULL};
  snprintf(out, sizeof out, "%s/out.nc", dir);
  remove_both(out);
  CHECK_INT_EQ(write_file(&full, out), 0);
  check_file(&full, out);

  /* 2. 3 neurons: at 4 ranks one rank records nothing */
  wcase three = {3, 2, 1, 0, 1, NULL};
  snprintf(small, sizeof small, "%s/small.nc", dir);
  remove_both(small);
  CHECK_INT_EQ(write_file(&three, small), 0);
  check_file(&three, small);

  /* 3. no recorded neurons and no spike variables: time only */
  wcase none = {0, 2, 0, 0, 1, NULL};
  snprintf(p, sizeof p, "%s/none.nc", dir);
  remove_both(p);
  CHECK_INT_EQ(write_file(&none, p), 0);
  check_file(&none, p);

  /* 4. an existing file without --force: refused alike, left untouched */
  long len0 = 0, len1 = 0;
  char *before = rank == 0 ? slurp(out, &len0) : NULL;
  {
    psst_error_clear();
    int rc = write_file(&full, out);
    check_agreed(rc, PSST_ERR_USER, "output exists; use --force to replace it");
    CHECK_STR_CONTAINS(psst_error_message(), out);
    snprintf(partial, sizeof partial, "%s.partial", out);
    if (rank == 0) {
      char *after = slurp(out, &len1);
      CHECK(len0 > 0 && len0 == len1 &&
            memcmp(before, after, (size_t)len0) == 0);
      CHECK(!exists(partial));
      free(after);
    }
    check_file(&full, out);
  }
  free(before);

  /* 5. with force: replaced (3 neurons first, then 10) */
  snprintf(p, sizeof p, "%s/force.nc", dir);
  remove_both(p);
  CHECK_INT_EQ(write_file(&three, p), 0);
  wcase forced = full;
  forced.force = 1;
  CHECK_INT_EQ(write_file(&forced, p), 0);
  check_file(&full, p);

  /* 6. commit = 0 leaves only the partial file */
  wcase keep = full;
  keep.commit = 0;
  snprintf(p, sizeof p, "%s/nocommit.nc", dir);
  snprintf(partial, sizeof partial, "%s.partial", p);
  remove_both(p);
  CHECK_INT_EQ(write_file(&keep, p), 0);
  if (rank == 0) {
    CHECK(!exists(p));
    CHECK(exists(partial));
  }
  remove_both(p);

  /* 7. a directory that does not exist: PSST_ERR_IO on every rank */
  snprintf(p, sizeof p, "%s/no/such/dir/x.nc", dir);
  psst_error_clear();
  check_agreed(write_file(&full, p), PSST_ERR_IO,
               "x.nc.partial: cannot create (rank ");
  CHECK_STR_CONTAINS(psst_error_message(), "): ");
  if (rank == 0) CHECK(!exists(p));

  /* 8. a "directory" that is a regular file */
  snprintf(p, sizeof p, "%s/x.nc", out);
  psst_error_clear();
  check_agreed(write_file(&full, p), PSST_ERR_IO, "cannot create (rank ");
  if (rank == 0) CHECK(!exists(p));

  /* 9. an unwritable directory (root may write anywhere: skipped then) */
  if (geteuid() != 0) {
    char ro[1024];
    snprintf(ro, sizeof ro, "%s/readonly", dir);
    if (rank == 0) {
      mkdir(ro, 0755);
      chmod(ro, 0555);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    snprintf(p, sizeof p, "%s/x.nc", ro);
    psst_error_clear();
    check_agreed(write_file(&full, p), PSST_ERR_IO, "cannot create (rank ");
    if (rank == 0) CHECK(!exists(p));
  }

  /* 10. a define error (a variable named like the time coordinate):
   * agreed, and the partial file removed */
  static const psst_output_var clash[] = {{"V", "mV", "membrane potential"},
                                          {"time", "ms", "clash"}};
  wcase bad = full;
  bad.vars = clash;
  snprintf(p, sizeof p, "%s/clash.nc", dir);
  snprintf(partial, sizeof partial, "%s.partial", p);
  remove_both(p);
  psst_error_clear();
  check_agreed(write_file(&bad, p), PSST_ERR_IO,
               "cannot define variable 'time' (rank ");
  if (rank == 0) {
    CHECK(!exists(p));
    CHECK(!exists(partial));
  }

  /* 11. the same path refused when it is a directory */
  psst_error_clear();
  check_agreed(write_file(&full, dir), PSST_ERR_USER, "is a directory");

  int fails = psst_test_failures, all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0)
    printf("test_output np=%d: %s (%d failed checks on the worst rank)\n", size,
           all ? "FAILED" : "ok", all);
  MPI_Finalize();
  return all ? 1 : 0;
}
