/* The step loop: RK4 (or Euler) over the distributed network, spike
 * detection, recording and output. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comm.h"
#include "psst/io.h"
#include "psst/odeint.h"
#include "psst/synapses.h"
#include "psst/version.h"
#include "sim_internal.h"

/* Injected current of every local neuron at grid sample k [uA/cm^2]
 * (MODEL.md §4, sample-and-hold: I(t) = I[k] for t_k <= t < t_{k+1}). */
static void stim_sample(const psst_sim *s, int64_t k, double *cur) {
  memset(cur, 0, (size_t)s->nloc * sizeof *cur);
  for (int q = 0; q < s->nls; q++) {
    const psst_lstim *ls = &s->ls[q];
    if (ls->s->type == PSST_STIM_ODOUR) {
      const psst_odour *o = &ls->s->odour;
      double t = (double)k * s->dt, y = 0.0;
      if (t >= o->offset)
        y = o->decay_coef * exp(-(t - o->offset) / o->decay);
      else if (t >= o->onset)
        y = 1.0 - exp(-(t - o->onset) / o->rise);
      double a = o->amplitude * y;
      if (a != 0.0)
        for (int64_t i = 0; i < ls->n; i++)
          cur[ls->lid[i]] += a;
    } else if (ls->s->type == PSST_STIM_PULSES) {
      double a = 0.0;
      for (int p = 0; p < ls->s->npulses; p++)
        if (k >= ls->kstart[p] && k < ls->kstop[p])
          a += ls->s->pulses[p].amplitude;
      if (a != 0.0)
        for (int64_t i = 0; i < ls->n; i++)
          cur[ls->lid[i]] += a;
    } else {
      int64_t j = k / ls->stride;
      if (j < ls->nsamples)
        for (int64_t i = 0; i < ls->n; i++)
          cur[ls->lid[i]] += ls->data[i * ls->nsamples + j];
    }
  }
}

/* The sample-k current, from a two-entry cache (samples i and i+1 of a
 * step are reused by the next step). */
const double *psst__sim_stim(psst_sim *s, int64_t k) {
  for (int c = 0; c < 2; c++)
    if (s->Istim_k[c] == k) return s->Istim[c];
  int c = (s->Istim_k[0] < s->Istim_k[1]) ? 0 : 1; /* evict the older */
  stim_sample(s, k, s->Istim[c]);
  s->Istim_k[c] = k;
  return s->Istim[c];
}

/* Transmitter released by each presynaptic neuron of a per-presynaptic
 * or per-synapse ACh / GABA_A projection at stage time t [ms]. */
static void transmitter(const psst_sim *s, const psst_lproj *lp, double t,
                        const double *V) {
  const double *p = lp->p->params;
  if (lp->kind == PSST_SYN_ACH_PULSE) {
    for (int64_t j = 0; j < lp->nsrc; j++)
      lp->T[j] = psst_ach_release(t, s->fire_t[lp->src_gid0 + j], p[PSST_ACH_A],
                                  p[PSST_ACH_TDELAY], p[PSST_ACH_TMAX]);
  } else {
    for (int64_t j = 0; j < lp->nsrc; j++)
      lp->T[j] = psst_gaba_a_release(V[lp->src_gid0 + j], p[PSST_GABAA_V0],
                                     p[PSST_GABAA_SIGMA]);
  }
}

/* Right-hand side of the local state y and the replicated state z at stage
 * time t, given every neuron's stage voltage V (all N) and the injected
 * current Iinj (local). Writes dy into k and dz into kz. */
