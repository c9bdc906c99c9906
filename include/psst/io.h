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
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct psst_attr {
  const char *name;
  const char *text; /* text attribute when non-NULL, else `value` */
  double value;
} psst_attr;

typedef struct psst_output_var {
  const char *name;      /* "V" */
  const char *units;     /* "mV" */
  const char *long_name; /* "membrane potential" */
} psst_output_var;

typedef struct psst_output_spec {
  const char *path;       /* final path; written as path.partial until closed */
  int force;              /* 1: replace an existing file at path */
  int64_t n_rec;          /* recorded neurons (global) */
  int64_t rec_lo, rec_hi; /* this rank's rows [lo, hi) of the neuron dim */
  const int64_t *rec_gid; /* n_rec global ids (same on every rank) */
  const int *rec_pop;     /* n_rec population indices */
  int npop;
  const char *const *pop_names; /* npop names */
  int nvars;
  const psst_output_var *vars;
  int spikes; /* 1: define the spike variables */
  int nattrs;
  const psst_attr *attrs; /* global attributes written at creation */
} psst_output_spec;

typedef struct psst_output psst_output;

/* Create PATH.partial with nc_create_par and define everything.
 * Collective over comm. Refuses (PSST_ERR_USER) when PATH exists and
 * force == 0; PSST_ERR_IO with the netCDF message, path and rank otherwise. */
int psst_output_create(MPI_Comm comm, const psst_output_spec *spec,
                       psst_output **out);

/* Append nrows records. time: nrows values [ms] (same on every rank).
 * vals[v]: nrows x (rec_hi - rec_lo) values of variable v, row-major.
 * Collective (ranks without recorded neurons take part with no data). */
int psst_output_write_records(psst_output *o, int64_t nrows, const double *time,
                              const double *const *vals);

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

#ifdef __cplusplus
}
#endif
#endif
