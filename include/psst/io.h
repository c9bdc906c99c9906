/* psst/io.h — netCDF: parallel output, input matrices, waveforms and
 * per-neuron initial values. The only module that includes netcdf.h.
 *
 * Output layout (netCDF-4, CF-style):
 *   dimensions  time (unlimited), neuron (recorded neurons), spike
 *               (unlimited), population, name_strlen
 *   time(time)                 [ms]
 *   <var>(time, neuron)        one per recorded state variable, with
 *                              `units` and `long_name`
 *   neuron_id(neuron)          global id (int64)
 *   population(neuron)         population index (int)
 *   population_name(population, name_strlen)   char
 *   spike_time(spike)          interpolated threshold crossing [ms]
 *   spike_neuron(spike)        global id (int64)
 *   global attributes          provenance (psst_output_spec.attrs) and the
 *                              wall time per phase (at close)
 * The file is written under PATH.partial and renamed to PATH on a successful
 * close with commit = 1.
 */
#ifndef PSST_IO_H
#define PSST_IO_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct psst_attr {
  const char *name;
  const char *text; /* text attribute when non-NULL, else `value` */
  double value;
  int is_int; /* 1: an NC_INT64 attribute of value `ivalue` */
  int64_t ivalue;
} psst_attr;
#define PSST_ATTR_TEXT(N, T)                                                   \
  { (N), (T), 0.0, 0, 0 }
#define PSST_ATTR_NUM(N, V)                                                    \
  { (N), NULL, (V), 0, 0 }
#define PSST_ATTR_INT(N, I)                                                    \
  { (N), NULL, 0.0, 1, (int64_t)(I) }

/* An int64 variable over its own dimension of n values, written at
 * creation (e.g. a stimulus's recipients). */
/* One projection's synapses, written as PREFIXpost, PREFIXpre (global ids),
 * PREFIXweight and (spike-triggered kinds) PREFIXdelay [ms] over the
 * dimension PREFIXsynapse, in CSR order (by postsynaptic, then presynaptic
 * id): this rank's n_local synapses at [offset, offset + n_local). */
typedef struct psst_output_conn {
  const char *prefix; /* "proj_NAME_" */
  const char *projection;
  int64_t n_total, offset, n_local;
  const int64_t *post, *pre;
  const double *weight;
  const double *delay; /* NULL: no delay variable */
} psst_output_conn;

typedef struct psst_output_list {
  const char *name; /* variable; its dimension is name + "_n" */
  const char *long_name;
  int64_t n;
  const int64_t *values; /* n values, the same on every rank */
} psst_output_list;

typedef struct psst_output_var {
  const char *name;      /* "V" */
  const char *units;     /* "mV" */
  const char *long_name; /* "membrane potential" */
} psst_output_var;

/* One record block of the output: its own time and neuron dimensions and
 * variables, all named prefix + the plain name ("time", "neuron" (the
 * dimension and its coordinate variable, the global ids), "V",
 * "neuron_id" (the same ids, kept for older readers),
 * "neuron_population"): prefix "" for the unnamed block, "NAME_" for block
 * NAME. */
typedef struct psst_output_block {
  const char *prefix;
  int64_t n_rec;          /* recorded neurons (global) */
  int64_t rec_lo, rec_hi; /* this rank's rows [lo, hi) of the neuron dim */
  const int64_t *rec_gid; /* n_rec global ids (same on every rank) */
  const int *rec_pop;     /* n_rec population indices */
  int nvars;
  const psst_output_var *vars; /* names without the prefix */
  int64_t every;               /* [steps] between records (an attribute) */
} psst_output_block;

