/* The run: the step loop around engine/step.c, output, checkpoint
 * scheduling, stop requests and progress. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "kinds/jit.h"
#include "network.h"
#include "psst/io.h"
#include "psst/version.h"

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
  double now = psst_comm_wtime();
  if (!final && now - pg->last < (pg->tty ? 0.25 : pg->interval)) return;
  pg->last = now;
  int64_t steps = s->M - 1;
  double frac = steps > 0 ? (double)i / (double)steps : 1.0;
  double el = now - pg->start;
  double left = frac > 0 ? el * (1.0 - frac) / frac : 0.0;
  double rate = el > 0 ? (double)i * (double)s->L.N / el : 0.0;
  char e[32], l[32], stamp[32] = "";
  fmt_time(el, e, sizeof e);
  fmt_time(left, l, sizeof l);
  if (!pg->tty) {
    /* a log line (Slurm): when it was written, local time */
    time_t now_t = time(NULL);
    struct tm tmv;
    if (localtime_r(&now_t, &tmv))
      strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S ", &tmv);
  }
  fprintf(pg->f,
          "%s%s[psst] %5.1f%%  t = %.6g / %.6g ms  wall %s  left %s  "
          "%.3g neuron-steps/s%s",
          pg->tty ? "\r" : "", stamp, 100.0 * frac, (double)i * s->dt,
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

/* A kind's unit as the output's `units` attribute: udunits (CF) spells
 * psst's mM (millimolar) mmol/L; the others are udunits already. */
static const char *cf_units(const char *u) {
  return strcmp(u, "mM") == 0 ? "mmol/L" : u;
}

/* The record variables of block R for the output: names, units and
 * long names (neuron variables: from the first recorded population's
 * kind; synaptic ones: from the projection's kind). */
static void block_vars(const psst_sim *s, const psst_recblk *R,
                       psst_output_var *vars, char (*longs)[160]) {
  const psst_model *m = s->m;
  for (int v = 0; v < R->nvars; v++) {
    const psst_recvar *rv = &R->b->vars[v];
    vars[v].name = rv->name;
    vars[v].units = "1";
    vars[v].long_name = rv->name;
    if (rv->kind == PSST_RECV_NEURON) {
      const psst_neuron_kind *kd = m->pops[R->n_rec ? R->rec_pop[0] : 0].kind;
      int vi = psst_state_index(kd->state, kd->nstate, rv->name);
      if (vi >= 0) {
        vars[v].units = cf_units(kd->state[vi].unit);
        /* a user kind's state may come without a description */
        if (kd->state[vi].long_name && kd->state[vi].long_name[0])
          vars[v].long_name = kd->state[vi].long_name;
      }
      continue;
    }
    const psst_projection *p = &m->projs[rv->proj];
    const psst_synapse_kind *k = p->kind;
    if (rv->kind == PSST_RECV_SYN_G) {
      vars[v].units = "mS/cm^2";
      snprintf(longs[v], sizeof longs[v], "conductance of projection %s",
               p->name);
    } else if (rv->kind == PSST_RECV_SYN_I) {
      vars[v].units = "uA/cm^2";
      snprintf(longs[v], sizeof longs[v],
               "current of projection %s, g (V - E), positive outward",
               p->name);
    } else {
      vars[v].units = cf_units(k->state[rv->state].unit);
      const char *ln = k->state[rv->state].long_name;
      snprintf(longs[v], sizeof longs[v], "%s of projection %s%s",
               ln && ln[0] ? ln : k->state[rv->state].name, p->name,
               p->kind->storage & (1u << PSST_STORE_POST) &&
                       s->L.lp[rv->proj].store == PSST_STORE_POST
                   ? ""
                   : " (weighted sum over the target's synapses)");
    }
    vars[v].long_name = longs[v];
  }
}

/* record.connectivity: each projection's local synapses (CSR order) as the
 * output's post, pre, weight and delay arrays. Collective (offsets). On
 * error the caller frees what was filled (free_conn). */
typedef struct conn_buf {
  psst_output_conn *c;
  char (*prefix)[PSST_NAME_MAX + 8];
  int64_t **post, **pre;
  double **w, **d;
  int n;
} conn_buf;

static void free_conn(conn_buf *cb) {
  for (int q = 0; q < cb->n; q++) {
    if (cb->post) free(cb->post[q]);
    if (cb->pre) free(cb->pre[q]);
    if (cb->w) free(cb->w[q]);
    if (cb->d) free(cb->d[q]);
  }
  free(cb->post);
  free(cb->pre);
  free(cb->w);
  free(cb->d);
  free(cb->c);
  free(cb->prefix);
  memset(cb, 0, sizeof *cb);
}

static int build_conn(psst_sim *s, conn_buf *cb) {
  const psst_model *m = s->m;
  int n = m->record.connectivity ? s->L.nlp : 0, rc = 0;
  cb->n = n;
  if (n == 0) return 0;
  cb->c = calloc((size_t)n, sizeof *cb->c);
  cb->prefix = calloc((size_t)n, sizeof *cb->prefix);
  cb->post = calloc((size_t)n, sizeof *cb->post);
  cb->pre = calloc((size_t)n, sizeof *cb->pre);
  cb->w = calloc((size_t)n, sizeof *cb->w);
  cb->d = calloc((size_t)n, sizeof *cb->d);
  if (!cb->c || !cb->prefix || !cb->post || !cb->pre || !cb->w || !cb->d)
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (connectivity)");
  for (int q = 0; rc == 0 && q < n; q++) {
    const psst_lproj *lp = &s->L.lp[q];
    const psst_projection *p = lp->p;
    int64_t nnz = lp->csr.row_ptr ? lp->csr.row_ptr[lp->nrows] : 0;
    int delays = (lp->kind->flags & PSST_SYN_F_SPIKE_TRIGGERED) != 0;
    cb->post[q] = malloc((size_t)(nnz + 1) * sizeof **cb->post);
    cb->pre[q] = malloc((size_t)(nnz + 1) * sizeof **cb->pre);
    cb->w[q] = malloc((size_t)(nnz + 1) * sizeof **cb->w);
    cb->d[q] = delays ? malloc((size_t)(nnz + 1) * sizeof **cb->d) : NULL;
    int32_t *steps = delays ? malloc((size_t)(nnz + 1) * sizeof *steps) : NULL;
    if (!cb->post[q] || !cb->pre[q] || !cb->w[q] ||
        (delays && (!cb->d[q] || !steps))) {
      free(steps);
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (connectivity)");
      break;
    }
    for (int64_t r = 0; r < lp->nrows; r++)
      for (int64_t x = lp->csr.row_ptr[r]; x < lp->csr.row_ptr[r + 1]; x++) {
        cb->post[q][x] = s->L.lo + lp->lid0 + r;
        cb->pre[q][x] = lp->src_gid0 + lp->csr.col[x];
        cb->w[q][x] = lp->csr.w ? lp->csr.w[x] : lp->csr.weight;
      }
    if (delays) {
      int32_t mx = 0;
      psst_network_delays(m, lp->ip, &lp->csr, lp->row0, steps, &mx);
      for (int64_t x = 0; x < nnz; x++)
        cb->d[q][x] = (double)steps[x] * m->run.dt; /* ms */
      free(steps);
    }
    snprintf(cb->prefix[q], sizeof cb->prefix[q], "proj_%s_", p->name);
    psst_output_conn *C = &cb->c[q];
    C->prefix = cb->prefix[q];
    C->projection = p->name;
    C->n_local = nnz;
    C->post = cb->post[q];
    C->pre = cb->pre[q];
    C->weight = cb->w[q];
    C->delay = cb->d[q];
  }
  rc = psst_comm_agree(s->comm, rc);
  for (int q = 0; rc == 0 && q < n; q++) {
    rc = psst_comm_exscan_i64(s->comm, cb->c[q].n_local, &cb->c[q].offset);
    if (rc == 0)
      rc = psst_comm_sum_i64(s->comm, cb->c[q].n_local, &cb->c[q].n_total);
  }
  return rc;
}

static int open_output(psst_sim *s, const char *path, int force, int append,
                       psst_output **out) {
  const psst_model *m = s->m;
  int nvtot = 0;
  for (int b = 0; b < s->nrb; b++)
    nvtot += s->rb[b].nvars;
  psst_output_var *vars = calloc((size_t)(nvtot + 1), sizeof *vars);
  char(*longs)[160] = calloc((size_t)(nvtot + 1), sizeof *longs);
  char(*prefix)[PSST_NAME_MAX + 2] = calloc((size_t)s->nrb + 1, sizeof *prefix);
  psst_output_block *blocks = calloc((size_t)s->nrb + 1, sizeof *blocks);
  int64_t *nrec = calloc((size_t)s->nrb + 1, sizeof *nrec);
  const char **names = calloc((size_t)m->npop, sizeof *names);
  const char **kinds = calloc((size_t)m->npop + 1, sizeof *kinds);
  int64_t *pfirst = calloc((size_t)m->npop, sizeof *pfirst);
  int64_t *psize = calloc((size_t)m->npop, sizeof *psize);
  /* filled below; all freed at done */
  psst_output_list *lists = NULL;
  int64_t **gl = NULL;
  char(*lnames)[48] = NULL;
  int nlists = 0, rc = 0;
  conn_buf cb;
  memset(&cb, 0, sizeof cb);
  if (!vars || !longs || !prefix || !blocks || !nrec || !names || !pfirst ||
      !psize || !kinds) {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (output)");
    goto done;
  }
  for (int b = 0, at = 0; b < s->nrb; b++) {
    const psst_recblk *R = &s->rb[b];
    block_vars(s, R, vars + at, longs + at);
    if (R->b->name[0]) snprintf(prefix[b], sizeof prefix[b], "%s_", R->b->name);
    blocks[b] = (psst_output_block){prefix[b],
                                    R->n_rec,
                                    R->rec_lo,
                                    R->rec_hi,
                                    R->rec_gid,
                                    R->rec_pop,
                                    R->n_rec > 0 ? R->nvars : 0,
                                    vars + at,
                                    R->every};
    at += R->nvars;
    /* records already written (restart): one every `every` steps and the
     * first */
    nrec[b] = s->resume.step / R->every + 1;
  }
  for (int p = 0; p < m->npop; p++) {
    names[p] = m->pops[p].name;
    kinds[p] = m->pops[p].kind->name;
    pfirst[p] = m->pops[p].first_gid;
    psize[p] = m->pops[p].size;
  }
  char hash[17];
  psst__model_hash(m, hash);
  /* counts and the seed as NC_INT64 attributes (is_int) */
  psst_attr attrs[] = {
      PSST_ATTR_TEXT("title", "psst simulation output"),
      PSST_ATTR_TEXT("source", "psst " PSST_VERSION),
      PSST_ATTR_TEXT("psst_version", PSST_VERSION),
      PSST_ATTR_TEXT("git_revision", PSST_GIT_REVISION),
      PSST_ATTR_TEXT("model_file", m->path ? m->path : ""),
      PSST_ATTR_TEXT("model_text", m->text ? m->text : ""),
      PSST_ATTR_INT("mpi_ranks", s->size),
      PSST_ATTR_TEXT("backend",
                     s->backend_kind == PSST_BACKEND_CUDA ? "cuda" : "cpu"),
      PSST_ATTR_TEXT("method", method_name(m->run.method)),
      PSST_ATTR_NUM("dt_ms", m->run.dt),
      PSST_ATTR_NUM("t_end_ms", m->run.t_end),
      PSST_ATTR_INT("record_every_steps", s->rb[0].every),
      PSST_ATTR_INT("seed", (int64_t)m->run.seed),
      PSST_ATTR_INT("neurons", s->L.N),
      PSST_ATTR_TEXT("run_id", s->run_id),
      PSST_ATTR_TEXT("model_hash", hash),
      /* last: only for models with user-defined kinds */
      PSST_ATTR_TEXT("kinds_source_hash",
                     s->kinds_jit ? psst_jit_key(s->kinds_jit) : ""),
  };
  const int nattrs =
      (int)(sizeof attrs / sizeof attrs[0]) - (s->kinds_jit ? 0 : 1);
  /* the recipients of randomly chosen stimuli, as int64 variables
   * stimulus<i>_recipients (global ids, ascending), for analysis */
  lists = calloc((size_t)(m->nstim + 1), sizeof *lists);
  gl = calloc((size_t)(m->nstim + 1), sizeof *gl);
  lnames = calloc((size_t)(m->nstim + 1), sizeof *lnames);
  if (!lists || !gl || !lnames) {
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (output lists)");
    goto done;
  }
  for (int is = 0; is < m->nstim && rc == 0; is++) {
    if (m->stims[is].fraction < 0) continue;
    int64_t n = 0;
    rc = psst_stimulus_recipients(m, is, &gl[is], &n);
    if (rc < 0) break;
    snprintf(lnames[is], sizeof lnames[is], "stimulus%d_recipients", is);
    lists[nlists++] = (psst_output_list){
        lnames[is], "global ids of the neurons this stimulus reaches", n,
        gl[is]};
  }
  if (rc < 0) goto done;
  if (!append) rc = build_conn(s, &cb);
  if (rc < 0) goto done;
  psst_output_spec spec = {
      .path = path,
      .force = force,
      .nblock = s->nrb,
      .blocks = blocks,
      .npop = m->npop,
      .pop_names = names,
      .pop_first = pfirst,
      .pop_size = psize,
      .pop_kinds = kinds,
      .nlists = nlists,
      .lists = lists,
      .nconn = cb.n,
      .conn = cb.c,
      .spikes = m->record.spikes,
      .deflate = m->record.deflate,
      .nattrs = nattrs,
      .attrs = attrs,
  };
  /* a restart appends only to its own run's output (a checkpoint of an
   * older psst has no run id: only the model is checked) */
  psst_attr match[2] = {PSST_ATTR_TEXT("model_hash", hash),
                        PSST_ATTR_TEXT("run_id", s->run_id)};
  spec.match = match;
  spec.nmatch = s->run_id[0] ? 2 : 1;
  if (append)
    rc = psst_output_open_append(s->comm, &spec, nrec, s->resume.spikes, out);
  else
    rc = psst_output_create(s->comm, &spec, out);
done:
  free_conn(&cb);
  for (int is = 0; gl && is < m->nstim; is++)
    free(gl[is]);
  free(gl);
  free(lnames);
  free(lists);
  free(pfirst);
  free(psize);
  free(kinds);
  free(vars);
  free(longs);
  free(prefix);
  free(blocks);
  free(nrec);
  free(names);
  return rc;
}

static int close_output(psst_sim *s, psst_output **out, int commit) {
  if (!*out) return 0;
  /* wall times: the slowest rank's, which is what a user waits for; the
   * fastest rank's compute too, which shows the imbalance between ranks */
  double mine[5] = {s->tm.setup, s->tm.compute, s->tm.exchange, s->tm.output,
                    s->vx.wait + s->vx2.wait + s->vh.wait};
  double mx[5], mn[1];
  if (psst_comm_max_doubles(s->comm, mine, mx, 5) < 0)
    memcpy(mx, mine, sizeof mx);
  if (psst_comm_min_doubles(s->comm, &s->tm.compute, mn, 1) < 0)
    mn[0] = s->tm.compute;
  /* also the settings a restart may change (t_end, ranks, backend): a
   * continued file describes the run that finished it; the wall times are
   * those of that last segment (restarted: how often) */
  psst_attr attrs[] = {
      PSST_ATTR_NUM("wall_setup_s", mx[0]),
      PSST_ATTR_NUM("wall_compute_s", mx[1]),
      PSST_ATTR_NUM("wall_compute_min_s", mn[0]),
      PSST_ATTR_NUM("wall_exchange_s", mx[2]),
      PSST_ATTR_NUM("wall_exchange_wait_s", mx[4]),
      PSST_ATTR_NUM("wall_output_s", mx[3]),
      PSST_ATTR_INT("steps", s->step),
      PSST_ATTR_TEXT("complete", commit ? "yes" : "no"),
      PSST_ATTR_NUM("t_end_ms", s->m->run.t_end),
      PSST_ATTR_INT("mpi_ranks", s->size),
      PSST_ATTR_TEXT("backend",
                     s->backend_kind == PSST_BACKEND_CUDA ? "cuda" : "cpu"),
      PSST_ATTR_TEXT("backend_detail", s->be->description),
      PSST_ATTR_INT("restarted_from_step", s->restored ? s->resume.step : 0),
      /* the stage exchange (run.exchange) and what it moved: doubles per
       * stage, the most one rank received and the sum over ranks */
      PSST_ATTR_TEXT("exchange", s->xinfo.method),
      PSST_ATTR_TEXT("exchange_detail", s->xinfo.detail),
      PSST_ATTR_INT("exchange_recv_max_doubles", s->xinfo.recv_max),
      PSST_ATTR_INT("exchange_recv_total_doubles", s->xinfo.recv_total),
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
  PSST_TRY(psst_comm_bcast(s->comm, &where, sizeof where, 0));
  PSST_CHECK(where >= 0, PSST_ERR_IO,
             "%s: cannot reopen the finished output to continue it", path);
  /* the checkpoint's run wrote an output that is gone: a new file would
   * silently lack everything before the checkpoint */
  if (where == 0 && s->resume.records > 0)
    return psst_error_set(PSST_ERR_USER,
                          "%s.partial: no such file: the checkpoint (t = %g "
                          "ms) continues the output of its run, %s.partial "
                          "(or a finished %s), which holds its %lld records "
                          "and %lld spikes up to that time; put it back, or "
                          "give the -o of that run",
                          path, s->resume.t, path, path,
                          (long long)s->resume.records,
                          (long long)s->resume.spikes);
  if (where == 0) return open_output(s, path, force, 0, out);
  int rc = open_output(s, path, force, 1, out);
  /* refused (not this checkpoint's output): the finished file keeps its
   * name */
  if (rc < 0 && where == 2 && s->rank == 0) {
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", path);
    if (rename(partial, path) != 0)
      fprintf(stderr, "psst: warning: cannot rename %s back to %s: %s\n",
              partial, path, strerror(errno));
  }
  return rc;
}

/* Write a checkpoint at the current step: the output is flushed and synced
 * first, so that the checkpoint never refers to data a crash could lose.
 * Collective. */
static int checkpoint_now(psst_sim *s, psst_output *out, const char *ckpt,
                          const char *path) {
  int64_t nrec = 0, nspk = 0;
  if (out) {
    PSST_TRY(psst__sim_flush_records(s, out));
    PSST_TRY(psst__sim_flush_spikes(s, out));
    PSST_TRY(psst_output_sync(out));
    psst_output_counts(out, &nrec, &nspk);
  }
  double t0 = psst_comm_wtime();
  PSST_TRY(psst__sim_host_state(s));
  int rc = psst__sim_checkpoint(s, ckpt, path, nrec, nspk);
  s->tm.output += psst_comm_wtime() - t0;
  return rc;
}

/* ---- the output lock ------------------------------------------------- */

/* For the whole run rank 0 holds a write lock (fcntl F_SETLK) on PATH.lock,
 * so that a second run writing the same output is refused at once, whatever
 * the timing. The kernel drops the lock when the process ends, however it
 * ends (kill -9 too): a lock file left behind locks nothing, and the next run
 * or restart takes it. The file is removed at the end, while still locked;
 * a run that locked the old file just then sees that the path names another
 * file now and locks again. */
typedef struct out_lock {
  int fd;
  char *path;
} out_lock;

/* Why a file in the output's folder cannot be created (errno e). */
static int lock_dir_error(const char *path, int e) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else
    slash[slash == dir ? 1 : 0] = '\0';
  if (e == ENOENT)
    return psst_error_set(PSST_ERR_IO,
                          "%s.partial: cannot create (rank 0): the directory "
                          "%s does not exist",
                          path, dir);
  if (e == ENOTDIR)
    return psst_error_set(PSST_ERR_IO,
                          "%s.partial: cannot create (rank 0): %s is not a "
                          "directory",
                          path, dir);
  if (e == EACCES || e == EROFS)
    return psst_error_set(PSST_ERR_IO,
                          "%s.partial: cannot create (rank 0): %s (the "
                          "directory %s is not writable)",
                          path, strerror(e), dir);
  return psst_error_set(PSST_ERR_IO, "%s.lock: cannot create (rank 0): %s",
                        path, strerror(e));
}

static int lock_take(out_lock *lk, const char *path) {
  for (int tries = 0; tries < 16; tries++) {
    int fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return lock_dir_error(path, errno);
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
      int e = errno;
      if (e == EACCES || e == EAGAIN) {
        char who[64] = "";
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
          snprintf(who, sizeof who, " (pid %ld)", (long)fl.l_pid);
        close(fd);
        return psst_error_set(PSST_ERR_USER,
                              "%s: another psst run%s is writing this output "
                              "(it holds the lock %s): two runs must not "
                              "write the same output; wait for it to end or "
                              "choose another -o",
                              path, who, lk->path);
      }
      close(fd);
      /* a file system without locks (NFS without lockd): run unlocked */
      fprintf(stderr,
              "psst: warning: %s: cannot lock (%s); nothing stops another "
              "run from writing the same output\n",
              lk->path, strerror(e));
      return 0;
    }
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(lk->path, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
      char pid[32];
      int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
      if (ftruncate(fd, 0) == 0 && write(fd, pid, (size_t)n) < 0) {
        /* the pid in the file is for people; the lock is what counts */
      }
      lk->fd = fd;
      return 0;
    }
    close(fd); /* removed by the run that just ended: lock the new file */
  }
  return psst_error_set(PSST_ERR_IO, "%s: cannot lock (rank 0)", lk->path);
}

