/* Unit tests of the model-file parser: values, defaults, selectors, and the
 * messages of malformed models. */
#define _DEFAULT_SOURCE /* mkstemps, fdopen */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mech/list.h"
#include "psst/config.h"
#include "psst/error.h"
#include "psst_test.h"

static psst_model *parse_ok(const char *text) {
  psst_model *m = NULL;
  int rc = psst_config_parse("dir/model.yaml", text, strlen(text), &m);
  if (rc != 0) fprintf(stderr, "unexpected error: %s\n", psst_error_message());
  CHECK_INT_EQ(rc, 0);
  return m;
}

/* The model must be rejected with a message containing `expect`. */
static void bad(const char *text, const char *expect) {
  psst_model *m = (psst_model *)&m; /* must be reset to NULL */
  psst_error_clear();
  int rc = psst_config_parse("bad.yaml", text, strlen(text), &m);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  CHECK(m == NULL);
  CHECK_STR_CONTAINS(psst_error_message(), expect);
}

static const char *full =
    "run: {t_end: 700, dt: 0.02, method: euler, seed: 42, exchange: halo}\n"
    "populations:\n"
    "  - name: X\n"
    "    kind: hh_tutorial\n"
    "    size: 3\n"
    "    params: {g_Na: 90}\n"
    "    init: {V: -71, m: {normal: [0.1, 0.01]}, h: {uniform: [0, 0.5]},\n"
    "           fire_t: -1001}\n"
    "    init_noise: 0.01\n"
    "    init_file: init.nc\n"
    "  - name: Y_2\n"
    "    kind: hh_classic\n"
    "    size: 1e3\n"
    "    threshold: -10\n"
    "    refractory: 2\n"
    "projections:\n"
    "  - {name: ach, synapse: ach_pulse, from: \"X[0]\", to: \"X[1]\",\n"
    "     connect: one_to_one, params: {g: 0.5}, init: {O: 0.25}}\n"
    "  - synapse: gaba_a\n"
    "    from: X[0:2]\n"
    "    to: X[1:3]\n"
    "    connect: {matrix: [[0, 1], [2, 0.5]]}\n"
    "    weight: matrix\n"
    "    storage: per_synapse\n"
    "    drive: sparse\n"
    "  - {synapse: exp_cond, from: Y_2, to: Y_2, connect: {fixed_indegree: "
    "999}}\n"
    "  - {synapse: exp_cond, from: Y_2, to: X, connect: {random: {p: 0.25}},\n"
    "     allow_self: yes, weight: 2.5}\n"
    "  - {synapse: ach_pulse, from: X, to: \"Y_2[10:20]\",\n"
    "     connect: {file: {path: /abs/conn.nc, variable: W}}}\n"
    "stimuli:\n"
    "  - target: \"X[0]\"\n"
    "    pulses: [{start: 100, stop: 200, amplitude: 2.5},\n"
    "             {start: 300, stop: 400, amplitude: 5.0}]\n"
    "  - {target: [X, \"Y_2[5]\"], amplitude: 3}\n"
    "  - {target: \"X[1]\", amplitude: -1, start: 10}\n"
    "  - {target: Y_2, file: {path: in.nc, variable: I, sample_dt: 0.1}}\n"
    "  - {target: Y_2, file: {path: in.nc, variable: I}}\n"
    "record: {variables: [V, m], neurons: [\"X[0:2]\", Y_2], every: 5,\n"
    "         spikes: false, buffer: 7}\n"
    "output: out/day4.nc\n";