static void rhs(psst_sim *s, double t, const double *y, const double *z,
                const double *V, const double *Iinj, double *k, double *kz) {
  const double *Vloc = V + s->lo;
  memset(s->Isyn, 0, (size_t)s->nloc * sizeof *s->Isyn);
  /* synaptic currents, projection by projection in model order; within a
   * projection each row sums in ascending presynaptic order */
  for (int q = 0; q < s->nlp; q++) {
    psst_lproj *lp = &s->lp[q];
    const double *prm = lp->p->params;
    double g, E;
    psst_synapse_current_params(lp->kind, prm, &g, &E);
    if (lp->kind == PSST_SYN_EXP_COND) {
      for (int64_t r = 0; r < lp->nrows; r++)
        lp->drive[r] = y[lp->y_off + r];
    } else {
      const psst_csr *c = &lp->csr;
      const double *O = lp->per_synapse ? y + lp->y_off : z + lp->z_off;
      if (lp->kind == PSST_SYN_GABA_B) {
        /* drive = sum_j w_ij G_j^n / (G_j^n + K) over the row's inputs */
        const double *G = z + lp->z_off + PSST_GABAB_STATE_G * lp->nsrc;
        if (lp->nrows > 0)
          for (int64_t j = 0; j < lp->nsrc; j++)
            lp->T[j] = psst_gaba_b_activation(G[j], prm[PSST_GABAB_N],
                                              prm[PSST_GABAB_K]);
        O = lp->T;
      }
      if (lp->dense) {
        for (int64_t r = 0; r < lp->nrows; r++)
          lp->drive[r] =
              cblas_ddot((int)lp->nsrc, lp->dense + r * lp->nsrc, 1, O, 1);
      } else {
        for (int64_t r = 0; r < lp->nrows; r++) {
          double d = 0.0;
          if (lp->per_synapse) {
            for (int64_t x = c->row_ptr[r]; x < c->row_ptr[r + 1]; x++)
              d += (c->w ? c->w[x] : c->weight) * O[x];
          } else if (c->w) {
            for (int64_t x = c->row_ptr[r]; x < c->row_ptr[r + 1]; x++)
              d += c->w[x] * O[c->col[x]];
          } else {
            for (int64_t x = c->row_ptr[r]; x < c->row_ptr[r + 1]; x++)
              d += O[c->col[x]];
            d *= c->weight;
          }
          lp->drive[r] = d;
        }
      }
      if (lp->inv_k) /* gaba_b: g is a total, shared among the inputs */
        for (int64_t r = 0; r < lp->nrows; r++)
          lp->drive[r] *= lp->inv_k[r];
    }
    for (int64_t r = 0; r < lp->nrows; r++) {
      int64_t lid = lp->lid0 + r;
      s->Isyn[lid] += g * lp->drive[r] * (Vloc[lid] - E);
    }
  }
  for (int64_t i = 0; i < s->nloc; i++)
    s->Itot[i] = Iinj[i] - s->Isyn[i];
  /* intrinsic currents, one population segment at a time */
  for (int q = 0; q < s->nseg; q++) {
    const psst_seg *sg = &s->seg[q];
    sg->kind->rhs((size_t)sg->n, sg->params, y + sg->y_off, (size_t)sg->n,
                  s->Itot + sg->lid0, k + sg->y_off);
  }
  /* synaptic state */
  for (int q = 0; q < s->nlp; q++) {
    psst_lproj *lp = &s->lp[q];
    const double *prm = lp->p->params;
    if (lp->kind == PSST_SYN_EXP_COND) {
      double tau = prm[PSST_EXPC_TAU];
      for (int64_t r = 0; r < lp->nrows; r++)
        k[lp->y_off + r] = -y[lp->y_off + r] / tau;
      continue;
    }
    if (lp->kind == PSST_SYN_GABA_B) {
      const double *R = z + lp->z_off, *G = R + lp->nsrc;
      double *dR = kz + lp->z_off, *dG = dR + lp->nsrc;
      for (int64_t j = 0; j < lp->nsrc; j++) {
        double T = psst_gaba_b_release(t, lp->t_rel[j], prm[PSST_GABAB_CMAX],
                                       prm[PSST_GABAB_CDUR]);
        psst_gaba_b_deriv(R[j], G[j], T, prm, &dR[j], &dG[j]);
      }
      continue;
    }
    double al = lp->kind == PSST_SYN_ACH_PULSE ? prm[PSST_ACH_ALPHA]
                                               : prm[PSST_GABAA_ALPHA];
    double be = lp->kind == PSST_SYN_ACH_PULSE ? prm[PSST_ACH_BETA]
                                               : prm[PSST_GABAA_BETA];
    transmitter(s, lp, t, V);
    if (lp->per_synapse) {
      const psst_csr *c = &lp->csr;
      int64_t nnz = c->row_ptr[lp->nrows];
      for (int64_t x = 0; x < nnz; x++)
        k[lp->y_off + x] =
            psst_receptor_deriv(y[lp->y_off + x], lp->T[c->col[x]], al, be);
    } else {
      for (int64_t j = 0; j < lp->nsrc; j++)
        kz[lp->z_off + j] =
            psst_receptor_deriv(z[lp->z_off + j], lp->T[j], al, be);
    }
  }
}

/* Copy the local V (read from state y) into this rank's slice of Vall. */
static void local_voltages(const psst_sim *s, const double *y, double *Vall) {
  for (int q = 0; q < s->nseg; q++) {
    const psst_seg *sg = &s->seg[q];
    memcpy(Vall + sg->gid_lo, y + sg->y_off, (size_t)sg->n * sizeof *Vall);
  }
}

