/* The CUDA backend: the stages of backend/backend.h on one device. It
 * keeps a device copy of the layout's state (y, z, aux, fire_t) and
 * computes every stage on it, with kernels instantiated from the kind list
 * (mech/list.h) over the kinds' PSST_HD hooks (mech/mech.h): one source of
 * truth for the CPU and CUDA. No per-kind code: the kernel tables are
 * indexed by the kinds' ids, the flags say which kernels a projection
 * needs, exactly as in the CPU backend (backend/cpu/cpu_backend.c, the
 * reference), whose structure and formula order this file mirrors. The
 * engine owns the stage loop, the exchanges and spike detection; this
 * backend never calls MPI: voltages come and go through host buffers
 * (page-locked staging, one non-blocking stream).
 *
 * Rounding: the combination kernels (RK4 sums, drive, synaptic current)
 * round every product and sum separately (__dmul_rn/__dadd_rn), as the CPU
 * does, and the drive sums every row in ascending presynaptic order (the
 * dense drive, one warp per row, with a fixed butterfly). But the kinds'
 * inline equations (neuron and synapse derivatives, drive, on_spike) may be
 * contracted to FMA by nvcc, and the device exp/expm1/log/pow differ from
 * the CPU's in the last bits, so CUDA and CPU results agree to rounding,
 * not bit for bit (tests/gpu compares them with tolerances). Spike events
 * (deliver) reach each state element in the engine's order, as on the CPU,
 * which makes the device's results the same for any rank count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cuda/cuda_internal.cuh"

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

namespace {

/* ---- the kinds: one traits struct per kind, from the kind list ---------
 * S state variables, P params (nparam + nderived), the hooks. */