typedef struct psst_output_spec {
  const char *path; /* final path; written as path.partial until closed */
  int force;        /* 1: replace an existing file at path */
  /* the record blocks; nblock = 0: one unnamed block given by the fields
   * n_rec .. vars below */
  int nblock;
  const psst_output_block *blocks;
  int64_t n_rec;          /* recorded neurons (global) */
  int64_t rec_lo, rec_hi; /* this rank's rows [lo, hi) of the neuron dim */
  const int64_t *rec_gid; /* n_rec global ids (same on every rank) */
  const int *rec_pop;     /* n_rec population indices */
  int npop;
  const char *const *pop_names; /* npop names */
  const int64_t *pop_first;     /* npop first global ids, or NULL */
  const int64_t *pop_size;      /* npop sizes, or NULL */
  const char *const *pop_kinds; /* npop kind names, or NULL */
  int nlists;
  const psst_output_list *lists; /* int64 list variables, or NULL */
  int nconn;
  const psst_output_conn *conn; /* projections' synapses, or NULL */
  int nvars;
  const psst_output_var *vars;
  int spikes;  /* 1: define the spike variables */
  int deflate; /* 0, or the zlib level (1-9) of records and spikes */
  int nattrs;
  const psst_attr *attrs; /* global attributes written at creation */
  /* psst_output_open_append only: text attributes the reopened file must
   * carry with exactly these values (the run id and model hash: the file
   * belongs to the checkpoint that is resumed) */
  int nmatch;
  const psst_attr *match;
} psst_output_spec;

typedef struct psst_output psst_output;

/* Create PATH.partial with nc_create_par and define everything.
 * Collective over comm. Refuses (PSST_ERR_USER) when PATH or PATH.partial
 * (a stopped run's resumable output) exists and force == 0; PSST_ERR_IO
 * with the netCDF message, path and rank otherwise. */
int psst_output_create(MPI_Comm comm, const psst_output_spec *spec,
                       psst_output **out);

/* Append nrows records to block b. time: nrows values [ms] (same on every
 * rank). vals[v]: nrows x (rec_hi - rec_lo) values of variable v,
 * row-major. Collective (ranks without recorded neurons take part with no
 * data). */
int psst_output_write_records(psst_output *o, int b, int64_t nrows,
                              const double *time, const double *const *vals);

/* Append spikes. Every rank passes the same n_total; this rank writes its
 * n_mine spikes at positions [offset, offset + n_mine) of this batch.
 * t [ms], gid global ids. Collective. */
int psst_output_write_spikes(psst_output *o, int64_t n_total, int64_t offset,
                             int64_t n_mine, const double *t,
                             const int64_t *gid);

/* Write attributes (e.g. wall times) and close. commit = 1 renames
 * PATH.partial to PATH; commit = 0 leaves the partial file for inspection.
 * Collective. Sets *o to NULL. */
int psst_output_close(psst_output **o, int nattrs, const psst_attr *attrs,
                      int commit);

/* Reopen PATH.partial of an interrupted run to append to it (restart):
 * the file must have the spec's recorded neurons and variables and the
 * attributes spec->match, and hold at least n_records[b] records of each
 * block and n_spikes spikes; writing resumes there (what the checkpoint
 * says was written; anything after that in the file is overwritten).
 * Collective. PSST_ERR_USER when the file does not match. */
int psst_output_open_append(MPI_Comm comm, const psst_output_spec *spec,
                            const int64_t *n_records, int64_t n_spikes,
                            psst_output **out);

/* Records (of block 0) and spikes written so far. Not collective. */
void psst_output_counts(const psst_output *o, int64_t *n_records,
                        int64_t *n_spikes);

/* Flush to disk (nc_sync), so a checkpoint never refers to data that a
 * crash could lose. Collective. */
int psst_output_sync(psst_output *o);

/* ---- checkpoint files ----------------------------------------------------
 * A checkpoint is a netCDF-4 file of named 1-D double variables and global
 * attributes, written collectively under PATH.tmp and renamed to PATH when
 * complete, so a crash while writing leaves the previous checkpoint intact.
 */
typedef struct psst_ckpt psst_ckpt;

