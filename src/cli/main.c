/* psst — the command-line client of libpsst.
 *
 *   psst run MODEL.yaml [-o OUT.nc] [--t-end MS] [--dt MS] [--seed N]
 *                       [--force] [--quiet]
 *   psst check MODEL.yaml [--ranks N]
 *   psst info [KIND]
 *   psst --help | --version
 *
 * Exit status: 0 success, 1 run-time failure, 2 user error (bad model file,
 * bad option, an output or checkpoint psst refuses to replace or mix), 3
 * stopped by a signal after writing a checkpoint. Every rank parses the same
 * model text (read by rank 0 and broadcast), so user errors are found
 * identically everywhere and all ranks exit together; only rank 0 prints.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "psst/io.h"
#include "psst/psst.h"

static int g_rank = 0;

/* Exit status of a run stopped by a signal after writing its checkpoint. */
#define PSST_EXIT_STOPPED 3

/* A first SIGTERM, SIGUSR1 or SIGINT asks for a clean stop (finish the step,
 * flush, checkpoint, exit 3); one after the run has reported the stop
 * (g_ack) stops at once. Signals before that (timeout sends two SIGTERMs at
 * once: to the process and to its group) count as one. */
static volatile sig_atomic_t g_stop = 0, g_ack = 0;

static void on_signal(int sig) {
  if (g_ack) _exit(128 + sig);
  if (!g_stop) g_stop = sig;
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
}

static const char *usage_text =
    "usage: psst run MODEL.yaml [-o OUT.nc] [--t-end MS] [--dt MS] [--seed N]\n"
    "                           [--neurons N] [--checkpoint CKPT.nc]\n"
    "                           [--checkpoint-every MS] [--restart CKPT.nc]\n"
    "                           [--backend auto|cpu|cuda] [--force] [--quiet]\n"
    "                           [--progress S]\n"
    "       psst check MODEL.yaml [--ranks N] [--neurons N]\n"
    "       psst info [KIND] | psst info FILE.yaml [KIND]\n"
    "       psst --help | --version\n";

static const char *help_text =
    "psst — parallel simulations of Hodgkin-Huxley neuronal networks\n"
    "\n"
    "Commands:\n"
    "  run MODEL.yaml     integrate the model and write its netCDF output\n"
    "  check MODEL.yaml   validate the model; print its size and the memory\n"
    "                     per rank\n"
    "  info [KIND]        list neuron and synapse kinds, or one kind's state\n"
    "                     variables and parameters (units, defaults, ranges)\n"
    "  info FILE [KIND]   the same for the user-defined kinds of a model file\n"
    "                     or a kind file (a path: it contains '/' or ends in\n"
    "                     .yaml or .yml)\n"
    "\n"
    "Options of run:\n"
    "  -o, --output PATH  output file (default: the model's `output`, else\n"
    "                     MODEL.nc in the current directory)\n"
    "  --t-end MS         model time to simulate [ms] (overrides run.t_end)\n"
    "  --dt MS            time step [ms] (overrides run.dt)\n"
    "  --seed N           random seed (overrides run.seed)\n"
    "  --neurons N        network size of a model whose populations are\n"
    "                     sized by share (overrides network.neurons)\n"
    "  --checkpoint PATH  write the whole state there at the end (and every\n"
    "                     --checkpoint-every MS of model time), atomically\n"
    "  --checkpoint-every MS  model time between checkpoints [ms]\n"
    "  --restart CKPT     continue the run a checkpoint was written from,\n"
    "                     appending to its output (same model, any ranks)\n"
    "  --backend B        auto (CUDA when built with it and every rank sees a\n"
    "                     GPU), cpu or cuda (overrides run.backend)\n"
    "  --force            replace an existing output file, a stopped run's\n"
    "                     OUT.partial, or a --checkpoint file that is not\n"
    "                     this run's checkpoint\n"
    "  --quiet            no progress report\n"
    "  --progress S       seconds between progress lines when standard error\n"
    "                     is not a terminal (default 30; each line starts\n"
    "                     with the local date and time)\n"
    "Options take their value as the next argument or after '=' "
    "(--t-end=100);\n"
    "an option given twice is an error.\n"
    "Options of check:\n"
    "  --ranks N          estimate for N ranks (default: this run's ranks)\n"
    "\n"
    "Signals: SIGTERM, SIGUSR1 or SIGINT finish the current step, flush the\n"
    "output, write the checkpoint (--checkpoint, else OUT.nc.ckpt) and exit\n"
    "with status 3; a signal after psst has reported the stop stops at\n"
    "once. Under mpirun send SIGUSR1 (Open MPI kills the ranks 1 s after a\n"
    "SIGTERM and exits 1).\n"
    "\n"
    "Exit status: 0 success, 1 run-time failure, 2 user error, 3 stopped by a\n"
    "signal after writing a checkpoint (resume with --restart).\n"
    "Launch with MPI for more ranks: mpiexec -n 4 psst run model.yaml\n";

