/* netCDF input and output: the only file of psst that includes netcdf.h.
 *
 * Output (psst_output_*) is written in parallel (nc_create_par, netCDF-4 over
 * MPI-IO/HDF5) under PATH.partial and renamed to PATH at a committed close.
 *
 * Collective error agreement: every collective netCDF call is followed by
 * agree(), psst_comm_agree_worst over (status, rank). When any rank
 * failed, every rank returns the same code and the message of the lowest
 * failing rank (broadcast), the file is closed and PATH.partial removed by
 * rank 0. No rank goes on to the next collective call alone, so a failure
 * never leaves the other ranks waiting in a collective.
 *
 * Readers (psst_io_read_*) are serial: nc_open(NC_NOWRITE), not collective.
 */
#define _POSIX_C_SOURCE 200809L

#include "psst/io.h"

#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "comm/comm.h"
#include "psst/error.h"

/* Chunking of the (time, neuron) variables: a chunk holds between
 * PSST_IO_TIME_CHUNK_MIN and PSST_IO_TIME_CHUNK_MAX records and at most
 * PSST_IO_CHUNK_BYTES bytes; the neuron extent is n_rec, capped so that the
 * minimum number of records still fits. 1-D unlimited variables (time,
 * spikes) use fixed chunks. No compression: parallel writes. */
#define PSST_IO_CHUNK_BYTES (4 * 1024 * 1024)
#define PSST_IO_TIME_CHUNK_MIN 64
#define PSST_IO_TIME_CHUNK_MAX 1024
#define PSST_IO_TIME1D_CHUNK 4096
#define PSST_IO_SPIKE_CHUNK 65536
#define PSST_IO_MSG 4096

/* A record block of the output (names with its prefix). */
typedef struct out_block {
  char *prefix;
  int64_t n_rec, rec_lo, rec_hi;
  int nvars;
  char **var_names; /* prefixed */
  int *var_ids;
  int time_id, coord_id, gid_id, pop_id;
  int64_t n_records; /* records written so far (length of its time) */
} out_block;

struct psst_output {
  MPI_Comm comm; /* duplicate of the creator's communicator */
  int rank, size;
  int ncid, open;
  int force;
  char *path, *partial;
  int nblock;
  out_block *blk;
  int spikes, spike_t_id, spike_n_id;
  int64_t n_spikes; /* spikes written so far (length of spike) */
  int failed;       /* code of an earlier failure, 0 when healthy */
  char why[1024];   /* its message, repeated by later calls */
  int appended;     /* reopened for a restart: never remove the file */
  int deflate;      /* zlib level of records and spikes, 0: none */
  int popfirst_id, popsize_id, popkind_id; /* -1 when not written */
  size_t kind_slen;                        /* length of kind_strlen */
  int nlists;
  int *list_ids;
  const psst_output_list *lists; /* the spec's (valid until enddef) */
  int nconn;
  int (*conn_ids)[4]; /* post, pre, weight, delay (-1: none) */
};

