/* The CUDA backend (issue 6): the RK4 / Euler stages of the network on one
 * device per rank. The host keeps the step loop, MPI, spike detection,
 * events and output (src/sim_run.c); this file holds the state y, z on the
 * device and computes the stages in the same formula order as the CPU
 * step(). The per-neuron and per-synapse equations are the kinds' inline
 * PSST_HD functions (include/psst/neurons/hh.h and locust.h,
 * include/psst/synapses.h):
 * one source of truth for both backends.
 *
 * Rounding: the combination kernels round every product and sum
 * separately (__dmul_rn/__dadd_rn), as the CPU does, but the kinds' inline
 * functions may be contracted to FMA by nvcc and the device exp/expm1/pow
 * differ from glibc's in the last bits, so CUDA and CPU results agree to
 * rounding, not bit for bit (tests/gpu compares them with tolerances). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_internal.cuh"
#if defined(__has_include)
#if __has_include(<mpi-ext.h>)
#include <mpi-ext.h>
#endif
#endif

extern "C" {
#include "psst/neurons/hh.h"
#include "psst/neurons/locust.h"
#include "psst/odeint.h"
#include "psst/synapses.h"
}

#define CU(call)                                                               \
  do {                                                                         \
    cudaError_t e_ = (call);                                                   \
    if (e_ != cudaSuccess)                                                     \
      return psst_error_set(PSST_ERR_DEVICE, "CUDA: %s failed: %s (%s:%d)",    \
                            #call, cudaGetErrorString(e_), __FILE__,           \
                            __LINE__);                                         \
  } while (0)

/* launch check: configuration errors show at once, faults at the next
 * synchronisation */
#define LAUNCHED() CU(cudaGetLastError())

static const int TPB = 256;

static unsigned grid_for(int64_t n) {
  int64_t b = (n + TPB - 1) / TPB;
  if (b < 1) b = 1;
  if (b > 1048576) b = 1048576; /* grid-stride beyond */
  return (unsigned)b;
}

#define GRID_LOOP(i, n)                                                        \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n);    \
       i += (int64_t)gridDim.x * blockDim.x)

static psst_dev *D(psst_sim *s) { return (psst_dev *)s->dev; }

/* ---- kernels --------------------------------------------------------- */

/* out = y + a k (product and sum rounded separately, as on the CPU) */
__global__ void k_axpy(int64_t n, double *out, const double *y, double a,
                       const double *k) {
  GRID_LOOP(i, n) out[i] = __dadd_rn(y[i], __dmul_rn(a, k[i]));
}

/* acc += b k */
__global__ void k_accum(int64_t n, double *acc, double b, const double *k) {
  GRID_LOOP(i, n) acc[i] = __dadd_rn(acc[i], __dmul_rn(b, k[i]));
}

/* y += acc h6 */
__global__ void k_final(int64_t n, double *y, const double *acc, double h6) {
  GRID_LOOP(i, n) y[i] = __dadd_rn(y[i], __dmul_rn(acc[i], h6));
}

/* Hodgkin-Huxley kinds of the Traub-Miles family (hh_tutorial, cobahh):
 * the same calls as traub_rhs in src/neurons/hh.c. y, dy at the segment's
 * offset; Iinj, Isyn at its first local neuron. */
__global__ void k_traub(int64_t n, const double *p, double phi, double an_coef,
                        const double *y, const double *Iinj, const double *Isyn,
                        double *dy) {
  GRID_LOOP(i, n) {
    const double V = y[i], m = y[n + i], h = y[2 * n + i], nn = y[3 * n + i];
    const double I = __dadd_rn(Iinj[i], -Isyn[i]);
    psst_hh_rates r = psst_traub_rates(V - p[PSST_TM_VT], an_coef);
    double dV, dm, dh, dn;
    psst_hh_deriv(&r, phi, p[PSST_TM_CM], p[PSST_TM_GNA], p[PSST_TM_ENA],
                  p[PSST_TM_GK], p[PSST_TM_EK], p[PSST_TM_GL], p[PSST_TM_EL], V,
                  m, h, nn, I, &dV, &dm, &dh, &dn);
    dy[i] = dV;
    dy[n + i] = dm;
    dy[2 * n + i] = dh;
    dy[3 * n + i] = dn;
  }
}

__global__ void k_classic(int64_t n, const double *p, double phi,
                          const double *y, const double *Iinj,
                          const double *Isyn, double *dy) {
  GRID_LOOP(i, n) {
    const double V = y[i], m = y[n + i], h = y[2 * n + i], nn = y[3 * n + i];
    const double I = __dadd_rn(Iinj[i], -Isyn[i]);
    psst_hh_rates r = psst_hh_classic_rates(V);
    double dV, dm, dh, dn;
    psst_hh_deriv(&r, phi, p[PSST_HHC_CM], p[PSST_HHC_GNA], p[PSST_HHC_ENA],
                  p[PSST_HHC_GK], p[PSST_HHC_EK], p[PSST_HHC_GL],
                  p[PSST_HHC_EL], V, m, h, nn, I, &dV, &dm, &dh, &dn);
    dy[i] = dV;
    dy[n + i] = dm;
    dy[2 * n + i] = dh;
    dy[3 * n + i] = dn;
  }
}