/* Print on rank 0 only. */
#define OUT(...)                                                               \
  do {                                                                         \
    if (g_rank == 0) printf(__VA_ARGS__);                                      \
  } while (0)

static int fail(int code) {
  if (g_rank == 0) {
    fprintf(stderr, "psst: error: %s\n", psst_error_message());
    fflush(stderr);
  }
  return psst_error_exit_status(code);
}

static int usage_error(const char *fmt, const char *arg) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, arg);
  psst_error_set(PSST_ERR_USER, "%s\n%s", msg, usage_text);
  return fail(PSST_ERR_USER);
}

/* ---- option values ------------------------------------------------------ */

static int parse_double(const char *opt, const char *s, double *out) {
  char *end = NULL;
  errno = 0;
  double v = s ? strtod(s, &end) : 0.0;
  if (!s || end == s || *end != '\0' || errno != 0 || !isfinite(v) || v <= 0)
    return psst_error_set(PSST_ERR_USER,
                          "%s: expected a positive number of ms, got '%s'", opt,
                          s ? s : "");
  *out = v;
  return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  if (!s || *s == '-' || *s == '\0')
    return psst_error_set(PSST_ERR_USER,
                          "%s: expected a non-negative integer, got '%s'", opt,
                          s ? s : "");
  unsigned long long v = strtoull(s, &end, 10);
  if (*end != '\0' || errno != 0 || v > (unsigned long long)INT64_MAX)
    return psst_error_set(PSST_ERR_USER,
                          "%s: expected an integer in [0, 2^63-1], got '%s'",
                          opt, s);
  *out = (uint64_t)v;
  return 0;
}

/* ---- loading the model on every rank ------------------------------------ */

/* Rank 0 reads the file; every rank parses the same bytes. Collective.
 * Only regular files are read: the file is opened without blocking (a FIFO
 * with no writer would block open() forever) and refused unless fstat says
 * it is a regular file; the verdict is agreed by every rank. */