int psst__sim_gather(psst_sim *s, double *Vall) {
  double t0 = MPI_Wtime();
  int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, Vall, s->counts,
                          s->displs, MPI_DOUBLE, s->comm);
  s->tm.exchange += MPI_Wtime() - t0;
  return psst_comm_check(rc, "MPI_Allgatherv of the membrane potentials");
}

/* Gather every rank's local V (read from state y) into Vall. Collective. */
static int exchange(psst_sim *s, const double *y, double *Vall) {
  local_voltages(s, y, Vall);
  return psst__sim_gather(s, Vall);
}

/* ---- recording ------------------------------------------------------- */

static int flush_records(psst_sim *s, psst_output *out) {
  double t0 = MPI_Wtime();
  int rc = 0;
  if (out && s->rec_rows > 0 && s->n_rec > 0)
    rc = psst_output_write_records(out, s->rec_rows, s->rec_time,
                                   (const double *const *)s->rec_buf);
  s->rec_rows = 0;
  s->tm.output += MPI_Wtime() - t0;
  return rc;
}

/* Every rank knows every spike (replicated detection), in (step, gid)
 * order; rank r writes a balanced contiguous share, so the file is the
 * same for any number of ranks. */
static int flush_spikes(psst_sim *s, psst_output *out) {
  double t0 = MPI_Wtime();
  int rc = 0;
  if (out && s->m->record.spikes) {
    int64_t n = s->spk_n, q = n / s->size, r = n % s->size;
    int64_t off = s->rank * q + (s->rank < r ? s->rank : r);
    int64_t mine = q + (s->rank < r ? 1 : 0);
    rc = psst_output_write_spikes(out, n, off, mine, s->spk_t + off,
                                  s->spk_gid + off);
  }
  s->spk_n = 0;
  s->tm.output += MPI_Wtime() - t0;
  return rc;
}

/* Host copies of the state, current (CUDA: copied from the device only at
 * record steps and checkpoints). */
static int host_state(psst_sim *s) {
  if (s->backend == PSST_BACKEND_CUDA && s->dev_dirty) {
    PSST_TRY(psst__cuda_download(s));
    s->dev_dirty = 0;
  }
  return 0;
}

static int record_row(psst_sim *s, double t) {
  int64_t nl = s->rec_hi - s->rec_lo;
  PSST_TRY(host_state(s));
  for (int v = 0; v < s->nvars; v++) {
    double *row = s->rec_buf[v] + s->rec_rows * nl;
    const size_t *off = s->rec_off + (size_t)v * (size_t)nl;
    for (int64_t i = 0; i < nl; i++)
      row[i] = s->y[off[i]];
  }
  s->rec_time[s->rec_rows++] = t;
  return 0;
}

static int push_spike(psst_sim *s, double t, int64_t gid) {
  if (s->spk_n == s->spk_cap) {
    int64_t cap = 2 * s->spk_cap;
    double *a = realloc(s->spk_t, (size_t)cap * sizeof *a);
    PSST_ALLOC_CHECK(a);
    s->spk_t = a;
    int64_t *b = realloc(s->spk_gid, (size_t)cap * sizeof *b);
    PSST_ALLOC_CHECK(b);
    s->spk_gid = b;
    s->spk_cap = cap;
  }
  s->spk_t[s->spk_n] = t;
  s->spk_gid[s->spk_n++] = gid;
  return 0;
}

/* ---- end of step: spikes, events, sanity ------------------------------ */

/* Threshold crossings between V_cur (t_i) and V_next (t_i + h), judged on
 * the two step ends (MODEL.md §1.5) for all N neurons on every rank: the
 * last firing time becomes t_i; the recorded time is the linear
 * interpolation of the crossing. */
static int detect_spikes(psst_sim *s, double ti, double h) {
  s->nspiked = 0;
  for (int64_t j = 0; j < s->N; j++) {
    double a = s->V_cur[j], b = s->V_next[j], th = s->threshold[j];
    if (a < th && b >= th && ti - s->fire_t[j] >= s->refractory[j]) {
      s->fire_t[j] = ti;
      s->spiked[s->nspiked++] = j;
      if (s->m->record.spikes)
        PSST_TRY(push_spike(s, ti + h * (th - a) / (b - a), j));
    }
  }
  s->tm.spikes += s->nspiked;
  return 0;
}

/* Spike-triggered conductance increments, effective from the next step. */
static void deliver_events(psst_sim *s) {
  for (int q = 0; q < s->nlp; q++) {
    psst_lproj *lp = &s->lp[q];
    if (lp->kind != PSST_SYN_EXP_COND || lp->nrows == 0) continue;
    double g = lp->p->params[PSST_EXPC_G];
    for (int64_t x = 0; x < s->nspiked; x++) {
      int64_t j = s->spiked[x] - lp->src_gid0;
      if (j < 0 || j >= lp->nsrc) continue;
      for (int64_t e = lp->t_ptr[j]; e < lp->t_ptr[j + 1]; e++)
        s->y[lp->y_off + lp->t_row[e]] += g * lp->t_w[e];
    }
  }
}

