/* The CPU backend: the stages of backend/backend.h on the host, computing
 * in place on the layout's host state, with the loops of one kernel table
 * (cpu_kernels.h). No per-kind code: the kernel tables are indexed by the
 * kinds' ids, the flags say which loops a projection needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/cpu/cpu_kernels.h"
#include "mech/vecmath.h"
#include "psst/error.h"
#include "psst/odeint.h"

/* Per-projection scratch. */
typedef struct cpu_proj {
  double *T;     /* nsrc: transmitter per presynaptic neuron */
  double *A;     /* elements: drive of each (when not the state itself) */
  double *drive; /* nrows */
} cpu_proj;

typedef struct cpu_backend {
  psst_backend base;
  const psst_cpu_kernels *K;
  double *ys, *k, *acc;   /* ny */
  double *zs, *kz, *accz; /* nz */
  double *Vloc;           /* nloc: local V of the stage being evaluated */
  double *Isyn;           /* nloc */
  double *Ipad;           /* per segment ld: the non-intrinsic current */
  size_t *ipad_off;       /* nseg: offset of each segment in Ipad */
  cpu_proj *proj;
  int has_rows;  /* some projection has local rows (synaptic currents) */
  double pend_b; /* RK4: the last stage's slopes still to be added to the
                    sums with this weight (0: none), done in one pass with
                    the next stage state or the final combination */
} cpu_backend;

static cpu_backend *CPU(psst_backend *b) { return (cpu_backend *)b; }

/* The loops of projection lp's kind: a user-defined kind's own, or the
 * kernel table's. */
static const psst_cpu_synapse_fns *syn_fns(const cpu_backend *c,
                                           const psst_lproj *lp) {
  return lp->loops ? lp->loops : &c->K->synapse[lp->kind->id];
}

static void *zalloc(size_t n, size_t sz) { return calloc(n ? n : 1, sz); }

/* The state and slope arrays stage st reads and writes: stage 0 reads the
 * state itself; RK4 writes stage 0's slopes straight into the sums. */
static void stage_arrays(cpu_backend *c, int st, const double **y,
                         const double **z, double **k, double **kz) {
  const psst_layout *L = c->base.L;
  int rk4 = L->method == PSST_METHOD_RK4;
  *y = st == 0 ? L->y : c->ys;
  *z = st == 0 ? L->z : c->zs;
  *k = (st == 0 && rk4) ? c->acc : c->k;
  *kz = (st == 0 && rk4) ? c->accz : c->kz;
}

static int cpu_get_state(psst_backend *b) {
  (void)b; /* computes on the host state itself */
  return 0;
}

static int cpu_restore_state(psst_backend *b, int changed) {
  (void)b;
  (void)changed;
  return 0;
}

static int cpu_stage_state(psst_backend *b, int st, double a) {
  cpu_backend *c = CPU(b);
  const psst_layout *L = b->L;
  const int64_t ny = (int64_t)L->ny, nz = (int64_t)L->nz;
  if (st == 1 || c->pend_b == 0.0) {
    const double *kp = st == 1 ? c->acc : c->k;
    const double *kzp = st == 1 ? c->accz : c->kz;
    c->K->axpy(ny, c->ys, L->y, a, kp);
    c->K->axpy(nz, c->zs, L->z, a, kzp);
  } else {
    /* acc += b k_{st-1} and y + a k_{st-1}: the same sums, one pass */
    c->K->accum_axpy(ny, c->acc, c->pend_b, c->k, c->ys, L->y, a);
    c->K->accum_axpy(nz, c->accz, c->pend_b, c->kz, c->zs, L->z, a);
    c->pend_b = 0.0;
  }
  return 0;
}

static int cpu_local_voltages(psst_backend *b, int which, double *Vall) {
  cpu_backend *c = CPU(b);
  const psst_layout *L = b->L;
  const double *y = which == PSST_V_STAGE ? c->ys : L->y;
  if (which == PSST_V_SLOPE) /* k1: RK4 keeps it in the sums */
    y = L->method == PSST_METHOD_RK4 ? c->acc : c->k;
  for (int q = 0; q < L->nseg; q++) {
    const psst_seg *sg = &L->seg[q];
    memcpy(Vall + sg->gid_lo, y + sg->y_off, (size_t)sg->n * sizeof *Vall);
  }
  return 0;
}

