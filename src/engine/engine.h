/* engine/engine.h — the simulation's data (internal; shared by
 * the files of src/engine/).
 *
 *   build.c   partition, local network, stimuli, initial state, backend
 *   step.c    one step: the stage loop, exchanges, spikes, sanity
 *   stim.c    injected current samples
 *   record.c  recording buffers and their collective writes
 *   run.c     the run: output, checkpoint scheduling, stop requests,
 *             progress
 *   ckpt.c    checkpoint write and restore
 *   stats.c   sizes of a model without building it (psst check)
 */
#ifndef PSST_ENGINE_H
#define PSST_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "comm/comm.h"
#include "engine/layout.h"
#include "psst/io.h"
#include "psst/psst.h"

/* A stimulus restricted to the local neurons. */
typedef struct psst_lstim {
  const psst_stimulus *s;
  int64_t n;                /* local targets */
  int64_t *lid;             /* local neuron index of each */
  int64_t *kstart, *kstop;  /* PULSES: sample range [kstart, kstop) per pulse */
  int64_t nsamples, stride; /* FILE */
  double *data;             /* FILE: n x nsamples */
  /* NOISE, Ornstein-Uhlenbeck: each target's current at samples ou_k - 1
   * (ou_prev) and ou_k (ou) [uA/cm^2]; in the checkpoint */
  double *ou, *ou_prev;
  int64_t ou_k;
} psst_lstim;

/* Events due at the end of one step (engine/events.c): state elements of
 * one projection and the weights of the synapses that carry them, in
 * scheduling order. */
typedef struct psst_evslot {
  int64_t n, cap;
  int64_t *elem;
  double *w;
} psst_evslot;

/* A spike-source population (engine/sources.c). */
typedef struct psst_source {
  int pop;
  int poisson; /* else spike_times */
  int64_t gid0, n;
  double rate, p0;          /* poisson, constant: [Hz], exp(-rate dt) */
  double *rates;            /* poisson, rate_file: n x nsamples [Hz] */
  int64_t nsamples, stride; /* ... and its samples, stride [steps] */
  int64_t nspk;             /* spike_times: by (step, gid) */
  int64_t *spk_step, *spk_gid;
  double *spk_t; /* [ms] */
} psst_source;

/* One record block as this rank holds it (engine/record.c): the block's
 * recorded neurons in gid order, this rank's [rec_lo, rec_hi) of them, and
 * per variable a row buffer of rec_cap records. */
typedef struct psst_recblk {
  const psst_record_block *b;
  int64_t every; /* [steps] */
  int64_t n_rec, rec_lo, rec_hi;
  int64_t *rec_gid;
  int *rec_pop;
  int nvars;
  /* NEURON variables: offsets into y, nvars x (rec_hi - rec_lo); SYN
   * variables: the local row of each neuron in the projection's target
   * slice (-1: not a target), same layout */
  int64_t *rec_at;
  double **rec_buf; /* nvars arrays, rec_cap x (rec_hi - rec_lo) */
  double *rec_time;
  int64_t rec_rows;
} psst_recblk;

/* A projection's ring of nslot = its largest delay [steps] slots. */
typedef struct psst_evring {
  int nslot;
  psst_evslot *slot;
} psst_evring;

struct psst_sim {
  const psst_model *m;
  MPI_Comm comm; /* psst's own, MPI_ERRORS_RETURN */
  int rank, size;
  int64_t *starts; /* rank r owns [starts[r], starts[r+1]) */
  int64_t M;       /* grid points; steps = M - 1 */
  double dt;

  psst_layout L; /* this rank's network and the host state */
  /* the loaded code of the model's user-defined kinds (kinds/jit.h), or
   * NULL; kinds_compiled: 1 when loading it ran the compiler */
  struct psst_jit_module *kinds_jit;
  int kinds_compiled;
  /* the loops of the model's user-defined synapse kinds (nsynkind) */
  struct psst_cpu_synapse_fns *syn_loops;
  int nls;
  psst_lstim *ls;

  /* what the kinds ask of the engine (from their flags) */
  int stage_v;        /* some projection reads presynaptic stage voltages */
  int stage_exchange; /* ... and there is more than one rank */
  int has_events;     /* some projection is spike-triggered */
  psst_evring *ev;    /* per projection (nslot 0: not spike-triggered) */
  int has_boundary;   /* some projection decides at step boundaries */

  /* replicated per neuron (all N) */
  double *V_cur, *V_stage, *V_next; /* exchanged membrane potentials [mV] */
  double *threshold;                /* [mV] */
  double *refractory;               /* [ms] */
  psst_vexchange vx;
  /* the exchange of the stage voltages: vx (every rank's slice to every
   * rank) or vh (each rank's halo only), as run.exchange / PSST_EXCHANGE
   * chose (build.c: choose_exchange) */
  psst_vexchange vh;
  psst_vexchange *vstage;
  psst_exchange_info xinfo;
  /* Hermite spike times: dV/dt at every step start travels with the
   * voltages at the end of the step (packed: this rank's V, then its dV, at
   * [2 lo, 2 hi) of xbuf); a crossing found in step i is timed one step
   * later, when dV/dt at t_{i+1} has arrived (the pending crossings) */
  int hermite;
  double *dV;   /* [mV/ms] dV/dt of every neuron at the current step start */
  double *xbuf; /* 2 N */
  psst_vexchange vx2;
  int64_t npend;
  /* global id (as a double: checkpoints store doubles), t_i [ms], V at the
   * two ends [mV], dV/dt at t_i [mV/ms] */
  double *pend_gid, *pend_t, *pend_Va, *pend_Vb, *pend_dVa;
  /* local scratch */
  double *Istim[2]; /* samples held in Istim_k[2] [uA/cm^2] */
  int64_t Istim_k[2];
  int64_t *spiked; /* per step: gids that crossed or fired (sources may
                      repeat a gid), ascending */
  int64_t nspiked, spiked_cap;
  int nsrc;         /* spike-source populations */
  psst_source *src; /* engine/sources.c */