/* Lock PATH.lock on rank 0; every rank returns the same. Collective. */
static int lock_output(psst_sim *s, const char *path, out_lock *lk) {
  lk->fd = -1;
  lk->path = NULL;
  int rc = 0;
  if (s->rank == 0) {
    lk->path = malloc(strlen(path) + sizeof ".lock");
    if (!lk->path)
      rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (lock)");
    else
      sprintf(lk->path, "%s.lock", path);
    if (rc == 0) rc = lock_take(lk, path);
  }
  rc = psst_comm_agree_worst(s->comm, rc);
  if (rc < 0) {
    if (lk->fd >= 0) close(lk->fd);
    lk->fd = -1;
    free(lk->path);
    lk->path = NULL;
  }
  return rc;
}

static void lock_release(out_lock *lk) {
  if (lk->fd >= 0) {
    unlink(lk->path);
    close(lk->fd);
  }
  lk->fd = -1;
  free(lk->path);
  lk->path = NULL;
}

/* --checkpoint (or the default OUT.ckpt) names an existing file: replace
 * it only when it is a checkpoint of this run (the periodic case, and a
 * restart writing over the checkpoint it started from); anything else (the
 * model file, another run's checkpoint) only with --force. Collective. */
static int check_ckpt_path(psst_sim *s, const char *ckpt, const char *path,
                           int force) {
  int kind = 0;
  char id[64] = "";
  if (s->rank == 0 && !force) kind = psst_ckpt_probe(ckpt, id, sizeof id);
  /* a fresh run over an existing output is refused for that (the output's
   * message is the one that helps) */
  if (s->rank == 0 && kind && path && !s->restored) {
    struct stat st;
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", path);
    if (stat(path, &st) == 0 || stat(partial, &st) == 0) kind = 0;
  }
  PSST_TRY(psst_comm_bcast(s->comm, &kind, sizeof kind, 0));
  PSST_TRY(psst_comm_bcast(s->comm, id, sizeof id, 0));
  if (kind == 2)
    return psst_error_set(PSST_ERR_USER,
                          "%s: exists and is not a psst checkpoint; refusing "
                          "to overwrite it with one (choose another "
                          "--checkpoint, or --force)",
                          ckpt);
  if (kind == 1 && strcmp(id, s->run_id) != 0)
    return psst_error_set(PSST_ERR_USER,
                          "%s: a checkpoint of another run (run id %s); "
                          "refusing to overwrite it (restart from it with "
                          "--restart, choose another --checkpoint, or "
                          "--force)",
                          ckpt, id[0] ? id : "none");
  return 0;
}