__global__ void k_pn(int64_t n, const double *p, double phi, const double *y,
                     const double *Iinj, const double *Isyn, double *dy) {
  GRID_LOOP(i, n) {
    double x[PSST_PN_NSTATE], dx[PSST_PN_NSTATE];
#pragma unroll
    for (int v = 0; v < PSST_PN_NSTATE; v++)
      x[v] = y[v * n + i];
    psst_pn_deriv(p, phi, x, __dadd_rn(Iinj[i], -Isyn[i]), dx);
#pragma unroll
    for (int v = 0; v < PSST_PN_NSTATE; v++)
      dy[v * n + i] = dx[v];
  }
}

__global__ void k_ln(int64_t n, const double *p, double phi, const double *y,
                     const double *Iinj, const double *Isyn, double *dy) {
  GRID_LOOP(i, n) {
    double x[PSST_LN_NSTATE], dx[PSST_LN_NSTATE];
#pragma unroll
    for (int v = 0; v < PSST_LN_NSTATE; v++)
      x[v] = y[v * n + i];
    psst_ln_deriv(p, phi, x, __dadd_rn(Iinj[i], -Isyn[i]), dx);
#pragma unroll
    for (int v = 0; v < PSST_LN_NSTATE; v++)
      dy[v * n + i] = dx[v];
  }
}

/* Sparse drive of one projection and its synaptic current, one thread per
 * local row, summing the row in ascending presynaptic order as the CPU:
 *   Isyn[r] += g * d_r * (V[r] - E),  d_r = sum_x w_x O_{col x} (* inv_k). */
__global__ void k_drive_csr(int64_t nrows, const int64_t *row_ptr,
                            const int32_t *col, const double *w, double weight,
                            const double *O, int per_synapse,
                            const double *inv_k, double g, double E,
                            const double *V, double *Isyn) {
  GRID_LOOP(r, nrows) {
    double d = 0.0;
    const int64_t a = row_ptr[r], b = row_ptr[r + 1];
    if (per_synapse) {
      for (int64_t x = a; x < b; x++)
        d = __dadd_rn(d, __dmul_rn(w ? w[x] : weight, O[x]));
    } else if (w) {
      for (int64_t x = a; x < b; x++)
        d = __dadd_rn(d, __dmul_rn(w[x], O[col[x]]));
    } else {
      for (int64_t x = a; x < b; x++)
        d = __dadd_rn(d, O[col[x]]);
      d = __dmul_rn(d, weight);
    }
    if (inv_k) d = __dmul_rn(d, inv_k[r]);
    Isyn[r] = __dadd_rn(Isyn[r], __dmul_rn(__dmul_rn(g, d), V[r] - E));
  }
}

/* Dense drive: one warp per row; lane l sums the entries l, l + 32, ... in
 * order, then a fixed butterfly combines the lanes. The rounding depends
 * only on the row and nsrc, never on how rows are split over ranks (a
 * cuBLAS gemv may pick its reduction by shape). */
__global__ void k_drive_dense(int64_t nrows, int64_t nsrc, const double *A,
                              const double *O, const double *inv_k, double g,
                              double E, const double *V, double *Isyn) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = ((int64_t)gridDim.x * blockDim.x) >> 5;
  for (int64_t r = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
       r < nrows; r += warps) {
    const double *row = A + r * nsrc;
    double d = 0.0;
    for (int64_t j = lane; j < nsrc; j += 32)
      d = __dadd_rn(d, __dmul_rn(row[j], O[j]));
    for (int o = 16; o > 0; o >>= 1)
      d = __dadd_rn(d, __shfl_xor_sync(0xffffffffu, d, o));
    if (lane == 0) {
      if (inv_k) d = __dmul_rn(d, inv_k[r]);
      Isyn[r] = __dadd_rn(Isyn[r], __dmul_rn(__dmul_rn(g, d), V[r] - E));
    }
  }
}

/* The same sparse drive, one warp per row (rows with many inputs): the
 * lanes load 32 consecutive synapses and their presynaptic states at once
 * (coalesced), then every lane adds the 32 products in ascending order, so
 * the sum is rounded exactly as k_drive_csr's (and the CPU's). */
__global__ void k_drive_csr_warp(int64_t nrows, const int64_t *row_ptr,
                                 const int32_t *col, const double *w,
                                 double weight, const double *O,
                                 int per_synapse, const double *inv_k, double g,
                                 double E, const double *V, double *Isyn) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = ((int64_t)gridDim.x * blockDim.x) >> 5;
  for (int64_t r = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
       r < nrows; r += warps) {
    const int64_t a = row_ptr[r], b = row_ptr[r + 1];
    double d = 0.0;
    for (int64_t base = a; base < b; base += 32) {
      const int64_t x = base + lane;
      double v = 0.0;
      if (x < b) {
        if (per_synapse)
          v = __dmul_rn(w ? w[x] : weight, O[x]);
        else if (w)
          v = __dmul_rn(w[x], O[col[x]]);
        else
          v = O[col[x]];
      }
      const int cnt = (int)(b - base < 32 ? b - base : 32);
      for (int k = 0; k < cnt; k++)
        d = __dadd_rn(d, __shfl_sync(0xffffffffu, v, k));
    }
    if (lane == 0) {
      if (!per_synapse && !w) d = __dmul_rn(d, weight);
      if (inv_k) d = __dmul_rn(d, inv_k[r]);
      Isyn[r] = __dadd_rn(Isyn[r], __dmul_rn(__dmul_rn(g, d), V[r] - E));
    }
  }
}