/* GABA_B release is level-triggered and decided at step boundaries
 * (MODEL.md §7): presynaptic j starts a release at t when V_j(t) > V_rel and
 * at least Cdur + dead time passed since its previous release. V is every
 * neuron's V(t), known on every rank, so all ranks decide alike. */
static void decide_releases(psst_sim *s, double t, const double *V) {
  for (int q = 0; q < s->nlp; q++) {
    psst_lproj *lp = &s->lp[q];
    if (lp->kind != PSST_SYN_GABA_B) continue;
    const double *p = lp->p->params;
    double wait = p[PSST_GABAB_CDUR] + p[PSST_GABAB_DEAD] - 1e-9;
    for (int64_t j = 0; j < lp->nsrc; j++)
      if (V[lp->src_gid0 + j] > p[PSST_GABAB_VREL] && t - lp->t_rel[j] >= wait)
        lp->t_rel[j] = t;
  }
}

/* Beyond this |V| [mV] a model has blown up. */
#define PSST_V_SANE 1000.0

/* Every rank checks every V (they are replicated), so all stop together
 * with the same message. */
static int check_voltages(const psst_sim *s, const double *V, double t) {
  for (int64_t j = 0; j < s->N; j++) {
    double v = V[j];
    if (isfinite(v) && fabs(v) <= PSST_V_SANE) continue;
    /* the owner names the first bad state variable of that neuron; every
     * rank is here at the same step (V is replicated), so the broadcast is
     * safe */
    const psst_model *m = s->m;
    int p = psst_model_pop_of(m, j);
    char var[PSST_NAME_MAX] = "V";
    double bad = v;
    if (s->backend == PSST_BACKEND_CUDA && s->dev_dirty)
      psst__cuda_download((psst_sim *)s); /* to name the variable */
    int owner = j >= s->lo && j < s->hi ? s->rank : 0, root = 0;
    MPI_Allreduce(&owner, &root, 1, MPI_INT, MPI_MAX, s->comm);
    if (s->rank == root) {
      for (int q = 0; q < s->nseg; q++) {
        const psst_seg *sg = &s->seg[q];
        if (j < sg->gid_lo || j >= sg->gid_lo + sg->n) continue;
        for (int x = 0; x < sg->kind->nstate; x++) {
          double val = s->y[sg->y_off + (size_t)x * (size_t)sg->n +
                            (size_t)(j - sg->gid_lo)];
          if (!isfinite(val)) {
            snprintf(var, sizeof var, "%s", sg->kind->state[x].name);
            bad = val;
            break;
          }
        }
      }
    }
    MPI_Bcast(var, (int)sizeof var, MPI_CHAR, root, s->comm);
    MPI_Bcast(&bad, 1, MPI_DOUBLE, root, s->comm);
    if (t == 0.0)
      return psst_error_set(
          PSST_ERR_USER,
          "initial state: neuron %lld (population '%s', index %lld) has %s = "
          "%g%s; check the model's init and init_file",
          (long long)j, m->pops[p].name, (long long)(j - m->pops[p].first_gid),
          var, bad, strcmp(var, "V") == 0 ? " mV" : "");
    return psst_error_set(
        PSST_ERR_NUMERIC,
        "numerical failure at t = %.6g ms: neuron %lld (population '%s', "
        "index %lld) has %s = %g%s (V must stay finite and within +-%g mV); "
        "the step dt = %g ms is probably too large for this model: try a "
        "smaller --dt",
        t, (long long)j, m->pops[p].name, (long long)(j - m->pops[p].first_gid),
        var, bad, strcmp(var, "V") == 0 ? " mV" : "", PSST_V_SANE, s->dt);
  }
  return 0;
}

/* ---- one step -------------------------------------------------------- */

static void axpy_state(size_t n, double *out, const double *y, double a,
                       const double *k) {
  for (size_t i = 0; i < n; i++)
    out[i] = y[i] + a * k[i];
}

