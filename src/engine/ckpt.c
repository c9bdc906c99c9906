/* Checkpoints: the whole state of a run, written collectively, and restart
 * from it at any rank count (docs/models.md §5).
 *
 * A checkpoint holds, as 1-D variables in global order:
 *   pop.<P>.<var>    every state variable of population P (neuron order)
 *   fire_t           last firing time of every neuron [ms]
 *   proj.<Q>.<var>   per-presynaptic receptor state (source order),
 *                    per-postsynaptic conductance (target order), or
 *                    per-synapse state (global CSR order: by postsynaptic
 *                    neuron, then presynaptic — the same for any partition)
 *   proj.<Q>.<aux>   step-boundary kinds: their value per presynaptic
 *                    neuron (gaba_b: t_rel, the last release start [ms])
 *   proj.<Q>.event_* spike events still in flight (delays; see plan_events)
 *   stim.<q>.I_ou    Ornstein-Uhlenbeck noise currents at the step [uA/cm^2]
 * and as attributes the step index and its time, the model's hash, where
 * the output stood (records and spikes written) and provenance. Random
 * numbers are counter-based (keyed by ids, not drawn from a stream), so
 * there is no generator position to save. The voltages exchanged at a
 * step start and the injected-current samples are recomputed from this
 * state, so a restarted run repeats the uninterrupted one bit for bit.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "psst/io.h"
#include "psst/version.h"

/* FNV-1a over everything that defines the trajectory: the model text, the
 * settings that the command line may override, and the network size.
 * t_end is left out: a run may be continued further than first planned. */
void psst__model_hash(const psst_model *m, char out[17]) {
  uint64_t h = 1469598103934665603ull;
  char extra[256];
  snprintf(extra, sizeof extra,
           "|dt=%.17g|seed=%" PRIu64 "|method=%d|N=%" PRId64, m->run.dt,
           m->run.seed, (int)m->run.method, m->n_neurons);
  /* the kind files a model's kinds come from ({file: ...}) are part of it */
  const char *parts[3] = {m->text ? m->text : "", extra,
                          m->kinds_text ? m->kinds_text : ""};
  for (int p = 0; p < 3; p++)
    for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++) {
      h ^= *c;
      h *= 1099511628211ull;
    }
  snprintf(out, 17, "%016" PRIx64, h);
}

int psst__sim_run_id(psst_sim *s) {
  if (s->run_id[0]) return 0;
  char id[33] = "";
  if (s->rank == 0) {
    unsigned char r[16];
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(r, 1, sizeof r, f) : 0;
    if (f) fclose(f);
    if (got != sizeof r) { /* no /dev/urandom: the clock and the pid */
      struct timespec ts;
      timespec_get(&ts, TIME_UTC);
      uint64_t x = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
                   ((uint64_t)getpid() << 32);
      for (int i = 0; i < 16; i++) {
        x += 0x9e3779b97f4a7c15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        r[i] = (unsigned char)(z ^ (z >> 31));
      }
    }
    for (int i = 0; i < 16; i++)
      snprintf(id + 2 * i, 3, "%02x", r[i]);
  }
  PSST_TRY(psst_comm_bcast(s->comm, id, sizeof id, 0));
  id[32] = '\0';
  memcpy(s->run_id, id, sizeof id);
  return 0;
}

/* The checksum of a checkpoint: the sum modulo 2^64 of one 64-bit hash per
 * value, hash(FNV-1a(variable name) + global index, bits of the double), and
 * of a hash of the counters (rank 0). A sum, so that each rank adds its own
 * part of every variable and the result does not depend on the rank count
 * or the order of the writes; any change of one value (a bit flip) changes
 * it except with probability 2^-64. */
static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *t) {
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *c = (const unsigned char *)t; *c; c++) {
    h ^= *c;
    h *= 1099511628211ull;
  }
  return h;
}

