/* Building a simulation: partition, local network (the layout), stimuli,
 * initial state, and the backend. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "kinds/jit.h"
#include "kinds/user.h"
#include "kinds/user_syn.h"
#include "mech/list.h"
#include "mech/rules.h"
#include "mech/syn_loops.h"
#include "mech/vecmath.h"
#include "partition.h"
#include "psst/io.h"
#include "rng.h"

static void *xcalloc(size_t n, size_t sz) { return calloc(n ? n : 1, sz); }

#define ALLOC(ptr, n)                                                          \
  do {                                                                         \
    (ptr) = xcalloc((size_t)(n), sizeof *(ptr));                               \
    PSST_ALLOC_CHECK(ptr);                                                     \
  } while (0)

/* Draw an initial value for variable `var` of an entity keyed by id. */
static double init_draw(const psst_init_value *iv, double def, uint64_t seed,
                        uint32_t stream, int64_t id, uint64_t sub) {
  switch (iv->type) {
  case PSST_INIT_CONST: return iv->a;
  case PSST_INIT_NORMAL:
    return iv->a + iv->b * psst_rng_normal(seed, stream, (uint64_t)id, sub);
  case PSST_INIT_UNIFORM:
    return iv->a +
           (iv->b - iv->a) * psst_rng_uniform(seed, stream, (uint64_t)id, sub);
  case PSST_INIT_DEFAULT:
  default: return def;
  }
}

static double noisy(double x, const psst_population *pp, uint64_t seed, int pop,
                    int64_t gid, int var) {
  if (pp->init_noise == 0.0 || x == 0.0) return x;
  double xi = psst_rng_normal(seed, PSST_STREAM_NOISE + (uint32_t)pop,
                              (uint64_t)gid, (uint64_t)var);
  return x * (1.0 + pp->init_noise * xi);
}

/* Initial state of the local neurons of segment sg; the padding lanes
 * copy the last neuron. */
static int init_segment(psst_sim *s, const psst_seg *sg) {
  const psst_model *m = s->m;
  const psst_population *pp = &m->pops[sg->pop];
  const psst_neuron_kind *kd = sg->kind;
  uint64_t seed = m->run.seed;
  uint32_t stream = PSST_STREAM_INIT_POP + (uint32_t)sg->pop;
  int64_t plo = sg->gid_lo - pp->first_gid; /* population-local index */
  const int64_t ld = sg->ld;
  double *y = s->L.y + sg->y_off;
  int *from_file = calloc((size_t)kd->nstate, sizeof *from_file);
  PSST_ALLOC_CHECK(from_file);
  int rc = 0;
  for (int v = 0; v < kd->nstate; v++) {
    for (int64_t i = 0; i < sg->n; i++)
      y[v * ld + i] = init_draw(&pp->init[v], kd->state[v].def, seed, stream,
                                sg->gid_lo + i, (uint64_t)v);
    if (pp->init_file && sg->n > 0) {
      rc = psst_io_read_vector(pp->init_file, kd->state[v].name, pp->size, plo,
                               plo + sg->n, y + v * ld, &from_file[v]);
      if (rc < 0) {
        psst_error_prefix("population '%s': init_file: ", pp->name);
        goto done;
      }
      /* a fraction (gate) from the file lies in [0, 1] */
      for (int64_t i = 0; from_file[v] && kd->state[v].fraction && i < sg->n;
           i++) {
        double x = y[v * ld + i];
        if (x >= 0 && x <= 1) continue;
        rc = psst_error_set(PSST_ERR_USER,
                            "population '%s': init_file: %s: variable "
                            "'%s'[%lld] = %g: %s (%s) is a fraction and must "
                            "be in [0, 1]",
                            pp->name, pp->init_file, kd->state[v].name,
                            (long long)(plo + i), x, kd->state[v].name,
                            kd->state[v].long_name);
        goto done;
      }
    }
  }
  /* gates that default to their steady state at the initial V (a user
   * kind: its init expressions, kinds/user.h, all of a neuron's at once) */
  int steady[PSST_KIND_NSTATE_MAX] = {0}, nsteady = 0;
  for (int v = 1; v < kd->nstate; v++) {
    steady[v] = kd->state[v].def_is_steady && !from_file[v] &&
                pp->init[v].type == PSST_INIT_DEFAULT;
    nsteady += steady[v];
  }
  if (nsteady && psst_neuron_kind_is_user(kd)) {
    const psst_user_kind *u = &s->m->kinds[kd->id - PSST_NK_COUNT];
    double x[PSST_KIND_NSTATE_MAX];
    for (int64_t i = 0; i < sg->n && rc == 0; i++) {
      rc = psst_user_kind_steady(u, y[i], sg->params, x);
      for (int v = 1; v < kd->nstate; v++)
        if (steady[v]) y[v * ld + i] = x[v];
    }
    if (rc < 0) goto done;
  } else if (nsteady && kd->steady) {
    for (int v = 1; v < kd->nstate; v++)
      for (int64_t i = 0; steady[v] && i < sg->n; i++)
        y[v * ld + i] = kd->steady(v, y[i], sg->params);
  }
  for (int v = 0; v < kd->nstate; v++) {
    for (int64_t i = 0; i < sg->n; i++)
      y[v * ld + i] =
          noisy(y[v * ld + i], pp, seed, sg->pop, sg->gid_lo + i, v);
    /* a fraction (gate) drawn from a normal, or moved by init_noise, is
     * clipped to [0, 1] (README: populations); constants, uniforms and
     * files were checked to lie there */
    for (int64_t i = 0; kd->state[v].fraction && i < sg->n; i++)
      y[v * ld + i] = fmin(1.0, fmax(0.0, y[v * ld + i]));
    for (int64_t i = sg->n; i < ld; i++)
      y[v * ld + i] = y[v * ld + sg->n - 1];
  }
done:
  free(from_file);
  return rc;
}