/* Synaptic current from a precomputed drive (dense gemv, exp_cond gsyn). */
__global__ void k_isyn(int64_t nrows, const double *drive, const double *inv_k,
                       double g, double E, const double *V, double *Isyn) {
  GRID_LOOP(r, nrows) {
    double d = drive[r];
    if (inv_k) d = __dmul_rn(d, inv_k[r]);
    Isyn[r] = __dadd_rn(Isyn[r], __dmul_rn(__dmul_rn(g, d), V[r] - E));
  }
}

__global__ void k_gabab_act(int64_t nsrc, const double *G, double n, double K,
                            double *T) {
  GRID_LOOP(j, nsrc) T[j] = psst_gaba_b_activation(G[j], n, K);
}

/* Transmitter of each presynaptic neuron (ach: fire_t; gaba_a: V), both at
 * the source slice's first gid. */
__global__ void k_transmitter(int64_t nsrc, int ach, double t,
                              const double *fire_t, const double *V, double p0,
                              double p1, double p2, double *T) {
  GRID_LOOP(j, nsrc) {
    T[j] = ach ? psst_ach_release(t, fire_t[j], p0, p1, p2)
               : psst_gaba_a_release(V[j], p0, p1);
  }
}

__global__ void k_receptor_pre(int64_t nsrc, const double *O, const double *T,
                               double al, double be, double *dO) {
  GRID_LOOP(j, nsrc) dO[j] = psst_receptor_deriv(O[j], T[j], al, be);
}

__global__ void k_receptor_syn(int64_t nnz, const double *O, const int32_t *col,
                               const double *T, double al, double be,
                               double *dO) {
  GRID_LOOP(x, nnz) dO[x] = psst_receptor_deriv(O[x], T[col[x]], al, be);
}

__global__ void k_exp_decay(int64_t n, const double *g, double tau,
                            double *dg) {
  GRID_LOOP(r, n) dg[r] = -g[r] / tau;
}

__global__ void k_gabab_deriv(int64_t nsrc, double t, const double *t_rel,
                              const double *p, const double *R, const double *G,
                              double *dR, double *dG) {
  GRID_LOOP(j, nsrc) {
    double T = psst_gaba_b_release(t, t_rel[j], p[PSST_GABAB_CMAX],
                                   p[PSST_GABAB_CDUR]);
    psst_gaba_b_deriv(R[j], G[j], T, p, &dR[j], &dG[j]);
  }
}

__global__ void k_scatter(int64_t n, const int64_t *idx, const double *val,
                          double *out) {
  GRID_LOOP(x, n) out[idx[x]] = val[x];
}

/* exp_cond spike increments: each local row merges its (ascending) inputs
 * with the (ascending) spiked gids, adding g w in the order of
 * deliver_events for that row. */
__global__ void k_expc_deliver(int64_t nrows, const int64_t *row_ptr,
                               const int32_t *col, const double *w,
                               double weight, double g, const int64_t *spk,
                               int64_t nspk, int64_t src0, int64_t nsrc,
                               double *gsyn) {
  GRID_LOOP(r, nrows) {
    int64_t p = row_ptr[r];
    const int64_t end = row_ptr[r + 1];
    double v = gsyn[r];
    for (int64_t x = 0; x < nspk && p < end; x++) {
      int64_t j = spk[x] - src0;
      if (j < 0 || j >= nsrc) continue;
      while (p < end && col[p] < j)
        p++;
      for (int64_t q = p; q < end && col[q] == j; q++)
        v = __dadd_rn(v, __dmul_rn(g, w ? w[q] : weight));
    }
    gsyn[r] = v;
  }
}

/* ---- device count ------------------------------------------------------ */

extern "C" int psst__cuda_device_count(char *why, size_t n) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    snprintf(why, n, "%s", cudaGetErrorString(e));
    (void)cudaGetLastError(); /* clear the sticky-free error */
    return 0;
  }
  if (count <= 0) {
    snprintf(why, n, "no CUDA device");
    return 0;
  }
  return count;
}

/* ---- init / free ------------------------------------------------------- */

template <typename T> static int dalloc(T **p, size_t n) {
  *p = NULL;
  if (n == 0) n = 1; /* a valid pointer for empty arrays */
  cudaError_t e = cudaMalloc((void **)p, n * sizeof(T));
  if (e != cudaSuccess)
    return psst_error_set(PSST_ERR_DEVICE,
                          "CUDA: cannot allocate %zu bytes of device memory "
                          "(%s)",
                          n * sizeof(T), cudaGetErrorString(e));
  return 0;
}

template <typename T>
static int dupload(T **p, const T *h, size_t n, cudaStream_t st) {
  PSST_TRY(dalloc(p, n));
  if (n && h)
    CU(cudaMemcpyAsync(*p, h, n * sizeof(T), cudaMemcpyHostToDevice, st));
  return 0;
}