#define PSST__NK_TRAITS(name, NAME)                                            \
  struct nk_##name {                                                           \
    enum {                                                                     \
      S = (int)psst_nk_##name##_nstate,                                        \
      P = (int)psst_nk_##name##_nparam + (int)psst_nk_##name##_nderived        \
    };                                                                         \
    static __device__ __forceinline__ void                                     \
    deriv(const double *p, const double *x, double I, double *dx) {            \
      psst_nk_##name##_deriv(p, x, I, dx);                                     \
    }                                                                          \
  };                                                                           \
  static_assert(nk_##name::S <= PSST_KIND_NSTATE_MAX, #name ": nstate");
PSST_NEURON_KINDS(PSST__NK_TRAITS)
#undef PSST__NK_TRAITS

#define PSST__SK_TRAITS(name, NAME)                                            \
  struct sk_##name {                                                           \
    enum {                                                                     \
      S = (int)psst_sk_##name##_nstate,                                        \
      P = (int)psst_sk_##name##_nparam + (int)psst_sk_##name##_nderived        \
    };                                                                         \
    static __device__ __forceinline__ double                                   \
    transmitter(const double *p, double t, double V, double ft, double aux) {  \
      return psst_sk_##name##_transmitter(p, t, V, ft, aux);                   \
    }                                                                          \
    static __device__ __forceinline__ void                                     \
    deriv(const double *p, double t, double T, const double *x, double *dx) {  \
      psst_sk_##name##_deriv(p, t, T, x, dx);                                  \
    }                                                                          \
    static __device__ __forceinline__ double drive(const double *p,            \
                                                   const double *x) {          \
      return psst_sk_##name##_drive(p, x);                                     \
    }                                                                          \
    static __device__ __forceinline__ void on_spike(const double *p, double w, \
                                                    double t, double *x) {     \
      psst_sk_##name##_on_spike(p, w, t, x);                                   \
    }                                                                          \
    static __device__ __forceinline__ int release(const double *p, double t,   \
                                                  double V, double aux) {      \
      return psst_sk_##name##_release(p, t, V, aux);                           \
    }                                                                          \
    static void current(const double *p, double *g, double *E) {               \
      psst_sk_##name##_current(p, g, E);                                       \
    }                                                                          \
  };                                                                           \
  static_assert(sk_##name::S <= PSST_KIND_NSTATE_MAX, #name ": nstate");
PSST_SYNAPSE_KINDS(PSST__SK_TRAITS)
#undef PSST__SK_TRAITS

/* The params into a thread's locals (registers once the hooks index them
 * with constants), so that the compiler sees they cannot alias the
 * state. */
template <int P>
__device__ __forceinline__ void load_params(double *p,
                                            const double *__restrict__ src) {
#pragma unroll
  for (int q = 0; q < P; q++)
    p[q] = src[q];
}

/* ---- per-kind kernels ---------------------------------------------------
 */

template <class K>
__global__ void k_neuron(int64_t n, int64_t ld, const double *__restrict__ p_,
                         const double *__restrict__ y,
                         const double *__restrict__ Iext,
                         double *__restrict__ dy) {
  double p[K::P + 1];
  load_params<K::P>(p, p_);
  GRID_LOOP(i, n) {
    double x[K::S], dx[K::S];
#pragma unroll
    for (int v = 0; v < K::S; v++)
      x[v] = y[v * ld + i];
    K::deriv(p, x, Iext[i], dx);
#pragma unroll
    for (int v = 0; v < K::S; v++)
      dy[v * ld + i] = dx[v];
  }
}

template <class K>
__global__ void
k_transmitter(int64_t n, const double *__restrict__ p_, double t,
              const double *__restrict__ V, const double *__restrict__ fire_t,
              const double *__restrict__ aux, double *__restrict__ T) {
  double p[K::P + 1];
  load_params<K::P>(p, p_);
  GRID_LOOP(j, n) T[j] = K::transmitter(p, t, V[j], fire_t[j], aux[j]);
}

/* per presynaptic neuron (col == NULL: element e reads T[e]), per synapse
 * (T[col[e]]) or per postsynaptic neuron (T == NULL: no transmitter), at
 * stage time t [ms] */
template <class K>
__global__ void
k_deriv(int64_t n, const double *__restrict__ p_, double t,
        const double *__restrict__ T, const int32_t *__restrict__ col,
        const double *__restrict__ x_, int64_t ld, double *__restrict__ dx_) {
  double p[K::P + 1];
  load_params<K::P>(p, p_);
  GRID_LOOP(e, n) {
    double x[K::S], dx[K::S];
#pragma unroll
    for (int v = 0; v < K::S; v++)
      x[v] = x_[v * ld + e];
    const double Te = T ? T[col ? col[e] : e] : 0.0;
    K::deriv(p, t, Te, x, dx);
#pragma unroll
    for (int v = 0; v < K::S; v++)
      dx_[v * ld + e] = dx[v];
  }
}

template <class K>
__global__ void k_drive(int64_t n, const double *__restrict__ p_,
                        const double *__restrict__ x_, int64_t ld,
                        double *__restrict__ A) {
  double p[K::P + 1];
  load_params<K::P>(p, p_);
  GRID_LOOP(e, n) {
    double x[K::S];
#pragma unroll
    for (int v = 0; v < K::S; v++)
      x[v] = x_[v * ld + e];
    A[e] = K::drive(p, x);
  }
}

/* Due events, one thread per group (cuda_deliver): the group's element e
 * = gelem[g] (PRE: presynaptic index, SYNAPSE: CSR position, POST: local
 * row; state variable v at x_[v * ld + e]) receives on_spike(w[a], t) for
 * a = gptr[g] .. gptr[g+1]), in that order, which is the order of the
 * engine's event list for that element. The groups' elements are
 * distinct, so no two threads touch the same state; keeping x in locals
 * between the calls rounds exactly as the CPU's load/on_spike/store per
 * event (each value is rounded to double either way). */
template <class K>
__global__ void k_deliver(int64_t ngroups, const double *__restrict__ p_,
                          const int64_t *__restrict__ gptr,
                          const int64_t *__restrict__ gelem,
                          const double *__restrict__ w, double t,
                          double *__restrict__ x_, int64_t ld) {
  double p[K::P + 1];
  load_params<K::P>(p, p_);
  GRID_LOOP(g, ngroups) {
    const int64_t e = gelem[g];
    double x[K::S];
#pragma unroll
    for (int v = 0; v < K::S; v++)
      x[v] = x_[v * ld + e];
    for (int64_t a = gptr[g], end = gptr[g + 1]; a < end; a++)
      K::on_spike(p, w[a], t, x);
#pragma unroll
    for (int v = 0; v < K::S; v++)
      x_[v * ld + e] = x[v];
  }
}

template <class K>
__global__ void k_release(int64_t n, const double *__restrict__ p_, double t,
                          const double *__restrict__ V,
                          double *__restrict__ aux) {
  double p[K::P + 1];
  load_params<K::P>(p, p_);
  GRID_LOOP(j, n) {
    if (K::release(p, t, V[j], aux[j])) aux[j] = t;
  }
}

/* ---- launch wrappers (the table entries) ------------------------------- */

template <class K>
void launch_neuron(cudaStream_t st, int64_t n, int64_t ld, const double *p,
                   const double *y, const double *Iext, double *dy) {
  k_neuron<K><<<grid_for(n), TPB, 0, st>>>(n, ld, p, y, Iext, dy);
}

template <class K>
void launch_transmitter(cudaStream_t st, int64_t n, const double *p, double t,
                        const double *V, const double *fire_t,
                        const double *aux, double *T) {
  k_transmitter<K><<<grid_for(n), TPB, 0, st>>>(n, p, t, V, fire_t, aux, T);
}

template <class K>
void launch_deriv_pre(cudaStream_t st, int64_t n, const double *p, double t,
                      const double *T, const double *x, int64_t ld,
                      double *dx) {
  k_deriv<K><<<grid_for(n), TPB, 0, st>>>(n, p, t, T, NULL, x, ld, dx);
}

template <class K>
void launch_deriv_syn(cudaStream_t st, int64_t n, const double *p, double t,
                      const double *T, const int32_t *col, const double *x,
                      int64_t ld, double *dx) {
  k_deriv<K><<<grid_for(n), TPB, 0, st>>>(n, p, t, T, col, x, ld, dx);
}

template <class K>
void launch_deriv_post(cudaStream_t st, int64_t n, const double *p, double t,
                       const double *x, int64_t ld, double *dx) {
  k_deriv<K><<<grid_for(n), TPB, 0, st>>>(n, p, t, NULL, NULL, x, ld, dx);
}

template <class K>
void launch_drive(cudaStream_t st, int64_t n, const double *p, const double *x,
                  int64_t ld, double *A) {
  k_drive<K><<<grid_for(n), TPB, 0, st>>>(n, p, x, ld, A);
}

template <class K>
void launch_deliver(cudaStream_t st, int64_t ngroups, const double *p,
                    const int64_t *gptr, const int64_t *gelem, const double *w,
                    double t, double *x, int64_t ld) {
  k_deliver<K>
      <<<grid_for(ngroups), TPB, 0, st>>>(ngroups, p, gptr, gelem, w, t, x, ld);
}

template <class K>
void launch_release(cudaStream_t st, int64_t n, const double *p, double t,
                    const double *V, double *aux) {
  k_release<K><<<grid_for(n), TPB, 0, st>>>(n, p, t, V, aux);
}

/* ---- the tables, indexed by kind id ------------------------------------
 * The ids are the positions in the kind list, so the tables list the
 * kinds in the list's order. */

#define PSST__NK_ENTRY(name, NAME) launch_neuron<nk_##name>,
const psst_cuda_neuron_fn neuron_table[] = {PSST_NEURON_KINDS(PSST__NK_ENTRY)};
#undef PSST__NK_ENTRY
static_assert(sizeof neuron_table / sizeof neuron_table[0] == PSST_NK_COUNT,
              "one neuron kernel per kind");

#define PSST__SK_ENTRY(name, NAME)                                             \
  {launch_transmitter<sk_##name>, launch_deriv_pre<sk_##name>,                 \
   launch_deriv_syn<sk_##name>,   launch_deriv_post<sk_##name>,                \
   launch_drive<sk_##name>,       launch_deliver<sk_##name>,                   \
   launch_release<sk_##name>,     sk_##name::current},
const psst_cuda_synapse_fns synapse_table[] = {
    PSST_SYNAPSE_KINDS(PSST__SK_ENTRY)};
#undef PSST__SK_ENTRY
static_assert(sizeof synapse_table / sizeof synapse_table[0] == PSST_SYN_COUNT,
              "one set of synapse kernels per kind");

/* ---- kernels of no kind -------------------------------------------------
 */

/* out = y + a k (product and sum rounded separately, as on the CPU) */
__global__ void k_axpy(int64_t n, double *out, const double *y, double a,
                       const double *k) {
  GRID_LOOP(i, n) out[i] = __dadd_rn(y[i], __dmul_rn(a, k[i]));
}

/* acc += b k */
__global__ void k_accum(int64_t n, double *__restrict__ acc, double b,
                        const double *__restrict__ k) {
  GRID_LOOP(i, n) acc[i] = __dadd_rn(acc[i], __dmul_rn(b, k[i]));
}

/* y += acc h6 */
__global__ void k_finish(int64_t n, double *__restrict__ y,
                         const double *__restrict__ acc, double h6) {
  GRID_LOOP(i, n) y[i] = __dadd_rn(y[i], __dmul_rn(acc[i], h6));
}

/* The non-intrinsic current of one segment over its padded length: I[i] =
 * Iinj[i] - Isyn[i] for i < n, 0 beyond. */
__global__ void k_ipad(int64_t ld, int64_t n, const double *__restrict__ Iinj,
                       const double *__restrict__ Isyn,
                       double *__restrict__ I) {
  GRID_LOOP(i, ld) I[i] = i < n ? __dsub_rn(Iinj[i], Isyn[i]) : 0.0;
}

/* Isyn[r] += g d_r (V[r] - E), d_r (times inv_k[r] for SHARED_G) the drive
 * of row r: the CPU's `current` after its drive, with the same rounding. */
__device__ __forceinline__ void add_current(double *Isyn, int64_t r, double d,
                                            const double *inv_k, double g,
                                            double E, const double *V) {
  if (inv_k) d = __dmul_rn(d, inv_k[r]);
  Isyn[r] = __dadd_rn(Isyn[r], __dmul_rn(__dmul_rn(g, d), V[r] - E));
}

/* Per postsynaptic storage: the drive of row r is A[r] itself. */
__global__ void k_drive_post(int64_t nrows, const double *__restrict__ A,
                             const double *__restrict__ inv_k, double g,
                             double E, const double *__restrict__ V,
                             double *__restrict__ Isyn) {
  GRID_LOOP(r, nrows) add_current(Isyn, r, A[r], inv_k, g, E, V);
}

/* Sparse drive, one thread per local row, summing the row in ascending
 * order as the CPU's csr_pre / csr_syn:
 *   per presynaptic: d_r = sum_x w_x A_{col x}, or weight * sum_x A_{col x}
 *   per synapse:     d_r = sum_x (w_x or weight) A_x */
__global__ void k_drive_csr(int64_t nrows, const int64_t *__restrict__ row_ptr,
                            const int32_t *__restrict__ col,
                            const double *__restrict__ w, double weight,
                            const double *__restrict__ A, int per_synapse,
                            const double *__restrict__ inv_k, double g,
                            double E, const double *__restrict__ V,
                            double *__restrict__ Isyn) {
  GRID_LOOP(r, nrows) {
    double d = 0.0;
    const int64_t a = row_ptr[r], b = row_ptr[r + 1];
    if (per_synapse) {
      for (int64_t x = a; x < b; x++)
        d = __dadd_rn(d, __dmul_rn(w ? w[x] : weight, A[x]));
    } else if (w) {
      for (int64_t x = a; x < b; x++)
        d = __dadd_rn(d, __dmul_rn(w[x], A[col[x]]));
    } else {
      for (int64_t x = a; x < b; x++)
        d = __dadd_rn(d, A[col[x]]);
      d = __dmul_rn(d, weight);
    }
    add_current(Isyn, r, d, inv_k, g, E, V);
  }
}

/* The same sparse drive, one warp per row (rows with many inputs): the
 * lanes load 32 consecutive synapses and their drives at once (coalesced),
 * then every lane adds the 32 terms in ascending order, so the sum is
 * rounded exactly as k_drive_csr's (and the CPU's). */
__global__ void
k_drive_csr_warp(int64_t nrows, const int64_t *__restrict__ row_ptr,
                 const int32_t *__restrict__ col, const double *__restrict__ w,
                 double weight, const double *__restrict__ A, int per_synapse,
                 const double *__restrict__ inv_k, double g, double E,
                 const double *__restrict__ V, double *__restrict__ Isyn) {
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
          v = __dmul_rn(w ? w[x] : weight, A[x]);
        else if (w)
          v = __dmul_rn(w[x], A[col[x]]);
        else
          v = A[col[x]];
      }
      const int cnt = (int)(b - base < 32 ? b - base : 32);
      for (int k = 0; k < cnt; k++)
        d = __dadd_rn(d, __shfl_sync(0xffffffffu, v, k));
    }
    if (lane == 0) {
      if (!per_synapse && !w) d = __dmul_rn(d, weight);
      add_current(Isyn, r, d, inv_k, g, E, V);
    }
  }
}