static void test_full(void) {
  psst_model *m = parse_ok(full);
  if (!m) return;
  CHECK(strcmp(m->path, "dir/model.yaml") == 0);
  CHECK(strcmp(m->text, full) == 0);
  CHECK_NEAR(m->run.t_end, 700, 0);
  CHECK_NEAR(m->run.dt, 0.02, 0);
  CHECK_INT_EQ(m->run.method, PSST_METHOD_EULER);
  CHECK_INT_EQ(m->run.seed, 42);
  CHECK_INT_EQ(m->run.exchange, PSST_EXCHANGE_HALO);
  CHECK_INT_EQ(psst_model_grid_points(m), 35000);

  CHECK_INT_EQ(m->npop, 2);
  psst_population *x = &m->pops[0], *y = &m->pops[1];
  CHECK(strcmp(x->name, "X") == 0);
  CHECK(x->kind == &psst_neuron_hh_tutorial);
  CHECK_INT_EQ(x->size, 3);
  CHECK_INT_EQ(x->first_gid, 0);
  CHECK_INT_EQ(y->first_gid, 3);
  CHECK_INT_EQ(y->size, 1000);
  CHECK_INT_EQ(m->n_neurons, 1003);
  CHECK_INT_EQ(x->line, 3);
  int gna = psst_param_index(x->kind->param, x->kind->nparam, "g_Na");
  int gk = psst_param_index(x->kind->param, x->kind->nparam, "g_K");
  CHECK_NEAR(x->params[gna], 90, 0);
  CHECK_NEAR(x->params[gk], 10, 0);
  CHECK_NEAR(y->params[gna], 120, 0); /* hh_classic default */
  CHECK_INT_EQ(x->init[0].type, PSST_INIT_CONST);
  CHECK_NEAR(x->init[0].a, -71, 0);
  CHECK_INT_EQ(x->init[1].type, PSST_INIT_NORMAL);
  CHECK_NEAR(x->init[1].a, 0.1, 0);
  CHECK_NEAR(x->init[1].b, 0.01, 0);
  CHECK_INT_EQ(x->init[2].type, PSST_INIT_UNIFORM);
  CHECK_NEAR(x->init[2].b, 0.5, 0);
  CHECK_INT_EQ(x->init[3].type, PSST_INIT_DEFAULT);
  CHECK_INT_EQ(x->init[4].type, PSST_INIT_CONST); /* fire_t */
  CHECK_NEAR(x->init[4].a, -1001, 0);
  CHECK_INT_EQ(y->init[4].type, PSST_INIT_DEFAULT);
  CHECK_NEAR(y->init[4].a, PSST_FIRE_T_DEFAULT, 0);
  CHECK_NEAR(x->init_noise, 0.01, 0);
  CHECK(x->init_file && strcmp(x->init_file, "dir/init.nc") == 0);
  CHECK(y->init_file == NULL);
  CHECK_NEAR(x->threshold, psst_neuron_hh_tutorial.threshold, 0);
  CHECK_NEAR(y->threshold, -10, 0);
  CHECK_NEAR(y->refractory, 2, 0);

  CHECK_INT_EQ(m->nproj, 5);
  psst_projection *p = m->projs;
  CHECK(strcmp(p[0].name, "ach") == 0);
  CHECK(p[0].kind == &psst_synapse_ach_pulse);
  CHECK_INT_EQ(p[0].from.pop, 0);
  CHECK_INT_EQ(p[0].from.lo, 0);
  CHECK_INT_EQ(p[0].from.hi, 1);
  CHECK_INT_EQ(p[0].to.lo, 1);
  CHECK_INT_EQ(p[0].to.hi, 2);
  CHECK_INT_EQ(p[0].rule, PSST_CONN_ONE_TO_ONE);
  CHECK_NEAR(p[0].weight, 1, 0);
  CHECK_INT_EQ(p[0].allow_self, 0);
  int g = psst_param_index(p[0].kind->param, p[0].kind->nparam, "g");
  int beta = psst_param_index(p[0].kind->param, p[0].kind->nparam, "beta");
  CHECK_NEAR(p[0].params[g], 0.5, 0);
  CHECK_NEAR(p[0].params[beta], 0.2, 0);
  CHECK_INT_EQ(p[0].init[0].type, PSST_INIT_CONST);
  CHECK_NEAR(p[0].init[0].a, 0.25, 0);
  CHECK_INT_EQ(p[0].storage, PSST_STORAGE_AUTO);
  CHECK_INT_EQ(p[0].drive, PSST_DRIVE_AUTO);

  CHECK(strcmp(p[1].name, "gaba_a_1") == 0);
  CHECK_INT_EQ(p[1].rule, PSST_CONN_MATRIX);
  CHECK_INT_EQ(p[1].weights_from_matrix, 1);
  CHECK_INT_EQ(p[1].from.lo, 0);
  CHECK_INT_EQ(p[1].from.hi, 2);
  CHECK_INT_EQ(p[1].to.lo, 1);
  CHECK_INT_EQ(p[1].to.hi, 3);
  if (p[1].matrix) {
    CHECK_NEAR(p[1].matrix[0], 0, 0);
    CHECK_NEAR(p[1].matrix[1], 1, 0);
    CHECK_NEAR(p[1].matrix[2], 2, 0);
    CHECK_NEAR(p[1].matrix[3], 0.5, 0);
  }
  CHECK_INT_EQ(p[1].storage, PSST_STORAGE_PER_SYNAPSE);
  CHECK_INT_EQ(p[1].drive, PSST_DRIVE_SPARSE);
  CHECK_INT_EQ(p[1].init[0].type, PSST_INIT_DEFAULT);

  CHECK_INT_EQ(p[2].rule, PSST_CONN_FIXED_INDEGREE);
  CHECK_INT_EQ(p[2].indegree, 999);
  CHECK_INT_EQ(p[2].from.pop, 1);
  CHECK_INT_EQ(p[2].from.hi, 1000);
  CHECK_INT_EQ(p[3].rule, PSST_CONN_RANDOM);
  CHECK_NEAR(p[3].p, 0.25, 0);
  CHECK_INT_EQ(p[3].allow_self, 1);
  CHECK_NEAR(p[3].weight, 2.5, 0);
  CHECK_INT_EQ(p[4].rule, PSST_CONN_FILE);
  CHECK(p[4].file_path && strcmp(p[4].file_path, "/abs/conn.nc") == 0);
  CHECK(p[4].file_var && strcmp(p[4].file_var, "W") == 0);
  CHECK_INT_EQ(p[4].to.lo, 10);
  CHECK_INT_EQ(p[4].to.hi, 20);

  CHECK_INT_EQ(m->nstim, 5);
  psst_stimulus *s = m->stims;
  CHECK_INT_EQ(s[0].type, PSST_STIM_PULSES);
  CHECK_INT_EQ(s[0].target.n, 1);
  CHECK_INT_EQ(s[0].target.slice[0].hi, 1);
  CHECK_INT_EQ(s[0].npulses, 2);
  CHECK_NEAR(s[0].pulses[1].start, 300, 0);
  CHECK_NEAR(s[0].pulses[1].stop, 400, 0);
  CHECK_NEAR(s[0].pulses[1].amplitude, 5, 0);
  CHECK_INT_EQ(s[1].target.n, 2);
  CHECK_INT_EQ(s[1].target.slice[0].pop, 0);
  CHECK_INT_EQ(s[1].target.slice[0].hi, 3);
  CHECK_INT_EQ(s[1].target.slice[1].pop, 1);
  CHECK_INT_EQ(s[1].target.slice[1].lo, 5);
  CHECK_INT_EQ(s[1].target.slice[1].hi, 6);
  CHECK_INT_EQ(s[1].npulses, 1);
  CHECK(isinf(s[1].pulses[0].start) && s[1].pulses[0].start < 0);
  CHECK(isinf(s[1].pulses[0].stop) && s[1].pulses[0].stop > 0);
  CHECK_NEAR(s[1].pulses[0].amplitude, 3, 0);
  CHECK_NEAR(s[2].pulses[0].start, 10, 0);
  CHECK(isinf(s[2].pulses[0].stop));
  CHECK_NEAR(s[2].pulses[0].amplitude, -1, 0);
  CHECK_INT_EQ(s[3].type, PSST_STIM_FILE);
  CHECK(strcmp(s[3].file_path, "dir/in.nc") == 0);
  CHECK(strcmp(s[3].file_var, "I") == 0);
  CHECK_NEAR(s[3].sample_dt, 0.1, 0);
  CHECK_NEAR(s[4].sample_dt, 0.02, 0); /* default run.dt */

  CHECK_INT_EQ(m->record.block[0].nvars, 2);
  CHECK(strcmp(m->record.block[0].vars[1].name, "m") == 0);
  CHECK_INT_EQ(m->record.block[0].neurons.n, 2);
  CHECK_INT_EQ(m->record.block[0].neurons.slice[0].hi, 2);
  CHECK_INT_EQ(m->record.block[0].every, 5);
  CHECK_INT_EQ(m->record.spikes, 0);
  CHECK_INT_EQ(m->record.buffer, 7);
  CHECK(m->output && strcmp(m->output, "out/day4.nc") == 0);
  psst_model_destroy(&m);
  CHECK(m == NULL);
}