static int cuda_aware_mpi(void) {
  const char *env = getenv("PSST_CUDA_AWARE");
  if (env && env[0] == '0') return 0;
#if defined(MPIX_CUDA_AWARE_SUPPORT) && MPIX_CUDA_AWARE_SUPPORT
  return MPIX_Query_cuda_support() == 1;
#else
  return 0;
#endif
}

static int upload_replicated(psst_sim *s) {
  psst_dev *d = D(s);
  if (s->ny)
    CU(cudaMemcpyAsync(d->y, s->y, s->ny * sizeof(double),
                       cudaMemcpyHostToDevice, d->st));
  if (s->nz)
    CU(cudaMemcpyAsync(d->z, s->z, s->nz * sizeof(double),
                       cudaMemcpyHostToDevice, d->st));
  CU(cudaMemcpyAsync(d->fire_t, s->fire_t, (size_t)s->N * sizeof(double),
                     cudaMemcpyHostToDevice, d->st));
  for (int q = 0; q < s->nlp; q++) {
    const psst_lproj *lp = &s->lp[q];
    if (lp->t_rel && lp->nsrc)
      CU(cudaMemcpyAsync(d->proj[q].t_rel, lp->t_rel,
                         (size_t)lp->nsrc * sizeof(double),
                         cudaMemcpyHostToDevice, d->st));
  }
  d->vcur_valid = 0;
  CU(cudaStreamSynchronize(d->st));
  return 0;
}

extern "C" int psst__cuda_init(psst_sim *s, int device) {
  psst_dev *d = (psst_dev *)calloc(1, sizeof *d);
  PSST_ALLOC_CHECK(d);
  s->dev = d;
  d->device = device;
  d->Istim_k[0] = d->Istim_k[1] = -1;
  CU(cudaSetDevice(device));
  CU(cudaStreamCreateWithFlags(&d->st, cudaStreamNonBlocking));
  d->cuda_aware = cuda_aware_mpi();

  /* the neuron kinds */
  d->seg = (psst_dseg *)calloc((size_t)s->nseg + 1, sizeof *d->seg);
  d->proj = (psst_dproj *)calloc((size_t)s->nlp + 1, sizeof *d->proj);
  PSST_ALLOC_CHECK(d->seg);
  PSST_ALLOC_CHECK(d->proj);
  for (int q = 0; q < s->nseg; q++) {
    const psst_seg *sg = &s->seg[q];
    const psst_neuron_kind *kd = sg->kind;
    const double *p = sg->params;
    psst_dseg *ds = &d->seg[q];
    if (kd == &psst_neuron_hh_tutorial || kd == &psst_neuron_cobahh) {
      ds->kind = PSST_DK_TRAUB;
      ds->an_coef = kd == &psst_neuron_cobahh ? 0.032 : 0.02;
      ds->phi = pow(3.0, (p[PSST_TM_T] - 36.0) / 10.0);
    } else if (kd == &psst_neuron_hh_classic) {
      ds->kind = PSST_DK_CLASSIC;
      ds->phi = pow(3.0, (p[PSST_HHC_T] - 6.3) / 10.0);
    } else if (kd == &psst_neuron_pn) {
      ds->kind = PSST_DK_PN;
      ds->phi = pow(3.0, (p[PSST_PN_T] - 36.0) / 10.0);
    } else if (kd == &psst_neuron_ln) {
      ds->kind = PSST_DK_LN;
      ds->phi = pow(3.0, (p[PSST_LN_T] - 36.0) / 10.0);
    } else {
      return psst_error_set(PSST_ERR_USER,
                            "backend cuda does not support neuron kind '%s' "
                            "yet; use --backend cpu",
                            kd->name);
    }
    PSST_TRY(dupload(&ds->params, p, (size_t)kd->nparam, d->st));
  }

  /* state and work arrays */
  size_t ny = s->ny, nz = s->nz, N = (size_t)s->N, nl = (size_t)s->nloc;
  PSST_TRY(dupload(&d->y, s->y, ny, d->st));
  PSST_TRY(dalloc(&d->ys, ny));
  PSST_TRY(dalloc(&d->k, ny));
  PSST_TRY(dalloc(&d->acc, ny));
  PSST_TRY(dupload(&d->z, s->z, nz, d->st));
  PSST_TRY(dalloc(&d->zs, nz));
  PSST_TRY(dalloc(&d->kz, nz));
  PSST_TRY(dalloc(&d->accz, nz));
  PSST_TRY(dalloc(&d->Vcur, N));
  PSST_TRY(dalloc(&d->Vstage, N));
  PSST_TRY(dupload(&d->fire_t, s->fire_t, N, d->st));
  PSST_TRY(dalloc(&d->Isyn, nl));
  PSST_TRY(dalloc(&d->Istim[0], nl));
  PSST_TRY(dalloc(&d->Istim[1], nl));
  PSST_TRY(dalloc(&d->spk_gid, N));
  PSST_TRY(dalloc(&d->spk_val, N));
  CU(cudaMallocHost((void **)&d->h_spk_gid, (N ? N : 1) * sizeof(int64_t)));
  CU(cudaMallocHost((void **)&d->h_spk_val, (N ? N : 1) * sizeof(double)));
  /* the exchanged voltages: page-locked for fast staging (best effort) */
  double *regs[3] = {s->V_cur, s->V_stage, s->V_next};
  for (int r = 0; r < 3; r++)
    if (N && cudaHostRegister(regs[r], N * sizeof(double),
                              cudaHostRegisterDefault) == cudaSuccess)
      d->reg[r] = regs[r];
  (void)cudaGetLastError();

  /* projections */
  for (int q = 0; q < s->nlp; q++) {
    const psst_lproj *lp = &s->lp[q];
    psst_dproj *dp = &d->proj[q];
    int64_t nnz = lp->csr.row_ptr[lp->nrows];
    PSST_TRY(
        dupload(&dp->prm, lp->p->params, (size_t)lp->p->kind->nparam, d->st));
    if (lp->dense) {
      PSST_TRY(dupload(&dp->dense, lp->dense,
                       (size_t)lp->nrows * (size_t)lp->nsrc, d->st));
    } else {
      /* a warp per row from 32 inputs a row on average (PSST_CUDA_CSR=thread
       * or =warp forces one; both round alike) */
      const char *mode = getenv("PSST_CUDA_CSR");
      if (mode && !strcmp(mode, "thread"))
        dp->warp_rows = 0;
      else if (mode && !strcmp(mode, "warp"))
        dp->warp_rows = 1;
      else
        dp->warp_rows = lp->nrows > 0 && nnz >= 32 * lp->nrows;
      PSST_TRY(
          dupload(&dp->row_ptr, lp->csr.row_ptr, (size_t)lp->nrows + 1, d->st));
      PSST_TRY(dupload(&dp->col, lp->csr.col, (size_t)nnz, d->st));
      if (lp->csr.w) PSST_TRY(dupload(&dp->w, lp->csr.w, (size_t)nnz, d->st));
    }
    if (lp->per_synapse && !dp->col) /* receptor derivatives need col */
      PSST_TRY(dupload(&dp->col, lp->csr.col, (size_t)nnz, d->st));
    PSST_TRY(dalloc(&dp->T, (size_t)lp->nsrc));
    if (lp->t_rel)
      PSST_TRY(dupload(&dp->t_rel, lp->t_rel, (size_t)lp->nsrc, d->st));
    if (lp->inv_k)
      PSST_TRY(dupload(&dp->inv_k, lp->inv_k, (size_t)lp->nrows, d->st));
  }
  CU(cudaStreamSynchronize(d->st));

  /* the mapping, rank 0 first */
  cudaDeviceProp prop;
  CU(cudaGetDeviceProperties(&prop, device));
  if (s->rank == 0)
    fprintf(stderr, "[psst] backend cuda: %d rank(s); voltage exchange %s\n",
            s->size,
            d->cuda_aware ? "CUDA-aware MPI (device buffers) for the stages"
                          : "through pinned host buffers");
  fprintf(stderr, "[psst] rank %d -> device %d (%s)\n", s->rank, device,
          prop.name);
  return 0;
}