/* Dense drive: one warp per row; lane l sums the entries l, l + 32, ... in
 * order, then a fixed butterfly combines the lanes. The rounding depends
 * only on the row and nsrc, never on how rows are split over ranks (a
 * cuBLAS gemv may pick its reduction by shape). */
__global__ void k_drive_dense(int64_t nrows, int64_t nsrc,
                              const double *__restrict__ Wd,
                              const double *__restrict__ A,
                              const double *__restrict__ inv_k, double g,
                              double E, const double *__restrict__ V,
                              double *__restrict__ Isyn) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = ((int64_t)gridDim.x * blockDim.x) >> 5;
  for (int64_t r = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
       r < nrows; r += warps) {
    const double *row = Wd + r * nsrc;
    double d = 0.0;
    for (int64_t j = lane; j < nsrc; j += 32)
      d = __dadd_rn(d, __dmul_rn(row[j], A[j]));
    for (int o = 16; o > 0; o >>= 1)
      d = __dadd_rn(d, __shfl_xor_sync(0xffffffffu, d, o));
    if (lane == 0) add_current(Isyn, r, d, inv_k, g, E, V);
  }
}

__global__ void k_scatter(int64_t n, const int64_t *__restrict__ idx,
                          const double *__restrict__ val,
                          double *__restrict__ out) {
  GRID_LOOP(x, n) out[idx[x]] = val[x];
}

} // namespace

/* ---- helpers ------------------------------------------------------------
 */

static psst_cuda_backend *CB(psst_backend *b) { return (psst_cuda_backend *)b; }

/* Device array of n T (at least one, so that empty arrays are valid
 * pointers), zeroed on stream st. */
template <typename T> static int dalloc(T **p, size_t n, cudaStream_t st) {
  *p = NULL;
  if (n == 0) n = 1;
  cudaError_t e = cudaMalloc((void **)p, n * sizeof(T));
  if (e != cudaSuccess) {
    *p = NULL;
    return psst_error_set(PSST_ERR_DEVICE,
                          "CUDA: cannot allocate %zu bytes of device memory "
                          "(%s)",
                          n * sizeof(T), cudaGetErrorString(e));
  }
  CU(cudaMemsetAsync(*p, 0, n * sizeof(T), st));
  return 0;
}

/* Device copy of h[0..n) (pageable host memory: the copy has read it when
 * this returns). */
template <typename T>
static int dupload(T **p, const T *h, size_t n, cudaStream_t st) {
  PSST_TRY(dalloc(p, n, st));
  if (n && h)
    CU(cudaMemcpyAsync(*p, h, n * sizeof(T), cudaMemcpyHostToDevice, st));
  return 0;
}

static int staging_init(psst_cuda_staging *s, size_t bytes) {
  s->cap = bytes;
  CU(cudaMallocHost(&s->h, bytes ? bytes : sizeof(double)));
  CU(cudaEventCreateWithFlags(&s->done, cudaEventDisableTiming));
  return 0;
}

static void staging_free(psst_cuda_staging *s) {
  if (s->h) cudaFreeHost(s->h);
  if (s->done) cudaEventDestroy(s->done);
  s->h = NULL;
  s->done = NULL;
}

/* The staging buffer, once the previous copy out of it has read it. */
static int staging_get(psst_cuda_staging *s, void **h) {
  if (s->pending) {
    CU(cudaEventSynchronize(s->done));
    s->pending = 0;
  }
  *h = s->h;
  return 0;
}