/* Replicated per-neuron values: fire_t, threshold, refractory (all N). */
static int init_replicated(psst_sim *s) {
  const psst_model *m = s->m;
  for (int ip = 0; ip < m->npop; ip++) {
    const psst_population *pp = &m->pops[ip];
    const psst_neuron_kind *kd = pp->kind;
    double *ft = s->L.fire_t + pp->first_gid;
    for (int64_t i = 0; i < pp->size; i++) {
      int64_t gid = pp->first_gid + i;
      ft[i] = init_draw(&pp->init[kd->nstate], PSST_FIRE_T_DEFAULT, m->run.seed,
                        PSST_STREAM_INIT_POP + (uint32_t)ip, gid,
                        (uint64_t)kd->nstate);
      s->threshold[gid] = pp->threshold;
      s->refractory[gid] = pp->refractory;
    }
    if (pp->init_file) {
      int found = 0;
      int rc = psst_io_read_vector(pp->init_file, "fire_t", pp->size, 0,
                                   pp->size, ft, &found);
      if (rc < 0) {
        psst_error_prefix("population '%s': init_file: ", pp->name);
        return rc;
      }
    }
    for (int64_t i = 0; i < pp->size; i++)
      ft[i] = noisy(ft[i], pp, m->run.seed, ip, pp->first_gid + i, kd->nstate);
  }
  return 0;
}

static int build_projection(psst_sim *s, int ip, psst_lproj *lp, size_t *ny,
                            size_t *nz, size_t *naux) {
  const psst_model *m = s->m;
  const psst_projection *p = &m->projs[ip];
  const psst_synapse_kind *k = p->kind;
  memset(lp, 0, sizeof *lp);
  lp->p = p;
  lp->ip = ip;
  lp->kind = k;
  lp->params = p->params;
  lp->store = psst_projection_store(p);
  lp->src_gid0 = psst_model_gid(m, p->from.pop, p->from.lo);
  lp->nsrc = p->from.hi - p->from.lo;
  int64_t tgt0 = psst_model_gid(m, p->to.pop, p->to.lo);
  int64_t tgt1 = tgt0 + (p->to.hi - p->to.lo);
  int64_t a = tgt0 > s->L.lo ? tgt0 : s->L.lo;
  int64_t b = tgt1 < s->L.hi ? tgt1 : s->L.hi;
  if (b < a) b = a;
  lp->row0 = a - tgt0;
  lp->nrows = b - a;
  lp->lid0 = a - s->L.lo;
  PSST_TRY(psst_network_build(m, ip, lp->row0, lp->row0 + lp->nrows, &lp->csr));
  int64_t nnz = lp->csr.row_ptr[lp->nrows];
  lp->nnz = nnz;

  /* where the state lives (engine/layout.h) */
  switch (lp->store) {
  case PSST_STORE_POST:
    lp->ld = lp->nrows;
    lp->off = *ny;
    *ny += (size_t)lp->nrows * (size_t)k->nstate;
    break;
  case PSST_STORE_SYNAPSE:
    lp->ld = nnz;
    lp->off = *ny;
    *ny += (size_t)nnz * (size_t)k->nstate;
    break;
  case PSST_STORE_PRE:
  default:
    lp->ld = lp->nsrc;
    lp->off = *nz;
    *nz += (size_t)lp->nsrc * (size_t)k->nstate;
    break;
  }
  if (k->flags & PSST_SYN_F_STEP_BOUNDARY) {
    lp->aux_off = *naux;
    *naux += (size_t)lp->nsrc;
  }
  if (k->flags & PSST_SYN_F_SPIKE_TRIGGERED) {
    /* spikes are delivered through the transposed connectivity, in
     * ascending presynaptic order, each after its synapse's delay */
    int32_t *delay;
    ALLOC(delay, nnz);
    psst_network_delays(m, ip, &lp->csr, lp->row0, delay, &lp->max_delay);
    lp->pre_delay = 1;
    if (p->delay.type == PSST_DIST_CONST) {
      double q = floor(p->delay.a / m->run.dt + 0.5 + 1e-9);
      lp->pre_delay = q < 1.0 ? 1 : (int32_t)q;
    }
    if (lp->store == PSST_STORE_PRE) lp->max_delay = lp->pre_delay;
    ALLOC(lp->t_ptr, lp->nsrc + 1);
    ALLOC(lp->t_elem, nnz);
    ALLOC(lp->t_w, nnz);
    ALLOC(lp->t_delay, nnz);
    for (int64_t x = 0; x < nnz; x++)
      lp->t_ptr[lp->csr.col[x] + 1]++;
    for (int64_t j = 0; j < lp->nsrc; j++)
      lp->t_ptr[j + 1] += lp->t_ptr[j];
    int64_t *fill;
    ALLOC(fill, lp->nsrc + 1);
    memcpy(fill, lp->t_ptr, (size_t)(lp->nsrc + 1) * sizeof *fill);
    for (int64_t r = 0; r < lp->nrows; r++)
      for (int64_t x = lp->csr.row_ptr[r]; x < lp->csr.row_ptr[r + 1]; x++) {
        int64_t pos = fill[lp->csr.col[x]]++;
        lp->t_elem[pos] = lp->store == PSST_STORE_SYNAPSE ? x : r;
        lp->t_w[pos] = lp->csr.w ? lp->csr.w[x] : lp->csr.weight;
        lp->t_delay[pos] = delay[x];
      }
    free(fill);
    free(delay);
  }
  if (k->flags & PSST_SYN_F_SHARED_G) {
    /* the conductance of a postsynaptic neuron is shared among its inputs
     * (docs/models.md §7) */
    ALLOC(lp->inv_k, lp->nrows);
    for (int64_t r = 0; r < lp->nrows; r++) {
      int64_t kin = lp->csr.row_ptr[r + 1] - lp->csr.row_ptr[r];
      lp->inv_k[r] = kin > 0 ? 1.0 / (double)kin : 0.0;
    }
  }
  return 0;
}