/* Has any rank been asked to stop? Collective (every rank polls at the same
 * steps). */
static int stop_requested(psst_sim *s, volatile sig_atomic_t *stop) {
  int mine = stop && *stop ? 1 : 0, any = 0;
  if (psst_comm_max_int(s->comm, mine, &any) < 0) return 1;
  return any;
}

static int run_locked(psst_sim *s, const psst_run_options *o, const char *path,
                      double t_start);

int psst_sim_run(psst_sim *s, const psst_run_options *o) {
  psst_run_options dflt = psst_run_options_default();
  if (!o) o = &dflt;
  double t_start = psst_comm_wtime();
  /* output: the one asked for, else a restarted run's own, else the
   * model's */
  const char *path = o->output;
  if (!path && s->restored && s->resume.output[0]) path = s->resume.output;
  if (!path) path = s->m->output;
  /* a fresh run's identity (a restart has its checkpoint's; none when that
   * was written by a psst before run ids) */
  if (!s->restored) PSST_TRY(psst__sim_run_id(s));
  out_lock lk = {-1, NULL};
  if (path) PSST_TRY(lock_output(s, path, &lk));
  int rc = run_locked(s, o, path, t_start);
  /* every rank is done with the output before the lock goes */
  if (path) (void)psst_comm_barrier(s->comm);
  lock_release(&lk);
  return rc;
}

