/* backend/cuda/cuda_internal.cuh — the CUDA backend's device state and
 * kernel tables (internal to src/backend/cuda/). No MPI: the engine
 * exchanges through host buffers, the backend only copies to and from
 * them. */
#ifndef PSST_CUDA_INTERNAL_CUH
#define PSST_CUDA_INTERNAL_CUH

#include <cuda_runtime.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "backend/backend.h"
#include "psst/error.h"
#include "psst/odeint.h"
}
/* the kind list and the kinds' hooks (its declarations have C linkage) */
#include "mech/list.h"

/* ---- the kernel tables (one entry per kind, indexed by kind->id) -------
 * Each entry launches one kernel on stream st; the caller checks the
 * launch. Layouts as in engine/layout.h: state variable v of element e at
 * x[v * ld + e]. */

/* dy = f(y, Iext) for n neurons of one segment (n = ld, the padded
 * length); p the population's params on the device. */
typedef void (*psst_cuda_neuron_fn)(cudaStream_t st, int64_t n, int64_t ld,
                                    const double *p, const double *y,
                                    const double *Iext, double *dy);

typedef struct psst_cuda_synapse_fns {
  /* T[j] = transmitter(t, V[j], fire_t[j], aux[j]), j < n */
  void (*transmitter)(cudaStream_t st, int64_t n, const double *p, double t,
                      const double *V, const double *fire_t, const double *aux,
                      double *T);
  /* dx_e = deriv(t, T[e], x_e) (per presynaptic neuron; t the stage time
   * [ms]) */
  void (*deriv_pre)(cudaStream_t st, int64_t n, const double *p, double t,
                    const double *T, const double *x, int64_t ld, double *dx);
  /* dx_e = deriv(t, T[col[e]], x_e) (per synapse) */
  void (*deriv_syn)(cudaStream_t st, int64_t n, const double *p, double t,
                    const double *T, const int32_t *col, const double *x,
                    int64_t ld, double *dx);
  /* dx_e = deriv(t, 0, x_e) (per postsynaptic neuron, no transmitter) */
  void (*deriv_post)(cudaStream_t st, int64_t n, const double *p, double t,
                     const double *x, int64_t ld, double *dx);
  /* A[e] = drive(x_e) */
  void (*drive)(cudaStream_t st, int64_t n, const double *p, const double *x,
                int64_t ld, double *A);
  /* Due events, grouped by target element (cuda_deliver builds the
   * groups): group g < ngroups targets element gelem[g] (distinct between
   * groups) and holds the weights w[gptr[g] .. gptr[g+1]) in their delivery
   * order; one thread per group applies on_spike(w, t, x_elem) for each of
   * them in that order (t the delivery time [ms]). */
  void (*deliver)(cudaStream_t st, int64_t ngroups, const double *p,
                  const int64_t *gptr, const int64_t *gelem, const double *w,
                  double t, double *x, int64_t ld);
  /* aux[j] = t where release(t, V[j], aux[j]), j < n */
  void (*release)(cudaStream_t st, int64_t n, const double *p, double t,
                  const double *V, double *aux);
  /* the current's g [mS/cm^2] and E [mV] (host) */
  void (*current)(const double *p, double *g, double *E);
} psst_cuda_synapse_fns;

/* ---- device state ------------------------------------------------------ */

/* A page-locked host buffer for uploads; `done` is recorded after the copy
 * out of it, so that it is not overwritten before the copy has read it. */
typedef struct psst_cuda_staging {
  void *h;
  size_t cap; /* bytes */
  cudaEvent_t done;
  int pending;
} psst_cuda_staging;

typedef struct psst_cuda_seg {
  double *params;  /* device copy of nparam + nderived values */
  size_t ipad_off; /* offset of the segment in Ipad */
} psst_cuda_seg;

typedef struct psst_cuda_proj {
  double *params;   /* device copy of nparam + nderived values */
  double g, E;      /* the kind's current hook, evaluated on the host */
  int64_t nelem;    /* state elements: nsrc, nnz or nrows (after the store) */
  int64_t *row_ptr; /* CSR (nrows + 1), col, w (or NULL); NULL when no
                       kernel of the projection reads them (the sparse
                       drive, per-synapse derivatives) */
  int32_t *col;
  double *w;
  double *dense; /* nrows x nsrc weights, or NULL */
  int warp_rows; /* sparse drive: a warp per row (else a thread per row) */
  double *inv_k; /* SHARED_G: nrows, or NULL */
  double *T;     /* nsrc: transmitter per presynaptic neuron */
  double *A;     /* nelem: drive of each element (when not the state) */
} psst_cuda_proj;

typedef struct psst_cuda_backend {
  psst_backend base; /* first: the engine's handle */
  int device;
  cudaStream_t st; /* non-blocking: everything of this backend runs on it */
  double *y, *ys, *k, *acc;   /* ny */
  double *z, *zs, *kz, *accz; /* nz */
  double *aux;                /* naux */
  double *fire_t;             /* N */
  double *V;                  /* N: presynaptic V uploaded from the host */
  /* ranges of V that rhs_remote (stage V readers) and boundary upload */
  int64_t vs_lo, vs_hi, vb_lo, vb_hi;
  double *Vloc;     /* nloc: local V of the stage being evaluated */
  double *Isyn;     /* nloc */
  double *Ipad;     /* per segment ld: the non-intrinsic current */
  double *Istim[2]; /* nloc: the injected current of samples Istim_k */
  int64_t Istim_k[2];
  int64_t *spk_gid; /* N: the gids that spiked this step */
  double *spk_val;  /* N: their firing times [ms] */
  double *h_vloc;   /* pinned, nloc: local V on its way to the host */
  psst_cuda_staging up_v, up_stim, up_spk;
  /* deliver's event groups. The packed 8-byte words [gptr: ng + 1 | gelem:
   * ng | w: n] go host (up_ev, pinned) -> device (ev, ev_cap words; grown
   * as needed, never shrunk). Host scratch for the grouping: ev_mark, one
   * entry per state element of the largest spike-triggered projection,
   * -1 except during a deliver call (the group of the element); ev_gelem and
   * ev_cnt, ev_ncap entries each. */
  psst_cuda_staging up_ev;
  double *ev;
  size_t ev_cap;
  int64_t *ev_mark;
  int64_t ev_nmark;
  int64_t *ev_gelem, *ev_cnt;
  int64_t ev_ncap;
  psst_cuda_seg *seg;
  psst_cuda_proj *proj;
} psst_cuda_backend;

#endif