/* Dense or sparse drive, decided from the projection's global density so
 * that every rank makes the same choice (the two sum in different orders).
 * Collective. A dense row is one fixed-order dot product of length nsrc
 * (backend/cpu/cpu_kernels.c): its rounding depends only on the row, never
 * on how rows are split over ranks (a BLAS dgemv's blocking of rows would)
 * nor on the CPU (a BLAS picks its kernel by CPU). */
static int choose_drive(psst_sim *s) {
  int n = s->L.nlp;
  double *loc = calloc((size_t)(2 * n + 1), sizeof *loc);
  double *glob = calloc((size_t)(2 * n + 1), sizeof *glob);
  int rc = 0;
  if (!loc || !glob) {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (int q = 0; q < n; q++) {
    psst_lproj *lp = &s->L.lp[q];
    loc[q] = (double)lp->nnz;                    /* summed */
    loc[n + q] = (double)(lp->nrows * lp->nsrc); /* max */
  }
  rc = psst_comm_sum_doubles(s->comm, loc, glob, n);
  if (rc == 0) rc = psst_comm_max_doubles(s->comm, loc + n, glob + n, n);
  for (int q = 0; rc == 0 && q < n; q++) {
    psst_lproj *lp = &s->L.lp[q];
    const psst_projection *p = lp->p;
    int64_t entries = lp->nrows * lp->nsrc;
    if (!psst_projection_dense(p, glob[q], glob[n + q]) || entries == 0)
      continue;
    lp->dense = calloc((size_t)entries, sizeof *lp->dense);
    if (!lp->dense) {
      rc = psst_error_set(PSST_ERR_NOMEM,
                          "out of memory for the dense block of projection "
                          "'%s' (%lld x %lld); use drive: sparse",
                          p->name, (long long)lp->nrows, (long long)lp->nsrc);
      goto done;
    }
    for (int64_t r = 0; r < lp->nrows; r++)
      for (int64_t x = lp->csr.row_ptr[r]; x < lp->csr.row_ptr[r + 1]; x++)
        lp->dense[r * lp->nsrc + lp->csr.col[x]] =
            lp->csr.w ? lp->csr.w[x] : lp->csr.weight;
  }
done:
  free(loc);
  free(glob);
  return rc;
}

/* Initial synaptic state, after every projection's offsets are known:
 * per postsynaptic neuron keyed by its gid, per synapse by (post, pre),
 * per presynaptic neuron by its gid. */
static void init_projection(psst_sim *s, psst_lproj *lp) {
  const psst_projection *p = lp->p;
  const psst_synapse_kind *k = lp->kind;
  uint64_t seed = s->m->run.seed;
  uint32_t stream = PSST_STREAM_INIT_PROJ + (uint32_t)lp->ip;
  int64_t tgt0 = psst_model_gid(s->m, p->to.pop, p->to.lo);
  for (int v = 0; v < k->nstate; v++) {
    const psst_init_value *iv = &p->init[v];
    double def = k->state[v].def;
    if (lp->store == PSST_STORE_POST) {
      double *x = s->L.y + lp->off + (size_t)v * (size_t)lp->ld;
      for (int64_t r = 0; r < lp->nrows; r++)
        x[r] =
            init_draw(iv, def, seed, stream, tgt0 + lp->row0 + r, (uint64_t)v);
    } else if (lp->store == PSST_STORE_SYNAPSE) {
      double *x = s->L.y + lp->off + (size_t)v * (size_t)lp->ld;
      for (int64_t r = 0; r < lp->nrows; r++)
        for (int64_t e = lp->csr.row_ptr[r]; e < lp->csr.row_ptr[r + 1]; e++)
          x[e] = init_draw(iv, def, seed, stream, tgt0 + lp->row0 + r,
                           (uint64_t)(lp->src_gid0 + lp->csr.col[e]) +
                               ((uint64_t)v << 48));
    } else {
      double *x = s->L.z + lp->off + (size_t)v * (size_t)lp->ld;
      for (int64_t j = 0; j < lp->nsrc; j++)
        x[j] = init_draw(iv, def, seed, stream, lp->src_gid0 + j, (uint64_t)v);
    }
  }
  if (k->flags & PSST_SYN_F_STEP_BOUNDARY)
    for (int64_t j = 0; j < lp->nsrc; j++)
      s->L.aux[lp->aux_off + (size_t)j] = k->aux_init;
}

/* Positions of the selection that receive stimulus `is`: all of them, or
 * trunc(fraction * targets) chosen uniformly without replacement by a
 * partial Fisher-Yates shuffle whose draws are keyed by (seed, stimulus,
 * draw index) — the same on every rank (docs/models.md §6.6, §6.8). pick[pos]
 * is set to 1 for the recipients. */
int psst__stimulus_pick(const psst_model *m, int is, int64_t total,
                        unsigned char *pick) {
  const psst_stimulus *st = &m->stims[is];
  if (st->fraction < 0) {
    memset(pick, 1, (size_t)total);
    return 0;
  }
  memset(pick, 0, (size_t)total);
  int64_t k = (int64_t)floor(st->fraction * (double)total + 1e-9);
  int64_t *idx = malloc((size_t)(total > 0 ? total : 1) * sizeof *idx);
  PSST_ALLOC_CHECK(idx);
  for (int64_t i = 0; i < total; i++)
    idx[i] = i;
  for (int64_t i = 0; i < k; i++) {
    double u = psst_rng_uniform(m->run.seed, PSST_STREAM_SHUFFLE + (uint32_t)is,
                                (uint64_t)i, 0);
    int64_t j = i + (int64_t)(u * (double)(total - i));
    if (j >= total) j = total - 1;
    int64_t t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
    pick[idx[i]] = 1;
  }
  free(idx);
  return 0;
}

int64_t psst__selection_size(const psst_selection *sel) {
  int64_t total = 0;
  for (int k = 0; k < sel->n; k++)
    total += sel->slice[k].hi - sel->slice[k].lo;
  return total;
}

static int build_stimulus(psst_sim *s, int is, psst_lstim *ls) {
  const psst_model *m = s->m;
  const psst_stimulus *st = &m->stims[is];
  memset(ls, 0, sizeof *ls);
  ls->s = st;
  /* local targets, in selection order; row = position in the selection */
  int64_t total = psst__selection_size(&st->target);
  ALLOC(ls->lid, total);
  int64_t *row;
  ALLOC(row, total);
  unsigned char *pick = malloc((size_t)(total > 0 ? total : 1));
  if (!pick) {
    free(row);
    return psst_error_set(PSST_ERR_NOMEM, "out of memory (stimuli)");
  }
  psst__stimulus_pick(m, is, total, pick);
  int64_t pos = 0;
  for (int k = 0; k < st->target.n; k++) {
    const psst_slice *sl = &st->target.slice[k];
    for (int64_t i = sl->lo; i < sl->hi; i++, pos++) {
      int64_t gid = psst_model_gid(m, sl->pop, i);
      if (pick[pos] && gid >= s->L.lo && gid < s->L.hi) {
        ls->lid[ls->n] = gid - s->L.lo;
        row[ls->n] = pos;
        ls->n++;
      }
    }
  }
  free(pick);
  int rc = 0;
  if (st->type == PSST_STIM_NOISE) {
    if (st->noise.tau > 0) { /* OU: the stationary start, sample 0 */
      ls->ou = xcalloc((size_t)ls->n + 1, sizeof *ls->ou);
      ls->ou_prev = xcalloc((size_t)ls->n + 1, sizeof *ls->ou_prev);
      if (!ls->ou || !ls->ou_prev) {
        rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (noise)");
        goto done;
      }
      for (int64_t i = 0; i < ls->n; i++) {
        ls->ou[i] =
            st->noise.mean +
            st->noise.sd * psst_rng_normal(m->run.seed,
                                           PSST_STREAM_CURRENT + (uint32_t)is,
                                           (uint64_t)(s->L.lo + ls->lid[i]), 0);
        ls->ou_prev[i] = NAN;
      }
      ls->ou_k = 0;
    }
  } else if (st->type == PSST_STIM_ODOUR) {
    /* nothing to precompute: the waveform is evaluated per sample */
  } else if (st->type == PSST_STIM_PULSES) {
    ls->kstart = xcalloc((size_t)st->npulses, sizeof *ls->kstart);
    ls->kstop = xcalloc((size_t)st->npulses, sizeof *ls->kstop);
    if (!ls->kstart || !ls->kstop) {
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (stimuli)");
      goto done;
    }
    /* sample k is in the pulse when start <= t_k < stop, t_k = k dt;
     * the 1e-9 absorbs the rounding of start/dt */
    for (int q = 0; q < st->npulses; q++) {
      double a = st->pulses[q].start / s->dt, b = st->pulses[q].stop / s->dt;
      ls->kstart[q] = isinf(a) ? INT64_MIN / 2 : (int64_t)ceil(a - 1e-9);
      ls->kstop[q] = isinf(b) ? INT64_MAX / 2 : (int64_t)ceil(b - 1e-9);
    }
  } else {
    ls->stride = (int64_t)llround(st->sample_dt / s->dt);
    if (ls->stride < 1) ls->stride = 1;
    /* rows of the local targets: read the covering range, keep ours */
    if (ls->n > 0) {
      int64_t rlo = row[0], rhi = row[0] + 1;
      for (int64_t i = 0; i < ls->n; i++) {
        if (row[i] < rlo) rlo = row[i];
        if (row[i] + 1 > rhi) rhi = row[i] + 1;
      }
      double *all = NULL;
      rc = psst_io_read_waveform(st->file_path, st->file_var, total, rlo, rhi,
                                 &ls->nsamples, &all);
      if (rc < 0) {
        psst_error_prefix("stimulus %d: ", is);
        goto done;
      }
      ls->data = xcalloc((size_t)(ls->n * ls->nsamples), sizeof *ls->data);
      if (!ls->data) {
        free(all);
        rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (waveform)");
        goto done;
      }
      for (int64_t i = 0; i < ls->n; i++)
        memcpy(ls->data + i * ls->nsamples, all + (row[i] - rlo) * ls->nsamples,
               (size_t)ls->nsamples * sizeof *all);
      free(all);
    }
  }
done:
  free(row);
  return rc;
}

const psst_seg *psst__sim_seg_of(const psst_sim *s, int64_t lid) {
  for (int q = 0; q < s->L.nseg; q++)
    if (lid >= s->L.seg[q].lid0 && lid < s->L.seg[q].lid0 + s->L.seg[q].n)
      return &s->L.seg[q];
  return NULL;
}

static int sim_build(psst_sim *s) {
  const psst_model *m = s->m;
  psst_layout *L = &s->L;
  L->N = m->n_neurons;
  L->method = m->run.method;
  s->M = psst_model_grid_points(m);
  s->dt = m->run.dt;
  ALLOC(s->starts, (size_t)s->size + 1);
  PSST_TRY(psst_partition_compute(m, s->size, s->starts));
  L->lo = s->starts[s->rank];
  L->hi = s->starts[s->rank + 1];
  L->nloc = L->hi - L->lo;

  /* segments: local part of each population, in population order, each
   * padded to a multiple of PSST_PAD neurons */
  ALLOC(L->seg, m->npop);
  size_t ny = 0, nz = 0, naux = 0;
  for (int ip = 0; ip < m->npop; ip++) {
    const psst_population *pp = &m->pops[ip];
    int64_t a = pp->first_gid > L->lo ? pp->first_gid : L->lo;
    int64_t b =
        pp->first_gid + pp->size < L->hi ? pp->first_gid + pp->size : L->hi;
    if (b <= a) continue;
    psst_seg *sg = &L->seg[L->nseg++];
    sg->pop = ip;
    sg->kind = pp->kind;
    sg->params = pp->params;
    sg->gid_lo = a;
    sg->n = b - a;
    sg->ld = (sg->n + PSST_PAD - 1) / PSST_PAD * PSST_PAD;
    sg->lid0 = a - L->lo;
    sg->y_off = ny;
    ny += (size_t)pp->kind->nstate * (size_t)sg->ld;
  }
  L->nlp = m->nproj;
  ALLOC(L->lp, m->nproj);
  for (int ip = 0; ip < m->nproj; ip++) {
    int rc = build_projection(s, ip, &L->lp[ip], &ny, &nz, &naux);
    if (rc == PSST_ERR_NOMEM) {
      const psst_projection *p = &m->projs[ip];
      const psst_lproj *lp = &L->lp[ip];
      psst_error_prefix("%s:%d: projections[%d] '%s': its synapses onto rank "
                        "%d of %d (%lld targets x %lld sources, up to %.3g "
                        "synapses) do not fit in this rank's memory; use "
                        "more ranks (on more nodes) or a sparser connect: ",
                        m->path, p->line, ip, p->name, s->rank, s->size,
                        (long long)lp->nrows, (long long)lp->nsrc,
                        (double)lp->nrows * (double)lp->nsrc);
    }
    PSST_TRY(rc);
    unsigned f = m->projs[ip].kind->flags;
    if (f & PSST_SYN_F_READS_STAGE_V) s->stage_v = 1;
    if (f & PSST_SYN_F_STEP_BOUNDARY) s->has_boundary = 1;
  }
  /* Only kinds that read presynaptic stage voltages need them inside a
   * step; without them the stages need no exchange, and a step costs one
   * Allgatherv, not four. */
  s->stage_exchange = s->stage_v && s->size > 1;
  PSST_TRY(psst__events_create(s));
  PSST_TRY(psst__sources_create(s));
  s->nls = m->nstim;
  ALLOC(s->ls, m->nstim);
  for (int is = 0; is < m->nstim; is++) {
    int rc = build_stimulus(s, is, &s->ls[is]);
    if (rc == PSST_ERR_NOMEM)
      psst_error_prefix("%s:%d: stimuli[%d]: its samples for rank %d of %d "
                        "do not fit in memory: ",
                        m->path, m->stims[is].line, is, s->rank, s->size);
    PSST_TRY(rc);
  }
  L->ny = ny;
  L->nz = nz;
  L->naux = naux;
  return 0;
}

/* Second phase, after the ranks agreed the first went well. */
static int sim_build_state(psst_sim *s) {
  psst_layout *L = &s->L;
  ALLOC(L->y, L->ny);
  ALLOC(L->z, L->nz);
  ALLOC(L->aux, L->naux);
  ALLOC(L->fire_t, L->N);
  ALLOC(s->V_cur, L->N);
  ALLOC(s->V_stage, L->N);
  ALLOC(s->V_next, L->N);
  ALLOC(s->threshold, L->N);
  ALLOC(s->refractory, L->N);
  ALLOC(s->spiked, L->N);
  s->spiked_cap = L->N;
  PSST_TRY(psst_vexchange_init(&s->vx, s->comm, s->starts));
  s->hermite = s->m->record.spikes && !s->m->record.spike_linear;
  if (s->hermite) {
    int64_t *starts2;
    ALLOC(starts2, (size_t)s->size + 1);
    for (int r = 0; r <= s->size; r++)
      starts2[r] = 2 * s->starts[r];
    int rc = psst_vexchange_init(&s->vx2, s->comm, starts2);
    free(starts2);
    PSST_TRY(rc);
    ALLOC(s->dV, L->N);
    ALLOC(s->xbuf, 2 * L->N);
    ALLOC(s->pend_gid, L->N);
    ALLOC(s->pend_t, L->N);
    ALLOC(s->pend_Va, L->N);
    ALLOC(s->pend_Vb, L->N);
    ALLOC(s->pend_dVa, L->N);
  }
  ALLOC(s->Istim[0], L->nloc);
  ALLOC(s->Istim[1], L->nloc);
  s->Istim_k[0] = s->Istim_k[1] = -1;

  for (int q = 0; q < L->nseg; q++)
    PSST_TRY(init_segment(s, &L->seg[q]));
  PSST_TRY(init_replicated(s));
  for (int ip = 0; ip < L->nlp; ip++)
    init_projection(s, &L->lp[ip]);
  return 0;
}

/* The elementary functions' family and the CPU kernels' instruction set,
 * the same on every rank: the family with FMA when every rank has it
 * (results differ between the families, never between widths), the
 * widest instruction set every rank runs, or PSST_SIMD=baseline|avx2|avx512
 * from rank 0's environment (speed only; README: vectorisation).
 * Collective. */
static int choose_cpu_isa(psst_sim *s, int *isa) {
  int fam = 0;
  PSST_TRY(psst_comm_min_int(s->comm, psst_vecmath_best(), &fam));
  psst_vecmath_use(fam);
  int best = 0;
  PSST_TRY(psst_comm_min_int(s->comm, psst_backend_cpu_isa_best(), &best));
  if (fam != PSST_VECMATH_FMA) best = PSST_ISA_BASELINE;
  char want[32] = "";
  if (s->rank == 0) {
    const char *e = getenv("PSST_SIMD");
    snprintf(want, sizeof want, "%s", e ? e : "");
  }
  PSST_TRY(psst_comm_bcast(s->comm, want, sizeof want, 0));
  *isa = best;
  if (want[0] && strcmp(want, "auto") != 0) {
    int w = psst_backend_cpu_isa_parse(want);
    PSST_CHECK(w >= 0, PSST_ERR_USER,
               "PSST_SIMD=%s: expected auto, baseline, avx2 or avx512", want);
    PSST_CHECK(w <= best, PSST_ERR_USER,
               "PSST_SIMD=%s: not available here (every rank runs %s at "
               "most)",
               want, psst_backend_cpu_isa_name(best));
    *isa = w;
  }
  return 0;
}

/* The backend factory: the only place that chooses between the CPU and
 * CUDA. All ranks use the same backend (the two round differently), CUDA
 * only when every rank sees a device. A rank's device is its node-local
 * rank modulo the devices it sees. PSST_BACKEND=cpu|cuda in the
 * environment decides an `auto` model (the test suite pins its CPU tests
 * with it); rank 0's value counts, so that ranks cannot disagree.
 * Collective. */
/* Compile (unless cached) and load the model's user-defined kinds, and
 * give their segments and projections the loops (psst_seg.kernel,
 * psst_lproj.loops). Collective. */
static int load_user_kinds(psst_sim *s) {
  const psst_model *m = s->m;
  if (psst_model_user_kind_count(m) == 0) return 0;
  psst_jit_fn fn = NULL;
  PSST_TRY(psst_jit_load_all(s->comm, m->kinds_source,
                             m->nkind > 0 ? m->kinds[0].kernel
                                          : m->synkinds[0].table,
                             &s->kinds_jit, &fn));
  s->kinds_compiled = psst_jit_compiled(s->kinds_jit);
  int rc = 0;
  for (int q = 0; q < s->L.nseg && rc == 0; q++) {
    psst_seg *sg = &s->L.seg[q];
    if (!psst_neuron_kind_is_user(sg->kind)) continue;
    const psst_user_kind *u = &m->kinds[sg->kind->id - PSST_NK_COUNT];
    rc = psst_jit_symbol(s->kinds_jit, u->kernel, &fn);
    /* the generated function has exactly this type (kinds/user.c) */
    if (rc == 0) memcpy(&sg->kernel, &fn, sizeof sg->kernel);
  }
  if (rc == 0 && m->nsynkind > 0) {
    s->syn_loops = calloc((size_t)m->nsynkind, sizeof *s->syn_loops);
    if (!s->syn_loops) rc = psst_error_set(PSST_ERR_NOMEM, "out of memory");
  }
  for (int k = 0; k < m->nsynkind && rc == 0; k++) {
    /* void psst_usl_<name>_table(psst_cpu_synapse_fns *) (kinds/user_syn.c) */
    void (*table)(psst_cpu_synapse_fns *) = NULL;
    rc = psst_jit_symbol(s->kinds_jit, m->synkinds[k].table, &fn);
    if (rc == 0) memcpy(&table, &fn, sizeof table);
    if (rc == 0) table(&s->syn_loops[k]);
  }
  for (int q = 0; q < s->L.nlp && rc == 0; q++) {
    psst_lproj *lp = &s->L.lp[q];
    if (psst_synapse_kind_is_user(lp->kind))
      lp->loops = &s->syn_loops[lp->kind->id - PSST_SYN_COUNT];
  }
  return psst_comm_agree(s->comm, rc);
}

/* The CUDA backend has no loops for user-defined kinds (yet). */
static int user_kinds_on_cuda(const psst_sim *s) {
  return psst_error_set(PSST_ERR_USER,
                        "%s: kind %s: user-defined kinds run on the CPU "
                        "backend only in this version; set PSST_BACKEND=cpu "
                        "(or --backend cpu)",
                        s->m->path, psst_model_user_kind_name(s->m, 0));
}

/* auto takes the halo exchange when the halos of all ranks together are
 * below this fraction of what the full exchange moves (N (P - 1)), and
 * when it is also the faster one by the communication model of
 * benchmarks/comm (per exchange: latency x messages + bytes / bandwidth,
 * for the busiest rank): a halo of random sources has every other rank as
 * a neighbour, so past a few hundred ranks its P - 1 messages cost more
 * than the log2 P rounds of the full exchange
 * (benchmarks/scaling/project_exchanges.py). */
#define PSST_HALO_AUTO_FRACTION 0.5
#define PSST_AUTO_LATENCY 1.5e-6   /* [s] per message (benchmarks/comm, mid) */
#define PSST_AUTO_BANDWIDTH 12.5e9 /* [B/s] per rank (benchmarks/comm, mid) */

/* The ranks that own the ids need[0 .. n) (ascending): how many. */
static int64_t halo_neighbours(const int64_t *need, int64_t n,
                               const int64_t *starts, int size) {
  int64_t nb = 0;
  int r = 0;
  for (int64_t i = 0; i < n; i++) {
    if (need[i] < starts[r + 1] && i > 0) continue;
    while (r < size - 1 && need[i] >= starts[r + 1])
      r++;
    nb++;
  }
  return nb;
}

/* 1 when the halo's modelled time per exchange, for the rank with the
 * most neighbours and the rank with the largest halo, is below the full
 * exchange's. */
static int halo_faster(int64_t nb_max, int64_t halo_max, int64_t N, int size) {
  double rounds = ceil(log2((double)size));
  double t_all =
      PSST_AUTO_LATENCY * rounds +
      8.0 * (double)N * (double)(size - 1) / (double)size / PSST_AUTO_BANDWIDTH;
  double t_halo = PSST_AUTO_LATENCY * (double)nb_max +
                  8.0 * (double)halo_max / PSST_AUTO_BANDWIDTH;
  return t_halo < t_all;
}

/* The presynaptic neurons of other ranks whose stage voltages this rank
 * reads: the sources of the local synapses of every projection whose kind
 * reads presynaptic stage voltages (PSST_SYN_F_READS_STAGE_V; the
 * spike-triggered kinds need only the spikes, found on every rank from
 * the full exchange at the end of the step). A dense drive reads every
 * source of its block (its zero weights multiply them too): all of them.
 * *need: ascending global ids, none of this rank's. Not collective. */
static int halo_need(const psst_sim *s, int64_t **need, int64_t *nneed) {
  const psst_layout *L = &s->L;
  *need = NULL;
  *nneed = 0;
  unsigned char *mark = calloc((size_t)L->N + 1, 1);
  PSST_ALLOC_CHECK(mark);
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    if (!(lp->kind->flags & PSST_SYN_F_READS_STAGE_V) || lp->nrows == 0)
      continue;
    if (lp->dense)
      memset(mark + lp->src_gid0, 1, (size_t)lp->nsrc);
    else
      for (int64_t e = 0; e < lp->nnz; e++)
        mark[lp->src_gid0 + lp->csr.col[e]] = 1;
  }
  memset(mark + L->lo, 0, (size_t)L->nloc);
  int64_t n = 0;
  for (int64_t j = 0; j < L->N; j++)
    n += mark[j];
  int64_t *ids = malloc((size_t)(n + 1) * sizeof *ids);
  if (!ids) free(mark);
  PSST_ALLOC_CHECK(ids);
  for (int64_t j = 0, k = 0; j < L->N; j++)
    if (mark[j]) ids[k++] = j;
  free(mark);
  *need = ids;
  *nneed = n;
  return 0;
}