/* The copies out of the staging buffer are enqueued. */
static int staging_sent(psst_cuda_backend *c, psst_cuda_staging *s) {
  CU(cudaEventRecord(s->done, c->st));
  s->pending = 1;
  return 0;
}

/* dst (device) = src (host) through staging buffer s, asynchronously. */
static int staged_upload(psst_cuda_backend *c, psst_cuda_staging *s, void *dst,
                         const void *src, size_t bytes) {
  if (bytes == 0) return 0;
  if (bytes > s->cap)
    return psst_error_set(PSST_ERR_INTERNAL,
                          "CUDA backend: upload of %zu bytes through a %zu "
                          "byte staging buffer",
                          bytes, s->cap);
  void *h = NULL;
  PSST_TRY(staging_get(s, &h));
  memcpy(h, src, bytes);
  CU(cudaMemcpyAsync(dst, h, bytes, cudaMemcpyHostToDevice, c->st));
  return staging_sent(c, s);
}

/* The presynaptic V[lo, hi) from the host's Vall into the device's V. */
static int upload_v(psst_cuda_backend *c, const double *Vall, int64_t lo,
                    int64_t hi) {
  if (hi <= lo) return 0;
  return staged_upload(c, &c->up_v, c->V + lo, Vall + lo,
                       (size_t)(hi - lo) * sizeof(double));
}

/* Device copy of the injected current of sample k (two-entry cache, as the
 * engine's). */
static int stim(psst_cuda_backend *c, int64_t k, const double *Iinj,
                const double **out) {
  const psst_layout *L = c->base.L;
  for (int e = 0; e < 2; e++)
    if (c->Istim_k[e] == k) {
      *out = c->Istim[e];
      return 0;
    }
  int e = (c->Istim_k[0] < c->Istim_k[1]) ? 0 : 1; /* evict the older */
  c->Istim_k[e] = -1;
  if (Iinj)
    PSST_TRY(staged_upload(c, &c->up_stim, c->Istim[e], Iinj,
                           (size_t)L->nloc * sizeof(double)));
  else
    CU(cudaMemsetAsync(c->Istim[e], 0, (size_t)L->nloc * sizeof(double),
                       c->st));
  c->Istim_k[e] = k;
  *out = c->Istim[e];
  return 0;
}

/* The state and slope arrays stage st reads and writes: stage 0 reads the
 * state itself; RK4 writes stage 0's slopes straight into the sums. */
static void stage_arrays(psst_cuda_backend *c, int st, const double **y,
                         const double **z, double **k, double **kz) {
  const psst_layout *L = c->base.L;
  int rk4 = L->method == PSST_METHOD_RK4;
  *y = st == 0 ? c->y : c->ys;
  *z = st == 0 ? c->z : c->zs;
  *k = (st == 0 && rk4) ? c->acc : c->k;
  *kz = (st == 0 && rk4) ? c->accz : c->kz;
}

/* ---- the ops ------------------------------------------------------------
 */

static int cuda_get_state(psst_backend *b) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  if (L->ny)
    CU(cudaMemcpyAsync(L->y, c->y, L->ny * sizeof(double),
                       cudaMemcpyDeviceToHost, c->st));
  if (L->nz)
    CU(cudaMemcpyAsync(L->z, c->z, L->nz * sizeof(double),
                       cudaMemcpyDeviceToHost, c->st));
  if (L->naux)
    CU(cudaMemcpyAsync(L->aux, c->aux, L->naux * sizeof(double),
                       cudaMemcpyDeviceToHost, c->st));
  CU(cudaStreamSynchronize(c->st));
  return 0;
}

/* The whole host state to the device (create, restored checkpoints). */
static int upload_state(psst_cuda_backend *c) {
  const psst_layout *L = c->base.L;
  if (L->ny)
    CU(cudaMemcpyAsync(c->y, L->y, L->ny * sizeof(double),
                       cudaMemcpyHostToDevice, c->st));
  if (L->nz)
    CU(cudaMemcpyAsync(c->z, L->z, L->nz * sizeof(double),
                       cudaMemcpyHostToDevice, c->st));
  if (L->naux)
    CU(cudaMemcpyAsync(c->aux, L->aux, L->naux * sizeof(double),
                       cudaMemcpyHostToDevice, c->st));
  if (L->N)
    CU(cudaMemcpyAsync(c->fire_t, L->fire_t, (size_t)L->N * sizeof(double),
                       cudaMemcpyHostToDevice, c->st));
  CU(cudaStreamSynchronize(c->st));
  return 0;
}

static int cuda_restore_state(psst_backend *b, int changed) {
  if (!changed) return 0;
  return upload_state(CB(b));
}

static int cuda_stage_state(psst_backend *b, int st, double a) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  const double *kp = st == 1 ? c->acc : c->k, *kzp = st == 1 ? c->accz : c->kz;
  int64_t ny = (int64_t)L->ny, nz = (int64_t)L->nz;
  if (ny) k_axpy<<<grid_for(ny), TPB, 0, c->st>>>(ny, c->ys, c->y, a, kp);
  if (nz) k_axpy<<<grid_for(nz), TPB, 0, c->st>>>(nz, c->zs, c->z, a, kzp);
  LAUNCHED();
  return 0;
}

static int cuda_local_voltages(psst_backend *b, int which, double *Vall) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  const double *y = which == PSST_V_STAGE ? c->ys : c->y;
  if (which == PSST_V_SLOPE) /* k1: RK4 keeps it in the sums */
    y = L->method == PSST_METHOD_RK4 ? c->acc : c->k;
  for (int q = 0; q < L->nseg; q++) {
    const psst_seg *sg = &L->seg[q];
    if (sg->n)
      CU(cudaMemcpyAsync(c->h_vloc + sg->lid0, y + sg->y_off,
                         (size_t)sg->n * sizeof(double), cudaMemcpyDeviceToHost,
                         c->st));
  }
  CU(cudaStreamSynchronize(c->st));
  for (int q = 0; q < L->nseg; q++) {
    const psst_seg *sg = &L->seg[q];
    memcpy(Vall + sg->gid_lo, c->h_vloc + sg->lid0,
           (size_t)sg->n * sizeof *Vall);
  }
  return 0;
}

/* Derivatives of projection q's state at stage time t; V: every neuron's
 * stage V on the device (kinds that read it) or NULL. */