static uint64_t sum_values(const char *name, int64_t start, int64_t n,
                           const double *x) {
  uint64_t key = fnv1a(name), sum = 0;
  for (int64_t i = 0; i < n; i++) {
    uint64_t bits;
    memcpy(&bits, &x[i], sizeof bits);
    sum += mix64(mix64(key + (uint64_t)(start + i)) ^ bits);
  }
  return sum;
}

/* The counters a checkpoint's checksum covers. */
static uint64_t sum_counters(const char *run_id, const char *hash, double step,
                             double records, double spikes, double pend) {
  char t[256];
  snprintf(t, sizeof t,
           "run_id=%s|model_hash=%s|step=%.17g|records=%.17g|"
           "spikes=%.17g|pending=%.17g",
           run_id, hash, step, records, spikes, pend);
  return mix64(fnv1a(t));
}

/* The variables of a checkpoint, in one order every rank follows. For each:
 * its name, global length, and this rank's [start, start + count) with the
 * data (write) or destination (read). */
typedef struct ckpt_var {
  char name[2 * PSST_NAME_MAX + 16];
  int64_t len, start, count;
  double *data;
} ckpt_var;

/* Pending spike events of one spike-triggered projection (engine/events.c):
 * `total` of them in the file, as due step, global element and weight. The
 * buffers belong to the plan. */
typedef struct ckpt_events {
  int64_t total;
  double *due, *elem, *w;
} ckpt_events;

typedef struct ckpt_plan {
  int n, cap;
  ckpt_var *v;
  ckpt_events *ev; /* per local projection (total 0: none) */
  int nev;
  double **ou; /* per stimulus: OU noise currents of the local neurons */
  int nou;
} ckpt_plan;

static void plan_free(ckpt_plan *pl) {
  for (int q = 0; pl->ev && q < pl->nev; q++) {
    free(pl->ev[q].due);
    free(pl->ev[q].elem);
    free(pl->ev[q].w);
  }
  free(pl->ev);
  for (int q = 0; pl->ou && q < pl->nou; q++)
    free(pl->ou[q]);
  free(pl->ou);
  free(pl->v);
  memset(pl, 0, sizeof *pl);
}

static int plan_add(ckpt_plan *pl, const char *a, const char *b, int64_t len,
                    int64_t start, int64_t count, double *data) {
  if (pl->n == pl->cap) {
    int cap = pl->cap ? 2 * pl->cap : 64;
    ckpt_var *v = realloc(pl->v, (size_t)cap * sizeof *v);
    PSST_ALLOC_CHECK(v);
    pl->v = v;
    pl->cap = cap;
  }
  ckpt_var *x = &pl->v[pl->n++];
  snprintf(x->name, sizeof x->name, "%s%s", a, b);
  x->len = len;
  x->start = start;
  x->count = count;
  x->data = data;
  return 0;
}

/* The global index of a projection's state element e of this rank (the
 * numbering of the checkpoint's proj.<Q>.<var> arrays). */
static int64_t elem_global(const psst_lproj *lp, int64_t e, int64_t syn_off) {
  if (lp->store == PSST_STORE_POST) return lp->row0 + e;
  if (lp->store == PSST_STORE_SYNAPSE) return syn_off + e;
  return e;
}

/* Events pending at a checkpoint, per projection: proj.<Q>.event_due (the
 * step at whose end each is delivered), .event_elem (the state element, in
 * the numbering of the proj.<Q> arrays) and .event_w (the weight), every
 * rank's events in its rows' block, each rank's in delivery order. PRE
 * events are replicated: rank 0 writes them. With `c` (restore) the counts
 * come from the file and every rank reads all events. */