/* How the stage voltages travel: run.exchange, overridden by PSST_EXCHANGE
 * (rank 0's: halo, auto, or p2p / allgather, which force the full
 * exchange and its method); auto compares the measured sizes. Every rank
 * takes the same decision (from agreed sums). Collective. */
static int choose_exchange(psst_sim *s) {
  psst_exchange_info *X = &s->xinfo;
  s->vstage = &s->vx;
  memset(X, 0, sizeof *X);
  X->method = X->detail = "none";
  X->why = s->stage_v ? "one rank" : "no projection reads stage voltages";
  if (!s->stage_exchange) return 0;
  int env = 0;
  PSST_TRY(psst_vexchange_env(s->comm, &env));
  psst_exchange_choice want = s->m->run.exchange;
  X->why = s->m->run.exchange == PSST_EXCHANGE_AUTO ? "auto" : "run.exchange";
  if (env) {
    want = env == PSST_VX_ENV_HALO   ? PSST_EXCHANGE_HALO
           : env == PSST_VX_ENV_AUTO ? PSST_EXCHANGE_AUTO
                                     : PSST_EXCHANGE_ALLGATHER;
    X->why = env == PSST_VX_ENV_AUTO ? "auto (PSST_EXCHANGE)" : "PSST_EXCHANGE";
  }
  int64_t *need = NULL, nneed = 0;
  int rc = psst_comm_agree(s->comm, halo_need(s, &need, &nneed));
  if (rc == 0) rc = psst_comm_sum_i64(s->comm, nneed, &X->halo_total);
  X->gather_total = s->L.N * (int64_t)(s->size - 1);
  if (rc == 0 && want == PSST_EXCHANGE_AUTO) {
    int64_t mine[2] = {halo_neighbours(need, nneed, s->starts, s->size), nneed},
            most[2] = {0, 0};
    rc = psst_comm_max_i64(s->comm, mine, most, 2);
    want = rc == 0 &&
                   (double)X->halo_total <
                       PSST_HALO_AUTO_FRACTION * (double)X->gather_total &&
                   halo_faster(most[0], most[1], s->L.N, s->size)
               ? PSST_EXCHANGE_HALO
               : PSST_EXCHANGE_ALLGATHER;
  }
  if (rc == 0 && want == PSST_EXCHANGE_HALO) {
    rc = psst_vexchange_init_halo(&s->vh, s->comm, s->starts, need, nneed);
    if (rc == 0) s->vstage = &s->vh;
  }
  free(need);
  PSST_TRY(rc);
  X->method = s->vstage == &s->vh ? "halo" : "allgather";
  X->detail = psst_vexchange_method(s->vstage);
  int64_t mine = psst_vexchange_recv_count(s->vstage);
  PSST_TRY(psst_comm_sum_i64(s->comm, mine, &X->recv_total));
  PSST_TRY(psst_comm_max_i64(s->comm, &mine, &X->recv_max, 1));
  return 0;
}

