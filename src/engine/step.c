/* One step of the network: the stage loop (written once, for every
 * backend), the voltage exchanges, spike detection and the numerical
 * check. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "psst/odeint.h"

/* Beyond this |V| [mV] a model has blown up. */
#define PSST_V_SANE 1000.0

int psst__sim_host_state(psst_sim *s) {
  if (s->borrowed) return 0;
  PSST_TRY(s->be->ops->get_state(s->be));
  s->borrowed = 1;
  return 0;
}

/* The host state is the backend's again before it computes. */
static int give_back(psst_sim *s) {
  if (!s->borrowed) return 0;
  s->borrowed = 0;
  return s->be->ops->restore_state(s->be, 0);
}

int psst__sim_exchange_initial(psst_sim *s) {
  PSST_TRY(s->be->ops->local_voltages(s->be, PSST_V_FINAL, s->V_cur));
  PSST_TRY(psst_vexchange_all(&s->vx, s->V_cur));
  /* the halo exchange writes only the halo into V_stage: the other
   * positions keep V at the start (finite, sane, and read by no synapse
   * of this rank: the transmitters of presynaptic neurons nobody here
   * reads are computed from them and never used) */
  if (s->vstage == &s->vh)
    memcpy(s->V_stage, s->V_cur, (size_t)s->L.N * sizeof *s->V_stage);
  return 0;
}

int psst__sim_boundary(psst_sim *s, double t, const double *V) {
  if (!s->has_boundary) return 0;
  return s->be->ops->boundary(s->be, t, V);
}

/* The crossing of th on [t_i, t_i + h] as a fraction of h, on the cubic
 * Hermite interpolant of V (Va, Vb at the ends, slopes dVa, dVb [mV/ms]),
 * or, without dVb (a run's last step), on the quadratic through Va, dVa and
 * Vb. Va < th <= Vb: bisection keeps the bracket, 60 halvings reach the
 * last bit; the same arithmetic on every rank. */
static double crossing(double Va, double Vb, double dVa, const double *dVb,
                       double h, double th) {
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 60; it++) {
    double x = 0.5 * (lo + hi), p;
    if (dVb) {
      double x2 = x * x, x3 = x2 * x;
      p = (2.0 * x3 - 3.0 * x2 + 1.0) * Va + (x3 - 2.0 * x2 + x) * h * dVa +
          (-2.0 * x3 + 3.0 * x2) * Vb + (x3 - x2) * h * *dVb;
    } else {
      p = Va + x * (h * dVa + x * (Vb - Va - h * dVa));
    }
    if (p < th)
      lo = x;
    else
      hi = x;
  }
  return 0.5 * (lo + hi);
}

/* The pending crossings (found one step earlier) timed now that dV/dt at
 * their step's end is known (dV: the current step start), or with the
 * quadratic when dV is NULL. */
static int time_pending(psst_sim *s, const double *dV) {
  for (int64_t x = 0; x < s->npend; x++) {
    int64_t j = (int64_t)s->pend_gid[x];
    double th = s->threshold[j], h = s->dt;
    double f = crossing(s->pend_Va[x], s->pend_Vb[x], s->pend_dVa[x],
                        dV ? &dV[j] : NULL, h, th);
    PSST_TRY(psst__sim_push_spike(s, s->pend_t[x] + f * h, j));
  }
  s->npend = 0;
  return 0;
}

int psst__sim_finish_spikes(psst_sim *s) {
  if (!s->hermite) return 0;
  return time_pending(s, NULL);
}

/* Threshold crossings between V_cur (t_i) and V_next (t_i + h), judged on
 * the two step ends (docs/models.md §1.5) for all N neurons on every rank: the
 * last firing time becomes t_i. The recorded time is the crossing of the
 * cubic Hermite interpolant of V over the step (V and dV/dt at both ends;
 * timed one step later, when dV/dt at t_i + h has arrived), or of the
 * straight line between the ends (record.spike_times: linear). */