static int plan_events(psst_sim *s, ckpt_plan *pl, psst_ckpt *c) {
  const psst_layout *L = &s->L;
  pl->nev = L->nlp;
  pl->ev = calloc((size_t)L->nlp + 1, sizeof *pl->ev);
  PSST_ALLOC_CHECK(pl->ev);
  char pre[PSST_NAME_MAX + 16], name[PSST_NAME_MAX + 32];
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    if (!(lp->kind->flags & PSST_SYN_F_SPIKE_TRIGGERED)) continue;
    ckpt_events *E = &pl->ev[q];
    snprintf(pre, sizeof pre, "proj.%s.", lp->p->name);
    snprintf(name, sizeof name, "%sevents", pre);
    int64_t n = 0, off = 0, syn_off = 0;
    int replicated = lp->store == PSST_STORE_PRE;
    if (lp->store == PSST_STORE_SYNAPSE)
      PSST_TRY(psst_comm_exscan_i64(s->comm, lp->nnz, &syn_off));
    if (c) {
      double tot = 0;
      if (psst_ckpt_get_num(c, name, &tot) < 0) {
        psst_error_clear(); /* no events were pending */
        tot = 0;
      }
      if (tot < 0 || tot != floor(tot) || tot > 9.0e15)
        return psst_error_set(PSST_ERR_USER, "damaged checkpoint (%s = %g)",
                              name, tot);
      E->total = (int64_t)tot;
      n = E->total;
    } else {
      n = psst__events_pending(s, q);
      if (replicated) {
        E->total = n;
      } else {
        PSST_TRY(psst_comm_exscan_i64(s->comm, n, &off));
        PSST_TRY(psst_comm_sum_i64(s->comm, n, &E->total));
      }
    }
    if (E->total == 0) continue;
    E->due = malloc((size_t)(n + 1) * sizeof *E->due);
    E->elem = malloc((size_t)(n + 1) * sizeof *E->elem);
    E->w = malloc((size_t)(n + 1) * sizeof *E->w);
    PSST_ALLOC_CHECK(E->due);
    PSST_ALLOC_CHECK(E->elem);
    PSST_ALLOC_CHECK(E->w);
    if (!c) { /* in delivery order: by due step, then as scheduled */
      const psst_evring *R = &s->ev[q];
      int64_t x = 0;
      for (int64_t d = s->step; d < s->step + R->nslot; d++) {
        const psst_evslot *sl = &R->slot[d % R->nslot];
        for (int64_t i = 0; i < sl->n; i++, x++) {
          E->due[x] = (double)d;
          E->elem[x] = (double)elem_global(lp, sl->elem[i], syn_off);
          E->w[x] = sl->w[i];
        }
      }
    }
    double *buf[3] = {E->due, E->elem, E->w};
    const char *vn[3] = {"event_due", "event_elem", "event_w"};
    for (int v = 0; v < 3; v++) {
      PSST_TRY(plan_add(pl, pre, vn[v], E->total, c ? 0 : off, n, buf[v]));
      /* < 0: read all, write none */
      if (c || (replicated && s->rank != 0)) pl->v[pl->n - 1].count = -n;
    }
  }
  return 0;
}

/* After a restore's reads: this rank's events back into the rings. */
static int push_events(psst_sim *s, const ckpt_plan *pl, const char *path,
                       int64_t step) {
  const psst_layout *L = &s->L;
  for (int q = 0; q < L->nlp; q++) {
    const psst_lproj *lp = &L->lp[q];
    const ckpt_events *E = &pl->ev[q];
    if (!(lp->kind->flags & PSST_SYN_F_SPIKE_TRIGGERED) || E->total == 0)
      continue;
    int64_t lo = 0, n = lp->nsrc;
    if (lp->store == PSST_STORE_POST) {
      lo = lp->row0;
      n = lp->nrows;
    } else if (lp->store == PSST_STORE_SYNAPSE) {
      PSST_TRY(psst_comm_exscan_i64(s->comm, lp->nnz, &lo));
      n = lp->nnz;
    }
    int64_t nslot = s->ev[q].nslot;
    for (int64_t k = 0; k < nslot; k++)
      s->ev[q].slot[k].n = 0;
    for (int64_t x = 0; x < E->total; x++) {
      double g = E->elem[x] - (double)lo, d = E->due[x];
      if (g < 0 || g >= (double)n) continue; /* another rank's */
      if (d != floor(d) || d < (double)step || d >= (double)(step + nslot) ||
          !isfinite(E->w[x]))
        return psst_error_set(PSST_ERR_USER,
                              "%s: damaged checkpoint (event %" PRId64
                              " of projection '%s': due at step %g, "
                              "restart at step %" PRId64 ")",
                              path, x, lp->p->name, d, step);
      PSST_TRY(psst__events_push(s, q, (int64_t)d, (int64_t)g, E->w[x]));
    }
  }
  return 0;
}