void psst_sim_exchange_info(const psst_sim *s, psst_exchange_info *out) {
  *out = s->xinfo;
}

static int choose_backend(psst_sim *s) {
  psst_backend_choice want = s->m->run.backend;
  int env = 0; /* 0 none, 1 cpu, 2 cuda */
  if (s->rank == 0) {
    const char *e = getenv("PSST_BACKEND");
    if (e && strcmp(e, "cpu") == 0) env = 1;
    if (e && strcmp(e, "cuda") == 0) env = 2;
  }
  PSST_TRY(psst_comm_bcast(s->comm, &env, sizeof env, 0));
  if (want == PSST_BACKEND_AUTO && env)
    want = env == 1 ? PSST_BACKEND_CPU : PSST_BACKEND_CUDA;
  if (want == PSST_BACKEND_CUDA && psst_model_user_kind_count(s->m) > 0)
    return user_kinds_on_cuda(s);
  char why[512] = "";
  int ndev = want == PSST_BACKEND_CPU
                 ? 0
                 : psst_backend_cuda_device_count(why, sizeof why);
  int mine = ndev > 0, all = 0;
  PSST_TRY(psst_comm_min_int(s->comm, mine, &all));
  s->backend_kind = PSST_BACKEND_CPU;
  s->device = -1;
  if (want == PSST_BACKEND_CPU || (want == PSST_BACKEND_AUTO && !all)) {
    int isa = 0;
    PSST_TRY(choose_cpu_isa(s, &isa));
    return psst_comm_agree(s->comm,
                           psst_backend_cpu_create(&s->L, isa, &s->be));
  }
  if (!all) {
    /* name the first rank without a device and its reason */
    int who = 0;
    PSST_TRY(psst_comm_first(s->comm, !mine, &who));
    PSST_TRY(psst_comm_bcast(s->comm, why, sizeof why, who));
    return psst_error_set(PSST_ERR_USER,
                          "backend cuda: no CUDA device is visible on rank %d "
                          "(%s); use --backend cpu",
                          who, why);
  }
  if (psst_model_user_kind_count(s->m) > 0) return user_kinds_on_cuda(s);
  int local = 0;
  PSST_TRY(psst_comm_node_rank(s->comm, &local));
  s->backend_kind = PSST_BACKEND_CUDA;
  s->device = local % ndev;
  return psst_comm_agree(s->comm,
                         psst_backend_cuda_create(&s->L, s->device, &s->be));
}

