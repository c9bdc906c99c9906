/* psst/psst.h — the public API of libpsst.
 *
 *   psst_model *m;  psst_config_load("model.yaml", &m);
 *   psst_sim *s;    psst_sim_create(m, MPI_COMM_WORLD, &s);
 *   psst_run_options o = psst_run_options_default(); o.output = "out.nc";
 *   psst_sim_run(s, &o);
 *   psst_sim_destroy(&s); psst_model_destroy(&m);
 *
 * The library never prints (except the progress line when asked for) and
 * never exits; every function returns 0 or a negative psst error code with a
 * message (psst/error.h).
 */
#ifndef PSST_PSST_H
#define PSST_PSST_H

#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "psst/config.h"
#include "psst/error.h"
#include "psst/kinds.h"
#include "psst/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct psst_sim psst_sim;

/* psst_sim_run's return value when it stopped early on request (a signal)
 * after writing a checkpoint: the run can be resumed. Not an error. */
#define PSST_STOPPED 1

typedef struct psst_run_options {
  const char *output; /* output path (NULL: model's output; neither: none) */
  int force;          /* replace an existing output */
  FILE *progress;     /* where rank 0 reports progress, or NULL */
  double progress_interval; /* [s] between plain progress lines (not a tty) */
  const char *checkpoint;   /* checkpoint path, or NULL (then a stop request
                               writes OUTPUT.ckpt) */
  double checkpoint_every;  /* [ms] of model time between checkpoints; 0:
                               only at the end and on a stop request */
  /* set asynchronously (a signal handler) to ask for a clean stop; polled
   * and agreed over the ranks every few steps */
  volatile sig_atomic_t *stop;
  /* set to 1 (when non-NULL) once the stop request has been seen and
   * reported: a signal handler stops at once only on a signal after that,
   * so that signals arriving together (timeout signals the process and its
   * group) still give a checkpoint */
  volatile sig_atomic_t *stop_ack;
} psst_run_options;

psst_run_options psst_run_options_default(void);

/* Partition the model over comm, build the local network, stimuli and
 * initial state. Collective. Errors found on any rank are agreed on, so all
 * ranks return the same code. *out is owned by the caller. The model must
 * outlive the simulation. */
int psst_sim_create(const psst_model *m, MPI_Comm comm, psst_sim **out);

/* The key (32 hex digits) of the loaded code of the model's user-defined
 * kinds, or NULL when it has none; *compiled (if not NULL) is 1 when
 * creating the simulation ran the compiler, 0 when it reused the cache.
 * Not collective. */
const char *psst_sim_kinds_key(const psst_sim *s, int *compiled);

/* How the stage voltages travel (run.exchange, PSST_EXCHANGE), agreed by
 * every rank at psst_sim_create. Volumes are doubles per RK4 stage that
 * reads presynaptic voltages (the exchange of V at the end of a step, for
 * spike detection on every rank, is always the full one). */
typedef struct psst_exchange_info {
  const char *method;   /* "halo", "allgather", or "none" (no projection
                           reads stage voltages, or one rank) */
  const char *detail;   /* "halo", "p2p", "allgatherv" or "none" */
  const char *why;      /* "run.exchange", "PSST_EXCHANGE", "auto", ... */
  int64_t recv_max;     /* the most doubles one rank receives */
  int64_t recv_total;   /* summed over ranks, with the chosen method */
  int64_t halo_total;   /* summed over ranks, with the halo exchange */
  int64_t gather_total; /* summed over ranks, full exchange: N (P - 1) */
} psst_exchange_info;
/* Not collective. */
void psst_sim_exchange_info(const psst_sim *s, psst_exchange_info *out);

/* Integrate from t_0 (or the restored step) to the last grid point,
 * recording and writing the output. Returns 0, PSST_STOPPED (stopped on
 * request, checkpoint written, output left as OUT.partial), or a negative
 * error. Collective. */
int psst_sim_run(psst_sim *s, const psst_run_options *o);

/* What a checkpoint says about the run it was written from. */
typedef struct psst_restart_info {
  int64_t step;            /* steps done */
  double t;                /* [ms] time of that step */
  char output[4096];       /* the run's output path ("" if none) */
  int64_t records, spikes; /* written to the output so far */
} psst_restart_info;

/* Load the state of a checkpoint written by psst_sim_run for the same model
 * (same text, dt, seed, method, size; any rank count), so that psst_sim_run
 * continues from it. Refuses another model's or a damaged checkpoint with
 * PSST_ERR_USER. Collective. */
int psst_sim_restore(psst_sim *s, const char *path, psst_restart_info *info);

/* Free the simulation and set *s to NULL. Collective (frees communicators). */
void psst_sim_destroy(psst_sim **s);

/* Sizes of a model on `nranks` ranks without building it (psst check):
 * neurons, synapses per projection, and per-rank maxima. Not collective. */
typedef struct psst_model_stats {
  int64_t neurons;
  int64_t synapses;       /* all projections */
  int64_t state_values;   /* local + replicated state, all ranks */
  int64_t max_rank_bytes; /* estimated memory of the largest rank [B] */
  int64_t max_rank_neurons;
  int64_t max_rank_synapses;
} psst_model_stats;

int psst_model_stats_compute(const psst_model *m, int nranks,
                             int64_t *proj_synapses, psst_model_stats *st);

/* Wall-clock seconds per phase of the last run, this rank. */
typedef struct psst_timings {
  double setup, compute, exchange, output, total; /* [s] */
  int64_t steps, spikes;
} psst_timings;

void psst_sim_timings(const psst_sim *s, psst_timings *t);

/* Agree on an outcome every rank computed: when any rank's rc is negative,
 * every rank gets the code and message of the lowest failing rank (naming
 * that rank unless it is a user error). Collective. */
int psst_error_agree(MPI_Comm comm, int rc);

/* Check the run settings after command-line overrides: t_end, dt, their
 * ratio, and stimulus sample spacings. PSST_ERR_USER with a message naming
 * the setting. Not collective. */
int psst_model_check_run(const psst_model *m);

/* Global ids of the neurons that receive stimulus `is` (all its targets, or
 * the seeded random fraction), ascending. *gids is a new array (caller
 * frees), *n its length. Not collective; the same on every rank. */
int psst_stimulus_recipients(const psst_model *m, int is, int64_t **gids,
                             int64_t *n);

/* Version strings. */
const char *psst_version(void);
const char *psst_git_revision(void);

#ifdef __cplusplus
}
#endif
#endif