/* One step i from t_i to t_{i+1} (MODEL.md §1.4/§1.5 over the network):
 *
 *   V_cur holds every neuron's V(t_i) (exchanged at the end of step i-1).
 *   stage 1: slopes at (y_i, t_i) with V_cur, injected sample i
 *   stage 2: y_i + h/2 k1; exchange its V; slopes at t_i + h/2, sample i
 *   stage 3: y_i + h/2 k2; exchange;      slopes at t_i + h/2, sample i
 *   stage 4: y_i + h   k3; exchange;      slopes at t_i + h,   sample i+1
 *   y_{i+1} = y_i + (k1 + 2 k2 + 2 k3 + k4) h/6  (z, replicated, likewise)
 *   exchange V(t_{i+1}) into V_next: every rank now sees every crossing.
 *   spikes: fire_t = t_i for crossings; exp_cond increments; record.
 * Four Allgatherv per RK4 step (one per Euler step); nothing else is
 * communicated. fire_t is constant within the step. */
static int step(psst_sim *s, int64_t i) {
  const double ti = (double)i * s->dt, t1 = (double)(i + 1) * s->dt;
  const double h = t1 - ti;
  double c0 = MPI_Wtime(), ex0 = s->tm.exchange;
  if (s->backend == PSST_BACKEND_CUDA) {
    PSST_TRY(psst__cuda_step(s, i));
    s->dev_dirty = 1;
    PSST_TRY(check_voltages(s, s->V_next, t1));
    PSST_TRY(detect_spikes(s, ti, h));
    decide_releases(s, t1, s->V_next);
    PSST_TRY(psst__cuda_after_spikes(s));
    double *tmp = s->V_cur;
    s->V_cur = s->V_next;
    s->V_next = tmp;
    s->tm.compute += (MPI_Wtime() - c0) - (s->tm.exchange - ex0);
    return 0;
  }
  if (s->m->run.method == PSST_METHOD_EULER) {
    rhs(s, ti, s->y, s->z, s->V_cur, psst__sim_stim(s, i), s->k, s->kz);
    axpy_state(s->ny, s->y, s->y, h, s->k);
    axpy_state(s->nz, s->z, s->z, h, s->kz);
  } else {
    /* stage 1 */
    rhs(s, ti, s->y, s->z, s->V_cur, psst__sim_stim(s, i), s->acc, s->accz);
    const double *kprev = s->acc, *kzprev = s->accz;
    for (int st = 1; st < 4; st++) {
      double a = psst_rk4_c[st] * h;
      axpy_state(s->ny, s->ys, s->y, a, kprev);
      axpy_state(s->nz, s->zs, s->z, a, kzprev);
      if (s->stage_exchange) {
        PSST_TRY(exchange(s, s->ys, s->V_stage));
      } else {
        local_voltages(s, s->ys, s->V_stage);
      }
      rhs(s, ti + a, s->ys, s->zs, s->V_stage,
          psst__sim_stim(s, st == 3 ? i + 1 : i), s->k, s->kz);
      double b = psst_rk4_b[st];
      for (size_t x = 0; x < s->ny; x++)
        s->acc[x] += b * s->k[x];
      for (size_t x = 0; x < s->nz; x++)
        s->accz[x] += b * s->kz[x];
      kprev = s->k;
      kzprev = s->kz;
    }
    double h6 = h / 6.0;
    for (size_t x = 0; x < s->ny; x++)
      s->y[x] += s->acc[x] * h6;
    for (size_t x = 0; x < s->nz; x++)
      s->z[x] += s->accz[x] * h6;
  }
  PSST_TRY(exchange(s, s->y, s->V_next));
  PSST_TRY(check_voltages(s, s->V_next, t1));
  PSST_TRY(detect_spikes(s, ti, h));
  deliver_events(s);
  decide_releases(s, t1, s->V_next);
  double *tmp = s->V_cur;
  s->V_cur = s->V_next;
  s->V_next = tmp;
  s->tm.compute += (MPI_Wtime() - c0) - (s->tm.exchange - ex0);
  return 0;
}

/* ---- progress -------------------------------------------------------- */

typedef struct progress {
  FILE *f;
  int tty;
  double start, last, interval;
} progress;

static void fmt_time(double sec, char *buf, size_t n) {
  if (sec < 0 || !isfinite(sec)) sec = 0;
  long t = (long)(sec + 0.5);
  if (t >= 3600)
    snprintf(buf, n, "%ldh%02ldm%02lds", t / 3600, (t / 60) % 60, t % 60);
  else if (t >= 60)
    snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
  else
    snprintf(buf, n, "%.1fs", sec);
}