static int detect_spikes(psst_sim *s, int64_t i, double ti, double h) {
  double *fire_t = s->L.fire_t;
  if (s->hermite) PSST_TRY(time_pending(s, s->dV));
  s->nspiked = 0;
  /* population by population, so that spiked stays ascending: sources
   * make their spikes, neurons cross */
  const psst_model *m = s->m;
  for (int p = 0, q = 0; p < m->npop; p++) {
    const psst_population *pp = &m->pops[p];
    if (pp->kind->flags & PSST_NEURON_F_SOURCE) {
      PSST_TRY(psst__sources_step(s, q++, i, ti, h));
      continue;
    }
    for (int64_t j = pp->first_gid; j < pp->first_gid + pp->size; j++) {
      double a = s->V_cur[j], b = s->V_next[j], th = s->threshold[j];
      if (!(a < th && b >= th && ti - fire_t[j] >= s->refractory[j])) continue;
      fire_t[j] = ti;
      if (s->nspiked == s->spiked_cap) PSST_TRY(psst__sim_spiked_grow(s));
      s->spiked[s->nspiked++] = j;
      if (!s->m->record.spikes) continue;
      if (s->hermite) {
        int64_t x = s->npend++;
        s->pend_gid[x] = (double)j;
        s->pend_t[x] = ti;
        s->pend_Va[x] = a;
        s->pend_Vb[x] = b;
        s->pend_dVa[x] = s->dV[j];
      } else {
        PSST_TRY(psst__sim_push_spike(s, ti + h * (th - a) / (b - a), j));
      }
    }
  }
  s->tm.spikes += s->nspiked;
  return 0;
}

/* V(t_{i+1}) of every neuron into V_next (and, for Hermite spike times,
 * dV/dt at t_i into dV: both in one exchange). Collective. */
static int exchange_final(psst_sim *s) {
  const psst_backend_ops *B = s->be->ops;
  PSST_TRY(B->local_voltages(s->be, PSST_V_FINAL, s->V_next));
  if (!s->hermite) return psst_vexchange_all(&s->vx, s->V_next);
  const int64_t lo = s->L.lo, n = s->L.nloc;
  memcpy(s->xbuf + 2 * lo, s->V_next + lo, (size_t)n * sizeof *s->xbuf);
  memcpy(s->xbuf + 2 * lo + n, s->dV + lo, (size_t)n * sizeof *s->xbuf);
  PSST_TRY(psst_vexchange_all(&s->vx2, s->xbuf));
  for (int r = 0; r < s->size; r++) {
    int64_t a = s->starts[r], m = s->starts[r + 1] - a;
    memcpy(s->V_next + a, s->xbuf + 2 * a, (size_t)m * sizeof *s->xbuf);
    memcpy(s->dV + a, s->xbuf + 2 * a + m, (size_t)m * sizeof *s->xbuf);
  }
  return 0;
}

/* Every rank checks every V (they are replicated), so all stop together
 * with the same message. */