static void test_defaults(void) {
  psst_model *m = parse_ok("run: {t_end: 700}\n"
                           "populations: [{name: X, kind: hh_tutorial, "
                           "size: 3}]\n");
  if (!m) return;
  CHECK_NEAR(m->run.dt, 0.01, 0);
  CHECK_INT_EQ(m->run.method, PSST_METHOD_RK4);
  CHECK_INT_EQ(m->run.seed, 1);
  CHECK_INT_EQ(m->run.exchange, PSST_EXCHANGE_AUTO);
  CHECK_INT_EQ(psst_model_grid_points(m), 70000);
  psst_population *x = &m->pops[0];
  int gna = psst_param_index(x->kind->param, x->kind->nparam, "g_Na");
  CHECK_NEAR(x->params[gna], 100, 0);
  for (int i = 0; i <= x->kind->nstate; i++)
    CHECK_INT_EQ(x->init[i].type, PSST_INIT_DEFAULT);
  CHECK_NEAR(x->init_noise, 0, 0);
  CHECK(x->init_file == NULL);
  CHECK_NEAR(x->refractory, psst_neuron_hh_tutorial.refractory, 0);
  CHECK_INT_EQ(m->nproj, 0);
  CHECK_INT_EQ(m->nstim, 0);
  CHECK_INT_EQ(m->record.block[0].nvars, 1);
  CHECK(strcmp(m->record.block[0].vars[0].name, "V") == 0);
  CHECK_INT_EQ(m->record.block[0].neurons.n, 0);
  CHECK_INT_EQ(m->record.block[0].every, 10);
  CHECK_INT_EQ(m->record.spikes, 1);
  CHECK_INT_EQ(m->record.buffer, 1000);
  CHECK(m->output == NULL);
  psst_model_destroy(&m);

  /* not NUL-terminated input: only len bytes count */
  const char *t = "run: {t_end: 1}\npopulations: [{name: A, kind: cobahh, "
                  "size: 1}]\nGARBAGE";
  size_t len = strlen(t) - strlen("GARBAGE");
  CHECK_INT_EQ(psst_config_parse("m.yaml", t, len, &m), 0);
  if (m) CHECK_INT_EQ(strlen(m->text), len);
  psst_model_destroy(&m);

  /* distributions: weight and delay, with clamping bounds */
  m = parse_ok("run: {t_end: 10, dt: 0.05}\n"
               "populations: [{name: X, kind: cobahh, size: 4}]\n"
               "projections:\n"
               "  - {name: a, synapse: exp_cond, from: X, to: X,\n"
               "     connect: all_to_all, weight: {normal: [1, 0.2], min: 0},\n"
               "     delay: {uniform: [1, 3]}}\n"
               "  - {name: b, synapse: ach_pulse, from: X, to: X,\n"
               "     connect: all_to_all, weight: 0.5, delay: 2}\n"
               "  - {name: c, synapse: exp_cond, from: X, to: X,\n"
               "     connect: all_to_all,\n"
               "     weight: {lognormal: [0, 0.5], max: 4}}\n");
  if (m) {
    const psst_projection *a = &m->projs[0], *b = &m->projs[1];
    const psst_projection *c = &m->projs[2];
    CHECK_INT_EQ(a->weight_dist.type, PSST_DIST_NORMAL);
    CHECK_NEAR(a->weight_dist.a, 1, 0);
    CHECK_NEAR(a->weight_dist.b, 0.2, 0);
    CHECK_NEAR(a->weight_dist.min, 0, 0);
    CHECK_INT_EQ(a->delay.type, PSST_DIST_UNIFORM);
    CHECK_NEAR(a->delay.a, 1, 0);
    CHECK_NEAR(a->delay.b, 3, 0);
    /* ach_pulse with a delay is the spike-triggered ach_spike */
    CHECK(strcmp(b->kind->name, "ach_spike") == 0);
    CHECK_INT_EQ(b->weight_dist.type, PSST_DIST_NONE);
    CHECK_NEAR(b->weight, 0.5, 0);
    CHECK_INT_EQ(b->delay.type, PSST_DIST_CONST);
    CHECK_NEAR(b->delay.a, 2, 0);
    CHECK_INT_EQ(c->weight_dist.type, PSST_DIST_LOGNORMAL);
    CHECK_NEAR(c->weight_dist.max, 4, 0);
    CHECK_INT_EQ(c->delay.type, PSST_DIST_NONE);
  }
  psst_model_destroy(&m);
}

