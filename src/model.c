/* psst_model helpers that need no parsing. */
#include <math.h>
#include <stdlib.h>

#include "kinds/user.h"
#include "kinds/user_syn.h"
#include "psst/error.h"
#include "psst/model.h"
#include "psst/psst.h"

int64_t psst_model_grid_points(const psst_model *m) {
  return (int64_t)llround(m->run.t_end / m->run.dt);
}

int psst_model_pop_of(const psst_model *m, int64_t gid) {
  int lo = 0, hi = m->npop - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (m->pops[mid].first_gid <= gid)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

static void selection_free(psst_selection *s) {
  free(s->slice);
  s->slice = NULL;
  s->n = 0;
}

void psst_model_destroy(psst_model **mp) {
  if (!mp || !*mp) return;
  psst_model *m = *mp;
  for (int i = 0; i < m->npop; i++) {
    free(m->pops[i].params);
    free(m->pops[i].init);
    free(m->pops[i].init_file);
    free(m->pops[i].rate_path);
    free(m->pops[i].rate_var);
    free(m->pops[i].spike_neuron);
    free(m->pops[i].spike_time);
  }
  free(m->pops);
  for (int i = 0; i < m->nproj; i++) {
    psst_projection *p = &m->projs[i];
    free(p->matrix);
    free(p->file_path);
    free(p->file_var);
    free(p->params);
    free(p->init);
  }
  free(m->projs);
  for (int i = 0; i < m->nstim; i++) {
    selection_free(&m->stims[i].target);
    free(m->stims[i].pulses);
    free(m->stims[i].file_path);
    free(m->stims[i].file_var);
  }
  free(m->stims);
  psst_user_synkinds_free(m);
  psst_user_kinds_free(m);
  for (int b = 0; m->record.block && b < m->record.nblock; b++) {
    free(m->record.block[b].vars);
    selection_free(&m->record.block[b].neurons);
  }
  free(m->record.block);
  free(m->output);
  free(m->path);
  free(m->text);
  free(m);
  *mp = NULL;
}

int64_t psst_record_every(const psst_model *m, int b) {
  const psst_record_block *rb = &m->record.block[b];
  if (!(rb->every_ms > 0)) return rb->every;
  int64_t k = (int64_t)llround(rb->every_ms / m->run.dt);
  return k < 1 ? 1 : k;
}

int psst_model_check_run(const psst_model *m) {
  const psst_run_settings *r = &m->run;
  PSST_CHECK(isfinite(r->t_end) && r->t_end > 0 && r->t_end <= 1e9,
             PSST_ERR_USER, "run.t_end: must be in (0, 1e9] ms, got %g",
             r->t_end);
  PSST_CHECK(isfinite(r->dt) && r->dt > 0 && r->dt <= r->t_end, PSST_ERR_USER,
             "run.dt: must be in (0, t_end = %g] ms, got %g", r->t_end, r->dt);
  double ratio = r->t_end / r->dt;
  PSST_CHECK(ratio <= PSST_GRID_MAX, PSST_ERR_USER,
             "run: t_end / dt = %.17g / %.17g = %.10g grid points is more "
             "than the 2^53 = %.0f a run can have",
             r->t_end, r->dt, ratio, PSST_GRID_MAX);
  PSST_CHECK(fabs(ratio - nearbyint(ratio)) <= 1e-9 * ratio && ratio >= 1.5,
             PSST_ERR_USER,
             "run: t_end / dt = %.17g / %.17g must be an integer >= 2 "
             "(the grid is t_k = k dt, k = 0 .. t_end/dt - 1)",
             r->t_end, r->dt);
  for (int i = 0; i < m->nstim; i++) {
    const psst_stimulus *s = &m->stims[i];
    if (s->type != PSST_STIM_FILE) continue;
    double q = s->sample_dt / r->dt;
    PSST_CHECK(q >= 0.5 && fabs(q - nearbyint(q)) <= 1e-9 * q, PSST_ERR_USER,
               "stimuli[%d].file.sample_dt: %g ms must be a positive integer "
               "multiple of dt = %g ms",
               i, s->sample_dt, r->dt);
  }
  for (int i = 0; i < m->npop; i++) {
    const psst_population *p = &m->pops[i];
    if (!p->rate_path) continue;
    double q = p->rate_sample_dt / r->dt;
    PSST_CHECK(q >= 0.5 && fabs(q - nearbyint(q)) <= 1e-9 * q, PSST_ERR_USER,
               "populations[%d] ('%s').rate_file.sample_dt: %g ms must be a "
               "positive integer multiple of dt = %g ms",
               i, p->name, p->rate_sample_dt, r->dt);
  }
  /* record intervals in ms are whole steps of the dt the run uses */
  for (int b = 0; b < m->record.nblock; b++) {
    const psst_record_block *rb = &m->record.block[b];
    if (!(rb->every_ms > 0)) continue;
    double q = rb->every_ms / r->dt;
    PSST_CHECK(q >= 0.5 && fabs(q - nearbyint(q)) <= 1e-9 * q, PSST_ERR_USER,
               "record%s%s (line %d).every_ms: %g ms must be a positive "
               "integer multiple of dt = %g ms",
               rb->name[0] ? " block " : "", rb->name, rb->line, rb->every_ms,
               r->dt);
  }
  /* delays are at least one step of the dt the run uses (a --dt larger
   * than the model file's can make them too short) */
  for (int i = 0; i < m->nproj; i++) {
    const psst_dist *d = &m->projs[i].delay;
    int cst = d->type == PSST_DIST_CONST, uni = d->type == PSST_DIST_UNIFORM;
    if (d->type == PSST_DIST_NONE || (!cst && !d->min_given)) continue;
    double lo = cst ? d->a : d->min;
    PSST_CHECK(lo >= r->dt * (1 - 1e-9), PSST_ERR_USER,
               "projections[%d] ('%s').delay%s: %g ms is less than one step "
               "(dt = %g ms)",
               i, m->projs[i].name,
               cst                     ? ""
               : uni && d->min == d->a ? ".uniform (its lo)"
                                       : ".min",
               lo, r->dt);
  }
  return 0;
}