/* Derivatives of projection q's state at stage time t; V: every neuron's
 * stage V (kinds that read it) or NULL. */
static void syn_deriv(cpu_backend *c, int q, double t, const double *y,
                      const double *z, double *k, double *kz, const double *V) {
  const psst_layout *L = c->base.L;
  const psst_lproj *lp = &L->lp[q];
  const psst_synapse_kind *kd = lp->kind;
  const psst_cpu_synapse_fns *f = syn_fns(c, lp);
  const double *p = lp->params;
  /* without a transmitter, T stays the zeros it was allocated with */
  const double *T = c->proj[q].T;
  if (kd->flags & PSST_SYN_F_TRANSMITTER) {
    /* arrays the transmitter does not read (its flags say which) are
     * passed as the firing times, which always exist */
    const double *ft = L->fire_t + lp->src_gid0;
    const double *Vs = V ? V + lp->src_gid0 : ft;
    const double *aux =
        (kd->flags & PSST_SYN_F_STEP_BOUNDARY) ? L->aux + lp->aux_off : ft;
    f->transmitter(lp->nsrc, p, t, Vs, ft, aux, c->proj[q].T);
  }
  switch (lp->store) {
  case PSST_STORE_PRE:
    f->deriv_pre(lp->nsrc, p, t, T, z + lp->off, lp->ld, kz + lp->off);
    break;
  case PSST_STORE_SYNAPSE:
    f->deriv_syn(lp->nnz, p, t, T, lp->csr.col, y + lp->off, lp->ld,
                 k + lp->off);
    break;
  case PSST_STORE_POST:
  default:
    f->deriv_post(lp->nrows, p, t, y + lp->off, lp->ld, k + lp->off);
    break;
  }
}

/* drive[r] of projection q's local rows from the stage state. */
static void syn_drive(cpu_backend *c, int q, const double *y, const double *z,
                      double *drive) {
  const psst_layout *L = c->base.L;
  const psst_lproj *lp = &L->lp[q];
  const psst_synapse_kind *kd = lp->kind;
  const psst_cpu_synapse_fns *f = syn_fns(c, lp);
  const double *x = (lp->store == PSST_STORE_PRE ? z : y) + lp->off;
  int64_t nelem = lp->store == PSST_STORE_PRE    ? lp->nsrc
                  : lp->store == PSST_STORE_POST ? lp->nrows
                                                 : lp->nnz;
  const double *A = x;
  if (!(kd->flags & PSST_SYN_F_DRIVE_IS_STATE)) {
    f->drive(nelem, lp->params, x, lp->ld, c->proj[q].A);
    A = c->proj[q].A;
  }
  const psst_csr *csr = &lp->csr;
  if (lp->store == PSST_STORE_POST) {
    memcpy(drive, A, (size_t)lp->nrows * sizeof *drive);
  } else if (lp->dense) {
    c->K->dense(lp->nrows, lp->nsrc, lp->dense, A, drive);
  } else if (lp->store == PSST_STORE_PRE) {
    c->K->csr_pre(lp->nrows, csr->row_ptr, csr->col, csr->w, csr->weight, A,
                  drive);
  } else {
    c->K->csr_syn(lp->nrows, csr->row_ptr, csr->w, csr->weight, A, drive);
  }
  if (kd->flags & PSST_SYN_F_SHARED_G)
    for (int64_t r = 0; r < lp->nrows; r++)
      drive[r] *= lp->inv_k[r];
}