static int syn_deriv(psst_cuda_backend *c, int q, double t, const double *y,
                     const double *z, double *k, double *kz, const double *V) {
  const psst_layout *L = c->base.L;
  const psst_lproj *lp = &L->lp[q];
  const psst_synapse_kind *kd = lp->kind;
  const psst_cuda_synapse_fns *f = &synapse_table[kd->id];
  psst_cuda_proj *dp = &c->proj[q];
  /* without a transmitter T stays zero (and no such kind reads it) */
  const double *T = dp->T;
  if ((kd->flags & PSST_SYN_F_TRANSMITTER) && lp->nsrc > 0) {
    /* arrays the transmitter does not read (its flags say which) are
     * passed as the firing times, which always exist */
    const double *ft = c->fire_t + lp->src_gid0;
    const double *Vs = V ? V + lp->src_gid0 : ft;
    const double *aux =
        (kd->flags & PSST_SYN_F_STEP_BOUNDARY) ? c->aux + lp->aux_off : ft;
    f->transmitter(c->st, lp->nsrc, dp->params, t, Vs, ft, aux, dp->T);
    LAUNCHED();
  }
  switch (lp->store) {
  case PSST_STORE_PRE:
    if (lp->nsrc)
      f->deriv_pre(c->st, lp->nsrc, dp->params, t, T, z + lp->off, lp->ld,
                   kz + lp->off);
    break;
  case PSST_STORE_SYNAPSE:
    if (lp->nnz)
      f->deriv_syn(c->st, lp->nnz, dp->params, t, T, dp->col, y + lp->off,
                   lp->ld, k + lp->off);
    break;
  case PSST_STORE_POST:
  default:
    if (lp->nrows)
      f->deriv_post(c->st, lp->nrows, dp->params, t, y + lp->off, lp->ld,
                    k + lp->off);
    break;
  }
  LAUNCHED();
  return 0;
}

/* Isyn[r] += g drive[r] (Vloc[r] - E) over projection q's local rows, the
 * drive from the stage state. */
static int syn_current(psst_cuda_backend *c, int q, const double *y,
                       const double *z) {
  const psst_layout *L = c->base.L;
  const psst_lproj *lp = &L->lp[q];
  const psst_synapse_kind *kd = lp->kind;
  const psst_cuda_synapse_fns *f = &synapse_table[kd->id];
  psst_cuda_proj *dp = &c->proj[q];
  cudaStream_t st = c->st;
  const double *x = (lp->store == PSST_STORE_PRE ? z : y) + lp->off;
  const double *A = x;
  if (!(kd->flags & PSST_SYN_F_DRIVE_IS_STATE)) {
    if (dp->nelem) {
      f->drive(st, dp->nelem, dp->params, x, lp->ld, dp->A);
      LAUNCHED();
    }
    A = dp->A;
  }
  const double *inv_k = (kd->flags & PSST_SYN_F_SHARED_G) ? dp->inv_k : NULL;
  const double *V = c->Vloc + lp->lid0;
  double *Isyn = c->Isyn + lp->lid0;
  const int64_t nrows = lp->nrows;
  const psst_csr *csr = &lp->csr;
  int per_synapse = lp->store == PSST_STORE_SYNAPSE;
  if (lp->store == PSST_STORE_POST) {
    k_drive_post<<<grid_for(nrows), TPB, 0, st>>>(nrows, A, inv_k, dp->g, dp->E,
                                                  V, Isyn);
  } else if (dp->dense) {
    k_drive_dense<<<grid_for(nrows * 32), TPB, 0, st>>>(
        nrows, lp->nsrc, dp->dense, A, inv_k, dp->g, dp->E, V, Isyn);
  } else if (dp->warp_rows) {
    k_drive_csr_warp<<<grid_for(nrows * 32), TPB, 0, st>>>(
        nrows, dp->row_ptr, dp->col, dp->w, csr->weight, A, per_synapse, inv_k,
        dp->g, dp->E, V, Isyn);
  } else {
    k_drive_csr<<<grid_for(nrows), TPB, 0, st>>>(
        nrows, dp->row_ptr, dp->col, dp->w, csr->weight, A, per_synapse, inv_k,
        dp->g, dp->E, V, Isyn);
  }
  LAUNCHED();
  return 0;
}

static int cuda_rhs_local(psst_backend *b, int st, double t, int64_t ks,
                          const double *Iinj) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  const double *y, *z;
  double *k, *kz;
  stage_arrays(c, st, &y, &z, &k, &kz);
  const double *I = NULL;
  PSST_TRY(stim(c, ks, Iinj, &I));
  /* the local stage V, contiguous by local index */
  for (int q = 0; q < L->nseg; q++) {
    const psst_seg *sg = &L->seg[q];
    if (sg->n)
      CU(cudaMemcpyAsync(c->Vloc + sg->lid0, y + sg->y_off,
                         (size_t)sg->n * sizeof(double),
                         cudaMemcpyDeviceToDevice, c->st));
  }
  /* synaptic currents, projection by projection in model order; within a
   * projection each row sums in ascending presynaptic order */
  if (L->nloc)
    CU(cudaMemsetAsync(c->Isyn, 0, (size_t)L->nloc * sizeof(double), c->st));
  for (int q = 0; q < L->nlp; q++)
    if (L->lp[q].nrows > 0) PSST_TRY(syn_current(c, q, y, z));
  /* intrinsic currents, one population segment at a time, over the
   * padded length */
  for (int q = 0; q < L->nseg; q++) {
    const psst_seg *sg = &L->seg[q];
    const psst_cuda_seg *ds = &c->seg[q];
    if (sg->ld == 0) continue;
    double *Ii = c->Ipad + ds->ipad_off;
    k_ipad<<<grid_for(sg->ld), TPB, 0, c->st>>>(sg->ld, sg->n, I + sg->lid0,
                                                c->Isyn + sg->lid0, Ii);
    LAUNCHED();
    neuron_table[sg->kind->id](c->st, sg->ld, sg->ld, ds->params, y + sg->y_off,
                               Ii, k + sg->y_off);
    LAUNCHED();
  }
  /* synaptic state that needs no presynaptic stage voltage */
  for (int q = 0; q < L->nlp; q++)
    if (!(L->lp[q].kind->flags & PSST_SYN_F_READS_STAGE_V))
      PSST_TRY(syn_deriv(c, q, t, y, z, k, kz, NULL));
  return 0;
}

static int cuda_rhs_remote(psst_backend *b, int st, double t,
                           const double *Vall) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  const double *y, *z;
  double *k, *kz;
  stage_arrays(c, st, &y, &z, &k, &kz);
  const double *V = NULL;
  if (Vall) {
    PSST_TRY(upload_v(c, Vall, c->vs_lo, c->vs_hi));
    V = c->V;
  }
  for (int q = 0; q < L->nlp; q++)
    if (L->lp[q].kind->flags & PSST_SYN_F_READS_STAGE_V)
      PSST_TRY(syn_deriv(c, q, t, y, z, k, kz, V));
  return 0;
}