static const char *head = "run: {t_end: 100}\n"
                          "populations:\n"
                          "  - {name: X, kind: hh_tutorial, size: 3}\n";

static void bad_tail(const char *tail, const char *expect) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s%s", head, tail);
  bad(buf, expect);
}

static void test_bad(void) {
  bad("", "bad.yaml:1:1: the model file is empty");
  bad("42\n", "bad.yaml:1:1: the model file must be a mapping");
  bad("run: {t_end: 100\n", "bad.yaml:2:1: YAML syntax error:");
  bad("run: {t_end: 100}\nfoo: 1\npopulations: []\n",
      "bad.yaml:2:1: foo: unknown key (allowed: run, network, kinds, "
      "populations, projections, stimuli, record, output)");
  bad("run: {dt: 0.1}\n", "bad.yaml:1:6: run.t_end: required key is missing");
  bad("run: {t_end: 100}\n",
      "bad.yaml:1:1: populations: required key is missing");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: -3}\n",
      "bad.yaml:3:40: populations[0].size: must be an integer in [1, "
      "1000000000], got -3");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 1.5}\n",
      "populations[0].size: must be an integer in [1, 1000000000], got 1.5");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, foo: 1}\n",
      "bad.yaml:3:43: populations[0].foo: unknown key (allowed: name, kind, "
      "size, share, params, init, init_noise, init_file, threshold, "
      "refractory, rate_file, spikes)");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, params: {g_Na: -5}}\n",
      "populations[0].params.g_Na: must be in [0, 1e+09] mS/cm^2, got -5");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, params: {g_Na: true}}\n",
      "populations[0].params.g_Na: must be a number");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: \"3\"}\n",
      "must be an integer in [1, 1000000000], got '3'");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, name: Y}\n",
      "populations[0].name: duplicate key");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: lif, size: 3}\n",
      "populations[0].kind: unknown neuron kind 'lif' (known: hh_tutorial, "
      "hh_classic, cobahh, pn, ln, poisson, spike_times)");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3}\n"
      "  - {name: X, kind: hh_tutorial, size: 3}\n",
      "bad.yaml:4:12: populations[1].name: duplicate population name 'X'");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: 1X, kind: hh_tutorial, size: 3}\n",
      "populations[0].name: must be a name");
  bad("run: {t_end: 100, dt: 0.03}\npopulations: []\n",
      "run.dt: t_end/dt = 100/0.03");
  bad("run: {t_end: 100, dt: 200}\npopulations: []\n",
      "run.dt: must be in (0, 100] ms, got 200");
  bad("run: {t_end: 100, method: rk2}\npopulations: []\n",
      "run.method: must be one of rk4, euler, got rk2");
  bad("run: {t_end: 100, seed: -1}\npopulations: []\n",
      "run.seed: must be an integer in [0, 9223372036854775807], got -1");
  bad("run: {t_end: 100}\npopulations: []\n",
      "populations: must be a non-empty sequence");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, init: {V: [1, 2]}}\n",
      "populations[0].init.V: must be a number, {normal: [mean, sd]} or "
      "{uniform: [lo, hi]}");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, init: {V: {normal: [1, "
      "-2]}}}\n",
      "populations[0].init.V.normal: standard deviation must be >= 0");
  bad("run: {t_end: 100}\npopulations:\n"
      "  - {name: X, kind: hh_tutorial, size: 3, init_noise: 2}\n",
      "populations[0].init_noise: must be in [0, 1], got 2");

  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: \"Y[0]\", to: X, connect: "
           "all_to_all}\n",
           "bad.yaml:5:32: projections[0].from: unknown population 'Y' "
           "(known: X)");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: \"X[3]\", to: X, connect: "
           "all_to_all}\n",
           "projections[0].from: index 3 is out of range");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: \"X[2:2]\", to: X, connect: "
           "all_to_all}\n",
           "projections[0].from: slice [2:2] is empty or out of range");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: \"X[0\", to: X, connect: "
           "all_to_all}\n",
           "projections[0].from: bad selector 'X[0'");
  bad_tail("projections:\n"
           "  - {synapse: nmda, from: X, to: X, connect: all_to_all}\n",
           "projections[0].synapse: unknown synapse kind 'nmda' (known: "
           "ach_pulse, gaba_a, exp_cond, gaba_b, exp2_cond, ach_spike)");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: \"X[0]\", connect: "
           "one_to_one}\n",
           "projections[0].connect: one_to_one needs 'from' and 'to' of "
           "equal size, got 3 and 1");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: {random: {p: "
           "1.5}}}\n",
           "projections[0].connect.random.p: must be in [0, 1], got 1.5");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: "
           "{fixed_indegree: 3}}\n",
           "projections[0].connect.fixed_indegree: must be an integer in [0, "
           "2]");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, allow_self: true, "
           "connect: {fixed_indegree: 4}}\n",
           "must be an integer in [0, 3]");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: \"X[0:2]\", to: X, connect: "
           "{matrix: [[0, 1], [1, 0]]}}\n",
           "projections[0].connect.matrix: has 2 rows, needs 3");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: \"X[0:2]\", to: \"X[0:2]\", "
           "connect: {matrix: [[0, 1], [1]]}}\n",
           "projections[0].connect.matrix[1]: must be a row of 2 numbers");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: \"X[0:2]\", to: \"X[0:2]\", "
           "connect: {matrix: [[0, 1], [1, -1]]}}\n",
           "projections[0].connect.matrix[1][1]: must be in [0, 1e+09]");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, weight: matrix, "
           "connect: {random: {p: 0.5}}}\n",
           "projections[0].weight: \"matrix\" needs connect");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: all_to_all, "
           "params: {g_Na: 1}}\n",
           "projections[0].params.g_Na: unknown parameter of kind ach_pulse");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: sometimes}\n",
           "projections[0].connect: must be all_to_all, one_to_one");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: all_to_all}\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: all_to_all, "
           "name: ach_pulse_0}\n",
           "projections[1].name: duplicate projection name 'ach_pulse_0'");

  bad_tail("stimuli:\n"
           "  - {target: X, amplitude: 1, pulses: []}\n",
           "stimuli[0].pulses: amplitude and pulses cannot both be given");
  bad_tail("stimuli:\n"
           "  - {target: X}\n",
           "stimuli[0]: needs exactly one of amplitude, pulses, file");
  bad_tail("stimuli:\n"
           "  - {target: X, pulses: [{start: 5, stop: 5, amplitude: 1}]}\n",
           "stimuli[0].pulses[0].stop: must be greater than start");
  bad_tail("stimuli:\n"
           "  - {target: X, pulses: [{start: 5, stop: 6}]}\n",
           "stimuli[0].pulses[0].amplitude: required key is missing");
  bad_tail("stimuli:\n"
           "  - {target: X, file: {path: i.nc, variable: I, sample_dt: "
           "0.015}}\n",
           "stimuli[0].file.sample_dt: must be a positive integer multiple");
  bad_tail("stimuli:\n"
           "  - {target: X, pulses: [{start: 1, stop: 2, amplitude: 1}], "
           "start: 3}\n",
           "stimuli[0].start: goes only with amplitude");
  /* delays and per-synapse distributions (head: dt 0.01 ms default) */
  bad_tail("projections:\n"
           "  - {synapse: exp_cond, from: X, to: X, connect: all_to_all, "
           "delay: 0.001}\n",
           "bad.yaml:5:69: projections[0].delay: must be at least one step "
           "(dt = 0.01 ms) and finite, got 0.001");
  bad_tail("projections:\n"
           "  - {synapse: gaba_a, from: X, to: X, connect: all_to_all, "
           "delay: 1}\n",
           "projections[0].delay: gaba_a is not spike-triggered (its "
           "transmitter follows the presynaptic voltage at every stage): it "
           "takes no delay");
  bad_tail("projections:\n"
           "  - {synapse: exp_cond, from: X, to: X, connect: all_to_all, "
           "weight: {normal: [1, -0.5]}}\n",
           "projections[0].weight.normal: the standard deviation must be >= "
           "0, got -0.5");
  bad_tail("projections:\n"
           "  - {synapse: exp_cond, from: X, to: X, connect: all_to_all, "
           "delay: {uniform: [3, 1]}}\n",
           "projections[0].delay.uniform: needs lo <= hi, got [3, 1]");
  bad_tail("projections:\n"
           "  - {synapse: exp_cond, from: X, to: X, connect: all_to_all, "
           "weight: {normal: [1, 0.1], uniform: [0, 1]}}\n",
           "projections[0].weight.uniform: normal and uniform exclude each "
           "other");
  bad_tail("projections:\n"
           "  - {synapse: exp_cond, from: X, to: X, connect: all_to_all, "
           "weight: {gamma: [1, 2]}}\n",
           "projections[0].weight.gamma: unknown key");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: all_to_all, "
           "delay: {normal: [2, 0.5]}, storage: per_pre}\n",
           "per_pre needs one delay for every synapse of a presynaptic "
           "neuron");
  bad_tail("projections:\n"
           "  - {synapse: ach_pulse, from: X, to: X, connect: all_to_all, "
           "delay: 2, params: {t_delay: 1}}\n",
           "is a parameter of ach_pulse, which with delay: becomes "
           "ach_spike");
  /* spike sources */
  {
    static const char *const src_cases[][2] = {
        {"  - {name: S, kind: poisson, size: 2, params: {rate: -5}}\n",
         "bad.yaml:4:54: populations[1].params.rate: must be in [0, 1e+06] "
         "Hz, got -5"},
        {"  - {name: S, kind: spike_times, size: 2, spikes: {neuron: [0, 1], "
         "time: [5, 4]}}\n",
         "bad.yaml:4:78: populations[1].spikes.time[1]: spike times must be "
         "in ascending order: 4 ms comes after 5 ms"},
        {"  - {name: S, kind: spike_times, size: 2, spikes: {neuron: [0, 1], "
         "time: [5, 150]}}\n",
         "populations[1].spikes.time[1]: must be in (0, 100] ms, got 150"},
        {"  - {name: S, kind: spike_times, size: 2, spikes: {neuron: [0, 2], "
         "time: [5, 6]}}\n",
         "populations[1].spikes.neuron[1]: must be an integer in [0, 1], got "
         "2"},
        {"  - {name: S, kind: spike_times, size: 2, spikes: {neuron: [0, 1], "
         "time: [5]}}\n",
         "populations[1].spikes.time: must be a sequence of 2 times"},
        {"  - {name: S, kind: spike_times, size: 2}\n",
         "populations[1].spikes: required key is missing"},
        {"  - {name: S, kind: poisson, size: 2, spikes: {neuron: [0], time: "
         "[1]}}\n",
         "populations[1].spikes: goes with kind spike_times, not poisson"},
        {"  - {name: S, kind: poisson, size: 2, init: {V: 3}}\n",
         "populations[1].init: poisson is a spike source (no membrane "
         "state): it takes no init"},
        {"  - {name: S, kind: poisson, size: 2, threshold: 0}\n",
         "populations[1].threshold: poisson is a spike source"},
        {"  - {name: S, kind: poisson, size: 2, params: {rate: 3}, rate_file: "
         "{path: r.nc, variable: r}}\n",
         "populations[1].params.rate: rate_file gives the rates"},
        {"  - {name: S, kind: poisson, size: 2}\n"
         "projections:\n"
         "  - {synapse: exp_cond, from: X, to: S, connect: all_to_all}\n",
         "projections[0].to: population S is a spike source (kind poisson): "
         "it receives no synapses"},
        {"  - {name: S, kind: poisson, size: 2}\n"
         "projections:\n"
         "  - {synapse: gaba_a, from: S, to: X, connect: all_to_all}\n",
         "projections[0].from: population S is a spike source (kind poisson) "
         "and has no membrane potential, which gaba_a reads"},
        {"  - {name: S, kind: poisson, size: 2}\n"
         "stimuli:\n"
         "  - {target: S, amplitude: 1}\n",
         "stimuli[0].target: population S is a spike source (kind poisson): "
         "no current can be injected into it"},
        {"  - {name: S, kind: poisson, size: 2}\n"
         "record: {variables: [V], neurons: [S]}\n",
         "record.variables[0]: population S is a spike source (kind poisson): "
         "it has no state to record"},
        {"  - {name: S, kind: hh_tutorial, size: 2, rate_file: {path: r.nc, "
         "variable: r}}\n",
         "populations[1].rate_file: goes with kind poisson (a spike source), "
         "not hh_tutorial"},
    };
    for (size_t i = 0; i < sizeof src_cases / sizeof src_cases[0]; i++)
      bad_tail(src_cases[i][0], src_cases[i][1]);
    /* a source is fine as a presynaptic population, and "all" records
     * only neurons with a state */
    psst_model *m = parse_ok(
        "run: {t_end: 100}\n"
        "populations:\n"
        "  - {name: X, kind: hh_tutorial, size: 3}\n"
        "  - {name: S, kind: spike_times, size: 2, spikes: {neuron: [1, 0, "
        "1], time: [2, 2, 7.5]}}\n"
        "projections:\n"
        "  - {synapse: exp_cond, from: S, to: X, connect: all_to_all, delay: "
        "2}\n"
        "  - {synapse: ach_pulse, from: S, to: X, connect: all_to_all}\n");
    if (m) {
      CHECK_INT_EQ(m->pops[1].nspikes, 3);
      CHECK_INT_EQ(m->pops[1].spike_neuron[2], 1);
      CHECK_NEAR(m->pops[1].spike_time[2], 7.5, 0);
      CHECK(m->pops[1].kind->flags & PSST_NEURON_F_SOURCE);
    }
    psst_model_destroy(&m);
  }
  /* record blocks */
  {
    static const char *const rec_cases[][2] = {
        {"record:\n  - {variables: [V], every: 5, every_ms: 1}\n",
         "record[0].every_ms: every (steps) and every_ms (ms) cannot both be "
         "given"},
        {"record: {every_ms: 0.015}\n",
         "record.every_ms: must be a positive integer multiple of run.dt = "
         "0.01 ms, got 0.015"},
        {"record:\n  - {name: a}\n  - {name: a, variables: [m]}\n",
         "record[1].name: duplicate record block name 'a' (first at line 5)"},
        {"record:\n  - {variables: [V]}\n  - {variables: [m]}\n",
         "record[1].name: only one record block may be unnamed"},
        {"record:\n  - {spikes: false}\n  - {name: b, spikes: true}\n",
         "record[1].spikes: is a setting of the whole output: give it in one "
         "record block only"},
        {"record: {name: spike}\n", "record.name: 'spike' is taken"},
        {"record: {variables: [nope.g]}\n",
         "record.variables[0]: 'nope.g': no projection 'nope' (projections: "
         "none"},
        {"projections:\n"
         "  - {name: a, synapse: exp_cond, from: X, to: X, connect: "
         "all_to_all}\n"
         "record: {variables: [a.O]}\n",
         "record.variables[0]: 'a.O': a (kind exp_cond) has no 'O' (it has "
         "gsyn, g, I)"},
        {"  - {name: Y, kind: hh_classic, size: 2}\n"
         "projections:\n"
         "  - {name: a, synapse: exp_cond, from: X, to: X, connect: "
         "all_to_all}\n"
         "record: {variables: [a.g], neurons: [Y]}\n",
         "record.variables[0]: 'a.g': projection a targets population X, "
         "which this record block does not record"},
        {"  - {name: Y, kind: ln, size: 2}\n"
         "record:\n  - {name: b, variables: [V, m]}\n",
         "record[0].variables[1]: 'm' is not a state variable of population "
         "Y (kind ln has"},
        {"record: []\n", "record: must be a record block (a mapping) or a "
                         "non-empty sequence of them"},
    };
    for (size_t i = 0; i < sizeof rec_cases / sizeof rec_cases[0]; i++)
      bad_tail(rec_cases[i][0], rec_cases[i][1]);
    /* a variable a population lacks is fine in a block without it */
    psst_model *m = parse_ok(
        "run: {t_end: 100, dt: 0.05}\n"
        "populations:\n"
        "  - {name: X, kind: hh_tutorial, size: 3}\n"
        "  - {name: Y, kind: ln, size: 2}\n"
        "projections:\n"
        "  - {name: a, synapse: gaba_a, from: Y, to: X, connect: all_to_all}\n"
        "record:\n"
        "  - {variables: [V], every: 4}\n"
        "  - {name: gx, variables: [m, a.O, a.I], neurons: [X], every_ms: "
        "0.5}\n");
    if (m) {
      CHECK_INT_EQ(m->record.nblock, 2);
      CHECK(strcmp(m->record.block[1].name, "gx") == 0);
      CHECK_INT_EQ(m->record.block[1].vars[1].kind, PSST_RECV_SYN_STATE);
      CHECK_INT_EQ(m->record.block[1].vars[2].kind, PSST_RECV_SYN_I);
      CHECK_INT_EQ(psst_record_every(m, 0), 4);
      CHECK_INT_EQ(psst_record_every(m, 1), 10);
      m->run.dt = 0.025; /* --dt: the interval in ms stays 0.5 ms */
      CHECK_INT_EQ(psst_record_every(m, 1), 20);
    }
    psst_model_destroy(&m);
  }
  bad_tail("record: {variables: [V, q]}\n",
           "bad.yaml:4:25: record.variables[1]: 'q' is not a state variable "
           "of population X");
  bad_tail("record: {every: 0}\n", "record.every: must be an integer in [1, ");
  bad_tail("record: {spikes: maybe}\n",
           "record.spikes: must be true or false, got maybe");
  bad_tail("output: [a]\n", "output: must be a non-empty string");
  bad_tail("---\nrun: {t_end: 5}\n", "a model file holds one YAML document");
}

static void test_load(void) {
  psst_model *m = (psst_model *)&m;
  CHECK_INT_EQ(psst_config_load("/nonexistent/psst/model.yaml", &m),
               PSST_ERR_USER);
  CHECK(m == NULL);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "/nonexistent/psst/model.yaml: cannot read model file: ");
  char path[] = "/tmp/psst_test_config_XXXXXX.yaml";
  FILE *f = NULL;
  int fd = mkstemps(path, 5);
  if (fd >= 0) f = fdopen(fd, "w");
  if (!f) return;
  fputs("run: {t_end: 10}\npopulations: [{name: X, kind: hh_tutorial, size: "
        "2, init_file: rel.nc}]\n",
        f);
  fclose(f);
  CHECK_INT_EQ(psst_config_load(path, &m), 0);
  if (m) {
    CHECK_STR_CONTAINS(m->pops[0].init_file, "/tmp/rel.nc");
    CHECK_INT_EQ(m->pops[0].size, 2);
  }
  psst_model_destroy(&m);
  remove(path);
}

int main(void) {
  test_full();
  test_defaults();
  test_bad();
  test_load();
  return TEST_RESULT();
}