static int cpu_rhs_local(psst_backend *b, int st, double t, int64_t ks,
                         const double *Iinj) {
  (void)ks;
  cpu_backend *c = CPU(b);
  const psst_layout *L = b->L;
  const double *y, *z;
  double *k, *kz;
  stage_arrays(c, st, &y, &z, &k, &kz);
  /* synaptic currents, projection by projection in model order; within a
   * projection each row sums in ascending presynaptic order; from the
   * local stage V, contiguous by local index */
  if (c->has_rows) {
    for (int q = 0; q < L->nseg; q++) {
      const psst_seg *sg = &L->seg[q];
      memcpy(c->Vloc + sg->lid0, y + sg->y_off,
             (size_t)sg->n * sizeof *c->Vloc);
    }
    memset(c->Isyn, 0, (size_t)L->nloc * sizeof *c->Isyn);
  }
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    if (lp->nrows == 0) continue;
    double g, E;
    syn_fns(c, lp)->current(lp->params, &g, &E);
    syn_drive(c, q, y, z, c->proj[q].drive);
    c->K->current(lp->nrows, g, E, c->proj[q].drive, c->Vloc + lp->lid0,
                  c->Isyn + lp->lid0);
  }
  /* intrinsic currents, one population segment at a time, over the
   * padded length */
  for (int q = 0; q < L->nseg; q++) {
    const psst_seg *sg = &L->seg[q];
    double *Ii = c->Ipad + c->ipad_off[q];
    if (c->has_rows)
      for (int64_t i = 0; i < sg->n; i++)
        Ii[i] = Iinj[sg->lid0 + i] - c->Isyn[sg->lid0 + i];
    else
      memcpy(Ii, Iinj + sg->lid0, (size_t)sg->n * sizeof *Ii);
    psst_cpu_neuron_fn f = sg->kernel ? sg->kernel : c->K->neuron[sg->kind->id];
    f(sg->ld, sg->ld, sg->params, y + sg->y_off, Ii, k + sg->y_off);
  }
  /* synaptic state that needs no presynaptic stage voltage */
  for (int q = 0; q < L->nlp; q++)
    if (!(L->lp[q].kind->flags & PSST_SYN_F_READS_STAGE_V))
      syn_deriv(c, q, t, y, z, k, kz, NULL);
  return 0;
}

static int cpu_rhs_remote(psst_backend *b, int st, double t,
                          const double *Vall) {
  cpu_backend *c = CPU(b);
  const psst_layout *L = b->L;
  const double *y, *z;
  double *k, *kz;
  stage_arrays(c, st, &y, &z, &k, &kz);
  for (int q = 0; q < L->nlp; q++)
    if (L->lp[q].kind->flags & PSST_SYN_F_READS_STAGE_V)
      syn_deriv(c, q, t, y, z, k, kz, Vall);
  return 0;
}

static int cpu_stage_end(psst_backend *b, int st, double h) {
  cpu_backend *c = CPU(b);
  const psst_layout *L = b->L;
  int64_t ny = (int64_t)L->ny, nz = (int64_t)L->nz;
  if (L->method == PSST_METHOD_EULER) {
    c->K->axpy(ny, L->y, L->y, h, c->k);
    c->K->axpy(nz, L->z, L->z, h, c->kz);
    return 0;
  }
  if (st == 0) return 0; /* k1 is already in the sums */
  double bst = psst_rk4_b[st];
  if (st < 3) {
    c->pend_b = bst; /* added by the next stage_state */
    return 0;
  }
  double h6 = h / 6.0;
  c->K->accum_finish(ny, c->acc, bst, c->k, L->y, h6);
  c->K->accum_finish(nz, c->accz, bst, c->kz, L->z, h6);
  return 0;
}

static int cpu_spiked(psst_backend *b, const int64_t *gids, int64_t n) {
  (void)b; /* the firing times are the layout's own */
  (void)gids;
  (void)n;
  return 0;
}

static int cpu_deliver(psst_backend *b, int q, const int64_t *elem,
                       const double *w, int64_t n, double t) {
  cpu_backend *c = CPU(b);
  const psst_layout *L = b->L;
  const psst_lproj *lp = &L->lp[q];
  double *x = (lp->store == PSST_STORE_PRE ? L->z : L->y) + lp->off;
  syn_fns(c, lp)->deliver(lp->params, elem, w, n, t, x, lp->ld);
  return 0;
}

static int cpu_boundary(psst_backend *b, double t, const double *Vall) {
  cpu_backend *c = CPU(b);
  const psst_layout *L = b->L;
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    if (!(lp->kind->flags & PSST_SYN_F_STEP_BOUNDARY)) continue;
    syn_fns(c, lp)->release(lp->nsrc, lp->params, t, Vall + lp->src_gid0,
                            L->aux + lp->aux_off);
  }
  return 0;
}