static int cuda_stage_end(psst_backend *b, int st, double h) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  cudaStream_t s = c->st;
  int64_t ny = (int64_t)L->ny, nz = (int64_t)L->nz;
  if (L->method == PSST_METHOD_EULER) {
    if (ny) k_axpy<<<grid_for(ny), TPB, 0, s>>>(ny, c->y, c->y, h, c->k);
    if (nz) k_axpy<<<grid_for(nz), TPB, 0, s>>>(nz, c->z, c->z, h, c->kz);
    LAUNCHED();
    return 0;
  }
  if (st == 0) return 0; /* k1 is already in the sums */
  double bst = psst_rk4_b[st];
  if (ny) k_accum<<<grid_for(ny), TPB, 0, s>>>(ny, c->acc, bst, c->k);
  if (nz) k_accum<<<grid_for(nz), TPB, 0, s>>>(nz, c->accz, bst, c->kz);
  LAUNCHED();
  if (st == 3) {
    double h6 = h / 6.0;
    if (ny) k_finish<<<grid_for(ny), TPB, 0, s>>>(ny, c->y, c->acc, h6);
    if (nz) k_finish<<<grid_for(nz), TPB, 0, s>>>(nz, c->z, c->accz, h6);
    LAUNCHED();
  }
  return 0;
}

/* The neurons gids[0..n) (non-decreasing: a spike source may fire more
 * than once in a step) spiked this step: the device copy of fire_t takes
 * their (host-updated) firing times, once per neuron. The deliveries are
 * deliver's (the engine schedules them with their delays). */
static int cuda_spiked(psst_backend *b, const int64_t *gids, int64_t n) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  if (n <= 0) return 0;
  /* the distinct gids and their firing times, packed in one staging
   * buffer: gids at 0, times at N */
  void *h = NULL;
  PSST_TRY(staging_get(&c->up_spk, &h));
  int64_t *hg = (int64_t *)h;
  double *hv = (double *)h + L->N;
  int64_t u = 0;
  for (int64_t x = 0; x < n; x++) {
    if (gids[x] < 0 || gids[x] >= L->N || (x > 0 && gids[x] < gids[x - 1]))
      return psst_error_set(PSST_ERR_INTERNAL,
                            "CUDA backend: the spiked gids must be "
                            "non-decreasing and within the network");
    if (u > 0 && hg[u - 1] == gids[x]) continue;
    hg[u] = gids[x];
    hv[u++] = L->fire_t[gids[x]];
  }
  CU(cudaMemcpyAsync(c->spk_gid, hg, (size_t)u * sizeof(int64_t),
                     cudaMemcpyHostToDevice, c->st));
  CU(cudaMemcpyAsync(c->spk_val, hv, (size_t)u * sizeof(double),
                     cudaMemcpyHostToDevice, c->st));
  PSST_TRY(staging_sent(c, &c->up_spk));
  k_scatter<<<grid_for(u), TPB, 0, c->st>>>(u, c->spk_gid, c->spk_val,
                                            c->fire_t);
  LAUNCHED();
  return 0;
}

/* Host scratch for n events: ev_gelem and ev_cnt of at least n entries. */
static int ev_reserve_host(psst_cuda_backend *c, int64_t n) {
  if (n <= c->ev_ncap) return 0;
  int64_t cap = c->ev_ncap ? c->ev_ncap : 256;
  while (cap < n)
    cap *= 2;
  int64_t *g = (int64_t *)realloc(c->ev_gelem, (size_t)cap * sizeof *g);
  if (!g) return psst_error_set(PSST_ERR_NOMEM, "out of memory (CUDA backend)");
  c->ev_gelem = g;
  int64_t *k = (int64_t *)realloc(c->ev_cnt, (size_t)cap * sizeof *k);
  if (!k) return psst_error_set(PSST_ERR_NOMEM, "out of memory (CUDA backend)");
  c->ev_cnt = k;
  c->ev_ncap = cap;
  return 0;
}

/* The staging buffer and the device buffer of deliver, for `words` 8-byte
 * words each. Growing waits for the copies and kernels that still read the
 * old buffers (the staging event, then the stream). */
static int ev_reserve(psst_cuda_backend *c, size_t words) {
  const size_t bytes = words * sizeof(double);
  if (bytes > c->up_ev.cap) {
    void *h = NULL;
    PSST_TRY(staging_get(&c->up_ev, &h)); /* the last copy out of it is done */
    size_t cap = c->up_ev.cap ? c->up_ev.cap : 4096;
    while (cap < bytes)
      cap *= 2;
    CU(cudaFreeHost(c->up_ev.h));
    c->up_ev.h = NULL;
    c->up_ev.cap = 0;
    void *nh = NULL;
    CU(cudaMallocHost(&nh, cap));
    c->up_ev.h = nh;
    c->up_ev.cap = cap;
  }
  if (words > c->ev_cap) {
    size_t cap = c->ev_cap ? c->ev_cap : 512;
    while (cap < words)
      cap *= 2;
    CU(cudaStreamSynchronize(c->st)); /* no kernel reads the old one */
    CU(cudaFree(c->ev));
    c->ev = NULL;
    c->ev_cap = 0;
    PSST_TRY(dalloc(&c->ev, cap, c->st));
    c->ev_cap = cap;
  }
  return 0;
}

/* Events of projection q due now, in order: on_spike(w[e], t) of element
 * elem[e] (PRE: presynaptic index j < nsrc, in z; SYNAPSE: CSR position <
 * nnz, in y; POST: local row < nrows, in y). The CPU applies them one
 * after the other; here the events are grouped by element on the host (a
 * stable counting sort: groups in the order of their first event, each
 * group's weights in the order given), and one device thread per group
 * applies its events in that order, so that each element sees the CPU's
 * sequence of on_spike calls. Cost O(n) on the host per call; the mark
 * array (one entry per element) is reset for the touched elements only. */