static int load_model(const char *path, const psst_config_overrides *ov,
                      psst_model **m) {
  *m = NULL;
  long len = -1;
  char *text = NULL;
  if (g_rank == 0) {
    FILE *f = psst_config_open_model(path);
    if (!f) {
      /* the error is set */
    } else {
      if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
      if (len >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)len + 1);
        if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
          psst_error_set(PSST_ERR_USER, "%s: cannot read model file: %s", path,
                         strerror(errno ? errno : EIO));
          len = -1;
        } else {
          text[len] = '\0';
        }
      } else {
        psst_error_set(PSST_ERR_USER,
                       "%s: cannot read model file (not a "
                       "regular file?)",
                       path);
        len = -1;
      }
      fclose(f);
    }
  }
  int rc = psst_error_agree(MPI_COMM_WORLD,
                            len < 0 && g_rank == 0 ? PSST_ERR_USER : 0);
  if (rc < 0) {
    free(text);
    return rc;
  }
  MPI_Bcast(&len, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  if (g_rank != 0) {
    text = malloc((size_t)len + 1);
    if (!text) MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Bcast(text, (int)len + 1, MPI_CHAR, 0, MPI_COMM_WORLD);
  rc = psst_config_parse_ex(path, text, (size_t)len, ov, m);
  free(text);
  return psst_error_agree(MPI_COMM_WORLD, rc);
}

/* ---- psst info ------------------------------------------------------------
 */

static void print_params(const psst_param_info *p, int n) {
  printf("  %-10s %-10s %12s   %-22s %s\n", "parameter", "unit", "default",
         "range", "meaning");
  for (int i = 0; i < n; i++) {
    char range[64], def[32];
    snprintf(range, sizeof range, "[%g, %g]", p[i].min, p[i].max);
    if (isnan(p[i].def))
      snprintf(def, sizeof def, "(see meaning)");
    else
      snprintf(def, sizeof def, "%g", p[i].def);
    printf("  %-10s %-10s %12s   %-22s %s\n", p[i].name, p[i].unit, def, range,
           p[i].description);
  }
}

/* Where a synapse kind's state may live (storage), and what drives it. */
static void print_syn_storage(const psst_synapse_kind *sk) {
  static const char *const names[] = {"per_pre", "per_synapse", "per_post"};
  static const psst_store where[] = {PSST_STORE_PRE, PSST_STORE_SYNAPSE,
                                     PSST_STORE_POST};
  printf("storage   ");
  for (int i = 0, first = 1; i < 3; i++)
    if (sk->storage & (1u << where[i])) {
      printf("%s%s", first ? " " : ", ", names[i]);
      first = 0;
    }
  printf("%s%s\n",
         sk->flags & PSST_SYN_F_SPIKE_TRIGGERED ? "; acts on spikes" : "",
         sk->flags & PSST_SYN_F_READS_STAGE_V
             ? "; reads presynaptic V at every stage"
             : "");
}

static void print_state(const psst_state_info *s, int n, int user) {
  printf("  %-10s %-10s %12s   %s\n", "state", "unit", "initial", "meaning");
  for (int i = 0; i < n; i++) {
    char init[32];
    if (s[i].def_is_steady && user)
      snprintf(init, sizeof init, "%g*", s[i].def); /* an init expression */
    else if (s[i].def_is_steady)
      snprintf(init, sizeof init, "steady");
    else
      snprintf(init, sizeof init, "%g", s[i].def);
    printf("  %-10s %-10s %12s   %s%s\n", s[i].name, s[i].unit, init,
           s[i].long_name, s[i].fraction ? " (a fraction: in [0, 1])" : "");
  }
}

static void print_neuron_kind(const psst_neuron_kind *nk, int user) {
  printf("spike detection: threshold %g mV, refractory %g ms (population "
         "keys threshold, refractory)\n",
         nk->threshold, nk->refractory);
  print_state(nk->state, nk->nstate, user);
  printf("  %-10s %-10s %12.10g   %s\n", "fire_t", "ms", PSST_FIRE_T_DEFAULT,
         "last firing time");
  print_params(nk->param, nk->nparam);
}

static int is_path(const char *a) {
  size_t n = strlen(a);
  return strchr(a, '/') || (n > 5 && !strcmp(a + n - 5, ".yaml")) ||
         (n > 4 && !strcmp(a + n - 4, ".yml"));
}

/* psst info FILE [KIND]: the user-defined kinds of a model or kind file.
 * Collective (every rank reads the file, rank 0 prints). */
static int cmd_info_file(int argc, char **argv) {
  psst_config_overrides ov = {0};
  ov.kinds_only = 1;
  psst_model *m = NULL;
  int rc = load_model(argv[2], &ov, &m);
  if (rc < 0) return fail(rc);
  if (g_rank == 0 && argc == 3) {
    printf("user-defined kinds of %s (psst info %s KIND for parameters):\n",
           argv[2], argv[2]);
    for (int i = 0; i < m->nkind; i++) {
      const psst_neuron_kind *k = psst_model_user_kind(m, i);
      printf("  %-14s %s, %d state variables, %d parameters\n", k->name,
             k->summary, k->nstate, k->nparam);
    }
    for (int i = 0; i < m->nsynkind; i++) {
      const psst_synapse_kind *k = psst_model_user_synapse_kind(m, i);
      printf("  %-14s %s, %d state variables, %d parameters\n", k->name,
             k->summary, k->nstate, k->nparam);
    }
    if (psst_model_user_kind_count(m) == 0) printf("  (none)\n");
  } else if (argc == 4) {
    const psst_neuron_kind *nk = NULL;
    for (int i = 0; i < m->nkind; i++)
      if (!strcmp(psst_model_user_kind(m, i)->name, argv[3]))
        nk = psst_model_user_kind(m, i);
    const psst_synapse_kind *sk = NULL;
    for (int i = 0; i < m->nsynkind; i++)
      if (!strcmp(psst_model_user_synapse_kind(m, i)->name, argv[3]))
        sk = psst_model_user_synapse_kind(m, i);
    if (sk && g_rank == 0) {
      printf("synapse kind %s: %s\nequations: %s\n", sk->name, sk->summary,
             argv[2]);
      print_syn_storage(sk);
      print_state(sk->state, sk->nstate, 0);
      print_params(sk->param, sk->nparam);
    }
    if (!nk && !sk) {
      psst_error_set(PSST_ERR_USER,
                     "info: %s defines no kind '%s' (run `psst info %s` for "
                     "its list)",
                     argv[2], argv[3], argv[2]);
      psst_model_destroy(&m);
      return fail(PSST_ERR_USER);
    }
    if (nk && g_rank == 0) {
      printf("neuron kind %s: %s\nequations: %s (state initial values "
             "marked * are the model's init expressions at the default V "
             "and parameters)\n",
             nk->name, nk->summary, argv[2]);
      print_neuron_kind(nk, 1);
    }
  }
  psst_model_destroy(&m);
  return 0;
}

static int cmd_info(int argc, char **argv) {
  if (argc > 4 || (argc == 4 && !is_path(argv[2])))
    return usage_error("info: too many arguments%s", "");
  if (argc >= 3 && is_path(argv[2])) return cmd_info_file(argc, argv);
  if (g_rank != 0) return 0;
  if (argc == 2) {
    printf("neuron kinds (psst info KIND for parameters):\n");
    for (int i = 0; i < psst_neuron_kind_count(); i++) {
      const psst_neuron_kind *k = psst_neuron_kind_get(i);
      printf("  %-12s %s [%s]\n", k->name, k->summary, k->source);
    }
    printf("synapse kinds:\n");
    for (int i = 0; i < psst_synapse_kind_count(); i++) {
      const psst_synapse_kind *k = psst_synapse_kind_get(i);
      printf("  %-12s %s [%s]\n", k->name, k->summary, k->source);
    }
    return 0;
  }
  const char *name = argv[2];
  const psst_neuron_kind *nk = psst_neuron_kind_find(name);
  if (nk) {
    printf("neuron kind %s: %s\nequations: %s\n", nk->name, nk->summary,
           nk->source);
    if (nk->flags & PSST_NEURON_F_SOURCE) {
      printf("spike source: its spikes are %s; it projects like neurons "
             "(spike-triggered synapse kinds, or ach_pulse) and receives "
             "nothing\n",
             strcmp(nk->name, "poisson") ? "given (population key spikes)"
                                         : "drawn per neuron and step "
                                           "(params.rate or population key "
                                           "rate_file)");
      if (nk->nparam > 0) print_params(nk->param, nk->nparam);
      return 0;
    }
    print_neuron_kind(nk, 0);
    return 0;
  }
  const psst_synapse_kind *sk = psst_synapse_kind_find(name);
  if (sk) {
    printf("synapse kind %s: %s\nequations: %s\n", sk->name, sk->summary,
           sk->source);
    print_syn_storage(sk);
    print_state(sk->state, sk->nstate, 0);
    print_params(sk->param, sk->nparam);
    return 0;
  }
  psst_error_set(PSST_ERR_USER,
                 "info: unknown kind '%s' (run `psst info` for the list)",
                 name);
  return fail(PSST_ERR_USER);
}

/* ---- psst check ------------------------------------------------------------
 */

static void print_slice(const psst_model *m, const psst_slice *s) {
  const psst_population *p = &m->pops[s->pop];
  if (s->lo == 0 && s->hi == p->size)
    printf("%s", p->name);
  else
    printf("%s[%" PRId64 ":%" PRId64 "]", p->name, s->lo, s->hi);
}

/* --neurons N into the parser's overrides. */
static int parse_neurons(const char *v, psst_config_overrides *ov) {
  uint64_t n = 0;
  if (parse_u64("--neurons", v, &n) < 0 || n < 1 || n > 1000000000)
    return psst_error_set(PSST_ERR_USER,
                          "--neurons: expected an integer in [1, 1000000000], "
                          "got '%s'",
                          v ? v : "");
  ov->neurons = (int64_t)n;
  return 0;
}

static int cmd_check(int argc, char **argv) {
  const char *path = NULL;
  int ranks = 0;
  psst_config_overrides ov = {0};
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--neurons") == 0) {
      if (parse_neurons(i + 1 < argc ? argv[i + 1] : NULL, &ov) < 0)
        return fail(PSST_ERR_USER);
      i++;
    } else if (strcmp(argv[i], "--ranks") == 0) {
      uint64_t v = 0;
      if (i + 1 >= argc || parse_u64("--ranks", argv[i + 1], &v) < 0 || v < 1 ||
          v > 1000000) {
        psst_error_set(PSST_ERR_USER,
                       "--ranks: expected an integer in [1, 1000000], got "
                       "'%s'",
                       i + 1 < argc ? argv[i + 1] : "");
        return fail(PSST_ERR_USER);
      }
      ranks = (int)v;
      i++;
    } else if (argv[i][0] == '-') {
      return usage_error("check: unknown option '%s'", argv[i]);
    } else if (!path) {
      path = argv[i];
    } else {
      return usage_error("check: unexpected argument '%s'", argv[i]);
    }
  }
  if (!path) return usage_error("check: missing MODEL.yaml%s", "");
  if (ranks == 0) MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  psst_model *m = NULL;
  int rc = load_model(path, &ov, &m);
  if (rc < 0) return fail(rc);
  int64_t *syn = calloc((size_t)m->nproj + 1, sizeof *syn);
  psst_model_stats st;
  rc = syn ? psst_model_stats_compute(m, ranks, syn, &st)
           : psst_error_set(PSST_ERR_NOMEM, "out of memory");
  rc = psst_error_agree(MPI_COMM_WORLD, rc);
  if (rc < 0) {
    free(syn);
    psst_model_destroy(&m);
    return fail(rc);
  }
  if (g_rank == 0) {
    int64_t M = psst_model_grid_points(m);
    printf("model        %s: valid\n", path);
    printf("neurons      %" PRId64 " in %d population%s\n", m->n_neurons,
           m->npop, m->npop == 1 ? "" : "s");
    for (int i = 0; i < m->npop; i++)
      printf("  %-16s %-12s %10" PRId64 "  (gids %" PRId64 "..%" PRId64 ")\n",
             m->pops[i].name, m->pops[i].kind->name, m->pops[i].size,
             m->pops[i].first_gid, m->pops[i].first_gid + m->pops[i].size - 1);
    printf("synapses     %" PRId64 " in %d projection%s\n", st.synapses,
           m->nproj, m->nproj == 1 ? "" : "s");
    for (int i = 0; i < m->nproj; i++) {
      printf("  %-16s %-12s ", m->projs[i].name, m->projs[i].kind->name);
      print_slice(m, &m->projs[i].from);
      printf(" -> ");
      print_slice(m, &m->projs[i].to);
      printf("  %" PRId64 "\n", syn[i]);
    }
    printf("stimuli      %d\n", m->nstim);
    printf("state        %" PRId64 " values (neurons, synapses; fire_t "
           "separately)\n",
           st.state_values);
    printf("grid         %" PRId64 " points, %" PRId64
           " steps of %g ms to t = %g ms, %s, seed %" PRIu64 "\n",
           M, M - 1, m->run.dt, (double)(M - 1) * m->run.dt,
           m->run.method == PSST_METHOD_EULER ? "euler" : "rk4", m->run.seed);
    for (int b = 0; b < m->record.nblock; b++) {
      const psst_record_block *rb = &m->record.block[b];
      printf("%s%s%s%d variable%s every %" PRId64 " steps (%g ms)%s\n",
             b == 0 ? "record       " : "             ", rb->name,
             rb->name[0] ? ": " : "", rb->nvars, rb->nvars == 1 ? "" : "s",
             psst_record_every(m, b),
             (double)psst_record_every(m, b) * m->run.dt,
             b == 0 && m->record.spikes ? ", spikes" : "");
    }
    printf("output       %s\n", m->output ? m->output : "(none given)");
    printf("per rank     on %d rank%s: at most %" PRId64 " neurons, %" PRId64
           " synapses, about %.1f MiB\n",
           ranks, ranks == 1 ? "" : "s", st.max_rank_neurons,
           st.max_rank_synapses, (double)st.max_rank_bytes / 1048576.0);
    /* most ranks nearly idle: the CPU kernels work on 8 neurons at a time
     * (a rank's populations are padded to 8) and every step exchanges */
    double per = (double)m->n_neurons / (double)ranks;
    if (ranks > 1 && per < 8.0)
      printf("warning      %d ranks for %" PRId64 " neurons: about %.1f "
             "neurons per rank%s; the kernels work on 8 at a time and every "
             "stage waits for the exchange, so at most %" PRId64
             " rank%s would be about as fast\n",
             ranks, m->n_neurons, per,
             (int64_t)ranks > m->n_neurons ? " (some ranks hold none)" : "",
             m->n_neurons / 8 > 1 ? m->n_neurons / 8 : 1,
             m->n_neurons / 8 > 1 ? "s" : "");
  }
  free(syn);
  psst_model_destroy(&m);
  return 0;
}