int psst_sim_create(const psst_model *m, MPI_Comm comm, psst_sim **out) {
  *out = NULL;
  double t0 = psst_comm_wtime();
  psst_sim *s = calloc(1, sizeof *s);
  int rc = s ? 0 : psst_error_set(PSST_ERR_NOMEM, "out of memory");
  if (rc == 0) {
    s->m = m;
    s->comm = MPI_COMM_NULL;
    rc = psst_comm_dup(comm, &s->comm);
  }
  if (rc == 0) {
    s->rank = psst_comm_rank(s->comm);
    s->size = psst_comm_size(s->comm);
    rc = sim_build(s);
  }
  rc = psst_comm_agree(comm, rc);
  if (rc == 0) rc = psst_comm_agree(comm, choose_drive(s));
  if (rc == 0) {
    rc = sim_build_state(s);
    if (rc == PSST_ERR_NOMEM)
      psst_error_prefix(
          "%s: the state of %lld neurons (about %.3g GiB on rank %d of %d, "
          "with the synapses' state) does not fit in memory; use more "
          "ranks (on more nodes): ",
          m->path, (long long)s->L.N,
          (double)(s->L.ny + s->L.nz + s->L.naux + 10 * (size_t)s->L.N) *
              sizeof(double) / 1073741824.0,
          s->rank, s->size);
    if (rc == 0) {
      rc = psst__recording_build(s);
      if (rc == PSST_ERR_NOMEM)
        psst_error_prefix("%s: record: the recording buffers of rank %d of "
                          "%d do not fit in memory; record fewer neurons or "
                          "variables, or give a smaller record.buffer: ",
                          m->path, s->rank, s->size);
    }
    rc = psst_comm_agree(comm, rc);
  }
  if (rc == 0) rc = psst_comm_agree(comm, choose_exchange(s));
  if (rc == 0) rc = choose_backend(s);
  if (rc == 0) rc = load_user_kinds(s);
  if (rc < 0) {
    psst_sim_destroy(&s);
    return rc;
  }
  s->tm.setup = psst_comm_wtime() - t0;
  *out = s;
  return 0;
}