static void progress_report(psst_sim *s, progress *pg, int64_t i, int final) {
  if (!pg->f) return;
  double now = MPI_Wtime();
  if (!final && now - pg->last < (pg->tty ? 0.25 : pg->interval)) return;
  pg->last = now;
  int64_t steps = s->M - 1;
  double frac = steps > 0 ? (double)i / (double)steps : 1.0;
  double el = now - pg->start;
  double left = frac > 0 ? el * (1.0 - frac) / frac : 0.0;
  double rate = el > 0 ? (double)i * (double)s->N / el : 0.0;
  char e[32], l[32];
  fmt_time(el, e, sizeof e);
  fmt_time(left, l, sizeof l);
  fprintf(pg->f,
          "%s[psst] %5.1f%%  t = %.6g / %.6g ms  wall %s  left %s  "
          "%.3g neuron-steps/s%s",
          pg->tty ? "\r" : "", 100.0 * frac, (double)i * s->dt,
          (double)(s->M - 1) * s->dt, e, l, rate,
          pg->tty ? (final ? "\n" : "  ") : "\n");
  fflush(pg->f);
}

/* ---- the run --------------------------------------------------------- */

psst_run_options psst_run_options_default(void) {
  psst_run_options o;
  memset(&o, 0, sizeof o);
  o.progress_interval = 30.0;
  return o;
}

static const char *method_name(psst_method m) {
  return m == PSST_METHOD_EULER ? "euler" : "rk4";
}

static int open_output(psst_sim *s, const char *path, int force, int append,
                       psst_output **out) {
  const psst_model *m = s->m;
  psst_output_var *vars = calloc((size_t)(s->nvars + 1), sizeof *vars);
  const char **names = calloc((size_t)m->npop, sizeof *names);
  PSST_ALLOC_CHECK(vars);
  PSST_ALLOC_CHECK(names);
  for (int v = 0; v < s->nvars; v++) {
    vars[v].name = m->record.vars[v];
    vars[v].units = "1";
    vars[v].long_name = m->record.vars[v];
    /* units from the first recorded population's kind */
    const psst_neuron_kind *kd = m->pops[s->n_rec ? s->rec_pop[0] : 0].kind;
    int vi = psst_state_index(kd->state, kd->nstate, m->record.vars[v]);
    if (vi >= 0) {
      vars[v].units = kd->state[vi].unit;
      vars[v].long_name = kd->state[vi].long_name;
    }
  }
  for (int p = 0; p < m->npop; p++)
    names[p] = m->pops[p].name;
  char seed[32];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)m->run.seed);
  psst_attr attrs[] = {
      {"title", "psst simulation output", 0},
      {"source", "psst " PSST_VERSION, 0},
      {"psst_version", PSST_VERSION, 0},
      {"git_revision", PSST_GIT_REVISION, 0},
      {"model_file", m->path ? m->path : "", 0},
      {"model_text", m->text ? m->text : "", 0},
      {"mpi_ranks", NULL, (double)s->size},
      {"backend", s->backend == PSST_BACKEND_CUDA ? "cuda" : "cpu", 0},
      {"method", method_name(m->run.method), 0},
      {"dt_ms", NULL, m->run.dt},
      {"t_end_ms", NULL, m->run.t_end},
      {"record_every_steps", NULL, (double)m->record.every},
      {"seed", seed, 0},
      {"neurons", NULL, (double)s->N},
  };
  const int nbase = (int)(sizeof attrs / sizeof attrs[0]);
  /* the recipients of randomly chosen stimuli, as text "gid gid ..." in
   * attributes stimulus<i>_recipients, for analysis */
  psst_attr *all = calloc((size_t)(nbase + m->nstim), sizeof *all);
  char **texts = calloc((size_t)(m->nstim + 1), sizeof *texts);
  char(*anames)[48] = calloc((size_t)(m->nstim + 1), sizeof *anames);
  int nattrs = nbase, rc = 0;
  if (!all || !texts || !anames) {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (attributes)");
    goto done;
  }
  memcpy(all, attrs, sizeof attrs);
  for (int is = 0; is < m->nstim && rc == 0; is++) {
    if (m->stims[is].fraction < 0) continue;
    int64_t *g = NULL, n = 0;
    rc = psst_stimulus_recipients(m, is, &g, &n);
    if (rc < 0) break;
    texts[is] = malloc((size_t)(n * 21 + 1));
    if (!texts[is]) {
      free(g);
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (attributes)");
      break;
    }
    size_t len = 0;
    texts[is][0] = '\0';
    for (int64_t i = 0; i < n; i++)
      len += (size_t)sprintf(texts[is] + len, i ? " %lld" : "%lld",
                             (long long)g[i]);
    free(g);
    snprintf(anames[is], sizeof anames[is], "stimulus%d_recipients", is);
    all[nattrs].name = anames[is];
    all[nattrs].text = texts[is];
    nattrs++;
  }
  if (rc < 0) goto done;
  psst_output_spec spec = {
      .path = path,
      .force = force,
      .n_rec = s->n_rec,
      .rec_lo = s->rec_lo,
      .rec_hi = s->rec_hi,
      .rec_gid = s->rec_gid,
      .rec_pop = s->rec_pop,
      .npop = m->npop,
      .pop_names = names,
      .nvars = s->n_rec > 0 ? s->nvars : 0,
      .vars = vars,
      .spikes = m->record.spikes,
      .nattrs = nattrs,
      .attrs = all,
  };
  if (append)
    rc = psst_output_open_append(s->comm, &spec, s->resume.records,
                                 s->resume.spikes, out);
  else
    rc = psst_output_create(s->comm, &spec, out);