/* ---- psst run
 * ---------------------------------------------------------------- */

static char *default_output(const char *model_path) {
  const char *base = strrchr(model_path, '/');
  base = base ? base + 1 : model_path;
  size_t n = strlen(base);
  const char *dot = strrchr(base, '.');
  if (dot && dot != base) n = (size_t)(dot - base);
  char *out = malloc(n + 4);
  if (out) {
    memcpy(out, base, n);
    memcpy(out + n, ".nc", 4);
  }
  return out;
}

/* The arguments of this run again, for the resume command: everything but
 * --restart (the new one is appended) and --force (a restart appends), each
 * quoted when the shell would split it. */
static void resume_args(int argc, char **argv, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 2; i < argc && len + 1 < n; i++) {
    if (strcmp(argv[i], "--restart") == 0) {
      i++;
      continue;
    }
    if (strcmp(argv[i], "--force") == 0) continue;
    const char *a = argv[i];
    int plain = *a != '\0';
    for (const char *c = a; *c; c++)
      if (!(isalnum((unsigned char)*c) || strchr("-_./=:,+@%", *c))) plain = 0;
    int w = snprintf(buf + len, n - len, plain ? " %s" : " '%s'", a);
    if (w < 0 || (size_t)w >= n - len) break;
    len += (size_t)w;
  }
}