/* ---- helpers ------------------------------------------------------------ */

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* "<path>: <what> (rank r): <netCDF message>" as PSST_ERR_IO. */
static int nc_fail(const char *path, int rank, int ncrc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Free space [bytes] on the file system holding PATH (its folder), or a
 * negative value when statvfs cannot tell. */
static double free_bytes(const char *path, char *dir, size_t n) {
  snprintf(dir, n, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    dir[1] = '\0';
  else if (slash)
    *slash = '\0';
  else
    snprintf(dir, n, ".");
  struct statvfs vs;
  if (statvfs(dir, &vs) != 0) return -1.0;
  return (double)vs.f_bavail * (double)vs.f_frsize;
}

/* Refuse to write about BYTES [bytes] to PATH when that would leave less
 * than PSST_IO_SPACE_MARGIN free on its file system. A full disk must be
 * found before the write: HDF5 does not report it on every rank alike (one
 * rank fails inside a collective flush while the others wait in it, a
 * hang), and collective writes that run out of space may even "succeed".
 * Collective: rank 0 asks statvfs, every rank gets its answer. */
#define PSST_IO_SPACE_MARGIN 4194304.0 /* bytes: HDF5 metadata, chunks */
static int space_check(MPI_Comm comm, int rank, const char *path,
                       double bytes) {
  int rc = 0;
  if (rank == 0) {
    char dir[PSST_IO_PATH_MAX + 2];
    double avail = free_bytes(path, dir, sizeof dir);
    if (avail >= 0 && avail < bytes + PSST_IO_SPACE_MARGIN)
      rc = psst_error_set(PSST_ERR_IO,
                          "%s: the disk is full: the file system of %s has "
                          "%.0f KiB free, and psst needs %.0f KiB for the "
                          "next write plus %.0f KiB to close the file; free "
                          "space or write elsewhere",
                          path, dir, avail / 1024.0, bytes / 1024.0,
                          PSST_IO_SPACE_MARGIN / 1024.0);
  }
  return psst_comm_agree(comm, rc);
}

/* netCDF reports a full disk as "NetCDF: HDF error" (HDF5 keeps errno to
 * itself): say so when the file system holding PATH has (almost) no space
 * left, or errno says so. "" when neither. */
static const char *space_note(const char *path, int err) {
  static char note[PSST_IO_PATH_MAX + 100];
  note[0] = '\0';
  if (err == ENOSPC || err == EDQUOT) {
    snprintf(note, sizeof note, "; %s (%s)",
             err == ENOSPC ? "the disk is full" : "the disk quota is exceeded",
             strerror(err));
    return note;
  }
  char dir[PSST_IO_PATH_MAX + 2];
  double free_b = free_bytes(path, dir, sizeof dir);
  if (free_b >= 0 && free_b < 1048576.0)
    snprintf(note, sizeof note,
             "; the disk is full: the file system of %s has %.0f KiB free", dir,
             free_b / 1024.0);
  return note;
}

static int nc_fail(const char *path, int rank, int ncrc, const char *fmt, ...) {
  int err = errno;
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return psst_error_set(PSST_ERR_IO, "%s: %s (rank %d): %s%s", path, what, rank,
                        nc_strerror(ncrc), space_note(path, err));
}

/* Agree on a status over comm: returns the smallest (most negative) code of
 * all ranks, with the message of the lowest rank holding it on every rank.
 * Collective. */
static int agree(MPI_Comm comm, int rank, int rc) {
  (void)rank;
  return psst_comm_agree_worst(comm, rc);
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* ---- output ------------------------------------------------------------- */

static void output_free(psst_output *o) {
  if (!o) return;
  psst_comm_free(&o->comm);
  for (int b = 0; o->blk && b < o->nblock; b++) {
    out_block *B = &o->blk[b];
    if (B->var_names)
      for (int v = 0; v < B->nvars; v++)
        free(B->var_names[v]);
    free(B->var_names);
    free(B->var_ids);
    free(B->prefix);
  }
  free(o->blk);
  free(o->list_ids);
  free(o->conn_ids);
  free(o->path);
  free(o->partial);
  free(o);
}

/* The blocks of a spec: its array, or the one unnamed block of its inline
 * fields (nblock = 0). */
static int spec_nblock(const psst_output_spec *s) {
  return s->nblock > 0 ? s->nblock : 1;
}
static psst_output_block spec_block(const psst_output_spec *s, int b) {
  if (s->nblock > 0) return s->blocks[b];
  psst_output_block x = {"",         s->n_rec, s->rec_lo, s->rec_hi, s->rec_gid,
                         s->rec_pop, s->nvars, s->vars,   0};
  return x;
}

static char *cat_str(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *d = malloc(la + lb + 1);
  if (d) {
    memcpy(d, a, la);
    memcpy(d + la, b, lb + 1);
  }
  return d;
}

/* A handle for spec (not yet open), or NULL when out of memory. */
static psst_output *output_alloc(const psst_output_spec *spec, int rank,
                                 int size) {
  psst_output *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->comm = MPI_COMM_NULL;
  o->rank = rank;
  o->size = size;
  o->force = spec->force;
  o->deflate = spec->deflate;
  o->spikes = spec->spikes != 0;
  o->path = dup_str(spec->path);
  o->partial = malloc(strlen(spec->path) + sizeof ".partial");
  if (o->partial) sprintf(o->partial, "%s.partial", spec->path);
  o->nblock = spec_nblock(spec);
  o->blk = calloc((size_t)o->nblock, sizeof *o->blk);
  o->popfirst_id = o->popsize_id = o->popkind_id = -1;
  o->nlists = spec->nlists;
  o->lists = spec->lists;
  o->list_ids = calloc((size_t)spec->nlists + 1, sizeof *o->list_ids);
  o->nconn = spec->nconn;
  o->conn_ids = calloc((size_t)spec->nconn + 1, sizeof *o->conn_ids);
  int ok = o->path && o->partial && o->blk && o->list_ids && o->conn_ids;
  for (int b = 0; ok && b < o->nblock; b++) {
    psst_output_block sb = spec_block(spec, b);
    out_block *B = &o->blk[b];
    B->n_rec = sb.n_rec;
    B->rec_lo = sb.rec_lo;
    B->rec_hi = sb.rec_hi;
    B->nvars = sb.n_rec > 0 ? sb.nvars : 0;
    B->prefix = dup_str(sb.prefix ? sb.prefix : "");
    B->var_names = calloc((size_t)B->nvars + 1, sizeof *B->var_names);
    B->var_ids = calloc((size_t)B->nvars + 1, sizeof *B->var_ids);
    B->time_id = B->coord_id = B->gid_id = B->pop_id = -1;
    ok = B->prefix && B->var_names && B->var_ids;
    for (int v = 0; ok && v < B->nvars; v++)
      ok = (B->var_names[v] = cat_str(B->prefix, sb.vars[v].name)) != NULL;
  }
  if (!ok) {
    output_free(o);
    return NULL;
  }
  return o;
}

/* After an agreed failure: close the file (collective), rank 0 removes
 * PATH.partial. The handle stays allocated (failed) until psst_output_close.
 * Keeps the current error message. */
static int output_abandon(psst_output *o, int rc) {
  if (o->open) {
    nc_close(o->ncid); /* the error that brought us here is what counts */
    o->open = 0;
  }
  (void)psst_comm_barrier(o->comm);
  if (o->rank == 0 && !o->appended) unlink(o->partial);
  (void)psst_comm_barrier(o->comm);
  o->failed = rc;
  if (!o->why[0]) snprintf(o->why, sizeof o->why, "%s", psst_error_message());
  return rc;
}

static int spec_check(const psst_output_spec *s) {
  if (!s || !s->path || !s->path[0])
    return psst_error_set(PSST_ERR_INTERNAL, "output: no path given");
  const char *p = s->path;
  if (s->nblock < 0 || (s->nblock > 0 && !s->blocks))
    return psst_error_set(PSST_ERR_INTERNAL, "%s: bad record blocks", p);
  for (int b = 0; b < spec_nblock(s); b++) {
    psst_output_block x = spec_block(s, b);
    if (x.n_rec < 0 || x.rec_lo < 0 || x.rec_lo > x.rec_hi ||
        x.rec_hi > x.n_rec)
      return psst_error_set(
          PSST_ERR_INTERNAL, "%s: bad recorded range [%lld, %lld) of %lld", p,
          (long long)x.rec_lo, (long long)x.rec_hi, (long long)x.n_rec);
    if (x.n_rec > 0 && (!x.rec_gid || !x.rec_pop))
      return psst_error_set(PSST_ERR_INTERNAL,
                            "%s: recorded neuron ids missing", p);
    if (x.nvars < 0 || (x.nvars > 0 && !x.vars))
      return psst_error_set(PSST_ERR_INTERNAL, "%s: inconsistent output spec",
                            p);
    for (int v = 0; v < x.nvars; v++)
      if (!x.vars[v].name || !x.vars[v].name[0])
        return psst_error_set(PSST_ERR_INTERNAL, "%s: variable %d unnamed", p,
                              v);
  }
  if (s->npop < 0 || (s->npop > 0 && !s->pop_names) || s->nattrs < 0 ||
      (s->nattrs > 0 && !s->attrs))
    return psst_error_set(PSST_ERR_INTERNAL, "%s: inconsistent output spec", p);
  for (int i = 0; i < s->npop; i++)
    if (!s->pop_names[i])
      return psst_error_set(PSST_ERR_INTERNAL, "%s: population %d unnamed", p,
                            i);
  for (int a = 0; a < s->nattrs; a++)
    if (!s->attrs[a].name || !s->attrs[a].name[0])
      return psst_error_set(PSST_ERR_INTERNAL, "%s: attribute %d unnamed", p,
                            a);
  return 0;
}

static int put_text_att(int ncid, int varid, const char *name,
                        const char *text) {
  return nc_put_att_text(ncid, varid, name, strlen(text), text);
}

static int put_global_atts(psst_output *o, int nattrs, const psst_attr *a) {
  for (int i = 0; i < nattrs; i++) {
    long long iv = (long long)a[i].ivalue;
    int nc = a[i].text ? put_text_att(o->ncid, NC_GLOBAL, a[i].name, a[i].text)
             : a[i].is_int ? nc_put_att_longlong(o->ncid, NC_GLOBAL, a[i].name,
                                                 NC_INT64, 1, &iv)
                           : nc_put_att_double(o->ncid, NC_GLOBAL, a[i].name,
                                               NC_DOUBLE, 1, &a[i].value);
    if (nc != NC_NOERR)
      return nc_fail(o->partial, o->rank, nc, "cannot write attribute '%s'",
                     a[i].name);
  }
  return 0;
}

/* Define a variable with units/long_name (either may be NULL). */
static int def_var(psst_output *o, const char *name, nc_type type, int ndims,
                   const int *dims, const char *units, const char *long_name,
                   int *id) {
  int nc = nc_def_var(o->ncid, name, type, ndims, dims, id);
  if (nc == NC_NOERR && units) nc = put_text_att(o->ncid, *id, "units", units);
  if (nc == NC_NOERR && long_name)
    nc = put_text_att(o->ncid, *id, "long_name", long_name);
  if (nc != NC_NOERR)
    return nc_fail(o->partial, o->rank, nc, "cannot define variable '%s'",
                   name);
  return 0;
}

static int def_chunks(psst_output *o, int id, const char *name,
                      const size_t *chunks, int nofill) {
  int nc = nc_def_var_chunking(o->ncid, id, NC_CHUNKED, chunks);
  if (nc == NC_NOERR && nofill) nc = nc_def_var_fill(o->ncid, id, 1, NULL);
  /* compressed parallel writes need collective access (set for every
   * variable written after the definitions) */
  if (nc == NC_NOERR && o->deflate > 0)
    nc = nc_def_var_deflate(o->ncid, id, 1, 1, o->deflate);
  if (nc != NC_NOERR)
    return nc_fail(o->partial, o->rank, nc,
                   "cannot set the storage of variable '%s'", name);
  return 0;
}

/* One block's dimensions and variables: PREFIXtime(PREFIXtime),
 * PREFIXneuron(PREFIXneuron) (coordinate: global ids), the variables
 * (PREFIXtime, PREFIXneuron), PREFIXneuron_id, PREFIXneuron_population.
 * The per-neuron population index is not called "population": that is the
 * dimension of the populations, and a variable named like a dimension must
 * be its coordinate (netCDF's rule; nccopy, NCO and xarray rely on it). */
static int define_block(psst_output *o, out_block *B,
                        const psst_output_block *sb) {
  int ncid = o->ncid, nc;
  int d_time = -1, d_neuron = -1;
  const char *p = o->partial;
  char name[NC_MAX_NAME + 1];
  snprintf(name, sizeof name, "%stime", B->prefix);
  if ((nc = nc_def_dim(ncid, name, NC_UNLIMITED, &d_time)) != NC_NOERR)
    return nc_fail(p, o->rank, nc, "cannot define dimension '%s'", name);
  /* a fixed dimension of length 0 would be NC_UNLIMITED: with no recorded
   * neurons there is no neuron dimension and no record variable */
  snprintf(name, sizeof name, "%sneuron", B->prefix);
  if (B->n_rec > 0 &&
      (nc = nc_def_dim(ncid, name, (size_t)B->n_rec, &d_neuron)) != NC_NOERR)
    return nc_fail(p, o->rank, nc, "cannot define dimension '%s'", name);
  snprintf(name, sizeof name, "%stime", B->prefix);
  PSST_TRY(def_var(o, name, NC_DOUBLE, 1, &d_time, "ms", "time", &B->time_id));
  size_t c1 = PSST_IO_TIME1D_CHUNK;
  PSST_TRY(def_chunks(o, B->time_id, name, &c1, 1));
  if (sb->every > 0) {
    long long every = (long long)sb->every;
    nc = nc_put_att_longlong(ncid, B->time_id, "record_every_steps", NC_INT64,
                             1, &every);
    if (nc != NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot write an attribute of '%s'", name);
  }
  if (B->n_rec > 0) {
    int64_t per_row = B->n_rec * (int64_t)sizeof(double);
    int64_t tchunk = clamp64(PSST_IO_CHUNK_BYTES / per_row,
                             PSST_IO_TIME_CHUNK_MIN, PSST_IO_TIME_CHUNK_MAX);
    int64_t nchunk = clamp64(
        PSST_IO_CHUNK_BYTES / (tchunk * (int64_t)sizeof(double)), 1, B->n_rec);
    size_t c2[2] = {(size_t)tchunk, (size_t)nchunk};
    int dims[2] = {d_time, d_neuron};
    for (int v = 0; v < B->nvars; v++) {
      const psst_output_var *sv = &sb->vars[v];
      PSST_TRY(def_var(o, B->var_names[v], NC_DOUBLE, 2, dims, sv->units,
                       sv->long_name, &B->var_ids[v]));
      PSST_TRY(def_chunks(o, B->var_ids[v], B->var_names[v], c2, 1));
    }
    snprintf(name, sizeof name, "%sneuron", B->prefix);
    PSST_TRY(def_var(o, name, NC_INT64, 1, &d_neuron, NULL, "global neuron id",
                     &B->coord_id));
    snprintf(name, sizeof name, "%sneuron_id", B->prefix);
    PSST_TRY(def_var(o, name, NC_INT64, 1, &d_neuron, NULL, "global neuron id",
                     &B->gid_id));
    snprintf(name, sizeof name, "%sneuron_population", B->prefix);
    PSST_TRY(def_var(o, name, NC_INT, 1, &d_neuron, NULL,
                     "population index (of population_name)", &B->pop_id));
  }
  return 0;
}

/* Everything between nc_create_par and nc_enddef. Local: every rank makes
 * the same calls with the same arguments. */
static int output_define(psst_output *o, const psst_output_spec *s,
                         int *popname_id, size_t *strlen_out) {
  int ncid = o->ncid, nc;
  int d_spike = -1, d_pop = -1, d_strlen = -1;
  const char *p = o->partial;

  if (s->spikes &&
      (nc = nc_def_dim(ncid, "spike", NC_UNLIMITED, &d_spike)) != NC_NOERR)
    return nc_fail(p, o->rank, nc, "cannot define dimension 'spike'");
  size_t maxlen = 1;
  size_t klen = 1; /* the kinds' own string dimension, kind_strlen */
  for (int i = 0; i < s->npop; i++) {
    if (strlen(s->pop_names[i]) > maxlen) maxlen = strlen(s->pop_names[i]);
    if (s->pop_kinds && strlen(s->pop_kinds[i]) > klen)
      klen = strlen(s->pop_kinds[i]);
  }
  o->kind_slen = klen;
  *strlen_out = maxlen;
  if (s->npop > 0) {
    if ((nc = nc_def_dim(ncid, "population", (size_t)s->npop, &d_pop)) !=
        NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot define dimension 'population'");
    if ((nc = nc_def_dim(ncid, "name_strlen", maxlen, &d_strlen)) != NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot define dimension 'name_strlen'");
  }
  /* the blocks after the dimension 'population': a variable of that name
   * (in the unnamed block) defined before it upsets HDF5 */
  for (int b = 0; b < o->nblock; b++) {
    psst_output_block sb = spec_block(s, b);
    PSST_TRY(define_block(o, &o->blk[b], &sb));
  }
  if (s->npop > 0) {
    int dims[2] = {d_pop, d_strlen};
    PSST_TRY(def_var(o, "population_name", NC_CHAR, 2, dims, NULL,
                     "population name", popname_id));
    int d_klen = -1;
    if (s->pop_kinds &&
        (nc = nc_def_dim(ncid, "kind_strlen", klen, &d_klen)) != NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot define dimension 'kind_strlen'");
    int kdims[2] = {d_pop, d_klen};
    if (s->pop_kinds)
      PSST_TRY(def_var(o, "population_kind", NC_CHAR, 2, kdims, NULL,
                       "neuron kind of the population (psst info KIND)",
                       &o->popkind_id));
    if (s->pop_first)
      PSST_TRY(def_var(o, "population_first", NC_INT64, 1, &d_pop, NULL,
                       "global id of the population's first neuron",
                       &o->popfirst_id));
    if (s->pop_size)
      PSST_TRY(def_var(o, "population_size", NC_INT64, 1, &d_pop, NULL,
                       "neurons in the population", &o->popsize_id));
  }
  for (int q = 0; q < s->nconn; q++) {
    const psst_output_conn *C = &s->conn[q];
    char name[NC_MAX_NAME + 1], ln[256];
    int d;
    snprintf(name, sizeof name, "%ssynapse", C->prefix);
    if ((nc = nc_def_dim(ncid, name, (size_t)(C->n_total > 0 ? C->n_total : 1),
                         &d)) != NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot define dimension '%s'", name);
    static const char *const what[4] = {"post", "pre", "weight", "delay"};
    static const char *const units[4] = {NULL, NULL, "1", "ms"};
    static const char *const lnames[4] = {
        "postsynaptic global neuron id", "presynaptic global neuron id",
        "weight (multiplies the conductance)",
        "delay: from the step of the spike to the step of its delivery"};
    for (int k = 0; k < 4; k++) {
      o->conn_ids[q][k] = -1;
      if (k == 3 && !C->delay) continue;
      snprintf(name, sizeof name, "%s%s", C->prefix, what[k]);
      snprintf(ln, sizeof ln, "%s, projection %s", lnames[k], C->projection);
      PSST_TRY(def_var(o, name, k < 2 ? NC_INT64 : NC_DOUBLE, 1, &d, units[k],
                       ln, &o->conn_ids[q][k]));
      long long cnt = (long long)C->n_total;
      if ((nc = nc_put_att_longlong(ncid, o->conn_ids[q][k], "count", NC_INT64,
                                    1, &cnt)) != NC_NOERR)
        return nc_fail(p, o->rank, nc, "cannot write an attribute of '%s'",
                       name);
    }
  }
  for (int l = 0; l < s->nlists; l++) {
    const psst_output_list *L = &s->lists[l];
    char dname[NC_MAX_NAME + 1];
    int d;
    snprintf(dname, sizeof dname, "%s_n", L->name);
    /* a fixed dimension of length 0 would be unlimited: at least 1, and
     * the attribute `count` says how many are real */
    if ((nc = nc_def_dim(ncid, dname, (size_t)(L->n > 0 ? L->n : 1), &d)) !=
        NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot define dimension '%s'", dname);
    PSST_TRY(def_var(o, L->name, NC_INT64, 1, &d, NULL, L->long_name,
                     &o->list_ids[l]));
    long long cnt = (long long)L->n;
    if ((nc = nc_put_att_longlong(ncid, o->list_ids[l], "count", NC_INT64, 1,
                                  &cnt)) != NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot write an attribute of '%s'",
                     L->name);
  }
  if (s->spikes) {
    size_t cs = PSST_IO_SPIKE_CHUNK;
    PSST_TRY(def_var(o, "spike_time", NC_DOUBLE, 1, &d_spike, "ms",
                     "threshold crossing time (interpolated)", &o->spike_t_id));
    PSST_TRY(def_chunks(o, o->spike_t_id, "spike_time", &cs, 1));
    PSST_TRY(def_var(o, "spike_neuron", NC_INT64, 1, &d_spike, NULL,
                     "global neuron id", &o->spike_n_id));
    PSST_TRY(def_chunks(o, o->spike_n_id, "spike_neuron", &cs, 1));
    /* each spike_time belongs to the neuron that spike_neuron names (CF's
     * auxiliary coordinate), in the order psst writes them */
    if ((nc = put_text_att(ncid, o->spike_t_id, "coordinates",
                           "spike_neuron")) != NC_NOERR ||
        (nc = put_text_att(ncid, o->spike_t_id, "order",
                           "by step, then by global neuron id")) != NC_NOERR)
      return nc_fail(p, o->rank, nc, "cannot write the spikes' attributes");
  }

  if ((nc = put_text_att(ncid, NC_GLOBAL, "Conventions", "CF-1.8")) != NC_NOERR)
    return nc_fail(p, o->rank, nc, "cannot write attribute 'Conventions'");
  PSST_TRY(put_global_atts(o, s->nattrs, s->attrs));
  return 0;
}

static int set_collective(psst_output *o, int id, const char *name) {
  int nc = nc_var_par_access(o->ncid, id, NC_COLLECTIVE);
  if (nc != NC_NOERR)
    return nc_fail(o->partial, o->rank, nc,
                   "cannot set collective access for '%s'", name);
  return 0;
}

/* Collective: each block's neuron_id and population, and population_name,
 * written by rank 0 (every other rank takes part with count 0). */
static int output_write_static(psst_output *o, const psst_output_spec *s,
                               int popname_id, size_t slen) {
  static const double dummy[1] = {0};
  int rc, nc;
  for (int b = 0; b < o->nblock; b++) {
    const out_block *B = &o->blk[b];
    psst_output_block sb = spec_block(s, b);
    if (B->n_rec == 0) continue;
    size_t start = 0, count = o->rank == 0 ? (size_t)B->n_rec : 0;
    for (int k = 0; k < 2; k++) {
      nc = nc_put_vara(o->ncid, k ? B->gid_id : B->coord_id, &start, &count,
                       count ? (const void *)sb.rec_gid : (const void *)dummy);
      rc = nc == NC_NOERR ? 0
                          : nc_fail(o->partial, o->rank, nc,
                                    "cannot write variable '%s%s'", B->prefix,
                                    k ? "neuron_id" : "neuron");
      PSST_TRY(agree(o->comm, o->rank, rc));
    }
    nc = nc_put_vara_int(o->ncid, B->pop_id, &start, &count,
                         count ? sb.rec_pop : (const int *)(const void *)dummy);
    rc = nc == NC_NOERR ? 0
                        : nc_fail(o->partial, o->rank, nc,
                                  "cannot write variable '%sneuron_population'",
                                  B->prefix);
    PSST_TRY(agree(o->comm, o->rank, rc));
  }
  for (int w = 0; s->npop > 0 && w < 2; w++) {
    const char *const *strs = w ? s->pop_kinds : s->pop_names;
    int id = w ? o->popkind_id : popname_id;
    const char *vname = w ? "population_kind" : "population_name";
    size_t slen_w = w ? o->kind_slen : slen;
    if (!strs || id < 0) continue;
    char *names = NULL;
    rc = 0;
    if (o->rank == 0) {
      names = calloc((size_t)s->npop * slen_w, 1);
      if (!names)
        rc = psst_error_set(PSST_ERR_NOMEM, "%s: out of memory (rank %d)",
                            o->partial, o->rank);
      else
        for (int i = 0; i < s->npop; i++)
          memcpy(names + (size_t)i * slen_w, strs[i], strlen(strs[i]));
    }
    rc = agree(o->comm, o->rank, rc);
    if (rc) {
      free(names);
      return rc;
    }
    size_t start[2] = {0, 0};
    size_t count[2] = {o->rank == 0 ? (size_t)s->npop : 0, slen_w};
    nc = nc_put_vara_text(o->ncid, id, start, count, names ? names : "");
    free(names);
    rc = nc == NC_NOERR ? 0
                        : nc_fail(o->partial, o->rank, nc,
                                  "cannot write variable '%s'", vname);
    PSST_TRY(agree(o->comm, o->rank, rc));
  }
  /* each projection's synapses: every rank its own rows' slice */
  for (int q = 0; q < s->nconn; q++) {
    const psst_output_conn *C = &s->conn[q];
    const void *src[4] = {C->post, C->pre, C->weight, C->delay};
    for (int k = 0; k < 4; k++) {
      int id = o->conn_ids[q][k];
      if (id < 0) continue;
      size_t start = (size_t)C->offset, count = (size_t)C->n_local;
      if (count == 0) start = 0;
      nc = nc_put_vara(o->ncid, id, &start, &count,
                       count ? src[k] : (const void *)dummy);
      rc = nc == NC_NOERR ? 0
                          : nc_fail(o->partial, o->rank, nc,
                                    "cannot write the synapses of projection "
                                    "%s",
                                    C->projection);
      PSST_TRY(agree(o->comm, o->rank, rc));
    }
  }
  /* int64 vectors written by rank 0: population offsets and sizes, lists */
  struct {
    int id;
    int64_t n;
    const int64_t *v;
    const char *name;
  } vec[2] = {{o->popfirst_id, s->npop, s->pop_first, "population_first"},
              {o->popsize_id, s->npop, s->pop_size, "population_size"}};
  for (int k = 0; k < 2 + s->nlists; k++) {
    int id = k < 2 ? vec[k].id : o->list_ids[k - 2];
    int64_t n = k < 2 ? vec[k].n : s->lists[k - 2].n;
    const int64_t *v = k < 2 ? vec[k].v : s->lists[k - 2].values;
    const char *name = k < 2 ? vec[k].name : s->lists[k - 2].name;
    if (id < 0 || n <= 0) continue;
    size_t start = 0, count = o->rank == 0 ? (size_t)n : 0;
    nc = nc_put_vara(o->ncid, id, &start, &count,
                     count ? (const void *)v : (const void *)dummy);
    rc = nc == NC_NOERR ? 0
                        : nc_fail(o->partial, o->rank, nc,
                                  "cannot write variable '%s'", name);
    PSST_TRY(agree(o->comm, o->rank, rc));
  }
  return 0;
}

/* Collective access for every variable written after the definitions. */
static int set_all_collective(psst_output *o, int with_static, int popname_id) {
  int lrc = 0;
  char name[NC_MAX_NAME + 1];
  for (int b = 0; !lrc && b < o->nblock; b++) {
    const out_block *B = &o->blk[b];
    snprintf(name, sizeof name, "%stime", B->prefix);
    lrc = set_collective(o, B->time_id, name);
    for (int v = 0; !lrc && v < B->nvars; v++)
      lrc = set_collective(o, B->var_ids[v], B->var_names[v]);
    if (!lrc && with_static && B->n_rec > 0)
      lrc = set_collective(o, B->coord_id, "neuron");
    if (!lrc && with_static && B->n_rec > 0)
      lrc = set_collective(o, B->gid_id, "neuron_id");
    if (!lrc && with_static && B->n_rec > 0)
      lrc = set_collective(o, B->pop_id, "neuron_population");
  }
  if (!lrc && with_static && popname_id >= 0)
    lrc = set_collective(o, popname_id, "population_name");
  if (!lrc && with_static && o->popkind_id >= 0)
    lrc = set_collective(o, o->popkind_id, "population_kind");
  if (!lrc && with_static && o->popfirst_id >= 0)
    lrc = set_collective(o, o->popfirst_id, "population_first");
  if (!lrc && with_static && o->popsize_id >= 0)
    lrc = set_collective(o, o->popsize_id, "population_size");
  for (int l = 0; !lrc && with_static && l < o->nlists; l++)
    lrc = set_collective(o, o->list_ids[l], o->lists[l].name);
  for (int q = 0; !lrc && with_static && q < o->nconn; q++)
    for (int k = 0; !lrc && k < 4; k++)
      if (o->conn_ids[q][k] >= 0)
        lrc = set_collective(o, o->conn_ids[q][k], "synapses");
  if (!lrc && o->spikes) lrc = set_collective(o, o->spike_t_id, "spike_time");
  if (!lrc && o->spikes) lrc = set_collective(o, o->spike_n_id, "spike_neuron");
  return lrc;
}

/* nc_create_par failed: netCDF often says only "Permission denied" or
 * "HDF error"; name the directory when it is the reason. */
static int create_fail(psst_output *o, int nc) {
  char dir[PSST_IO_MSG], msg[2 * PSST_IO_MSG + 64];
  snprintf(dir, sizeof dir, "%s", o->partial);
  char *slash = strrchr(dir, '/');
  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else
    slash[slash == dir ? 1 : 0] = '\0';
  nc_fail(o->partial, o->rank, nc, "cannot create");
  struct stat st;
  const char *why = NULL;
  int missing = 0;
  if (stat(dir, &st) != 0) {
    missing = errno == ENOENT;
    why = strerror(errno);
  } else if (!S_ISDIR(st.st_mode))
    why = "not a directory";
  else if (access(dir, W_OK | X_OK) != 0)
    why = strerror(errno);
  if (missing) {
    /* netCDF says "Permission denied" here */
    psst_error_set(PSST_ERR_IO,
                   "%s: cannot create (rank %d): the directory %s does not "
                   "exist",
                   o->partial, o->rank, dir);
  } else if (why) {
    snprintf(msg, sizeof msg, "%s (%s: %s)", psst_error_message(), dir, why);
    psst_error_set(PSST_ERR_IO, "%s", msg);
  }
  return PSST_ERR_IO;
}

int psst_output_create(MPI_Comm comm, const psst_output_spec *spec,
                       psst_output **out) {
  int rank, size, rc, nc;
  rank = psst_comm_rank(comm);
  size = psst_comm_size(comm);
  if (out) *out = NULL;

  rc = out ? spec_check(spec) : psst_error_set(PSST_ERR_INTERNAL, "no handle");
  PSST_TRY(agree(comm, rank, rc));
  for (int b = 0; b < spec_nblock(spec); b++) {
    psst_output_block sb = spec_block(spec, b);
    int64_t mine = sb.rec_hi - sb.rec_lo, total = 0;
    PSST_TRY(psst_comm_sum_i64(comm, mine, &total));
    if (total != sb.n_rec)
      return psst_error_set(PSST_ERR_INTERNAL,
                            "%s: the ranks' recorded ranges cover %lld of %lld "
                            "neurons",
                            spec->path, (long long)total, (long long)sb.n_rec);
  }

  /* 0: absent, 1: a file, 2: something that is not a regular file; and
   * whether PATH.partial exists */
  int exists[2] = {0, 0};
  if (rank == 0) {
    struct stat st;
    if (stat(spec->path, &st) == 0) exists[0] = S_ISDIR(st.st_mode) ? 2 : 1;
    char *partial = cat_str(spec->path, ".partial");
    exists[1] = partial && stat(partial, &st) == 0;
    free(partial);
  }
  PSST_TRY(psst_comm_bcast(comm, exists, sizeof exists, 0));
  if (exists[0] == 2)
    return psst_error_set(PSST_ERR_USER, "%s: output is a directory",
                          spec->path);
  if (exists[0] && !spec->force)
    return psst_error_set(PSST_ERR_USER,
                          "%s: output exists; use --force to replace it",
                          spec->path);
  /* a stopped (or failed) run's output: --restart from its checkpoint
   * continues it, a fresh run would destroy it */
  if (exists[1] && !spec->force)
    return psst_error_set(PSST_ERR_USER,
                          "%s.partial exists: the output of a run that did "
                          "not finish, which psst run MODEL --restart CKPT "
                          "continues from that run's checkpoint (by default "
                          "%s.ckpt); use --force to discard it and start a "
                          "new run",
                          spec->path, spec->path);

  psst_output *o = output_alloc(spec, rank, size);
  rc = o ? 0 : PSST_ERR_NOMEM;
  if (rc) psst_error_set(rc, "%s: out of memory (rank %d)", spec->path, rank);
  rc = agree(comm, rank, rc);
  if (rc) {
    output_free(o);
    return rc;
  }
  rc = psst_comm_dup(comm, &o->comm);
  if (!rc) rc = space_check(o->comm, rank, o->partial, 0);
  if (rc) {
    output_free(o);
    return rc;
  }

  nc = nc_create_par(o->partial, NC_NETCDF4 | NC_CLOBBER, o->comm,
                     MPI_INFO_NULL, &o->ncid);
  o->open = nc == NC_NOERR;
  rc = o->open ? 0 : create_fail(o, nc);
  rc = agree(o->comm, rank, rc);

  int popname_id = -1;
  size_t slen = 1;
  if (!rc)
    rc = agree(o->comm, rank, output_define(o, spec, &popname_id, &slen));
  if (!rc) {
    nc = nc_enddef(o->ncid);
    rc = agree(o->comm, rank,
               nc == NC_NOERR
                   ? 0
                   : nc_fail(o->partial, rank, nc, "cannot end define mode"));
  }
  if (!rc) rc = agree(o->comm, rank, set_all_collective(o, 1, popname_id));
  if (!rc) rc = output_write_static(o, spec, popname_id, slen);
  if (rc) {
    output_abandon(o, rc);
    output_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

static int output_usable(psst_output *o, const char *what) {
  if (!o)
    return psst_error_set(PSST_ERR_INTERNAL, "%s: no output handle", what);
  if (o->failed)
    return psst_error_set(
        o->failed, "%s",
        o->why[0] ? o->why : "output abandoned after an earlier error");
  return 0;
}

int psst_output_write_records(psst_output *o, int b, int64_t nrows,
                              const double *time, const double *const *vals) {
  static const double dummy[1] = {0};
  PSST_TRY(output_usable(o, "psst_output_write_records"));
  int rc = 0;
  if (b < 0 || b >= o->nblock)
    rc =
        psst_error_set(PSST_ERR_INTERNAL, "%s: no record block %d", o->path, b);
  PSST_TRY(agree(o->comm, o->rank, rc));
  out_block *B = &o->blk[b];
  int64_t nloc = B->rec_hi - B->rec_lo;
  if (nrows < 0 || (nrows > 0 && o->rank == 0 && !time) ||
      (nrows > 0 && nloc > 0 && B->nvars > 0 && !vals))
    rc = psst_error_set(PSST_ERR_INTERNAL, "%s: bad record batch (rank %d)",
                        o->path, o->rank);
  for (int v = 0; !rc && nrows > 0 && nloc > 0 && v < B->nvars; v++)
    if (!vals[v])
      rc = psst_error_set(PSST_ERR_INTERNAL, "%s: no values for '%s' (rank %d)",
                          o->path, B->var_names[v], o->rank);
  PSST_TRY(agree(o->comm, o->rank, rc));
  if (nrows == 0) return 0;
  rc = space_check(o->comm, o->rank, o->partial,
                   8.0 * (double)nrows * ((double)B->n_rec * B->nvars + 1));
  if (rc) return output_abandon(o, rc);

  for (int v = 0; v < B->nvars; v++) {
    size_t start[2] = {(size_t)B->n_records, nloc ? (size_t)B->rec_lo : 0};
    size_t count[2] = {(size_t)nrows, (size_t)nloc};
    int nc = nc_put_vara_double(o->ncid, B->var_ids[v], start, count,
                                nloc ? vals[v] : dummy);
    rc = nc == NC_NOERR
             ? 0
             : nc_fail(o->partial, o->rank, nc, "cannot write variable '%s'",
                       B->var_names[v]);
    rc = agree(o->comm, o->rank, rc);
    if (rc) return output_abandon(o, rc);
  }
  size_t start = (size_t)B->n_records;
  size_t count = o->rank == 0 ? (size_t)nrows : 0;
  int nc = nc_put_vara_double(o->ncid, B->time_id, &start, &count,
                              count ? time : dummy);
  rc = nc == NC_NOERR ? 0
                      : nc_fail(o->partial, o->rank, nc,
                                "cannot write variable '%stime'", B->prefix);
  rc = agree(o->comm, o->rank, rc);
  if (rc) return output_abandon(o, rc);
  B->n_records += nrows;
  return 0;
}

int psst_output_write_spikes(psst_output *o, int64_t n_total, int64_t offset,
                             int64_t n_mine, const double *t,
                             const int64_t *gid) {
  static const double dummy_t[1] = {0};
  static const int64_t dummy_g[1] = {0};
  PSST_TRY(output_usable(o, "psst_output_write_spikes"));
  int rc = 0;
  if (!o->spikes)
    rc = psst_error_set(PSST_ERR_INTERNAL, "%s: spikes were not defined",
                        o->path);
  else if (n_total < 0 || offset < 0 || n_mine < 0 ||
           offset + n_mine > n_total || (n_mine > 0 && (!t || !gid)))
    rc = psst_error_set(PSST_ERR_INTERNAL,
                        "%s: bad spike batch (rank %d): %lld at %lld of %lld",
                        o->path, o->rank, (long long)n_mine, (long long)offset,
                        (long long)n_total);
  int64_t nt[2] = {n_total, -n_total}, ntr[2];
  PSST_TRY(psst_comm_max_i64(o->comm, nt, ntr, 2));
  PSST_TRY(agree(o->comm, o->rank, rc));
  if (ntr[0] != -ntr[1])
    return psst_error_set(PSST_ERR_INTERNAL,
                          "%s: ranks disagree on the spike batch size "
                          "(%lld to %lld)",
                          o->path, (long long)-ntr[1], (long long)ntr[0]);
  if (n_total == 0) return 0;
  rc = space_check(o->comm, o->rank, o->partial, 16.0 * (double)n_total);
  if (rc) return output_abandon(o, rc);

  /* a rank without spikes writes nothing at a position inside the file */
  size_t start = (size_t)(o->n_spikes + (n_mine ? offset : 0));
  size_t count = (size_t)n_mine;
  int nc = nc_put_vara_double(o->ncid, o->spike_t_id, &start, &count,
                              n_mine ? t : dummy_t);
  rc = nc == NC_NOERR ? 0
                      : nc_fail(o->partial, o->rank, nc,
                                "cannot write variable 'spike_time'");
  rc = agree(o->comm, o->rank, rc);
  if (rc) return output_abandon(o, rc);
  nc = nc_put_vara(o->ncid, o->spike_n_id, &start, &count,
                   n_mine ? (const void *)gid : (const void *)dummy_g);
  rc = nc == NC_NOERR ? 0
                      : nc_fail(o->partial, o->rank, nc,
                                "cannot write variable 'spike_neuron'");
  rc = agree(o->comm, o->rank, rc);
  if (rc) return output_abandon(o, rc);
  o->n_spikes += n_total;
  return 0;
}

int psst_output_close(psst_output **op, int nattrs, const psst_attr *attrs,
                      int commit) {
  if (!op || !*op) return 0;
  psst_output *o = *op;
  *op = NULL;
  if (o->failed) {
    /* the earlier failure was reported (and its message kept) */
    int code = o->failed;
    output_free(o);
    return commit ? code : 0;
  }
  int rc = 0, nc;
  if (nattrs > 0 && !attrs)
    rc = psst_error_set(PSST_ERR_INTERNAL, "%s: attributes missing", o->path);
  for (int a = 0; !rc && a < nattrs; a++)
    if (!attrs[a].name || !attrs[a].name[0])
      rc = psst_error_set(PSST_ERR_INTERNAL, "%s: attribute %d unnamed",
                          o->path, a);
  rc = agree(o->comm, o->rank, rc);
  if (!rc) rc = space_check(o->comm, o->rank, o->partial, 0);
  if (!rc && nattrs > 0) {
    nc = nc_redef(o->ncid);
    rc = agree(o->comm, o->rank,
               nc == NC_NOERR ? 0
                              : nc_fail(o->partial, o->rank, nc,
                                        "cannot enter define mode"));
    if (!rc) rc = agree(o->comm, o->rank, put_global_atts(o, nattrs, attrs));
    if (!rc) {
      nc = nc_enddef(o->ncid);
      rc = agree(o->comm, o->rank,
                 nc == NC_NOERR ? 0
                                : nc_fail(o->partial, o->rank, nc,
                                          "cannot end define mode"));
    }
  }
  if (!rc) {
    nc = nc_close(o->ncid);
    o->open = 0;
    rc = agree(
        o->comm, o->rank,
        nc == NC_NOERR ? 0 : nc_fail(o->partial, o->rank, nc, "cannot close"));
  }
  if (rc) {
    output_abandon(o, rc);
    output_free(o);
    return rc;
  }
  if (commit) {
    (void)psst_comm_barrier(o->comm);
    rc = 0;
    if (o->rank == 0) {
      struct stat st;
      if (!o->force && stat(o->path, &st) == 0)
        rc = psst_error_set(PSST_ERR_USER,
                            "%s: output appeared while running; use --force "
                            "to replace it (the output is left in %s)",
                            o->path, o->partial);
      else if (rename(o->partial, o->path) != 0)
        rc = psst_error_set(PSST_ERR_IO,
                            "%s: cannot rename %s (rank %d): %s (the output "
                            "is left there)",
                            o->path, o->partial, o->rank, strerror(errno));
    }
    rc = agree(o->comm, o->rank, rc);
  }
  output_free(o);
  return rc;
}

/* ---- restart: appending, syncing ------------------------------------------
 */

static int inq_var(psst_output *o, const char *name, int *id) {
  int nc = nc_inq_varid(o->ncid, name, id);
  if (nc != NC_NOERR)
    return psst_error_set(PSST_ERR_USER,
                          "%s: cannot append: it has no variable '%s' (the "
                          "model records something else than when the "
                          "checkpoint was written)",
                          o->partial, name);
  return 0;
}

/* Length of dimension NAME, 0 when the file has none. */
static size_t dim_len(int ncid, const char *name) {
  int dim;
  size_t len = 0;
  if (nc_inq_dimid(ncid, name, &dim) != NC_NOERR ||
      nc_inq_dimlen(ncid, dim, &len) != NC_NOERR)
    len = 0;
  return len;
}

/* Does the reopened file belong to the checkpoint being resumed: its
 * identity attributes (spec->match) and at least the records and spikes the
 * checkpoint says were written? */
static int append_belongs(psst_output *o, const psst_output_spec *spec) {
  for (int a = 0; a < spec->nmatch; a++) {
    const psst_attr *m = &spec->match[a];
    char have[256] = "";
    size_t len = 0;
    nc_type t;
    int nc = nc_inq_att(o->ncid, NC_GLOBAL, m->name, &t, &len);
    if (nc == NC_NOERR && t == NC_CHAR && len < sizeof have)
      nc = nc_get_att_text(o->ncid, NC_GLOBAL, m->name, have);
    else if (nc == NC_NOERR)
      nc = NC_EBADTYPE;
    if (nc != NC_NOERR) have[0] = '\0';
    have[len < sizeof have ? len : 0] = '\0';
    if (strcmp(have, m->text) != 0)
      return psst_error_set(PSST_ERR_USER,
                            "%s: this output does not belong to the "
                            "checkpoint being resumed (%s '%s' here, '%s' in "
                            "the checkpoint): it was written by another run; "
                            "restart from that run's checkpoint, or give the "
                            "output of this checkpoint's run",
                            o->partial, m->name, have, m->text);
  }
  char name[NC_MAX_NAME + 1];
  for (int b = 0; b < o->nblock; b++) {
    out_block *B = &o->blk[b];
    snprintf(name, sizeof name, "%stime", B->prefix);
    size_t len = dim_len(o->ncid, name);
    if ((int64_t)len < B->n_records)
      return psst_error_set(PSST_ERR_USER,
                            "%s: holds %zu records in '%s', but the "
                            "checkpoint says %lld were written: the output "
                            "or the checkpoint is damaged, or they belong to "
                            "different runs",
                            o->partial, len, name, (long long)B->n_records);
  }
  if (o->spikes) {
    size_t len = dim_len(o->ncid, "spike");
    if ((int64_t)len < o->n_spikes)
      return psst_error_set(PSST_ERR_USER,
                            "%s: holds %zu spikes, but the checkpoint says "
                            "%lld were written: the output or the checkpoint "
                            "is damaged, or they belong to different runs",
                            o->partial, len, (long long)o->n_spikes);
  }
  return 0;
}

int psst_output_open_append(MPI_Comm comm, const psst_output_spec *spec,
                            const int64_t *n_records, int64_t n_spikes,
                            psst_output **out) {
  int rank, size, rc = 0, nc;
  rank = psst_comm_rank(comm);
  size = psst_comm_size(comm);
  *out = NULL;
  PSST_TRY(agree(comm, rank, spec_check(spec)));
  psst_output *o = output_alloc(spec, rank, size);
  if (o) {
    o->force = 1;
    o->appended = 1;
    for (int b = 0; b < o->nblock; b++)
      o->blk[b].n_records = n_records[b];
    o->n_spikes = n_spikes;
  } else {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (rank %d)", rank);
  }
  rc = agree(comm, rank, rc);
  if (rc) {
    output_free(o);
    return rc;
  }
  rc = psst_comm_dup(comm, &o->comm);
  if (rc) {
    output_free(o);
    return rc;
  }
  nc = nc_open_par(o->partial, NC_WRITE, o->comm, MPI_INFO_NULL, &o->ncid);
  o->open = nc == NC_NOERR;
  rc = agree(o->comm, rank,
             o->open ? 0
                     : nc_fail(o->partial, rank, nc,
                               "cannot reopen the interrupted run's output"));
  if (!rc) {
    int lrc = 0;
    char name[NC_MAX_NAME + 1];
    for (int b = 0; !lrc && b < o->nblock; b++) {
      out_block *B = &o->blk[b];
      snprintf(name, sizeof name, "%stime", B->prefix);
      lrc = inq_var(o, name, &B->time_id);
      for (int v = 0; !lrc && v < B->nvars; v++)
        lrc = inq_var(o, B->var_names[v], &B->var_ids[v]);
      if (!lrc && B->nvars > 0) {
        int dim;
        size_t len = 0;
        snprintf(name, sizeof name, "%sneuron", B->prefix);
        if (nc_inq_dimid(o->ncid, name, &dim) != NC_NOERR ||
            nc_inq_dimlen(o->ncid, dim, &len) != NC_NOERR ||
            (int64_t)len != B->n_rec)
          lrc = psst_error_set(PSST_ERR_USER,
                               "%s: cannot append: it records %zu neurons "
                               "in '%s', the model %lld",
                               o->partial, len, name, (long long)B->n_rec);
      }
    }
    if (!lrc && o->spikes) lrc = inq_var(o, "spike_time", &o->spike_t_id);
    if (!lrc && o->spikes) lrc = inq_var(o, "spike_neuron", &o->spike_n_id);
    if (!lrc) lrc = append_belongs(o, spec);
    rc = agree(o->comm, rank, lrc);
  }
  if (!rc) rc = agree(o->comm, rank, set_all_collective(o, 0, -1));
  if (rc) {
    output_abandon(o, rc);
    output_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

void psst_output_counts(const psst_output *o, int64_t *n_records,
                        int64_t *n_spikes) {
  *n_records = o ? o->blk[0].n_records : 0;
  *n_spikes = o ? o->n_spikes : 0;
}

int psst_output_sync(psst_output *o) {
  PSST_TRY(output_usable(o, "psst_output_sync"));
  int rc = space_check(o->comm, o->rank, o->partial, 0);
  if (rc) return output_abandon(o, rc);
  int nc = nc_sync(o->ncid);
  rc = agree(o->comm, o->rank,
             nc == NC_NOERR
                 ? 0
                 : nc_fail(o->partial, o->rank, nc, "cannot flush to disk"));
  if (rc) return output_abandon(o, rc);
  return 0;
}

/* ---- checkpoint files ------------------------------------------------------
 */

#define PSST_CKPT_FORMAT "psst-checkpoint-1"

struct psst_ckpt {
  MPI_Comm comm;
  int rank, ncid, open, writing, dim_count;
  double def_bytes; /* [bytes] of the variables defined so far */
  char *path, *tmp;
};

static void ckpt_free(psst_ckpt *c) {
  if (!c) return;
  psst_comm_free(&c->comm);
  free(c->path);
  free(c->tmp);
  free(c);
}

static psst_ckpt *ckpt_alloc(MPI_Comm comm, const char *path) {
  psst_ckpt *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->comm = MPI_COMM_NULL;
  c->rank = psst_comm_rank(comm);
  c->path = dup_str(path);
  c->tmp = malloc(strlen(path) + sizeof ".tmp");
  if (!c->path || !c->tmp) {
    ckpt_free(c);
    return NULL;
  }
  sprintf(c->tmp, "%s.tmp", path);
  return c;
}

/* After an agreed failure while writing: close and remove PATH.tmp. */
static int ckpt_abandon(psst_ckpt *c, int rc) {
  if (c->open) nc_close(c->ncid);
  c->open = 0;
  (void)psst_comm_barrier(c->comm);
  if (c->rank == 0 && c->writing) unlink(c->tmp);
  (void)psst_comm_barrier(c->comm);
  return rc;
}

/* Allocate a handle on every rank (agreed) with its own communicator. */
static int ckpt_start(MPI_Comm comm, const char *path, psst_ckpt **cp) {
  int rank;
  rank = psst_comm_rank(comm);
  psst_ckpt *c = ckpt_alloc(comm, path);
  int rc = c ? 0
             : psst_error_set(PSST_ERR_NOMEM, "%s: out of memory (rank %d)",
                              path, rank);
  rc = agree(comm, rank, rc);
  if (rc) {
    ckpt_free(c);
    return rc;
  }
  rc = psst_comm_dup(comm, &c->comm);
  if (rc) {
    ckpt_free(c);
    return rc;
  }
  *cp = c;
  return 0;
}

int psst_ckpt_create(MPI_Comm comm, const char *path, psst_ckpt **out) {
  *out = NULL;
  psst_ckpt *c = NULL;
  PSST_TRY(ckpt_start(comm, path, &c));
  int rank = c->rank, rc;
  c->writing = 1;
  rc = space_check(c->comm, rank, c->tmp, 0);
  if (rc) {
    ckpt_free(c);
    return rc;
  }
  int nc = nc_create_par(c->tmp, NC_NETCDF4 | NC_CLOBBER, c->comm,
                         MPI_INFO_NULL, &c->ncid);
  c->open = nc == NC_NOERR;
  rc = c->open ? 0 : nc_fail(c->tmp, rank, nc, "cannot create the checkpoint");
  rc = agree(c->comm, rank, rc);
  if (!rc)
    rc =
        agree(c->comm, rank, psst_ckpt_put_text(c, "format", PSST_CKPT_FORMAT));
  if (rc) {
    ckpt_abandon(c, rc);
    ckpt_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

int psst_ckpt_def(psst_ckpt *c, const char *name, int64_t len) {
  int dim, id, nc;
  char dname[NC_MAX_NAME + 1];
  snprintf(dname, sizeof dname, "n%d", c->dim_count++);
  nc = nc_def_dim(c->ncid, dname, (size_t)(len > 0 ? len : 1), &dim);
  if (nc == NC_NOERR) nc = nc_def_var(c->ncid, name, NC_DOUBLE, 1, &dim, &id);
  if (nc == NC_NOERR) nc = nc_def_var_fill(c->ncid, id, 1, NULL);
  if (nc != NC_NOERR)
    return nc_fail(c->tmp, c->rank, nc, "cannot define '%s'", name);
  c->def_bytes += 8.0 * (double)(len > 0 ? len : 1);
  return id;
}

int psst_ckpt_put_text(psst_ckpt *c, const char *name, const char *text) {
  int nc = nc_put_att_text(c->ncid, NC_GLOBAL, name, strlen(text), text);
  return nc == NC_NOERR ? 0
                        : nc_fail(c->tmp, c->rank, nc,
                                  "cannot write attribute '%s'", name);
}

int psst_ckpt_put_num(psst_ckpt *c, const char *name, double value) {
  int nc = nc_put_att_double(c->ncid, NC_GLOBAL, name, NC_DOUBLE, 1, &value);
  return nc == NC_NOERR ? 0
                        : nc_fail(c->tmp, c->rank, nc,
                                  "cannot write attribute '%s'", name);
}

int psst_ckpt_enddef(psst_ckpt *c) {
  int rc = space_check(c->comm, c->rank, c->tmp, c->def_bytes);
  if (rc) return ckpt_abandon(c, rc);
  int nc = nc_enddef(c->ncid);
  rc = agree(c->comm, c->rank,
             nc == NC_NOERR
                 ? 0
                 : nc_fail(c->tmp, c->rank, nc, "cannot end define mode"));
  if (rc) return ckpt_abandon(c, rc);
  return 0;
}

int psst_ckpt_write(psst_ckpt *c, int id, int64_t start, int64_t count,
                    const double *data) {
  static const double dummy[1] = {0};
  int nc = nc_var_par_access(c->ncid, id, NC_COLLECTIVE);
  if (nc == NC_NOERR) {
    size_t st = (size_t)(count > 0 ? start : 0), ct = (size_t)count;
    nc = nc_put_vara_double(c->ncid, id, &st, &ct, count > 0 ? data : dummy);
  }
  int rc = agree(c->comm, c->rank,
                 nc == NC_NOERR ? 0
                                : nc_fail(c->tmp, c->rank, nc,
                                          "cannot write the checkpoint"));
  if (rc) return ckpt_abandon(c, rc);
  return 0;
}

int psst_ckpt_close(psst_ckpt **cp, int commit) {
  if (!cp || !*cp) return 0;
  psst_ckpt *c = *cp;
  *cp = NULL;
  int rc = 0;
  if (c->open) {
    int nc = nc_close(c->ncid);
    c->open = 0;
    rc = nc == NC_NOERR ? 0
                        : nc_fail(c->writing ? c->tmp : c->path, c->rank, nc,
                                  "cannot close the checkpoint");
  }
  rc = agree(c->comm, c->rank, rc);
  if (c->writing) {
    (void)psst_comm_barrier(c->comm);
    int r2 = 0;
    if (c->rank == 0) {
      if (rc || !commit)
        unlink(c->tmp);
      else if (rename(c->tmp, c->path) != 0)
        r2 = psst_error_set(PSST_ERR_IO, "%s: cannot rename %s (rank 0): %s",
                            c->path, c->tmp, strerror(errno));
    }
    if (!rc) rc = agree(c->comm, c->rank, r2);
  }
  ckpt_free(c);
  return rc;
}

int psst_ckpt_open(MPI_Comm comm, const char *path, psst_ckpt **out) {
  *out = NULL;
  psst_ckpt *c = NULL;
  PSST_TRY(ckpt_start(comm, path, &c));
  int rank = c->rank, rc;
  /* netCDF says "Bad file descriptor" for a missing file */
  int err = 0;
  if (rank == 0) {
    struct stat st;
    err = stat(path, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  }
  rc = psst_comm_bcast(c->comm, &err, sizeof err, 0);
  if (!rc && err)
    rc = psst_error_set(PSST_ERR_USER, "%s: %s", path,
                        err == ENOENT ? "no such file (the checkpoint to "
                                        "restart from is missing)"
                                      : strerror(err));
  if (rc) {
    ckpt_free(c);
    return rc;
  }
  int nc = nc_open_par(path, NC_NOWRITE, c->comm, MPI_INFO_NULL, &c->ncid);
  c->open = nc == NC_NOERR;
  rc = c->open ? 0
               : psst_error_set(PSST_ERR_USER,
                                "%s: cannot read the checkpoint (missing or "
                                "damaged): %s",
                                path, nc_strerror(nc));
  char fmt[64] = "";
  if (!rc && (psst_ckpt_get_text(c, "format", fmt, sizeof fmt) < 0 ||
              strcmp(fmt, PSST_CKPT_FORMAT) != 0))
    rc = psst_error_set(PSST_ERR_USER,
                        "%s: not a psst checkpoint (format '%s', expected "
                        "'%s')",
                        path, fmt, PSST_CKPT_FORMAT);
  rc = agree(c->comm, rank, rc);
  if (rc) {
    if (c->open) nc_close(c->ncid);
    c->open = 0;
    ckpt_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

int psst_ckpt_probe(const char *path, char *run_id, size_t n) {
  struct stat st;
  if (n) run_id[0] = '\0';
  if (stat(path, &st) != 0) return 0;
  if (!S_ISREG(st.st_mode)) return 2;
  int ncid, kind = 2;
  if (nc_open(path, NC_NOWRITE, &ncid) != NC_NOERR) return 2;
  char fmt[64] = "";
  size_t len = 0;
  nc_type t;
  if (nc_inq_att(ncid, NC_GLOBAL, "format", &t, &len) == NC_NOERR &&
      t == NC_CHAR && len < sizeof fmt &&
      nc_get_att_text(ncid, NC_GLOBAL, "format", fmt) == NC_NOERR) {
    fmt[len] = '\0';
    if (strcmp(fmt, PSST_CKPT_FORMAT) == 0) kind = 1;
  }
  if (kind == 1 && n &&
      nc_inq_att(ncid, NC_GLOBAL, "run_id", &t, &len) == NC_NOERR &&
      t == NC_CHAR && len < n &&
      nc_get_att_text(ncid, NC_GLOBAL, "run_id", run_id) == NC_NOERR)
    run_id[len] = '\0';
  nc_close(ncid);
  return kind;
}

int psst_ckpt_get_text(psst_ckpt *c, const char *name, char *buf, size_t n) {
  size_t len = 0;
  nc_type t;
  int nc = nc_inq_att(c->ncid, NC_GLOBAL, name, &t, &len);
  if (nc != NC_NOERR || t != NC_CHAR || len + 1 > n)
    return psst_error_set(PSST_ERR_USER,
                          "%s: damaged checkpoint: attribute '%s' missing or "
                          "malformed",
                          c->path, name);
  nc = nc_get_att_text(c->ncid, NC_GLOBAL, name, buf);
  buf[nc == NC_NOERR ? len : 0] = '\0';
  return 0;
}

int psst_ckpt_get_num(psst_ckpt *c, const char *name, double *value) {
  size_t len = 0;
  nc_type t;
  int nc = nc_inq_att(c->ncid, NC_GLOBAL, name, &t, &len);
  if (nc == NC_NOERR && len == 1)
    nc = nc_get_att_double(c->ncid, NC_GLOBAL, name, value);
  if (nc != NC_NOERR || len != 1)
    return psst_error_set(PSST_ERR_USER,
                          "%s: damaged checkpoint: attribute '%s' missing or "
                          "malformed",
                          c->path, name);
  return 0;
}

int psst_ckpt_read(psst_ckpt *c, const char *name, int64_t len, int64_t start,
                   int64_t count, double *out) {
  int id, ndims, dim;
  size_t have = 0;
  int nc = nc_inq_varid(c->ncid, name, &id);
  if (nc == NC_NOERR) nc = nc_inq_varndims(c->ncid, id, &ndims);
  if (nc == NC_NOERR && ndims == 1) nc = nc_inq_vardimid(c->ncid, id, &dim);
  if (nc == NC_NOERR && ndims == 1) nc = nc_inq_dimlen(c->ncid, dim, &have);
  if (nc != NC_NOERR || ndims != 1 || (int64_t)have != (len > 0 ? len : 1))
    return psst_error_set(PSST_ERR_USER,
                          "%s: the checkpoint does not fit this model: "
                          "variable '%s' %s (expected length %lld)",
                          c->path, name,
                          nc != NC_NOERR ? "is missing" : "has another shape",
                          (long long)len);
  if (count <= 0) return 0;
  size_t st = (size_t)start, ct = (size_t)count;
  nc = nc_get_vara_double(c->ncid, id, &st, &ct, out);
  if (nc != NC_NOERR)
    return psst_error_set(PSST_ERR_USER,
                          "%s: damaged checkpoint: cannot read '%s' (rank "
                          "%d): %s",
                          c->path, name, c->rank, nc_strerror(nc));
  return 0;
}

/* ---- readers --------------------------------------------------------------
 */

/* "(3, 4)" */
static void shape_str(char *buf, size_t n, int ndims, const size_t *len) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "(");
  for (int d = 0; d < ndims && k < n; d++)
    k += (size_t)snprintf(buf + k, n - k, d ? ", %zu" : "%zu", len[d]);
  if (k < n) snprintf(buf + k, n - k, ")");
}

/* Open path and find var: *ncid open on success (caller closes). *ndims and
 * len (up to NC_MAX_VAR_DIMS) are filled. missing_ok: *varid = -1 and 0 when
 * the variable is absent. */
static int reader_open(const char *path, const char *var, int missing_ok,
                       int *ncid, int *varid, int *ndims, size_t *len) {
  if (!path || !var)
    return psst_error_set(PSST_ERR_INTERNAL, "reader: no path or variable");
  int nc = nc_open(path, NC_NOWRITE, ncid);
  char why[1200];
  if (nc != NC_NOERR && psst_io_missing_path(path, why, sizeof why))
    return psst_error_set(PSST_ERR_USER, "%s: cannot open: %s", path, why);
  if (nc != NC_NOERR)
    return psst_error_set(PSST_ERR_USER, "%s: cannot open: %s", path,
                          nc_strerror(nc));
  nc = nc_inq_varid(*ncid, var, varid);
  if (nc == NC_ENOTVAR && missing_ok) {
    *varid = -1;
    return 0;
  }
  int rc = 0;
  if (nc == NC_ENOTVAR) {
    rc = psst_error_set(PSST_ERR_USER, "%s: no variable '%s'", path, var);
  } else if (nc != NC_NOERR) {
    rc = psst_error_set(PSST_ERR_IO, "%s: cannot read variable '%s': %s", path,
                        var, nc_strerror(nc));
  } else {
    nc_type type;
    int dims[NC_MAX_VAR_DIMS];
    nc = nc_inq_var(*ncid, *varid, NULL, &type, ndims, dims, NULL);
    for (int d = 0; nc == NC_NOERR && d < *ndims; d++)
      nc = nc_inq_dimlen(*ncid, dims[d], &len[d]);
    if (nc != NC_NOERR)
      rc = psst_error_set(PSST_ERR_IO, "%s: cannot read variable '%s': %s",
                          path, var, nc_strerror(nc));
    else if (type == NC_CHAR || type == NC_STRING || type > NC_STRING)
      rc = psst_error_set(PSST_ERR_USER, "%s: variable '%s' is not numeric",
                          path, var);
  }
  if (rc) nc_close(*ncid);
  return rc;
}

static int reader_shape_error(const char *path, const char *var, int ndims,
                              const size_t *len, const char *expected) {
  char got[256];
  shape_str(got, sizeof got, ndims, len);
  return psst_error_set(PSST_ERR_USER,
                        "%s: variable '%s' has shape %s, expected %s", path,
                        var, got, expected);
}

/* Read a 1-D (ndims 1) or 2-D block; every value must be finite: a NaN or
 * an infinity is PSST_ERR_USER naming the file, the variable and the index
 * of the first one (in the file's coordinates). */
static int reader_get(const char *path, const char *var, int ncid, int varid,
                      int ndims, const size_t *start, const size_t *count,
                      double *out) {
  int nc = nc_get_vara_double(ncid, varid, start, count, out);
  if (nc != NC_NOERR)
    return psst_error_set(nc == NC_ERANGE ? PSST_ERR_USER : PSST_ERR_IO,
                          "%s: cannot read variable '%s': %s", path, var,
                          nc_strerror(nc));
  size_t n = count[0] * (ndims == 2 ? count[1] : 1);
  for (size_t k = 0; k < n; k++) {
    if (isfinite(out[k])) continue;
    char at[64];
    if (ndims == 2)
      snprintf(at, sizeof at, "[%zu, %zu]", start[0] + k / count[1],
               start[1] + k % count[1]);
    else
      snprintf(at, sizeof at, "[%zu]", start[0] + k);
    return psst_error_set(PSST_ERR_USER,
                          "%s: variable '%s'%s = %g: values must be finite "
                          "(no NaN or infinity)",
                          path, var, at, out[k]);
  }
  return 0;
}

static int row_range_check(const char *path, const char *var, int64_t nrows,
                           int64_t row_lo, int64_t row_hi) {
  if (nrows < 0 || row_lo < 0 || row_lo > row_hi || row_hi > nrows)
    return psst_error_set(PSST_ERR_INTERNAL,
                          "%s: bad row range [%lld, %lld) of %lld for '%s'",
                          path ? path : "?", (long long)row_lo,
                          (long long)row_hi, (long long)nrows, var ? var : "?");
  return 0;
}

int psst_io_read_rows(const char *path, const char *var, int64_t nrows,
                      int64_t ncols, int64_t row_lo, int64_t row_hi,
                      double *out) {
  PSST_TRY(row_range_check(path, var, nrows, row_lo, row_hi));
  if (ncols < 0 || (row_hi > row_lo && ncols > 0 && !out))
    return psst_error_set(PSST_ERR_INTERNAL, "%s: bad read of '%s'", path, var);
  int ncid, varid, ndims;
  size_t len[NC_MAX_VAR_DIMS];
  PSST_TRY(reader_open(path, var, 0, &ncid, &varid, &ndims, len));
  int rc = 0;
  if (ndims != 2 || len[0] != (size_t)nrows || len[1] != (size_t)ncols) {
    char exp[128];
    snprintf(exp, sizeof exp, "(%lld, %lld)", (long long)nrows,
             (long long)ncols);
    rc = reader_shape_error(path, var, ndims, len, exp);
  } else if (row_hi > row_lo && ncols > 0) {
    size_t start[2] = {(size_t)row_lo, 0};
    size_t count[2] = {(size_t)(row_hi - row_lo), (size_t)ncols};
    rc = reader_get(path, var, ncid, varid, 2, start, count, out);
  }
  nc_close(ncid);
  return rc;
}

int psst_io_read_waveform(const char *path, const char *var, int64_t nrows,
                          int64_t row_lo, int64_t row_hi, int64_t *nsamples,
                          double **out) {
  if (out) *out = NULL;
  if (nsamples) *nsamples = 0;
  PSST_TRY(row_range_check(path, var, nrows, row_lo, row_hi));
  if (!out || !nsamples)
    return psst_error_set(PSST_ERR_INTERNAL, "%s: bad read of '%s'", path, var);
  int ncid, varid, ndims;
  size_t len[NC_MAX_VAR_DIMS];
  PSST_TRY(reader_open(path, var, 0, &ncid, &varid, &ndims, len));
  int rc = 0;
  if (ndims != 2 || len[0] != (size_t)nrows) {
    char exp[128];
    snprintf(exp, sizeof exp, "(%lld, samples)", (long long)nrows);
    rc = reader_shape_error(path, var, ndims, len, exp);
  } else if (len[1] == 0) {
    rc = psst_error_set(PSST_ERR_USER, "%s: variable '%s' has no samples", path,
                        var);
  } else {
    size_t n = (size_t)(row_hi - row_lo) * len[1];
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf) {
      rc = psst_error_set(PSST_ERR_NOMEM, "%s: out of memory reading '%s'",
                          path, var);
    } else if (n) {
      size_t start[2] = {(size_t)row_lo, 0};
      size_t count[2] = {(size_t)(row_hi - row_lo), len[1]};
      rc = reader_get(path, var, ncid, varid, 2, start, count, buf);
    }
    if (rc) {
      free(buf);
    } else {
      *out = buf;
      *nsamples = (int64_t)len[1];
    }
  }
  nc_close(ncid);
  return rc;
}

int psst_io_read_vector(const char *path, const char *var, int64_t n,
                        int64_t lo, int64_t hi, double *out, int *found) {
  if (found) *found = 0;
  PSST_TRY(row_range_check(path, var, n, lo, hi));
  if (!found || (hi > lo && !out))
    return psst_error_set(PSST_ERR_INTERNAL, "%s: bad read of '%s'", path, var);
  int ncid, varid, ndims;
  size_t len[NC_MAX_VAR_DIMS];
  PSST_TRY(reader_open(path, var, 1, &ncid, &varid, &ndims, len));
  int rc = 0;
  if (varid < 0) {
    /* absent: not an error */
  } else if (ndims != 1 || len[0] != (size_t)n) {
    char exp[64];
    snprintf(exp, sizeof exp, "(%lld)", (long long)n);
    rc = reader_shape_error(path, var, ndims, len, exp);
  } else {
    *found = 1;
    if (hi > lo) {
      size_t start = (size_t)lo, count = (size_t)(hi - lo);
      rc = reader_get(path, var, ncid, varid, 1, &start, &count, out);
    }
    if (rc) *found = 0;
  }
  nc_close(ncid);
  return rc;
}

int psst_io_read_series(const char *path, const char *var, int64_t *n,
                        double **out) {
  *n = 0;
  *out = NULL;
  int ncid, varid, ndims;
  size_t len[NC_MAX_VAR_DIMS];
  PSST_TRY(reader_open(path, var, 0, &ncid, &varid, &ndims, len));
  int rc = 0;
  if (ndims != 1) {
    rc = reader_shape_error(path, var, ndims, len, "one dimension");
  } else {
    double *d = malloc((len[0] + 1) * sizeof *d);
    if (!d) {
      rc = psst_error_set(PSST_ERR_NOMEM, "%s: out of memory reading '%s'",
                          path, var);
    } else {
      size_t start = 0, count = len[0];
      rc = count ? reader_get(path, var, ncid, varid, 1, &start, &count, d) : 0;
      if (rc) {
        free(d);
      } else {
        *out = d;
        *n = (int64_t)len[0];
      }
    }
  }
  nc_close(ncid);
  return rc;
}

/* ---- paths of the parallel writers -----------------------------------------
 */

const char *psst_io_output_path_problem(const char *path) {
  static char why[160];
  if (!path || !*path) return "the path is empty";
  size_t len = strlen(path);
  if (len > PSST_IO_PATH_MAX) {
    snprintf(why, sizeof why,
             "the path has %zu characters; at most %d are allowed (MPI-IO "
             "cannot create longer names safely): use a shorter path",
             len, PSST_IO_PATH_MAX);
    return why;
  }
  return NULL;
}

int psst_io_missing_path(const char *path, char *buf, size_t n) {
  struct stat st;
  if (!path || !*path || stat(path, &st) == 0 || errno != ENOENT) return 0;
  /* the longest existing folder prefix: what follows it is missing */
  size_t len = strlen(path);
  char *tmp = malloc(len + 1);
  if (!tmp) return 0;
  memcpy(tmp, path, len + 1);
  int found = 0;
  for (size_t i = len; i-- > 0;) {
    if (tmp[i] != '/' || i == 0) continue;
    tmp[i] = '\0';
    if (stat(tmp, &st) == 0) {
      const char *rest = path + i + 1;
      const char *slash = strchr(rest, '/');
      if (slash && S_ISDIR(st.st_mode))
        snprintf(buf, n, "no folder '%s/%.*s'", tmp, (int)(slash - rest), rest);
      else if (slash)
        snprintf(buf, n, "'%s' is not a folder", tmp);
      found = slash ? 1 : -1; /* -1: only the file is missing */
      break;
    }
  }
  if (!found) {
    const char *slash = strchr(path + (path[0] == '/'), '/');
    if (slash) snprintf(buf, n, "no folder '%.*s'", (int)(slash - path), path);
    found = slash ? 1 : -1;
  }
  free(tmp);
  return found > 0;
}