/* Ornstein-Uhlenbeck noise currents at the checkpoint's step: stim.<q>.I_ou
 * per neuron (global order; 0 where the stimulus has no target). */
static int plan_noise(psst_sim *s, ckpt_plan *pl, int restore) {
  const psst_layout *L = &s->L;
  pl->nou = s->nls;
  pl->ou = calloc((size_t)s->nls + 1, sizeof *pl->ou);
  PSST_ALLOC_CHECK(pl->ou);
  char pre[64];
  for (int q = 0; q < s->nls; q++) {
    psst_lstim *ls = &s->ls[q];
    if (ls->s->type != PSST_STIM_NOISE || !(ls->s->noise.tau > 0)) continue;
    double *b = malloc(((size_t)L->nloc + 1) * sizeof *b);
    PSST_ALLOC_CHECK(b);
    pl->ou[q] = b;
    for (int64_t i = 0; i < L->nloc; i++)
      b[i] = 0.0; /* neurons the stimulus does not reach */
    if (!restore) {
      const double *I = psst__stim_noise_at(s, q, s->step);
      for (int64_t i = 0; i < ls->n; i++)
        b[ls->lid[i]] = I[i];
    }
    snprintf(pre, sizeof pre, "stim.%d.", q);
    PSST_TRY(plan_add(pl, pre, "I_ou", L->N, L->lo, L->nloc, b));
  }
  return 0;
}

/* After a restore's reads: the OU currents back into their stimuli. */
static int push_noise(psst_sim *s, const ckpt_plan *pl, const char *path,
                      int64_t step) {
  for (int q = 0; q < s->nls; q++) {
    psst_lstim *ls = &s->ls[q];
    if (!pl->ou[q]) continue;
    for (int64_t i = 0; i < ls->n; i++) {
      double x = pl->ou[q][ls->lid[i]];
      if (!isfinite(x))
        return psst_error_set(PSST_ERR_USER,
                              "%s: damaged checkpoint (stim.%d.I_ou of neuron "
                              "%lld is %g)",
                              path, q, (long long)(s->L.lo + ls->lid[i]), x);
      ls->ou[i] = x;
      ls->ou_prev[i] = NAN;
    }
    ls->ou_k = step;
  }
  s->Istim_k[0] = s->Istim_k[1] = -1; /* the cached samples are stale */
  return 0;
}