done:
  for (int is = 0; texts && is < m->nstim; is++)
    free(texts[is]);
  free(texts);
  free(anames);
  free(all);
  free(vars);
  free(names);
  return rc;
}

static int close_output(psst_sim *s, psst_output **out, int commit) {
  if (!*out) return 0;
  /* wall times: the slowest rank's, which is what a user waits for */
  double mine[4] = {s->tm.setup, s->tm.compute, s->tm.exchange, s->tm.output};
  double mx[4];
  MPI_Allreduce(mine, mx, 4, MPI_DOUBLE, MPI_MAX, s->comm);
  /* also the settings a restart may change (t_end, ranks, backend): a
   * continued file describes the run that finished it; the wall times are
   * those of that last segment (restarted: how often) */
  psst_attr attrs[] = {
      {"wall_setup_s", NULL, mx[0]},
      {"wall_compute_s", NULL, mx[1]},
      {"wall_exchange_s", NULL, mx[2]},
      {"wall_output_s", NULL, mx[3]},
      {"steps", NULL, (double)s->step},
      {"complete", commit ? "yes" : "no", 0},
      {"t_end_ms", NULL, s->m->run.t_end},
      {"mpi_ranks", NULL, (double)s->size},
      {"backend", s->backend == PSST_BACKEND_CUDA ? "cuda" : "cpu", 0},
      {"restarted_from_step", NULL, s->restored ? (double)s->resume.step : 0.0},
  };
  return psst_output_close(out, (int)(sizeof attrs / sizeof attrs[0]), attrs,
                           commit);
}

/* A restarted run appends to the interrupted run's PATH.partial (or to a
 * completed PATH, continued past its end); without either it starts a new
 * file. Collective. */
static int restart_output(psst_sim *s, const char *path, int force,
                          psst_output **out) {
  int where = 0; /* 0 none, 1 partial, 2 final */
  if (s->rank == 0) {
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", path);
    FILE *f = fopen(partial, "rb");
    if (f) {
      where = 1;
      fclose(f);
    } else if ((f = fopen(path, "rb"))) {
      fclose(f);
      where = rename(path, partial) == 0 ? 2 : -1;
    }
  }
  MPI_Bcast(&where, 1, MPI_INT, 0, s->comm);
  PSST_CHECK(where >= 0, PSST_ERR_IO,
             "%s: cannot reopen the finished output to continue it", path);
  if (where == 0) return open_output(s, path, force, 0, out);
  return open_output(s, path, force, 1, out);
}

/* Write a checkpoint at the current step: the output is flushed and synced
 * first, so that the checkpoint never refers to data a crash could lose.
 * Collective. */
static int checkpoint_now(psst_sim *s, psst_output *out, const char *ckpt,
                          const char *path) {
  int64_t nrec = 0, nspk = 0;
  if (out) {
    PSST_TRY(flush_records(s, out));
    PSST_TRY(flush_spikes(s, out));
    PSST_TRY(psst_output_sync(out));
    psst_output_counts(out, &nrec, &nspk);
  }
  double t0 = MPI_Wtime();
  PSST_TRY(host_state(s));
  int rc = psst__sim_checkpoint(s, ckpt, path, nrec, nspk);
  s->tm.output += MPI_Wtime() - t0;
  return rc;
}

/* Has any rank been asked to stop? Collective (every rank polls at the same
 * steps). */
static int stop_requested(psst_sim *s, volatile sig_atomic_t *stop) {
  int mine = stop && *stop ? 1 : 0, any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, s->comm);
  return any;
}