const char *psst_sim_kinds_key(const psst_sim *s, int *compiled) {
  if (compiled) *compiled = s && s->kinds_jit ? s->kinds_compiled : 0;
  return s && s->kinds_jit ? psst_jit_key(s->kinds_jit) : NULL;
}

void psst_sim_destroy(psst_sim **sp) {
  if (!sp || !*sp) return;
  psst_sim *s = *sp;
  if (s->be) s->be->ops->destroy(&s->be);
  psst_jit_close(&s->kinds_jit);
  free(s->syn_loops);
  psst_vexchange_free(&s->vx);
  psst_vexchange_free(&s->vx2);
  psst_vexchange_free(&s->vh);
  psst__events_free(s);
  psst_layout *L = &s->L;
  for (int i = 0; L->lp && i < L->nlp; i++) {
    psst_lproj *lp = &L->lp[i];
    psst_csr_free(&lp->csr);
    free(lp->dense);
    free(lp->t_ptr);
    free(lp->t_elem);
    free(lp->t_w);
    free(lp->t_delay);
    free(lp->inv_k);
  }
  free(L->lp);
  for (int i = 0; s->ls && i < s->nls; i++) {
    free(s->ls[i].lid);
    free(s->ls[i].kstart);
    free(s->ls[i].kstop);
    free(s->ls[i].data);
    free(s->ls[i].ou);
    free(s->ls[i].ou_prev);
  }
  free(s->ls);
  free(L->seg);
  double *bufs[] = {L->y, L->z, L->aux, L->fire_t, s->V_cur, s->V_stage,
                    s->V_next, s->threshold, s->refractory, s->Istim[0],
                    s->Istim[1],
                    /* Hermite spike timing (record.spike_times) */
                    s->dV, s->xbuf, s->pend_gid, s->pend_t, s->pend_Va,
                    s->pend_Vb, s->pend_dVa};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    free(bufs[i]);
  free(s->spiked);
  psst__sources_free(s);
  free(s->starts);
  psst__recording_free(s);
  psst_comm_free(&s->comm);
  free(s);
  *sp = NULL;
}