static int make_plan(psst_sim *s, ckpt_plan *pl, psst_ckpt *c) {
  const psst_model *m = s->m;
  const psst_layout *L = &s->L;
  char pre[PSST_NAME_MAX + 16];
  for (int p = 0; p < m->npop; p++) {
    const psst_population *pp = &m->pops[p];
    const psst_seg *sg = NULL;
    for (int q = 0; q < L->nseg; q++)
      if (L->seg[q].pop == p) sg = &L->seg[q];
    snprintf(pre, sizeof pre, "pop.%s.", pp->name);
    for (int v = 0; v < pp->kind->nstate; v++)
      PSST_TRY(
          plan_add(pl, pre, pp->kind->state[v].name, pp->size,
                   sg ? sg->gid_lo - pp->first_gid : 0, sg ? sg->n : 0,
                   sg ? L->y + sg->y_off + (size_t)v * (size_t)sg->ld : NULL));
  }
  /* replicated arrays: written by rank 0, read by everyone */
  int w0 = s->rank == 0;
  PSST_TRY(plan_add(pl, "fire_t", "", L->N, 0, L->N, L->fire_t));
  pl->v[pl->n - 1].count = w0 ? L->N : -L->N; /* < 0: read all, write none */
  for (int q = 0; q < L->nlp; q++) {
    psst_lproj *lp = &L->lp[q];
    const psst_projection *p = lp->p;
    const psst_synapse_kind *k = lp->kind;
    snprintf(pre, sizeof pre, "proj.%s.", p->name);
    int64_t ntgt = p->to.hi - p->to.lo;
    int64_t syn_off = 0, total = 0;
    if (lp->store == PSST_STORE_SYNAPSE) {
      PSST_TRY(psst_comm_exscan_i64(s->comm, lp->nnz, &syn_off));
      PSST_TRY(psst_comm_sum_i64(s->comm, lp->nnz, &total));
    }
    for (int v = 0; v < k->nstate; v++) {
      const char *name = k->state[v].name;
      if (lp->store == PSST_STORE_POST) {
        PSST_TRY(plan_add(pl, pre, name, ntgt, lp->row0, lp->nrows,
                          L->y + lp->off + (size_t)v * (size_t)lp->ld));
      } else if (lp->store == PSST_STORE_SYNAPSE) {
        PSST_TRY(plan_add(pl, pre, name, total, syn_off, lp->nnz,
                          L->y + lp->off + (size_t)v * (size_t)lp->ld));
      } else {
        /* per presynaptic neuron (replicated): read by everyone, each
         * value written by its presynaptic neuron's owner, the one rank
         * sure to hold it exactly: with the halo exchange of the stage
         * voltages a rank evolves exactly only the elements of its own
         * neurons and of those it reads (the others see stale voltages
         * and are never read) */
        double *z0 = L->z + lp->off + (size_t)v * (size_t)lp->ld;
        int64_t a = L->lo - lp->src_gid0, b = L->hi - lp->src_gid0;
        a = a < 0 ? 0 : a > lp->nsrc ? lp->nsrc : a;
        b = b < a ? a : b > lp->nsrc ? lp->nsrc : b;
        if (c)
          PSST_TRY(plan_add(pl, pre, name, lp->nsrc, 0, -lp->nsrc, z0));
        else
          PSST_TRY(plan_add(pl, pre, name, lp->nsrc, a, b - a, z0 + a));
      }
    }
    if (k->flags & PSST_SYN_F_STEP_BOUNDARY) {
      PSST_TRY(plan_add(pl, pre, k->aux_name, lp->nsrc, 0, lp->nsrc,
                        L->aux + lp->aux_off));
      pl->v[pl->n - 1].count = w0 ? lp->nsrc : -lp->nsrc;
    }
  }
  /* crossings of the last step, timed at the next (Hermite spike times) */
  if (s->npend > 0) {
    double *pend[5] = {s->pend_gid, s->pend_t, s->pend_Va, s->pend_Vb,
                       s->pend_dVa};
    const char *names[5] = {"gid", "t", "V_a", "V_b", "dV_a"};
    for (int v = 0; v < 5; v++) {
      PSST_TRY(plan_add(pl, "pending_spike.", names[v], s->npend, 0, s->npend,
                        pend[v]));
      pl->v[pl->n - 1].count = w0 ? s->npend : -s->npend;
    }
  }
  if (s->has_events) PSST_TRY(plan_events(s, pl, c));
  PSST_TRY(plan_noise(s, pl, c != NULL));
  return 0;
}

/* This rank's part of the checksum of a plan: the values it writes or
 * reads for itself (count > 0), and on rank 0 also those every rank reads
 * (count < 0), so that each value of the file counts once. */
static uint64_t plan_sum(const psst_sim *s, const ckpt_plan *pl) {
  uint64_t sum = 0;
  for (int i = 0; i < pl->n; i++) {
    const ckpt_var *v = &pl->v[i];
    if (v->count > 0)
      sum += sum_values(v->name, v->start, v->count, v->data);
    else if (v->count < 0 && s->rank == 0)
      sum += sum_values(v->name, v->start, -v->count, v->data);
  }
  return sum;
}