int psst_sim_run(psst_sim *s, const psst_run_options *o) {
  psst_run_options dflt = psst_run_options_default();
  if (!o) o = &dflt;
  double t_start = MPI_Wtime();
  /* output: the one asked for, else a restarted run's own, else the
   * model's */
  const char *path = o->output;
  if (!path && s->restored && s->resume.output[0]) path = s->resume.output;
  if (!path) path = s->m->output;
  /* every rank's V at the start; a non-finite initial state is a user error,
   * found before any output is created */
  PSST_TRY(exchange(s, s->y, s->V_cur));
  if (!s->restored) PSST_TRY(check_voltages(s, s->V_cur, 0.0));
  psst_output *out = NULL;
  if (path) {
    if (s->restored)
      PSST_TRY(restart_output(s, path, o->force, &out));
    else
      PSST_TRY(open_output(s, path, o->force, 0, &out));
  }
  /* where a checkpoint goes: --checkpoint, else (for a stop) OUTPUT.ckpt */
  char ckpt_default[4200] = "";
  const char *ckpt = o->checkpoint;
  if (!ckpt && path) {
    snprintf(ckpt_default, sizeof ckpt_default, "%s.ckpt", path);
    ckpt = ckpt_default;
  }
  int64_t ckpt_every = 0;
  if (o->checkpoint && o->checkpoint_every > 0) {
    ckpt_every = (int64_t)llround(o->checkpoint_every / s->dt);
    if (ckpt_every < 1) ckpt_every = 1;
  }

  progress pg = {0};
  if (s->rank == 0 && o->progress) {
    pg.f = o->progress;
    pg.tty = isatty(fileno(o->progress));
    pg.interval = o->progress_interval > 0 ? o->progress_interval : 30.0;
    pg.start = pg.last = MPI_Wtime();
  }

  int rc = 0, stopped = 0;
  if (!s->restored) {
    decide_releases(s, 0.0, s->V_cur);
    rc = record_row(s, 0.0);
  }
  const int64_t every = s->m->record.every;
  const int64_t spike_cap = (int64_t)1 << 20; /* flush spikes past this */
  const int64_t poll = 16; /* steps between agreements on a stop request */
  for (int64_t i = s->step; rc == 0 && i < s->M - 1; i++) {
    rc = step(s, i);
    if (rc < 0) break;
    s->step = i + 1;
    if ((i + 1) % every == 0) {
      rc = record_row(s, (double)(i + 1) * s->dt);
      if (rc == 0 && s->rec_rows == s->rec_cap) {
        rc = flush_records(s, out);
        if (rc == 0) rc = flush_spikes(s, out);
      }
    }
    /* spike counts are the same on every rank, so this is collective */
    if (rc == 0 && s->spk_n >= spike_cap) rc = flush_spikes(s, out);
    if (rc == 0 && ckpt_every && s->step % ckpt_every == 0 &&
        s->step < s->M - 1)
      rc = checkpoint_now(s, out, o->checkpoint, path);
    if (rc == 0 && o->stop && s->step % poll == 0 &&
        stop_requested(s, o->stop)) {
      stopped = 1;
      break;
    }
    progress_report(s, &pg, i + 1, 0);
  }
  if (rc == 0 && stopped && ckpt) {
    rc = checkpoint_now(s, out, ckpt, path);
  } else if (rc == 0 && o->checkpoint) {
    rc = checkpoint_now(s, out, o->checkpoint, path); /* the final state */
  }
  /* keep what was computed: flush and close, committing only a full run */
  int frc = 0;
  if (out && rc != PSST_ERR_MPI) {
    int r1 = flush_records(s, out);
    int r2 = flush_spikes(s, out);
    frc = r1 < 0 ? r1 : r2;
  }
  if (rc == 0 && frc == 0 && !stopped) progress_report(s, &pg, s->step, 1);
  s->tm.total = MPI_Wtime() - t_start + s->tm.setup;
  int crc = close_output(s, &out, rc == 0 && frc == 0 && !stopped);
  if (rc < 0) {
    if (rc == PSST_ERR_NUMERIC) {
      char msg[3000], ck[4400];
      snprintf(msg, sizeof msg, "%s", psst_error_message());
      if (s->last_ckpt[0])
        snprintf(ck, sizeof ck, "the last checkpoint is %s (t = %g ms)",
                 s->last_ckpt, s->last_ckpt_t);
      else
        snprintf(ck, sizeof ck, "no checkpoint was written");
      if (path && crc == 0)
        psst_error_set(rc,
                       "%s\nthe output up to t = %g ms is kept in %s.partial; "
                       "%s",
                       msg, (double)s->step * s->dt, path, ck);
      else
        psst_error_set(rc, "%s\n%s", msg, ck);
    }
    return rc;
  }
  if (frc < 0) return frc;
  if (crc < 0) return crc;
  return stopped ? PSST_STOPPED : 0;
}

void psst_sim_timings(const psst_sim *s, psst_timings *t) {
  *t = s->tm;
  t->steps = s->step;
}

const char *psst_version(void) { return PSST_VERSION; }
const char *psst_git_revision(void) { return PSST_GIT_REVISION; }