static void cpu_destroy(psst_backend **bp) {
  if (!bp || !*bp) return;
  cpu_backend *c = CPU(*bp);
  const psst_layout *L = c->base.L;
  if (c->proj)
    for (int q = 0; q < L->nlp; q++) {
      free(c->proj[q].T);
      free(c->proj[q].A);
      free(c->proj[q].drive);
    }
  free(c->proj);
  double *bufs[] = {c->ys,   c->k,    c->acc,  c->zs,  c->kz,
                    c->accz, c->Vloc, c->Isyn, c->Ipad};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    free(bufs[i]);
  free(c->ipad_off);
  free(c);
  *bp = NULL;
}

static const psst_backend_ops cpu_ops = {
    "cpu",           cpu_destroy,        cpu_get_state, cpu_restore_state,
    cpu_stage_state, cpu_local_voltages, cpu_rhs_local, cpu_rhs_remote,
    cpu_stage_end,   cpu_spiked,         cpu_deliver,   cpu_boundary,
};

#define ALLOC(ptr, n)                                                          \
  do {                                                                         \
    (ptr) = zalloc((size_t)(n), sizeof *(ptr));                                \
    if (!(ptr)) goto nomem;                                                    \
  } while (0)

static const psst_cpu_kernels *kernels_of(int isa) {
#if PSST_CPU_HAVE_AVX512
  if (isa >= PSST_ISA_AVX512) return &psst_cpu_kernels_avx512;
#endif
#if PSST_CPU_HAVE_AVX2
  if (isa >= PSST_ISA_AVX2) return &psst_cpu_kernels_avx2;
#endif
  (void)isa;
  return &psst_cpu_kernels_baseline;
}

int psst_backend_cpu_isa_best(void) {
#if defined(__x86_64__) && (PSST_CPU_HAVE_AVX2 || PSST_CPU_HAVE_AVX512)
  __builtin_cpu_init();
  int fma = __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx2");
#if PSST_CPU_HAVE_AVX512
  if (fma && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
    return PSST_ISA_AVX512;
#endif
#if PSST_CPU_HAVE_AVX2
  if (fma) return PSST_ISA_AVX2;
#endif
#endif
  return PSST_ISA_BASELINE;
}

int psst_backend_cpu_isa_parse(const char *name) {
  if (!strcmp(name, "baseline")) return PSST_ISA_BASELINE;
  if (!strcmp(name, "avx2")) return PSST_ISA_AVX2;
  if (!strcmp(name, "avx512")) return PSST_ISA_AVX512;
  return -1;
}

const char *psst_backend_cpu_isa_name(int level) {
  return kernels_of(level)->isa;
}

int psst_backend_cpu_create(const psst_layout *L, int isa, psst_backend **out) {
  *out = NULL;
  cpu_backend *c = calloc(1, sizeof *c);
  if (!c) return psst_error_set(PSST_ERR_NOMEM, "out of memory (backend)");
  c->base.ops = &cpu_ops;
  c->base.L = L;
  c->K = kernels_of(isa);
  snprintf(c->base.description, sizeof c->base.description, "cpu (%s, %s)",
           c->K->isa, psst_vecmath_name());
  ALLOC(c->ys, L->ny);
  ALLOC(c->k, L->ny);
  ALLOC(c->acc, L->ny);
  ALLOC(c->zs, L->nz);
  ALLOC(c->kz, L->nz);
  ALLOC(c->accz, L->nz);
  ALLOC(c->Vloc, L->nloc);
  ALLOC(c->Isyn, L->nloc);
  ALLOC(c->ipad_off, L->nseg);
  size_t npad = 0;
  for (int q = 0; q < L->nseg; q++) {
    c->ipad_off[q] = npad;
    npad += (size_t)L->seg[q].ld;
  }
  ALLOC(c->Ipad, npad);
  ALLOC(c->proj, L->nlp);
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    cpu_proj *cp = &c->proj[q];
    int64_t nelem = lp->store == PSST_STORE_PRE    ? lp->nsrc
                    : lp->store == PSST_STORE_POST ? lp->nrows
                                                   : lp->nnz;
    ALLOC(cp->T, lp->nsrc);
    ALLOC(cp->A, nelem);
    ALLOC(cp->drive, lp->nrows);
    if (lp->nrows > 0) c->has_rows = 1;
  }
  *out = &c->base;
  return 0;
nomem:;
  psst_backend *b = &c->base;
  cpu_destroy(&b);
  return psst_error_set(PSST_ERR_NOMEM, "out of memory (CPU backend)");
}