static int cmp_gid(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

int psst_stimulus_recipients(const psst_model *m, int is, int64_t **gids,
                             int64_t *n) {
  *gids = NULL;
  *n = 0;
  PSST_CHECK(is >= 0 && is < m->nstim, PSST_ERR_USER,
             "stimulus %d does not exist (the model has %d)", is, m->nstim);
  const psst_stimulus *st = &m->stims[is];
  int64_t total = psst__selection_size(&st->target);
  unsigned char *pick = malloc((size_t)(total > 0 ? total : 1));
  int64_t *out = malloc((size_t)(total > 0 ? total : 1) * sizeof *out);
  if (!pick || !out) {
    free(pick);
    free(out);
    return psst_error_set(PSST_ERR_NOMEM, "out of memory (recipients)");
  }
  psst__stimulus_pick(m, is, total, pick);
  int64_t pos = 0, k = 0;
  for (int q = 0; q < st->target.n; q++) {
    const psst_slice *sl = &st->target.slice[q];
    for (int64_t i = sl->lo; i < sl->hi; i++, pos++)
      if (pick[pos]) out[k++] = psst_model_gid(m, sl->pop, i);
  }
  free(pick);
  qsort(out, (size_t)k, sizeof *out, cmp_gid);
  *gids = out;
  *n = k;
  return 0;
}
