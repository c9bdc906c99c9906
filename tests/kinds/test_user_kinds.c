/* User-defined kinds at model load (src/kinds/user.h, config.c): the
 * tables built from the YAML, the lookup by the model, the generated
 * source, and the model hash covering a kind file's text. Serial, no
 * compiler run.
 *
 *   test_user_kinds DIR    (DIR: a scratch folder for kind files)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "kinds/user.h"
#include "mech/list.h"
#include "psst/config.h"
#include "psst/error.h"
#include "psst_test.h"

static const char *const inline_model =
    "run: {t_end: 2, dt: 0.01}\n"
    "kinds:\n"
    "  - name: leaky\n"
    "    type: neuron\n"
    "    state: {V: {unit: mV, init: -60}, w: {unit: \"1\", init: 0.25, "
    "fraction: true}}\n"
    "    parameters: {g: {unit: mS/cm^2, default: 0.1, range: [0, 10]},\n"
    "                 E: {unit: mV, default: -65}}\n"
    "    expressions: {I_L: \"g*(V - E)\"}\n"
    "    equations: {V: \"(I - I_L)/1[uF/cm^2]\", w: \"-w/10[ms]\"}\n"
    "    threshold: -20\n"
    "    refractory: 2\n"
    "populations:\n"
    "  - {name: X, kind: leaky, size: 4, params: {g: 0.5}}\n";

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static const char *kind_file(double g) {
  static char buf[1024];
  snprintf(buf, sizeof buf,
           "kinds:\n"
           "  - name: leaky\n"
           "    type: neuron\n"
           "    state: {V: {unit: mV, init: -60}}\n"
           "    parameters: {g: {unit: mS/cm^2, default: %g}, E: {unit: mV, "
           "default: -65}}\n"
           "    equations: {V: \"(I - g*(V - E))/1[uF/cm^2]\"}\n",
           g);
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  psst_model *m = NULL;
  int rc =
      psst_config_parse("inline.yaml", inline_model, strlen(inline_model), &m);
  if (rc) fprintf(stderr, "%s\n", psst_error_message());
  CHECK_INT_EQ(rc, 0);
  if (m) {
    CHECK_INT_EQ(m->nkind, 1);
    const psst_neuron_kind *k = psst_model_neuron_kind_find(m, "leaky");
    CHECK(k != NULL && k == m->pops[0].kind);
    CHECK(psst_neuron_kind_is_user(k));
    CHECK(psst_neuron_kind_find("leaky") == NULL); /* not in the registry */
    CHECK(psst_model_neuron_kind_find(m, "hh_classic") ==
          &psst_neuron_hh_classic);
    if (k) {
      CHECK_INT_EQ(k->id, PSST_NK_COUNT);
      CHECK_INT_EQ(k->nstate, 2);
      CHECK_INT_EQ(k->nparam, 2);
      CHECK(!strcmp(k->state[1].name, "w") && k->state[1].fraction);
      CHECK_NEAR(k->state[0].def, -60, 0);
      CHECK_NEAR(k->param[0].def, 0.1, 0);
      CHECK_NEAR(k->param[0].max, 10, 0);
      CHECK_NEAR(k->threshold, -20, 0);
      CHECK_NEAR(k->refractory, 2, 0);
      CHECK_NEAR(m->pops[0].params[0], 0.5, 0);
      CHECK_NEAR(m->pops[0].threshold, -20, 0);
    }
    CHECK(m->kinds_source && strstr(m->kinds_source, "psst_nk_leaky_deriv"));
    CHECK(m->kinds_source && strstr(m->kinds_source, "psst_uk_leaky_kernel"));
    CHECK(m->kinds_text == NULL);
  }
  psst_model_destroy(&m);

  /* {file:}: the kind file's text is part of the model hash */
  char kpath[1024], mpath[1024];
  snprintf(kpath, sizeof kpath, "%s/k.yaml", argv[1]);
  snprintf(mpath, sizeof mpath, "%s/model.yaml", argv[1]);
  static const char model[] =
      "run: {t_end: 2, dt: 0.01}\n"
      "kinds: [{file: k.yaml}]\n"
      "populations: [{name: X, kind: leaky, size: 4}]\n";
  char h1[17] = "", h2[17] = "", h3[17] = "";
  write_file(kpath, kind_file(0.1));
  rc = psst_config_parse(mpath, model, strlen(model), &m);
  if (rc) fprintf(stderr, "%s\n", psst_error_message());
  CHECK_INT_EQ(rc, 0);
  if (m) psst__model_hash(m, h1);
  psst_model_destroy(&m);
  rc = psst_config_parse(mpath, model, strlen(model), &m);
  CHECK_INT_EQ(rc, 0);
  if (m) psst__model_hash(m, h2);
  psst_model_destroy(&m);
  write_file(kpath, kind_file(0.2));
  rc = psst_config_parse(mpath, model, strlen(model), &m);
  CHECK_INT_EQ(rc, 0);
  if (m) {
    psst__model_hash(m, h3);
    CHECK_NEAR(m->kinds[0].k.param[0].def, 0.2, 0);
  }
  psst_model_destroy(&m);
  CHECK(!strcmp(h1, h2));
  CHECK(strcmp(h1, h3) != 0);

  /* errors inside a kind file name the kind file */
  write_file(kpath, "kinds:\n  - name: leaky\n    type: glial\n");
  rc = psst_config_parse(mpath, model, strlen(model), &m);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  CHECK(strstr(psst_error_message(), "k.yaml:3:11: kinds[0].type:") != NULL);
  psst_model_destroy(&m);
  /* a synapse kind without its state names the kind and the missing key */
  write_file(kpath, "kinds:\n  - name: leaky\n    type: synapse\n");
  rc = psst_config_parse(mpath, model, strlen(model), &m);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  fprintf(stderr, "%s\n", psst_error_message());
  CHECK(strstr(psst_error_message(), "k.yaml:") != NULL);
  CHECK(strstr(psst_error_message(), "state") != NULL);
  psst_model_destroy(&m);

  /* a parameter named I is refused */
  static const char bad_i[] =
      "run: {t_end: 2, dt: 0.01}\n"
      "kinds:\n"
      "  - {name: k, type: neuron, state: {V: {unit: mV, init: 0}},\n"
      "     parameters: {I: {unit: uA/cm^2, default: 0}},\n"
      "     equations: {V: \"I/1[uF/cm^2]\"}}\n"
      "populations: [{name: X, kind: k, size: 1}]\n";
  rc = psst_config_parse("bad.yaml", bad_i, strlen(bad_i), &m);
  CHECK_INT_EQ(rc, PSST_ERR_USER);
  CHECK(strstr(psst_error_message(), "bad.yaml:3:") != NULL);
  fprintf(stderr, "%s\n", psst_error_message());
  psst_model_destroy(&m);
  return psst_test_failures != 0;
}