static int cuda_deliver(psst_backend *b, int q, const int64_t *elem,
                        const double *w, int64_t n, double t) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  if (n <= 0) return 0;
  if (q < 0 || q >= L->nlp ||
      !(L->lp[q].kind->flags & PSST_SYN_F_SPIKE_TRIGGERED))
    return psst_error_set(PSST_ERR_INTERNAL,
                          "CUDA backend: events for projection %d, which is "
                          "not spike-triggered",
                          q);
  const psst_lproj *lp = &L->lp[q];
  const psst_cuda_proj *dp = &c->proj[q];
  const int64_t nelem = dp->nelem;
  if (nelem > c->ev_nmark || n > ((int64_t)1 << 40))
    return psst_error_set(PSST_ERR_INTERNAL,
                          "CUDA backend: %lld events for %lld elements",
                          (long long)n, (long long)nelem);
  PSST_TRY(ev_reserve_host(c, n));
  int64_t *mark = c->ev_mark, *gelem = c->ev_gelem, *cnt = c->ev_cnt;
  /* pass 1: the groups, numbered by first appearance, and their sizes */
  int64_t ng = 0;
  for (int64_t e = 0; e < n; e++) {
    const int64_t x = elem[e];
    if (x < 0 || x >= nelem) {
      for (int64_t g = 0; g < ng; g++)
        mark[gelem[g]] = -1;
      return psst_error_set(PSST_ERR_INTERNAL,
                            "CUDA backend: event for element %lld of %lld "
                            "(projection %d)",
                            (long long)x, (long long)nelem, q);
    }
    int64_t g = mark[x];
    if (g < 0) {
      g = ng++;
      mark[x] = g;
      gelem[g] = x;
      cnt[g] = 0;
    }
    cnt[g]++;
  }
  /* the packed upload: [gptr: ng + 1 | gelem: ng | w: n] */
  const size_t words = (size_t)ng + 1 + (size_t)ng + (size_t)n;
  PSST_TRY(ev_reserve(c, words));
  void *h = NULL;
  PSST_TRY(staging_get(&c->up_ev, &h));
  int64_t *hptr = (int64_t *)h;
  int64_t *helem = hptr + ng + 1;
  double *hw = (double *)(helem + ng);
  /* the groups' offsets; cnt becomes each group's fill cursor */
  hptr[0] = 0;
  for (int64_t g = 0; g < ng; g++) {
    hptr[g + 1] = hptr[g] + cnt[g];
    cnt[g] = hptr[g];
    helem[g] = gelem[g];
  }
  /* pass 2: the weights by group, in the given order within each */
  for (int64_t e = 0; e < n; e++)
    hw[cnt[mark[elem[e]]]++] = w[e];
  for (int64_t g = 0; g < ng; g++)
    mark[gelem[g]] = -1;
  CU(cudaMemcpyAsync(c->ev, h, words * sizeof(double), cudaMemcpyHostToDevice,
                     c->st));
  PSST_TRY(staging_sent(c, &c->up_ev));
  const int64_t *dptr = (const int64_t *)c->ev;
  const int64_t *delem = dptr + ng + 1;
  const double *dw = (const double *)(delem + ng);
  double *x = (lp->store == PSST_STORE_PRE ? c->z : c->y) + lp->off;
  synapse_table[lp->kind->id].deliver(c->st, ng, dp->params, dptr, delem, dw, t,
                                      x, lp->ld);
  LAUNCHED();
  return 0;
}

static int cuda_boundary(psst_backend *b, double t, const double *Vall) {
  psst_cuda_backend *c = CB(b);
  const psst_layout *L = b->L;
  PSST_TRY(upload_v(c, Vall, c->vb_lo, c->vb_hi));
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    if (!(lp->kind->flags & PSST_SYN_F_STEP_BOUNDARY) || lp->nsrc == 0)
      continue;
    synapse_table[lp->kind->id].release(c->st, lp->nsrc, c->proj[q].params, t,
                                        c->V + lp->src_gid0,
                                        c->aux + lp->aux_off);
    LAUNCHED();
  }
  return 0;
}

static void cuda_destroy(psst_backend **bp) {
  if (!bp || !*bp) return;
  psst_cuda_backend *c = CB(*bp);
  const psst_layout *L = c->base.L;
  cudaSetDevice(c->device);
  if (c->st) cudaStreamSynchronize(c->st);
  if (c->proj)
    for (int q = 0; q < L->nlp; q++) {
      psst_cuda_proj *dp = &c->proj[q];
      void *ps[] = {dp->params, dp->row_ptr, dp->col, dp->w,
                    dp->dense,  dp->inv_k,   dp->T,   dp->A};
      for (size_t x = 0; x < sizeof ps / sizeof ps[0]; x++)
        cudaFree(ps[x]);
    }
  if (c->seg)
    for (int q = 0; q < L->nseg; q++)
      cudaFree(c->seg[q].params);
  void *ps[] = {c->y,        c->ys,      c->k,       c->acc,  c->z,
                c->zs,       c->kz,      c->accz,    c->aux,  c->fire_t,
                c->V,        c->Vloc,    c->Isyn,    c->Ipad, c->Istim[0],
                c->Istim[1], c->spk_gid, c->spk_val, c->ev};
  for (size_t x = 0; x < sizeof ps / sizeof ps[0]; x++)
    cudaFree(ps[x]);
  if (c->h_vloc) cudaFreeHost(c->h_vloc);
  staging_free(&c->up_v);
  staging_free(&c->up_stim);
  staging_free(&c->up_spk);
  staging_free(&c->up_ev);
  if (c->st) cudaStreamDestroy(c->st);
  (void)cudaGetLastError(); /* nothing to report from a teardown */
  free(c->ev_mark);
  free(c->ev_gelem);
  free(c->ev_cnt);
  free(c->seg);
  free(c->proj);
  free(c);
  *bp = NULL;
}

static const psst_backend_ops cuda_ops = {
    "cuda",           cuda_destroy,        cuda_get_state, cuda_restore_state,
    cuda_stage_state, cuda_local_voltages, cuda_rhs_local, cuda_rhs_remote,
    cuda_stage_end,   cuda_spiked,         cuda_deliver,   cuda_boundary,
};

/* ---- device count and create --------------------------------------------
 */

extern "C" int psst_backend_cuda_device_count(char *why, size_t n) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    /* e.g. cudaErrorNoDevice, cudaErrorInsufficientDriver (the driver is
     * older than the runtime, or absent) */
    snprintf(why, n, "%s", cudaGetErrorString(e));
    (void)cudaGetLastError(); /* clear the (non-sticky) error */
    return 0;
  }
  if (count <= 0) {
    snprintf(why, n, "no CUDA device");
    return 0;
  }
  return count;
}

/* Extend [lo, hi) by the source slice [a, b). */
static void cover(int64_t *lo, int64_t *hi, int64_t a, int64_t b) {
  if (b <= a) return;
  if (*hi <= *lo) {
    *lo = a;
    *hi = b;
    return;
  }
  if (a < *lo) *lo = a;
  if (b > *hi) *hi = b;
}