extern "C" void psst__cuda_free(psst_sim *s) {
  psst_dev *d = D(s);
  if (!d) return;
  cudaSetDevice(d->device);
  if (d->st) cudaStreamSynchronize(d->st);
  for (int r = 0; r < 3; r++)
    if (d->reg[r]) cudaHostUnregister(d->reg[r]);
  if (d->proj)
    for (int q = 0; q < s->nlp; q++) {
      psst_dproj *dp = &d->proj[q];
      void *ps[] = {dp->prm,   dp->row_ptr, dp->col,   dp->w,    dp->dense,
                    dp->drive, dp->T,       dp->t_rel, dp->inv_k};
      for (size_t x = 0; x < sizeof ps / sizeof ps[0]; x++)
        cudaFree(ps[x]);
    }
  if (d->seg)
    for (int q = 0; q < s->nseg; q++)
      cudaFree(d->seg[q].params);
  void *ps[] = {d->y,        d->ys,       d->k,       d->acc,
                d->z,        d->zs,       d->kz,      d->accz,
                d->Vcur,     d->Vstage,   d->fire_t,  d->Isyn,
                d->Istim[0], d->Istim[1], d->spk_gid, d->spk_val};
  for (size_t x = 0; x < sizeof ps / sizeof ps[0]; x++)
    cudaFree(ps[x]);
  if (d->h_spk_gid) cudaFreeHost(d->h_spk_gid);
  if (d->h_spk_val) cudaFreeHost(d->h_spk_val);
  if (d->st) cudaStreamDestroy(d->st);
  (void)cudaGetLastError();
  free(d->seg);
  free(d->proj);
  free(d);
  s->dev = NULL;
}

/* ---- the step ---------------------------------------------------------- */

/* Device copy of the injected current at sample k (two-entry cache like
 * psst__sim_stim's; without stimuli, zeros uploaded once). */