static int cmd_run(int argc, char **argv) {
  const char *path = NULL, *output = NULL;
  double t_end = 0, dt = 0;
  uint64_t seed = 0;
  int have_seed = 0, force = 0, quiet = 0;
  psst_config_overrides ov = {0};
  const char *ckpt = NULL, *restart = NULL;
  double ckpt_every = 0, progress_s = 0;
  int backend = -1;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int rc = 0;
    if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (!v || !*v) return usage_error("%s: missing PATH", a);
      output = v;
      i++;
    } else if (strcmp(a, "--t-end") == 0) {
      rc = parse_double(a, v, &t_end);
      i++;
    } else if (strcmp(a, "--dt") == 0) {
      rc = parse_double(a, v, &dt);
      i++;
    } else if (strcmp(a, "--seed") == 0) {
      rc = parse_u64(a, v, &seed);
      have_seed = 1;
      i++;
    } else if (strcmp(a, "--neurons") == 0) {
      rc = parse_neurons(v, &ov);
      i++;
    } else if (strcmp(a, "--checkpoint") == 0) {
      if (!v || !*v) return usage_error("%s: missing PATH", a);
      ckpt = v;
      i++;
    } else if (strcmp(a, "--checkpoint-every") == 0) {
      rc = parse_double(a, v, &ckpt_every);
      i++;
    } else if (strcmp(a, "--backend") == 0) {
      static const char *const names[] = {"auto", "cpu", "cuda"};
      for (int b = 0; v && b < 3; b++)
        if (strcmp(v, names[b]) == 0) backend = b;
      if (backend < 0)
        rc = psst_error_set(PSST_ERR_USER,
                            "--backend: expected auto, cpu or cuda, got '%s'",
                            v ? v : "");
      i++;
    } else if (strcmp(a, "--restart") == 0) {
      if (!v || !*v) return usage_error("%s: missing CKPT.nc", a);
      restart = v;
      i++;
    } else if (strcmp(a, "--force") == 0) {
      force = 1;
    } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
      quiet = 1;
    } else if (strcmp(a, "--progress") == 0) {
      rc = parse_double(a, v, &progress_s);
      i++;
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("run: unknown option '%s'", a);
    } else if (!path) {
      path = a;
    } else {
      return usage_error("run: unexpected argument '%s'", a);
    }
    if (rc < 0) return fail(rc);
  }
  if (!path) return usage_error("run: missing MODEL.yaml%s", "");
  /* paths the parallel writers cannot take, refused before any collective
   * call (every rank sees the same arguments) */
  const char *why = NULL;
  if (output && (why = psst_io_output_path_problem(output))) {
    psst_error_set(PSST_ERR_USER, "-o %.40s...: %s", output, why);
    return fail(PSST_ERR_USER);
  }
  if (ckpt && (why = psst_io_output_path_problem(ckpt))) {
    psst_error_set(PSST_ERR_USER, "--checkpoint %.40s...: %s", ckpt, why);
    return fail(PSST_ERR_USER);
  }
  if (ckpt_every > 0 && !ckpt)
    return usage_error("--checkpoint-every needs --checkpoint PATH%s", "");

  psst_model *m = NULL;
  int rc = load_model(path, &ov, &m);
  if (rc < 0) return fail(rc);
  if (t_end > 0) m->run.t_end = t_end;
  if (dt > 0) m->run.dt = dt;
  if (have_seed) m->run.seed = seed;
  if (backend >= 0) m->run.backend = (psst_backend_choice)backend;
  rc = psst_model_check_run(m);
  char *dflt = NULL;
  psst_sim *s = NULL;
  psst_restart_info ri;
  memset(&ri, 0, sizeof ri);
  if (rc == 0) rc = psst_sim_create(m, MPI_COMM_WORLD, &s);
  if (rc == 0 && !quiet && g_rank == 0) {
    int compiled = 0;
    const char *key = psst_sim_kinds_key(s, &compiled);
    for (int k = 0; key && k < psst_model_user_kind_count(m); k++)
      fprintf(stderr, "psst: kind %s: %s %s\n", psst_model_user_kind_name(m, k),
              compiled ? "compiled" : "reused", key);
    psst_exchange_info x;
    psst_sim_exchange_info(s, &x);
    if (strcmp(x.method, "none") != 0)
      fprintf(stderr,
              "psst: stage exchange: %s (%s, %s): %" PRId64
              " doubles per stage on the busiest rank, %" PRId64
              " over all ranks (halo %" PRId64 ", allgather %" PRId64 ")\n",
              x.method, x.detail, x.why, x.recv_max, x.recv_total, x.halo_total,
              x.gather_total);
  }
  if (rc == 0 && restart) rc = psst_sim_restore(s, restart, &ri);
  if (rc == 0 && !output && !m->output && !(restart && ri.output[0])) {
    dflt = default_output(path);
    output = dflt;
    if (dflt && (why = psst_io_output_path_problem(dflt)))
      rc = psst_error_set(PSST_ERR_USER,
                          "the default output %.40s... (from the model "
                          "file's name): %s; give -o",
                          dflt, why);
  }
  if (rc == 0 && restart && !quiet && g_rank == 0)
    fprintf(stderr, "psst: restarting from %s at t = %g ms (step %lld)\n",
            restart, ri.t, (long long)ri.step);
  if (rc == 0) {
    psst_run_options o = psst_run_options_default();
    o.output = output;
    o.force = force;
    o.progress = quiet ? NULL : stderr;
    if (progress_s > 0) o.progress_interval = progress_s;
    o.checkpoint = ckpt;
    o.checkpoint_every = ckpt_every;
    o.stop = &g_stop;
    o.stop_ack = &g_ack;
    install_signals();
    rc = psst_sim_run(s, &o);
  }
  int stopped = rc == PSST_STOPPED;
  if (stopped) rc = 0;
  rc = psst_error_agree(MPI_COMM_WORLD, rc);
  if (rc == 0 && stopped) {
    psst_timings t;
    psst_sim_timings(s, &t);
    const char *outp = output                      ? output
                       : (restart && ri.output[0]) ? ri.output
                       : m->output                 ? m->output
                                                   : "OUT.nc";
    if (g_rank == 0) {
      char again[4096];
      resume_args(argc, argv, again, sizeof again);
      fprintf(stderr,
              "psst: stopped by signal %d at t = %g ms; checkpoint %s%s "
              "written, output kept in %s.partial; resume with: psst run%s "
              "--restart %s%s\n",
              (int)g_stop, (double)t.steps * m->run.dt, ckpt ? ckpt : outp,
              ckpt ? "" : ".ckpt", outp, again, ckpt ? ckpt : outp,
              ckpt ? "" : ".ckpt");
    }
    psst_sim_destroy(&s);
    psst_model_destroy(&m);
    free(dflt);
    return PSST_EXIT_STOPPED;
  }
  if (rc == 0 && !quiet) {
    psst_timings t;
    psst_sim_timings(s, &t);
    double mine[4] = {t.compute, t.exchange, t.output, t.total}, mx[4];
    MPI_Reduce(mine, mx, 4, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *outp = output                      ? output
                       : (restart && ri.output[0]) ? ri.output
                       : m->output                 ? m->output
                                                   : "(no output)";
    OUT("psst: wrote %s: %" PRId64 " neurons, step %" PRId64 ", %" PRId64
        " spikes%s on %d rank%s; wall %.3f s (compute %.3f, exchange %.3f, "
        "output %.3f)\n",
        outp, m->n_neurons, t.steps, t.spikes,
        restart ? " since the restart" : "", size, size == 1 ? "" : "s", mx[3],
        mx[0], mx[1], mx[2]);
  }
  psst_sim_destroy(&s);
  psst_model_destroy(&m);
  free(dflt);
  return rc < 0 ? fail(rc) : 0;
}