static int setup_projection(psst_cuda_backend *c, int q) {
  const psst_layout *L = c->base.L;
  const psst_lproj *lp = &L->lp[q];
  const psst_synapse_kind *kd = lp->kind;
  psst_cuda_proj *dp = &c->proj[q];
  cudaStream_t st = c->st;
  if (kd->id < 0 || kd->id >= PSST_SYN_COUNT)
    return psst_error_set(PSST_ERR_INTERNAL,
                          "CUDA backend: synapse kind '%s' has no kernels",
                          kd->name);
  unsigned f = kd->flags;
  size_t np = (size_t)kd->nparam + (size_t)kd->nderived;
  PSST_TRY(dupload(&dp->params, lp->params, np, st));
  synapse_table[kd->id].current(lp->params, &dp->g, &dp->E);
  dp->nelem = lp->store == PSST_STORE_PRE    ? lp->nsrc
              : lp->store == PSST_STORE_POST ? lp->nrows
                                             : lp->nnz;
  const psst_csr *csr = &lp->csr;
  int dense = lp->dense && lp->store != PSST_STORE_POST;
  if (dense)
    PSST_TRY(dupload(&dp->dense, lp->dense,
                     (size_t)lp->nrows * (size_t)lp->nsrc, st));
  /* the CSR: for the sparse drive and the per-synapse derivatives (col);
   * the spike deliveries need none (the engine names their elements) */
  int sparse = lp->store != PSST_STORE_POST && !dense;
  if (sparse || lp->store == PSST_STORE_SYNAPSE) {
    PSST_TRY(dupload(&dp->row_ptr, csr->row_ptr, (size_t)lp->nrows + 1, st));
    PSST_TRY(dupload(&dp->col, csr->col, (size_t)lp->nnz, st));
    if (csr->w) PSST_TRY(dupload(&dp->w, csr->w, (size_t)lp->nnz, st));
  }
  if (sparse) {
    /* a warp per row from 32 inputs a row on average (PSST_CUDA_CSR=thread
     * or =warp forces one; both round alike) */
    const char *mode = getenv("PSST_CUDA_CSR");
    if (mode && !strcmp(mode, "thread"))
      dp->warp_rows = 0;
    else if (mode && !strcmp(mode, "warp"))
      dp->warp_rows = 1;
    else
      dp->warp_rows = lp->nrows > 0 && lp->nnz >= 32 * lp->nrows;
  }
  if ((f & PSST_SYN_F_SHARED_G) && lp->inv_k)
    PSST_TRY(dupload(&dp->inv_k, lp->inv_k, (size_t)lp->nrows, st));
  PSST_TRY(dalloc(&dp->T, (size_t)lp->nsrc, st));
  if (!(f & PSST_SYN_F_DRIVE_IS_STATE))
    PSST_TRY(dalloc(&dp->A, (size_t)dp->nelem, st));
  if (f & PSST_SYN_F_READS_STAGE_V)
    cover(&c->vs_lo, &c->vs_hi, lp->src_gid0, lp->src_gid0 + lp->nsrc);
  if (f & PSST_SYN_F_STEP_BOUNDARY)
    cover(&c->vb_lo, &c->vb_hi, lp->src_gid0, lp->src_gid0 + lp->nsrc);
  return 0;
}

static int setup(psst_cuda_backend *c) {
  const psst_layout *L = c->base.L;
  CU(cudaSetDevice(c->device));
  CU(cudaStreamCreateWithFlags(&c->st, cudaStreamNonBlocking));
  cudaStream_t st = c->st;
  cudaDeviceProp prop;
  CU(cudaGetDeviceProperties(&prop, c->device));
  snprintf(c->base.description, sizeof c->base.description,
           "cuda (device %d: %.200s)", c->device, prop.name);

  /* state and work arrays */
  size_t ny = L->ny, nz = L->nz, N = (size_t)L->N, nl = (size_t)L->nloc;
  PSST_TRY(dalloc(&c->y, ny, st));
  PSST_TRY(dalloc(&c->ys, ny, st));
  PSST_TRY(dalloc(&c->k, ny, st));
  PSST_TRY(dalloc(&c->acc, ny, st));
  PSST_TRY(dalloc(&c->z, nz, st));
  PSST_TRY(dalloc(&c->zs, nz, st));
  PSST_TRY(dalloc(&c->kz, nz, st));
  PSST_TRY(dalloc(&c->accz, nz, st));
  PSST_TRY(dalloc(&c->aux, L->naux, st));
  PSST_TRY(dalloc(&c->fire_t, N, st));
  PSST_TRY(dalloc(&c->V, N, st));
  PSST_TRY(dalloc(&c->Vloc, nl, st));
  PSST_TRY(dalloc(&c->Isyn, nl, st));
  PSST_TRY(dalloc(&c->Istim[0], nl, st));
  PSST_TRY(dalloc(&c->Istim[1], nl, st));
  PSST_TRY(dalloc(&c->spk_gid, N, st));
  PSST_TRY(dalloc(&c->spk_val, N, st));
  CU(cudaMallocHost((void **)&c->h_vloc, (nl ? nl : 1) * sizeof(double)));

  /* the neuron kinds */
  c->seg = (psst_cuda_seg *)calloc((size_t)L->nseg + 1, sizeof *c->seg);
  c->proj = (psst_cuda_proj *)calloc((size_t)L->nlp + 1, sizeof *c->proj);
  if (!c->seg || !c->proj)
    return psst_error_set(PSST_ERR_NOMEM, "out of memory (CUDA backend)");
  size_t npad = 0;
  for (int q = 0; q < L->nseg; q++) {
    const psst_seg *sg = &L->seg[q];
    const psst_neuron_kind *kd = sg->kind;
    if (kd->id < 0 || kd->id >= PSST_NK_COUNT)
      return psst_error_set(PSST_ERR_INTERNAL,
                            "CUDA backend: neuron kind '%s' has no kernel",
                            kd->name);
    c->seg[q].ipad_off = npad;
    npad += (size_t)sg->ld;
    PSST_TRY(dupload(&c->seg[q].params, sg->params,
                     (size_t)kd->nparam + (size_t)kd->nderived, st));
  }
  PSST_TRY(dalloc(&c->Ipad, npad, st));

  /* the projections */
  c->vs_lo = c->vs_hi = c->vb_lo = c->vb_hi = 0;
  for (int q = 0; q < L->nlp; q++)
    PSST_TRY(setup_projection(c, q));

  /* staging for uploads */
  int64_t nv = c->vs_hi - c->vs_lo;
  if (c->vb_hi - c->vb_lo > nv) nv = c->vb_hi - c->vb_lo;
  PSST_TRY(staging_init(&c->up_v, (size_t)nv * sizeof(double)));
  PSST_TRY(staging_init(&c->up_stim, nl * sizeof(double)));
  PSST_TRY(staging_init(&c->up_spk, 2 * N * sizeof(double)));
  /* deliver's event grouping: the mark array for the largest
   * spike-triggered projection (all -1); the other buffers grow on use */
  PSST_TRY(staging_init(&c->up_ev, 0));
  c->ev_nmark = 0;
  for (int q = 0; q < L->nlp; q++)
    if ((L->lp[q].kind->flags & PSST_SYN_F_SPIKE_TRIGGERED) &&
        c->proj[q].nelem > c->ev_nmark)
      c->ev_nmark = c->proj[q].nelem;
  c->ev_mark = (int64_t *)malloc((size_t)(c->ev_nmark ? c->ev_nmark : 1) *
                                 sizeof *c->ev_mark);
  if (!c->ev_mark)
    return psst_error_set(PSST_ERR_NOMEM, "out of memory (CUDA backend)");
  for (int64_t x = 0; x < c->ev_nmark; x++)
    c->ev_mark[x] = -1;

  /* the host state */
  return upload_state(c);
}

extern "C" int psst_backend_cuda_create(const psst_layout *L, int device,
                                        psst_backend **out) {
  *out = NULL;
  psst_cuda_backend *c = (psst_cuda_backend *)calloc(1, sizeof *c);
  if (!c) return psst_error_set(PSST_ERR_NOMEM, "out of memory (backend)");
  c->base.ops = &cuda_ops;
  c->base.L = L;
  c->device = device;
  c->Istim_k[0] = c->Istim_k[1] = -1;
  int rc = setup(c);
  if (rc < 0) {
    psst_backend *b = &c->base;
    cuda_destroy(&b);
    return rc;
  }
  *out = &c->base;
  return 0;
}