static int dstim(psst_sim *s, int64_t k, const double **out) {
  psst_dev *d = D(s);
  if (s->nls == 0) {
    if (d->Istim_k[0] < 0) {
      CU(cudaMemsetAsync(d->Istim[0], 0, (size_t)s->nloc * sizeof(double),
                         d->st));
      d->Istim_k[0] = 0;
    }
    *out = d->Istim[0];
    return 0;
  }
  for (int c = 0; c < 2; c++)
    if (d->Istim_k[c] == k) {
      *out = d->Istim[c];
      return 0;
    }
  int c = (d->Istim_k[0] < d->Istim_k[1]) ? 0 : 1;
  const double *h = psst__sim_stim(s, k);
  /* pageable source: the copy has read it when this returns */
  CU(cudaMemcpyAsync(d->Istim[c], h, (size_t)s->nloc * sizeof(double),
                     cudaMemcpyHostToDevice, d->st));
  d->Istim_k[c] = k;
  *out = d->Istim[c];
  return 0;
}

/* Right-hand side at stage time t (see rhs() in src/sim_run.c): V is every
 * neuron's stage voltage (device, all N), Iinj local. */
static int drhs(psst_sim *s, double t, const double *y, const double *z,
                const double *V, const double *Iinj, double *k, double *kz) {
  psst_dev *d = D(s);
  cudaStream_t st = d->st;
  const double *Vloc = V + s->lo;
  CU(cudaMemsetAsync(d->Isyn, 0, (size_t)s->nloc * sizeof(double), st));
  for (int q = 0; q < s->nlp; q++) {
    const psst_lproj *lp = &s->lp[q];
    psst_dproj *dp = &d->proj[q];
    const double *prm = lp->p->params;
    if (lp->nrows == 0) continue;
    unsigned gr = grid_for(lp->nrows);
    if (lp->kind == PSST_SYN_EXP_COND) {
      double g1, E1; /* g1 = 1: the drive is gsyn itself */
      psst_synapse_current_params(lp->kind, prm, &g1, &E1);
      k_isyn<<<gr, TPB, 0, st>>>(lp->nrows, y + lp->y_off, NULL, g1, E1,
                                 Vloc + lp->lid0, d->Isyn + lp->lid0);
      LAUNCHED();
      continue;
    }
    double g, E;
    psst_synapse_current_params(lp->kind, prm, &g, &E);
    const double *O = lp->per_synapse ? y + lp->y_off : z + lp->z_off;
    if (lp->kind == PSST_SYN_GABA_B) {
      const double *G = z + lp->z_off + PSST_GABAB_STATE_G * lp->nsrc;
      k_gabab_act<<<grid_for(lp->nsrc), TPB, 0, st>>>(
          lp->nsrc, G, prm[PSST_GABAB_N], prm[PSST_GABAB_K], dp->T);
      LAUNCHED();
      O = dp->T;
    }
    if (dp->dense) {
      k_drive_dense<<<grid_for(lp->nrows * 32), TPB, 0, st>>>(
          lp->nrows, lp->nsrc, dp->dense, O, dp->inv_k, g, E, Vloc + lp->lid0,
          d->Isyn + lp->lid0);
    } else if (dp->warp_rows) {
      k_drive_csr_warp<<<grid_for(lp->nrows * 32), TPB, 0, st>>>(
          lp->nrows, dp->row_ptr, dp->col, dp->w, lp->csr.weight, O,
          lp->per_synapse, dp->inv_k, g, E, Vloc + lp->lid0,
          d->Isyn + lp->lid0);
    } else {
      k_drive_csr<<<gr, TPB, 0, st>>>(lp->nrows, dp->row_ptr, dp->col, dp->w,
                                      lp->csr.weight, O, lp->per_synapse,
                                      dp->inv_k, g, E, Vloc + lp->lid0,
                                      d->Isyn + lp->lid0);
    }
    LAUNCHED();
  }
  /* intrinsic currents */
  for (int q = 0; q < s->nseg; q++) {
    const psst_seg *sg = &s->seg[q];
    const psst_dseg *ds = &d->seg[q];
    unsigned gr = grid_for(sg->n);
    const double *yy = y + sg->y_off, *Ii = Iinj + sg->lid0,
                 *Is = d->Isyn + sg->lid0;
    double *dy = k + sg->y_off;
    switch (ds->kind) {
    case PSST_DK_TRAUB:
      k_traub<<<gr, TPB, 0, st>>>(sg->n, ds->params, ds->phi, ds->an_coef, yy,
                                  Ii, Is, dy);
      break;
    case PSST_DK_CLASSIC:
      k_classic<<<gr, TPB, 0, st>>>(sg->n, ds->params, ds->phi, yy, Ii, Is, dy);
      break;
    case PSST_DK_PN:
      k_pn<<<gr, TPB, 0, st>>>(sg->n, ds->params, ds->phi, yy, Ii, Is, dy);
      break;
    default:
      k_ln<<<gr, TPB, 0, st>>>(sg->n, ds->params, ds->phi, yy, Ii, Is, dy);
      break;
    }
    LAUNCHED();
  }
  /* synaptic state */
  for (int q = 0; q < s->nlp; q++) {
    const psst_lproj *lp = &s->lp[q];
    psst_dproj *dp = &d->proj[q];
    const double *prm = lp->p->params;
    if (lp->kind == PSST_SYN_EXP_COND) {
      if (lp->nrows)
        k_exp_decay<<<grid_for(lp->nrows), TPB, 0, st>>>(
            lp->nrows, y + lp->y_off, prm[PSST_EXPC_TAU], k + lp->y_off);
      LAUNCHED();
      continue;
    }
    if (lp->nsrc == 0) continue;
    unsigned gs = grid_for(lp->nsrc);
    if (lp->kind == PSST_SYN_GABA_B) {
      const double *R = z + lp->z_off, *G = R + lp->nsrc;
      double *dR = kz + lp->z_off, *dG = dR + lp->nsrc;
      k_gabab_deriv<<<gs, TPB, 0, st>>>(lp->nsrc, t, dp->t_rel, dp->prm, R, G,
                                        dR, dG);
      LAUNCHED();
      continue;
    }
    int ach = lp->kind == PSST_SYN_ACH_PULSE;
    double al = ach ? prm[PSST_ACH_ALPHA] : prm[PSST_GABAA_ALPHA];
    double be = ach ? prm[PSST_ACH_BETA] : prm[PSST_GABAA_BETA];
    if (ach)
      k_transmitter<<<gs, TPB, 0, st>>>(
          lp->nsrc, 1, t, d->fire_t + lp->src_gid0, NULL, prm[PSST_ACH_A],
          prm[PSST_ACH_TDELAY], prm[PSST_ACH_TMAX], dp->T);
    else
      k_transmitter<<<gs, TPB, 0, st>>>(lp->nsrc, 0, t, NULL, V + lp->src_gid0,
                                        prm[PSST_GABAA_V0],
                                        prm[PSST_GABAA_SIGMA], 0.0, dp->T);
    LAUNCHED();
    if (lp->per_synapse) {
      int64_t nnz = lp->csr.row_ptr[lp->nrows];
      if (nnz)
        k_receptor_syn<<<grid_for(nnz), TPB, 0, st>>>(
            nnz, y + lp->y_off, dp->col, dp->T, al, be, k + lp->y_off);
    } else {
      k_receptor_pre<<<gs, TPB, 0, st>>>(lp->nsrc, z + lp->z_off, dp->T, al, be,
                                         kz + lp->z_off);
    }
    LAUNCHED();
  }
  return 0;
}