  /* recording: one psst_recblk per record block (record.c) */
  int nrb;
  struct psst_recblk *rb;
  int64_t rec_cap; /* rows held per block before a collective write */
  double *spk_t;
  int64_t *spk_gid;
  int64_t spk_n, spk_cap;

  /* step counter and timings */
  int64_t step;
  psst_timings tm;

  /* backend: PSST_BACKEND_CPU or PSST_BACKEND_CUDA (never AUTO here) */
  int backend_kind;
  int device; /* CUDA device of this rank, -1 on the CPU */
  psst_backend *be;
  int borrowed; /* the host state is current (get_state since the last
                   step) */

  /* restart and checkpoints */
  int restored;             /* state loaded from a checkpoint */
  psst_restart_info resume; /* what the checkpoint said */
  char last_ckpt[4096];     /* last checkpoint written ("" none) */
  double last_ckpt_t;       /* [ms] its time */
  /* the identity of this run: 32 hex digits drawn at a fresh start (rank 0,
   * broadcast) or read from the checkpoint a restart continues; it goes into
   * the output and every checkpoint, so that a restart never appends to
   * another run's output ("" until psst__sim_run_id) */
  char run_id[33];
};

/* step.c: one step i (t_i -> t_{i+1}). Collective. */
int psst__sim_step(psst_sim *s, int64_t i);
/* Every rank's V of the current state into V_cur (before the first step).
 * Collective. */
int psst__sim_exchange_initial(psst_sim *s);
/* Every V finite and sane at time t (the same check on every rank, V is
 * replicated; names the neuron and variable). Collective. */
int psst__sim_check_voltages(psst_sim *s, const double *V, double t);
/* Step-boundary decisions at t from V (all N). */
int psst__sim_boundary(psst_sim *s, double t, const double *V);
/* The host state current (borrowed from the backend until the next step). */
int psst__sim_host_state(psst_sim *s);

/* Time the crossings still pending (a run's last step, when no later
 * slope exists: quadratic through V_a, dV_a, V_b) and record them. Not
 * collective. */
int psst__sim_finish_spikes(psst_sim *s);

/* sources.c: spike sources. Not collective. create reads rate files. */
int psst__sources_create(psst_sim *s);
void psst__sources_free(psst_sim *s);
/* The spikes of source q in step i (from ti, length h [ms]) onto spiked
 * (and fire_t, and the spike record). */
int psst__sources_step(psst_sim *s, int q, int64_t i, double ti, double h);
/* Room for more entries in spiked (sources may exceed N spikes a step). */
int psst__sim_spiked_grow(psst_sim *s);

/* stim.c: the OU currents of noise stimulus q's local targets at sample
 * k, which is ou_k - 1, ou_k or ou_k + 1 (then it advances). */
const double *psst__stim_noise_at(psst_sim *s, int q, int64_t k);

/* events.c: the delivery rings. Not collective. */
int psst__events_create(psst_sim *s);
void psst__events_free(psst_sim *s);
/* Schedule the spikes of step k (s->spiked) and deliver what is due at
 * its end. */
int psst__events_step(psst_sim *s, int64_t k);
/* Add an event of projection q due at the end of step `due` (restore). */
int psst__events_push(psst_sim *s, int q, int64_t due, int64_t elem, double w);
/* Events of projection q scheduled and not yet delivered. */
int64_t psst__events_pending(const psst_sim *s, int q);

/* stim.c: the injected current of every local neuron at grid sample k
 * (cached). */
const double *psst__sim_stim(psst_sim *s, int64_t k);

/* record.c: the record blocks (built after the layout) and the spike
 * buffer. record_step records every block due at grid point k (k % every
 * == 0) and writes a block whose buffer is full (collective: every rank
 * calls it at the same k; returns 1 when it wrote); the flushes write
 * what is held. */
int psst__recording_build(psst_sim *s);
void psst__recording_free(psst_sim *s);
int psst__sim_record_step(psst_sim *s, int64_t k, psst_output *out);
int psst__sim_push_spike(psst_sim *s, double t, int64_t gid);
int psst__sim_flush_records(psst_sim *s, psst_output *out);
int psst__sim_flush_spikes(psst_sim *s, psst_output *out);

/* ckpt.c: draw the run id if there is none yet. Collective. */
int psst__sim_run_id(psst_sim *s);
/* ckpt.c: FNV-1a hash of what defines the trajectory (16 hex digits). */
void psst__model_hash(const psst_model *m, char out[17]);

/* ckpt.c: write the whole state. Collective. */
int psst__sim_checkpoint(psst_sim *s, const char *path, const char *output,
                         int64_t records, int64_t spikes);

/* build.c: recipients of stimulus is among its `total` target positions
 * (pick[pos] = 1), and the size of a selection. */
int psst__stimulus_pick(const psst_model *m, int is, int64_t total,
                        unsigned char *pick);
int64_t psst__selection_size(const psst_selection *sel);

/* The segment holding local neuron lid, or NULL. */
const psst_seg *psst__sim_seg_of(const psst_sim *s, int64_t lid);

#endif