static int run_locked(psst_sim *s, const psst_run_options *o, const char *path,
                      double t_start) {
  /* where a checkpoint goes: --checkpoint, else (for a stop) OUTPUT.ckpt */
  char ckpt_default[4200] = "";
  const char *ckpt = o->checkpoint;
  if (!ckpt && path) {
    snprintf(ckpt_default, sizeof ckpt_default, "%s.ckpt", path);
    ckpt = ckpt_default;
  }
  if (ckpt && path) {
    char partial[4200];
    snprintf(partial, sizeof partial, "%s.partial", path);
    if (strcmp(ckpt, path) == 0 || strcmp(ckpt, partial) == 0)
      return psst_error_set(PSST_ERR_USER,
                            "--checkpoint %s: the output's own path; choose "
                            "another",
                            ckpt);
  }
  if (ckpt) PSST_TRY(check_ckpt_path(s, ckpt, path, o->force));
  /* every rank's V at the start; a non-finite initial state is a user error,
   * found before any output is created */
  PSST_TRY(psst__sim_exchange_initial(s));
  if (!s->restored) PSST_TRY(psst__sim_check_voltages(s, s->V_cur, 0.0));
  psst_output *out = NULL;
  if (path) {
    if (s->restored)
      PSST_TRY(restart_output(s, path, o->force, &out));
    else
      PSST_TRY(open_output(s, path, o->force, 0, &out));
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
    pg.start = pg.last = psst_comm_wtime();
  }

  int rc = 0, stopped = 0;
  if (!s->restored) {
    rc = psst__sim_boundary(s, 0.0, s->V_cur);
    if (rc == 0) rc = psst__sim_record_step(s, 0, out);
    if (rc > 0) rc = psst__sim_flush_spikes(s, out);
  }
  const int64_t spike_cap = (int64_t)1 << 20; /* flush spikes past this */
  const int64_t poll = 16; /* steps between agreements on a stop request */
  for (int64_t i = s->step; rc == 0 && i < s->M - 1; i++) {
    rc = psst__sim_step(s, i);
    if (rc < 0) break;
    s->step = i + 1;
    /* a block that wrote its records: the spikes so far go with them */
    rc = psst__sim_record_step(s, i + 1, out);
    if (rc > 0) rc = psst__sim_flush_spikes(s, out);
    /* spike counts are the same on every rank, so this is collective */
    if (rc == 0 && s->spk_n >= spike_cap) rc = psst__sim_flush_spikes(s, out);
    if (rc == 0 && ckpt_every && s->step % ckpt_every == 0 &&
        s->step < s->M - 1)
      rc = checkpoint_now(s, out, o->checkpoint, path);
    if (rc == 0 && o->stop && s->step % poll == 0 &&
        stop_requested(s, o->stop)) {
      stopped = 1;
      /* seen and reported: from now on another signal may stop at once
       * (signals that came together before this count as one) */
      if (pg.f)
        fprintf(pg.f,
                "%spsst: stop requested at t = %g ms: writing the "
                "checkpoint (signal again to stop at once, without it)\n",
                pg.tty ? "\n" : "", (double)s->step * s->dt);
      if (o->stop_ack) *o->stop_ack = 1;
      break;
    }
    progress_report(s, &pg, i + 1, 0);
  }
  if (rc == 0 && stopped && ckpt) {
    rc = checkpoint_now(s, out, ckpt, path);
  } else if (rc == 0 && o->checkpoint) {
    rc = checkpoint_now(s, out, o->checkpoint, path); /* the final state */
  }
  /* the last step's crossings, when the run is complete (a stopped run
   * keeps them pending in its checkpoint) */
  if (rc == 0 && !stopped) rc = psst__sim_finish_spikes(s);
  /* keep what was computed: flush and close, committing only a full run */
  int frc = 0;
  if (out && rc != PSST_ERR_MPI) {
    int r1 = psst__sim_flush_records(s, out);
    int r2 = psst__sim_flush_spikes(s, out);
    frc = r1 < 0 ? r1 : r2;
  }
  if (rc == 0 && frc == 0 && !stopped) progress_report(s, &pg, s->step, 1);
  s->tm.total = psst_comm_wtime() - t_start + s->tm.setup;
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