int psst__sim_checkpoint(psst_sim *s, const char *path, const char *output,
                         int64_t records, int64_t spikes) {
  ckpt_plan pl = {0};
  if (!s->restored) PSST_TRY(psst__sim_run_id(s));
  int rc = psst_comm_agree(s->comm, make_plan(s, &pl, NULL));
  psst_ckpt *c = NULL;
  int *ids = NULL;
  char hash[17], sumtxt[17];
  psst__model_hash(s->m, hash);
  if (rc == 0) {
    uint64_t mine = plan_sum(s, &pl), sum = 0;
    if (s->rank == 0)
      mine += sum_counters(s->run_id, hash, (double)s->step, (double)records,
                           (double)spikes, (double)s->npend);
    rc = psst_comm_sum_u64(s->comm, mine, &sum);
    snprintf(sumtxt, sizeof sumtxt, "%016" PRIx64, sum);
  }
  if (rc == 0) rc = psst_ckpt_create(s->comm, path, &c);
  if (rc == 0) {
    ids = calloc((size_t)pl.n + 1, sizeof *ids);
    int lrc = ids ? 0 : psst_error_set(PSST_ERR_NOMEM, "out of memory");
    if (!lrc) lrc = psst_ckpt_put_text(c, "model_hash", hash);
    if (!lrc) lrc = psst_ckpt_put_text(c, "run_id", s->run_id);
    if (!lrc) lrc = psst_ckpt_put_text(c, "checksum", sumtxt);
    if (!lrc)
      lrc = psst_ckpt_put_text(c, "checksum_method",
                               "sum mod 2^64 of splitmix64(splitmix64("
                               "fnv1a64(name) + index) ^ bits) over every "
                               "value, and of the counters");
    if (!lrc)
      lrc = psst_ckpt_put_text(c, "model_file", s->m->path ? s->m->path : "");
    if (!lrc) lrc = psst_ckpt_put_text(c, "psst_version", PSST_VERSION);
    if (!lrc) lrc = psst_ckpt_put_text(c, "git_revision", PSST_GIT_REVISION);
    if (!lrc) lrc = psst_ckpt_put_text(c, "output", output ? output : "");
    if (!lrc) lrc = psst_ckpt_put_num(c, "step", (double)s->step);
    if (!lrc) lrc = psst_ckpt_put_num(c, "time_ms", (double)s->step * s->dt);
    if (!lrc) lrc = psst_ckpt_put_num(c, "dt_ms", s->dt);
    if (!lrc) lrc = psst_ckpt_put_num(c, "mpi_ranks", (double)s->size);
    if (!lrc) lrc = psst_ckpt_put_num(c, "output_records", (double)records);
    if (!lrc) lrc = psst_ckpt_put_num(c, "output_spikes", (double)spikes);
    if (!lrc) lrc = psst_ckpt_put_num(c, "pending_spikes", (double)s->npend);
    for (int q = 0; !lrc && q < pl.nev; q++) {
      char an[PSST_NAME_MAX + 32];
      snprintf(an, sizeof an, "proj.%s.events", s->L.lp[q].p->name);
      if (s->L.lp[q].kind->flags & PSST_SYN_F_SPIKE_TRIGGERED)
        lrc = psst_ckpt_put_num(c, an, (double)pl.ev[q].total);
    }
    for (int i = 0; !lrc && i < pl.n; i++) {
      ids[i] = psst_ckpt_def(c, pl.v[i].name, pl.v[i].len);
      if (ids[i] < 0) lrc = ids[i];
    }
    rc = psst_comm_agree(s->comm, lrc);
    if (rc == 0) rc = psst_ckpt_enddef(c);
    for (int i = 0; rc == 0 && i < pl.n; i++) {
      int64_t cnt = pl.v[i].count > 0 ? pl.v[i].count : 0;
      rc = psst_ckpt_write(c, ids[i], pl.v[i].start, cnt, pl.v[i].data);
    }
    int crc = psst_ckpt_close(&c, rc == 0);
    if (rc == 0) rc = crc;
  }
  free(ids);
  plan_free(&pl);
  if (rc == 0) {
    snprintf(s->last_ckpt, sizeof s->last_ckpt, "%s", path);
    s->last_ckpt_t = (double)s->step * s->dt;
  }
  return rc;
}

