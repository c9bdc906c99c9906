/* The simulation's data (internal; shared by src/sim*.c). */
#ifndef PSST_SIM_INTERNAL_H
#define PSST_SIM_INTERNAL_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "network.h"
#include "psst/psst.h"

/* The local neurons of one population: y[y_off + v*n + i] is state variable
 * v of neuron gid_lo + i. */
typedef struct psst_seg {
  int pop;
  const psst_neuron_kind *kind;
  const double *params;
  int64_t gid_lo, n;
  int64_t lid0; /* local index of the first neuron */
  size_t y_off;
} psst_seg;

/* One projection as this rank sees it: the incoming synapses of its local
 * postsynaptic neurons, and where the projection's state lives. */
typedef struct psst_lproj {
  const psst_projection *p;
  int ip;
  psst_synapse_id kind;
  int64_t src_gid0, nsrc;
  int64_t row0, nrows; /* local rows [row0, row0 + nrows) of the target slice */
  int64_t lid0;        /* local index of row row0 */
  psst_csr csr;
  double *dense;   /* nrows x nsrc weights (dense drive), or NULL */
  int per_synapse; /* receptor state per synapse (in y) */
  size_t z_off;    /* per-presynaptic state: z[z_off + j], j < nsrc */
  size_t y_off;    /* per-synapse O (nnz) or exp_cond gsyn (nrows) */
  /* exp_cond: transposed connectivity, presynaptic j -> local rows */
  int64_t *t_ptr;
  int32_t *t_row;
  double *t_w;
  double *t_rel; /* gaba_b: last release start per presynaptic [ms] */
  double *inv_k; /* gaba_b: 1 / inputs of each local row (0 if none) */
  double *drive; /* nrows scratch */
  double *T;     /* nsrc scratch: transmitter per presynaptic neuron */
} psst_lproj;

/* A stimulus restricted to the local neurons. */
typedef struct psst_lstim {
  const psst_stimulus *s;
  int64_t n;                /* local targets */
  int64_t *lid;             /* local neuron index of each */
  int64_t *kstart, *kstop;  /* PULSES: sample range [kstart, kstop) per pulse */
  int64_t nsamples, stride; /* FILE */
  double *data;             /* FILE: n x nsamples */
} psst_lstim;

struct psst_sim {
  const psst_model *m;
  MPI_Comm comm;
  int rank, size;
  int64_t N, lo, hi, nloc;
  int64_t *starts; /* rank r owns [starts[r], starts[r+1]) */
  int64_t M;       /* grid points; steps = M - 1 */
  double dt;

  int nseg;
  psst_seg *seg;
  int nlp;
  psst_lproj *lp;
  int nls;
  psst_lstim *ls;

  /* state: y local, z replicated on every rank (per-presynaptic receptors) */
  size_t ny, nz;
  double *y, *ys, *k, *acc;
  double *z, *zs, *kz, *accz;
  /* replicated per neuron (all N) */
  double *V_cur, *V_stage, *V_next; /* exchanged membrane potentials [mV] */
  double *fire_t;                   /* last firing time [ms] */
  double *threshold;                /* [mV] */
  double *refractory;               /* [ms] */
  int *counts, *displs;             /* Allgatherv layout */
  int stage_exchange; /* 1: some synapse reads remote stage voltages */
  /* local scratch */
  double *Isyn, *Itot; /* [uA/cm^2] */
  double *Istim[2];    /* samples held in Istim_k[2] */
  int64_t Istim_k[2];
  int64_t *spiked; /* per step: gids that crossed */
  int64_t nspiked;

  /* recording */
  int64_t n_rec, rec_lo, rec_hi;
  int64_t *rec_gid;
  int *rec_pop;
  int nvars;
  size_t *rec_off;  /* nvars x (rec_hi - rec_lo) offsets into y */
  double **rec_buf; /* nvars arrays, buffer x nloc_rec */
  double *rec_time;
  int64_t rec_rows, rec_cap;
  double *spk_t;
  int64_t *spk_gid;
  int64_t spk_n, spk_cap;

  /* step counter and timings */
  int64_t step;
  psst_timings tm;

  /* backend: PSST_BACKEND_CPU or PSST_BACKEND_CUDA (never AUTO here) */
  int backend;
  int device;    /* CUDA device of this rank, -1 on the CPU */
  void *dev;     /* the CUDA backend's device state */
  int dev_dirty; /* host copies of y, z are stale (device is ahead) */

  /* restart and checkpoints */
  int restored;             /* state loaded from a checkpoint */
  psst_restart_info resume; /* what the checkpoint said */
  char last_ckpt[4096];     /* last checkpoint written ("" none) */
  double last_ckpt_t;       /* [ms] its time */
};

/* ---- the CUDA backend (src/backend/cuda/, or the stubs of
 * src/backend/none/ when psst is built without CUDA) -------------------------
 * The host keeps the step loop, the MPI calls, spike detection, events and
 * output; the device holds the state (y, z) and computes the RK4 stages.
 * Host copies of y and z are refreshed only at record steps and
 * checkpoints (psst__cuda_download). */

/* Number of visible CUDA devices; 0 without a device or driver (the reason
 * in why, n bytes). Not collective. */
int psst__cuda_device_count(char *why, size_t n);
/* Use device `device`; allocate and upload everything the steps need. */
int psst__cuda_init(psst_sim *s, int device);
/* The RK4/Euler stages of step i (t_i -> t_i + h) on the device, including
 * the stage exchanges; leaves the new local V in V_next's local slice and
 * V_next exchanged (psst__sim_gather). */
int psst__cuda_step(psst_sim *s, int64_t i);
/* After spike detection: new fire_t values, spike-triggered conductance
 * increments (s->spiked) and GABA_B release times to the device. */
int psst__cuda_after_spikes(psst_sim *s);
/* Device state -> s->y, s->z; host -> device (after a restore). */
int psst__cuda_download(psst_sim *s);
int psst__cuda_upload(psst_sim *s);
void psst__cuda_free(psst_sim *s);

/* Helpers of src/sim_run.c the CUDA step uses (host side). */
/* Allgatherv of Vall, whose local slice [lo, hi) is filled. Collective. */
int psst__sim_gather(psst_sim *s, double *Vall);
/* Injected current of every local neuron at grid sample k (cached). */
const double *psst__sim_stim(psst_sim *s, int64_t k);

/* Write / read the whole state (src/sim_ckpt.c). Collective. */
int psst__sim_checkpoint(psst_sim *s, const char *path, const char *output,
                         int64_t records, int64_t spikes);

/* Recipients of stimulus is among its `total` target positions (pick[pos]
 * = 1), and the size of a selection (src/sim_build.c). */
int psst__stimulus_pick(const psst_model *m, int is, int64_t total,
                        unsigned char *pick);
int64_t psst__selection_size(const psst_selection *sel);

#endif