/* Options of run and check that take a value (also as --name=value). */
static const char *const value_opts[] = {
    "-o",        "--output",  "--t-end",      "--dt",
    "--seed",    "--neurons", "--checkpoint", "--checkpoint-every",
    "--backend", "--restart", "--ranks",      "--progress",
    NULL};

static int is_value_opt(const char *a, size_t n) {
  for (int k = 0; value_opts[k]; k++)
    if (strlen(value_opts[k]) == n && strncmp(a, value_opts[k], n) == 0)
      return 1;
  return 0;
}

/* The command's arguments as the parsers read them: --name=value split in
 * two; an option given twice (with or without '=') is an error, not
 * silently the last one. *out (argc' in *nout) is freed by the caller.
 * Returns 0 or a PSST_ERR_USER with the message set. */
static int normalise_args(int argc, char **argv, char ***out, int *nout) {
  char **v = calloc((size_t)(2 * argc + 1), sizeof *v);
  if (!v) return psst_error_set(PSST_ERR_NOMEM, "out of memory");
  int n = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *eq = strchr(a, '=');
    if (i >= 2 && a[0] == '-' && a[1] == '-' && eq &&
        is_value_opt(a, (size_t)(eq - a))) {
      size_t k = (size_t)(eq - a);
      v[n] = malloc(k + 1);
      if (!v[n]) break;
      memcpy(v[n], a, k);
      v[n++][k] = '\0';
      v[n++] = strdup(eq + 1);
      if (!v[n - 1]) break;
    } else {
      v[n++] = strdup(a);
      if (!v[n - 1]) break;
    }
  }
  *out = v;
  *nout = n;
  for (int i = 0; i < n; i++)
    if (!v[i]) return psst_error_set(PSST_ERR_NOMEM, "out of memory");
  /* repeated options: -o and --output are one option */
  for (int i = 2; i < n; i++) {
    if (v[i][0] != '-' || !is_value_opt(v[i], strlen(v[i]))) continue;
    for (int j = 2; j < i; j++) {
      if (v[j][0] != '-' || !is_value_opt(v[j], strlen(v[j]))) continue;
      int same = strcmp(v[i], v[j]) == 0 ||
                 ((!strcmp(v[i], "-o") || !strcmp(v[i], "--output")) &&
                  (!strcmp(v[j], "-o") || !strcmp(v[j], "--output")));
      if (same)
        return psst_error_set(
            PSST_ERR_USER, "%s: given twice ('%s', then '%s'); give it once",
            v[i], j + 1 < n ? v[j + 1] : "", i + 1 < n ? v[i + 1] : "");
      j++; /* skip its value */
    }
    i++;
  }
  return 0;
}