/* The local V of state y (device) into Vall's local slice (device). */
static int dlocal_voltages(psst_sim *s, const double *y, double *Vall) {
  psst_dev *d = D(s);
  for (int q = 0; q < s->nseg; q++) {
    const psst_seg *sg = &s->seg[q];
    CU(cudaMemcpyAsync(Vall + sg->gid_lo, y + sg->y_off,
                       (size_t)sg->n * sizeof(double), cudaMemcpyDeviceToDevice,
                       d->st));
  }
  return 0;
}

/* Stage exchange: every rank's stage V into d->Vstage (all N). */
static int dexchange_stage(psst_sim *s) {
  psst_dev *d = D(s);
  PSST_TRY(dlocal_voltages(s, d->ys, d->Vstage));
  if (d->cuda_aware) {
    CU(cudaStreamSynchronize(d->st));
    return psst__sim_gather(s, d->Vstage);
  }
  size_t nl = (size_t)s->nloc, N = (size_t)s->N;
  if (nl)
    CU(cudaMemcpyAsync(s->V_stage + s->lo, d->Vstage + s->lo,
                       nl * sizeof(double), cudaMemcpyDeviceToHost, d->st));
  CU(cudaStreamSynchronize(d->st));
  PSST_TRY(psst__sim_gather(s, s->V_stage));
  CU(cudaMemcpyAsync(d->Vstage, s->V_stage, N * sizeof(double),
                     cudaMemcpyHostToDevice, d->st));
  return 0;
}