/* Begin PATH.tmp. Collective. */
int psst_ckpt_create(MPI_Comm comm, const char *path, psst_ckpt **out);
/* Define a variable of length len (define mode); returns its id >= 0. */
int psst_ckpt_def(psst_ckpt *c, const char *name, int64_t len);
int psst_ckpt_put_text(psst_ckpt *c, const char *name, const char *text);
int psst_ckpt_put_num(psst_ckpt *c, const char *name, double value);
/* Leave define mode. Collective. */
int psst_ckpt_enddef(psst_ckpt *c);
/* Write [start, start + count) of variable id (count 0 allowed). Collective. */
int psst_ckpt_write(psst_ckpt *c, int id, int64_t start, int64_t count,
                    const double *data);
/* Close; commit = 1 renames PATH.tmp to PATH, 0 removes PATH.tmp.
 * Collective. Sets *c to NULL. */
int psst_ckpt_close(psst_ckpt **c, int commit);

/* What is at PATH: 0 nothing, 1 a psst checkpoint (its run_id attribute
 * into run_id, n bytes; "" when it has none), 2 something else (a file
 * that is not a psst checkpoint, a directory). Not collective. */
int psst_ckpt_probe(const char *path, char *run_id, size_t n);

/* Open a checkpoint for reading. Collective. PSST_ERR_USER when it is
 * missing, unreadable or not a psst checkpoint. */
int psst_ckpt_open(MPI_Comm comm, const char *path, psst_ckpt **out);
/* Global attribute: text into buf (n bytes), or a number. PSST_ERR_USER
 * when missing. Not collective. */
int psst_ckpt_get_text(psst_ckpt *c, const char *name, char *buf, size_t n);
int psst_ckpt_get_num(psst_ckpt *c, const char *name, double *value);
/* [start, start + count) of variable `name`, which must have length len.
 * Not collective (independent reads). */
int psst_ckpt_read(psst_ckpt *c, const char *name, int64_t len, int64_t start,
                   int64_t count, double *out);

/* Rows [row_lo, row_hi) of a 2-D variable `var` of shape (nrows, ncols) into
 * out ((row_hi-row_lo) x ncols, row-major, as double). A missing file or
 * variable, or a shape other than (nrows, ncols), is PSST_ERR_USER with a
 * message naming the path and the variable. Not collective. */
int psst_io_read_rows(const char *path, const char *var, int64_t nrows,
                      int64_t ncols, int64_t row_lo, int64_t row_hi,
                      double *out);

/* A 2-D variable (nrows, nsamples) whose second length is free: returns the
 * number of samples in *nsamples and rows [row_lo, row_hi) in a new array
 * *out (caller frees). Not collective. */
int psst_io_read_waveform(const char *path, const char *var, int64_t nrows,
                          int64_t row_lo, int64_t row_hi, int64_t *nsamples,
                          double **out);

/* Elements [lo, hi) of a 1-D variable of length n. *found = 0 (and no
 * error) when the variable does not exist; wrong length is PSST_ERR_USER.
 * Not collective. */
int psst_io_read_vector(const char *path, const char *var, int64_t n,
                        int64_t lo, int64_t hi, double *out, int *found);

/* A whole 1-D variable of any length: *n values in a new array *out
 * (caller frees). Missing file or variable, or another shape, is
 * PSST_ERR_USER naming both. Not collective. */
int psst_io_read_series(const char *path, const char *var, int64_t *n,
                        double **out);

/* Longest output or checkpoint path psst accepts [characters]. Open MPI
 * 4.1's MPI-IO (its shared-file-pointer components, called by
 * nc_create_par) overflows a buffer on names of 245 characters or more and
 * fails with a misleading error from 242; psst writes PATH.partial and
 * CKPT.tmp, so it keeps its own names well below that. */
#define PSST_IO_PATH_MAX 200

/* NULL when path can be given to the parallel writers, else why not (a
 * static sentence: too long, or empty). Not collective: every rank gets the
 * same answer from the same path. */
const char *psst_io_output_path_problem(const char *path);

/* When a folder of path does not exist: 1 and a phrase in buf naming the
 * first missing folder (or the part that is not a folder); else 0 (the
 * path exists, or only its last part is missing).
 * Input files use it instead of errno's words (netCDF says "Permission
 * denied" for a missing folder). Not collective. */
int psst_io_missing_path(const char *path, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
