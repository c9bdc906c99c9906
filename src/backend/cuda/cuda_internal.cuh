/* The CUDA backend's device state (internal to src/backend/cuda/). */
#ifndef PSST_CUDA_INTERNAL_CUH
#define PSST_CUDA_INTERNAL_CUH

/* the C API only: no MPI C++ bindings in a CUDA C++ translation unit */
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <cuda_runtime.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "sim_internal.h"
}

/* Neuron kinds the device integrates. */
enum psst_dkind {
  PSST_DK_TRAUB,   /* hh_tutorial (an 0.02), cobahh (an 0.032) */
  PSST_DK_CLASSIC, /* hh_classic */
  PSST_DK_PN,
  PSST_DK_LN
};

typedef struct psst_dseg {
  int kind;       /* psst_dkind */
  double phi;     /* temperature factor, computed on the host as the CPU */
  double an_coef; /* Traub-Miles alpha_n coefficient */
  double *params; /* device copy of the population's parameters */
} psst_dseg;

typedef struct psst_dproj {
  double *prm;      /* device copy of the projection's parameters */
  int64_t *row_ptr; /* CSR (nrows + 1), col, w (or NULL) */
  int32_t *col;
  double *w;
  double *dense; /* nrows x nsrc, or NULL */
  int warp_rows; /* sparse drive: a warp per row (else a thread per row) */
  double *drive; /* unused (NULL): the drive kernels add to Isyn */
  double *T;     /* nsrc */
  double *t_rel; /* gaba_b */
  double *inv_k; /* gaba_b */
} psst_dproj;

typedef struct psst_dev {
  int device;
  cudaStream_t st;
  int cuda_aware; /* stage exchanges on device pointers */
  double *y, *ys, *k, *acc;
  double *z, *zs, *kz, *accz;
  double *Vcur, *Vstage; /* all N */
  int vcur_valid;        /* Vcur equals s->V_cur */
  double *fire_t;        /* all N */
  double *Isyn;          /* nloc */
  double *Istim[2];      /* nloc */
  int64_t Istim_k[2];
  int64_t *spk_gid;   /* N: spiked gids of this step */
  double *spk_val;    /* N */
  int64_t *h_spk_gid; /* pinned */
  double *h_spk_val;  /* pinned */
  double *reg[3];     /* host arrays registered as pinned */
  psst_dseg *seg;
  psst_dproj *proj;
} psst_dev;

#endif