static void free_args(char **v, int n) {
  for (int i = 0; v && i < n; i++)
    free(v[i]);
  free(v);
}

int main(int argc0, char **argv0) {
  MPI_Init(&argc0, &argv0);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  int status, argc = 0;
  char **argv = NULL;
  if (normalise_args(argc0, argv0, &argv, &argc) < 0) {
    status = fail(PSST_ERR_USER);
    free_args(argv, argc);
    fflush(stdout);
    MPI_Finalize();
    return status;
  }
  int want_help = 0;
  for (int i = 2; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) want_help = 1;
  if (argc >= 2 && want_help &&
      (!strcmp(argv[1], "run") || !strcmp(argv[1], "check") ||
       !strcmp(argv[1], "info"))) {
    OUT("%s\n%s", usage_text, help_text);
    status = 0;
  } else if (argc < 2) {
    status = usage_error("missing command%s", "");
  } else if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
             strcmp(argv[1], "help") == 0) {
    OUT("%s\n%s", usage_text, help_text);
    status = 0;
  } else if (strcmp(argv[1], "--version") == 0) {
    OUT("psst %s (git %s)\n", psst_version(), psst_git_revision());
    status = 0;
  } else if (strcmp(argv[1], "run") == 0) {
    status = cmd_run(argc, argv);
  } else if (strcmp(argv[1], "check") == 0) {
    status = cmd_check(argc, argv);
  } else if (strcmp(argv[1], "info") == 0) {
    status = cmd_info(argc, argv);
  } else {
    status = usage_error("unknown command '%s'", argv[1]);
  }
  free_args(argv, argc);
  fflush(stdout);
  MPI_Finalize();
  return status;
}