int psst__sim_check_voltages(psst_sim *s, const double *V, double t) {
  for (int64_t j = 0; j < s->L.N; j++) {
    double v = V[j];
    if (isfinite(v) && fabs(v) <= PSST_V_SANE) continue;
    /* the owner names the first bad state variable of that neuron; every
     * rank is here at the same step (V is replicated), so the broadcast is
     * safe */
    const psst_model *m = s->m;
    int p = psst_model_pop_of(m, j);
    char var[PSST_NAME_MAX] = "V";
    double bad = v;
    int mine = j >= s->L.lo && j < s->L.hi, root = 0;
    PSST_TRY(psst_comm_first(s->comm, mine, &root));
    if (root >= s->size) root = 0;
    if (s->rank == root && psst__sim_host_state(s) == 0) {
      const psst_seg *sg = psst__sim_seg_of(s, j - s->L.lo);
      for (int x = 0; sg && x < sg->kind->nstate; x++) {
        double val = s->L.y[sg->y_off + (size_t)x * (size_t)sg->ld +
                            (size_t)(j - sg->gid_lo)];
        if (!isfinite(val)) {
          snprintf(var, sizeof var, "%s", sg->kind->state[x].name);
          bad = val;
          break;
        }
      }
    }
    PSST_TRY(psst_comm_bcast(s->comm, var, sizeof var, root));
    PSST_TRY(psst_comm_bcast(s->comm, &bad, sizeof bad, root));
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

/* One step i from t_i to t_{i+1} = t_i + h (docs/models.md §1.4/§1.5 over the
 * network). The ordering invariants of the whole engine live here:
 *
 *   V_cur holds every neuron's V(t_i) (exchanged at the end of step i-1,
 *   or before the first step). fire_t and the step-boundary decisions are
 *   constant within the step.
 *   RK4 stage st = 0..3 at t = t_i + c[st] h (Euler: stage 0 only), with
 *   the injected sample i (run.hold: tutorial: stage 3 takes sample i+1):
 *     st > 0: the stage state y_i + c[st] h k_{st-1}; when a projection
 *       reads presynaptic stage voltages, its V is exchanged: the exchange
 *       is started (comm: persistent point-to-point requests or an
 *       MPI_Iallgatherv of every rank's V, or an MPI_Ineighbor_alltoallv
 *       of each rank's halo only, run.exchange), the part of the stage
 *       that needs
 *       only local state runs meanwhile (synaptic currents from the local
 *       stage state, intrinsic currents, every other derivative), then
 *       the exchange completes and the derivatives that read presynaptic
 *       V run. Stage 0 uses V_cur and needs no exchange.
 *     the slopes are accumulated; after the last stage the state is
 *     y_{i+1} = y_i + (k1 + 2 k2 + 2 k3 + k4) h/6.
 *   V(t_{i+1}) is exchanged into V_next (blocking: everything after needs
 *   it; with it dV/dt at t_i, the first stage's slope, for spike times),
 *   checked, and every rank detects every crossing between V_cur and
 *   V_next (replicated; the crossings of step i-1 are timed now); spiking
 * neurons get fire_t = t_i; spike-triggered synapses add their increments
 * (effective from step i+1); step-boundary decisions are taken at t_{i+1} from
 * V_next. No per-kind code: what a kind needs is in its flags, how it computes
 * is in the backend's loops over the kind list. */
int psst__sim_step(psst_sim *s, int64_t i) {
  const psst_backend_ops *B = s->be->ops;
  psst_backend *be = s->be;
  const double ti = (double)i * s->dt, t1 = (double)(i + 1) * s->dt;
  const double h = t1 - ti;
  const int nstage = s->L.method == PSST_METHOD_EULER ? 1 : 4;
  double c0 = psst_comm_wtime(), ex0 = s->vx.time + s->vx2.time + s->vh.time;
  PSST_TRY(give_back(s));
  for (int st = 0; st < nstage; st++) {
    const double a = psst_rk4_c[st] * h, t = ti + a;
    const int64_t k =
        (st == 3 && s->m->run.hold == PSST_HOLD_TUTORIAL) ? i + 1 : i;
    const double *V = s->stage_v ? s->V_cur : NULL;
    if (st > 0) {
      PSST_TRY(B->stage_state(be, st, a));
      if (s->stage_v) {
        PSST_TRY(B->local_voltages(be, PSST_V_STAGE, s->V_stage));
        if (s->stage_exchange)
          PSST_TRY(psst_vexchange_start(s->vstage, s->V_stage));
        V = s->V_stage;
      }
    }
    PSST_TRY(B->rhs_local(be, st, t, k, psst__sim_stim(s, k)));
    PSST_TRY(psst_vexchange_wait(s->vstage));
    PSST_TRY(B->rhs_remote(be, st, t, V));
    PSST_TRY(B->stage_end(be, st, h));
    if (st == 0 && s->hermite)
      PSST_TRY(B->local_voltages(be, PSST_V_SLOPE, s->dV));
  }
  PSST_TRY(exchange_final(s));
  PSST_TRY(psst__sim_check_voltages(s, s->V_next, t1));
  PSST_TRY(detect_spikes(s, i, ti, h));
  if (s->nspiked > 0) PSST_TRY(B->spiked(be, s->spiked, s->nspiked));
  if (s->has_events) PSST_TRY(psst__events_step(s, i));
  PSST_TRY(psst__sim_boundary(s, t1, s->V_next));
  double *tmp = s->V_cur;
  s->V_cur = s->V_next;
  s->V_next = tmp;
  double ex1 = s->vx.time + s->vx2.time + s->vh.time;
  s->tm.compute += (psst_comm_wtime() - c0) - (ex1 - ex0);
  s->tm.exchange = ex1;
  return 0;
}