extern "C" int psst__cuda_step(psst_sim *s, int64_t i) {
  psst_dev *d = D(s);
  cudaStream_t st = d->st;
  const double ti = (double)i * s->dt, t1 = (double)(i + 1) * s->dt;
  const double h = t1 - ti;
  const int64_t ny = (int64_t)s->ny, nz = (int64_t)s->nz;
  const size_t N = (size_t)s->N, nl = (size_t)s->nloc;
  if (!d->vcur_valid) {
    CU(cudaMemcpyAsync(d->Vcur, s->V_cur, N * sizeof(double),
                       cudaMemcpyHostToDevice, st));
    d->vcur_valid = 1;
  }
  /* GABA_B releases decided on the host at the step boundary */
  for (int q = 0; q < s->nlp; q++) {
    const psst_lproj *lp = &s->lp[q];
    if (lp->kind != PSST_SYN_GABA_B || lp->nsrc == 0) continue;
    CU(cudaMemcpyAsync(d->proj[q].t_rel, lp->t_rel,
                       (size_t)lp->nsrc * sizeof(double),
                       cudaMemcpyHostToDevice, st));
  }
  const double *I0;
  PSST_TRY(dstim(s, i, &I0));
  if (s->m->run.method == PSST_METHOD_EULER) {
    PSST_TRY(drhs(s, ti, d->y, d->z, d->Vcur, I0, d->k, d->kz));
    if (ny) k_axpy<<<grid_for(ny), TPB, 0, st>>>(ny, d->y, d->y, h, d->k);
    if (nz) k_axpy<<<grid_for(nz), TPB, 0, st>>>(nz, d->z, d->z, h, d->kz);
    LAUNCHED();
  } else {
    PSST_TRY(drhs(s, ti, d->y, d->z, d->Vcur, I0, d->acc, d->accz));
    const double *kprev = d->acc, *kzprev = d->accz;
    for (int stg = 1; stg < 4; stg++) {
      double a = psst_rk4_c[stg] * h;
      if (ny) k_axpy<<<grid_for(ny), TPB, 0, st>>>(ny, d->ys, d->y, a, kprev);
      if (nz) k_axpy<<<grid_for(nz), TPB, 0, st>>>(nz, d->zs, d->z, a, kzprev);
      LAUNCHED();
      if (s->stage_exchange) {
        PSST_TRY(dexchange_stage(s));
      } else {
        PSST_TRY(dlocal_voltages(s, d->ys, d->Vstage));
      }
      const double *Ik;
      PSST_TRY(dstim(s, stg == 3 ? i + 1 : i, &Ik));
      PSST_TRY(drhs(s, ti + a, d->ys, d->zs, d->Vstage, Ik, d->k, d->kz));
      double b = psst_rk4_b[stg];
      if (ny) k_accum<<<grid_for(ny), TPB, 0, st>>>(ny, d->acc, b, d->k);
      if (nz) k_accum<<<grid_for(nz), TPB, 0, st>>>(nz, d->accz, b, d->kz);
      LAUNCHED();
      kprev = d->k;
      kzprev = d->kz;
    }
    double h6 = h / 6.0;
    if (ny) k_final<<<grid_for(ny), TPB, 0, st>>>(ny, d->y, d->acc, h6);
    if (nz) k_final<<<grid_for(nz), TPB, 0, st>>>(nz, d->z, d->accz, h6);
    LAUNCHED();
  }
  /* V(t_{i+1}): local slice to the host, exchanged; on the device it is
   * the next step's V_cur */
  PSST_TRY(dlocal_voltages(s, d->y, d->Vcur));
  if (nl)
    CU(cudaMemcpyAsync(s->V_next + s->lo, d->Vcur + s->lo, nl * sizeof(double),
                       cudaMemcpyDeviceToHost, st));
  CU(cudaStreamSynchronize(st));
  PSST_TRY(psst__sim_gather(s, s->V_next));
  if (s->size > 1)
    CU(cudaMemcpyAsync(d->Vcur, s->V_next, N * sizeof(double),
                       cudaMemcpyHostToDevice, st));
  return 0;
}

extern "C" int psst__cuda_after_spikes(psst_sim *s) {
  psst_dev *d = D(s);
  cudaStream_t st = d->st;
  int64_t n = s->nspiked;
  if (n > 0) {
    /* the previous step's copies out of these buffers are complete: the
     * step synchronised the stream */
    for (int64_t x = 0; x < n; x++) {
      d->h_spk_gid[x] = s->spiked[x];
      d->h_spk_val[x] = s->fire_t[s->spiked[x]];
    }
    CU(cudaMemcpyAsync(d->spk_gid, d->h_spk_gid, (size_t)n * sizeof(int64_t),
                       cudaMemcpyHostToDevice, st));
    CU(cudaMemcpyAsync(d->spk_val, d->h_spk_val, (size_t)n * sizeof(double),
                       cudaMemcpyHostToDevice, st));
    k_scatter<<<grid_for(n), TPB, 0, st>>>(n, d->spk_gid, d->spk_val,
                                           d->fire_t);
    LAUNCHED();
    for (int q = 0; q < s->nlp; q++) {
      const psst_lproj *lp = &s->lp[q];
      if (lp->kind != PSST_SYN_EXP_COND || lp->nrows == 0) continue;
      psst_dproj *dp = &d->proj[q];
      k_expc_deliver<<<grid_for(lp->nrows), TPB, 0, st>>>(
          lp->nrows, dp->row_ptr, dp->col, dp->w, lp->csr.weight,
          lp->p->params[PSST_EXPC_G], d->spk_gid, n, lp->src_gid0, lp->nsrc,
          d->y + lp->y_off);
      LAUNCHED();
    }
  }
  /* GABA_B release times: uploaded at the start of each step (the host
   * also decides releases at t = 0, before the first step) */
  return 0;
}

extern "C" int psst__cuda_download(psst_sim *s) {
  psst_dev *d = D(s);
  if (s->ny)
    CU(cudaMemcpyAsync(s->y, d->y, s->ny * sizeof(double),
                       cudaMemcpyDeviceToHost, d->st));
  if (s->nz)
    CU(cudaMemcpyAsync(s->z, d->z, s->nz * sizeof(double),
                       cudaMemcpyDeviceToHost, d->st));
  CU(cudaStreamSynchronize(d->st));
  return 0;
}

extern "C" int psst__cuda_upload(psst_sim *s) {
  CU(cudaStreamSynchronize(D(s)->st));
  return upload_replicated(s);
}