static int integral(double x, double hi) {
  return isfinite(x) && x >= 0 && x <= hi && x == floor(x);
}

/* The counters of a checkpoint against the model: a step on the grid whose
 * time it names, as many records as a run at that step has written (none
 * without an output), at most one spike per neuron and step. Not
 * collective. */
static int check_counters(const psst_sim *s, const char *path, double step,
                          double t, double records, double spikes,
                          const char *output) {
  if (!integral(step, 9.0e15))
    return psst_error_set(PSST_ERR_USER, "%s: damaged checkpoint (step %g)",
                          path, step);
  double want_t = step * s->dt;
  if (!(fabs(t - want_t) <= 1e-9 * fmax(1.0, fabs(want_t))))
    return psst_error_set(PSST_ERR_USER,
                          "%s: damaged checkpoint (step %.17g is at t = %.17g "
                          "ms with dt = %g ms, but the checkpoint says t = "
                          "%.17g ms)",
                          path, step, want_t, s->dt, t);
  int64_t k = (int64_t)step;
  int64_t every = s->nrb > 0 ? s->rb[0].every : 1;
  double want_rec = output[0] ? (double)(k / every + 1) : 0.0;
  if (!integral(records, 9.0e15) || records != want_rec)
    return psst_error_set(PSST_ERR_USER,
                          "%s: damaged checkpoint (output_records = %g; at "
                          "step %" PRId64 " the run had written %g records "
                          "of its first record block)",
                          path, records, k, want_rec);
  double max_spk = (double)s->L.N * (step + 1.0);
  if (!integral(spikes, fmin(max_spk, 9.0e15)))
    return psst_error_set(PSST_ERR_USER,
                          "%s: damaged checkpoint (output_spikes = %g; %" PRId64
                          " neurons in %" PRId64 " steps fire at most %g "
                          "times)",
                          path, spikes, s->L.N, k + 1, max_spk);
  return 0;
}

int psst_sim_restore(psst_sim *s, const char *path, psst_restart_info *info) {
  psst_ckpt *c = NULL;
  PSST_TRY(psst_ckpt_open(s->comm, path, &c));
  ckpt_plan pl = {0};
  char hash[17], have[64] = "";
  psst__model_hash(s->m, hash);
  double step = 0, records = 0, spikes = 0, t = 0;
  psst_restart_info ri;
  memset(&ri, 0, sizeof ri);
  int rc = psst_ckpt_get_text(c, "model_hash", have, sizeof have);
  if (rc == 0 && strcmp(have, hash) != 0)
    rc = psst_error_set(PSST_ERR_USER,
                        "%s: this checkpoint belongs to another model (model "
                        "hash %s, this model %s): the model text, dt, seed, "
                        "method and size must be those of the run that wrote "
                        "it",
                        path, have, hash);
  if (rc == 0) rc = psst_ckpt_get_num(c, "step", &step);
  if (rc == 0) rc = psst_ckpt_get_num(c, "time_ms", &t);
  if (rc == 0) rc = psst_ckpt_get_num(c, "output_records", &records);
  if (rc == 0) rc = psst_ckpt_get_num(c, "output_spikes", &spikes);
  if (rc == 0)
    rc = psst_ckpt_get_text(c, "output", ri.output, sizeof ri.output);
  double pend = 0;
  if (rc == 0 && psst_ckpt_get_num(c, "pending_spikes", &pend) < 0) {
    psst_error_clear(); /* a checkpoint of psst 0.1.0: none pending */
    pend = 0;
  }
  if (rc == 0 && (pend < 0 || pend > (double)s->L.N || pend != floor(pend) ||
                  (pend > 0 && !s->hermite)))
    rc = psst_error_set(PSST_ERR_USER,
                        "%s: damaged checkpoint (%g pending spikes)", path,
                        pend);
  if (rc == 0) s->npend = (int64_t)pend;
  /* the identity (absent in checkpoints of psst before 0.2: not checked) */
  char run_id[64] = "", sumtxt[64] = "";
  if (rc == 0 && psst_ckpt_get_text(c, "run_id", run_id, sizeof run_id) < 0)
    psst_error_clear();
  if (rc == 0 && psst_ckpt_get_text(c, "checksum", sumtxt, sizeof sumtxt) < 0)
    psst_error_clear();
  if (rc == 0)
    rc = check_counters(s, path, step, t, records, spikes, ri.output);
  if (rc == 0 && (int64_t)step > s->M - 1)
    rc = psst_error_set(PSST_ERR_USER,
                        "%s: the checkpoint is at t = %g ms, beyond this "
                        "run's end (t_end = %g ms): nothing to continue; give "
                        "a larger --t-end",
                        path, t, s->m->run.t_end);
  rc = psst_comm_agree(s->comm, rc);
  if (rc == 0) rc = make_plan(s, &pl, c);
  for (int i = 0; rc == 0 && i < pl.n; i++) {
    ckpt_var *v = &pl.v[i];
    int64_t cnt = v->count < 0 ? -v->count : v->count;
    rc = psst_ckpt_read(c, v->name, v->len, v->start, cnt, v->data);
    /* every value of a checkpoint is finite */
    for (int64_t k = 0; rc == 0 && k < cnt; k++)
      if (!isfinite(v->data[k]))
        rc = psst_error_set(PSST_ERR_USER,
                            "%s: damaged checkpoint: %s[%" PRId64
                            "] is %g (a checkpoint holds finite values only)",
                            path, v->name, v->start + k, v->data[k]);
  }
  rc = psst_comm_agree(s->comm, rc);
  if (rc == 0 && sumtxt[0]) {
    uint64_t mine = plan_sum(s, &pl), sum = 0;
    if (s->rank == 0)
      mine += sum_counters(run_id, hash, step, records, spikes, pend);
    rc = psst_comm_sum_u64(s->comm, mine, &sum);
    char now[17];
    snprintf(now, sizeof now, "%016" PRIx64, sum);
    if (rc == 0 && strcmp(now, sumtxt) != 0)
      rc = psst_error_set(PSST_ERR_USER,
                          "%s: damaged checkpoint: its contents do not match "
                          "their checksum (stored %s, computed %s); restart "
                          "from an earlier checkpoint",
                          path, sumtxt, now);
  }
  if (rc == 0 && s->has_events) rc = push_events(s, &pl, path, (int64_t)step);
  if (rc == 0) rc = push_noise(s, &pl, path, (int64_t)step);
  rc = psst_comm_agree(s->comm, rc);
  size_t idlen = strlen(run_id);
  if (rc == 0 && idlen >= sizeof s->run_id)
    rc = psst_error_set(PSST_ERR_USER,
                        "%s: damaged checkpoint: its run_id has %zu "
                        "characters (at most %zu)",
                        path, idlen, sizeof s->run_id - 1);
  if (rc == 0) memcpy(s->run_id, run_id, idlen + 1);
  int crc = psst_ckpt_close(&c, 0);
  plan_free(&pl);
  if (rc == 0) rc = crc;
  if (rc < 0) return rc;
  ri.step = (int64_t)step;
  ri.t = t;
  ri.records = (int64_t)records;
  ri.spikes = (int64_t)spikes;
  s->step = ri.step;
  s->restored = 1;
  /* the host state was written: the backend reloads it */
  s->borrowed = 0;
  PSST_TRY(psst_comm_agree(s->comm, s->be->ops->restore_state(s->be, 1)));
  s->resume = ri;
  snprintf(s->last_ckpt, sizeof s->last_ckpt, "%s", path);
  s->last_ckpt_t = t;
  if (info) *info = ri;
  return 0;
}
