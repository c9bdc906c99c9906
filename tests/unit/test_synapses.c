/* Unit tests of the synapse equations and kind tables (docs/models.md §3). */
#include <math.h>

#include "mech/list.h"
#include "psst/kinds.h"
#include "psst_test.h"

static void test_ach_release(void) {
  const double A = 0.5, t_max = 0.3;
  const double fires[] = {0.0, 7.89, 123.45};
  const double delays[] = {0.0, 1.5};
  for (int i = 0; i < 3; i++) {
    for (int d = 0; d < 2; d++) {
      double fire_t = fires[i], t_delay = delays[d];
      double on = fire_t + t_delay, end = on + t_max;
      CHECK(psst_ach_release(on, fire_t, A, t_delay, t_max) == 0.0);
      CHECK(psst_ach_release(nextafter(on, INFINITY), fire_t, A, t_delay,
                             t_max) == A);
      CHECK(psst_ach_release(nextafter(on, -INFINITY), fire_t, A, t_delay,
                             t_max) == 0.0);
      CHECK(psst_ach_release(on + 0.5 * t_max, fire_t, A, t_delay, t_max) == A);
      CHECK(psst_ach_release(nextafter(end, -INFINITY), fire_t, A, t_delay,
                             t_max) == A);
      CHECK(psst_ach_release(end, fire_t, A, t_delay, t_max) == 0.0);
      CHECK(psst_ach_release(nextafter(end, INFINITY), fire_t, A, t_delay,
                             t_max) == 0.0);
      CHECK(psst_ach_release(on + 10.0, fire_t, A, t_delay, t_max) == 0.0);
    }
  }
  /* the initial fire_t of §3.6 gives no pulse at t = 0 */
  CHECK(psst_ach_release(0.0, -9999999.0, A, 0.0, t_max) == 0.0);
  /* amplitude passes through */
  CHECK(psst_ach_release(0.1, 0.0, 0.75, 0.0, t_max) == 0.75);
  /* on a dt = 0.01 grid with fire_t = t_i = 1.0, the pulse covers 29-30
   * stage-start times (§3.3) */
  int on_steps = 0;
  for (int k = 0; k < 200; k++)
    if (psst_ach_release(k * 0.01, 100 * 0.01, A, 0.0, t_max) > 0) on_steps++;
  CHECK(on_steps >= 29 && on_steps <= 30);
}

static void test_gaba_release(void) {
  CHECK(psst_gaba_a_release(-20.0, -20.0, 1.5) == 0.5);
  CHECK(psst_gaba_a_release(3.0, 3.0, 0.7) == 0.5);
  double T = psst_gaba_a_release(-15.0, -20.0, 1.5);
  CHECK_NEAR(T, 0.97, 0.005);
  CHECK_REL(T, 1.0 / (1.0 + exp(-5.0 / 1.5)), 1e-15);
  CHECK_NEAR(psst_gaba_a_release(-70.0, -20.0, 1.5), 0.0, 1e-14);
  CHECK_NEAR(psst_gaba_a_release(40.0, -20.0, 1.5), 1.0, 1e-15);
  /* symmetric: T(V0 + d) + T(V0 - d) = 1 */
  for (double dv = 0.1; dv < 10; dv += 1.3)
    CHECK_NEAR(psst_gaba_a_release(-20 + dv, -20, 1.5) +
                   psst_gaba_a_release(-20 - dv, -20, 1.5),
               1.0, 1e-15);
  /* monotone increasing */
  double prev = -1;
  for (double V = -100; V <= 50; V += 0.5) {
    double r = psst_gaba_a_release(V, -20, 1.5);
    CHECK(r >= prev && r >= 0 && r <= 1);
    prev = r;
  }
}

static void test_receptor(void) {
  CHECK_REL(psst_receptor_deriv(0.2, 0.5, 10.0, 0.2),
            10.0 * 0.8 * 0.5 - 0.2 * 0.2, 1e-15);
  CHECK(psst_receptor_deriv(0.0, 0.0, 10.0, 0.2) == 0.0);
  CHECK_REL(psst_receptor_deriv(0.5, 0.0, 10.0, 0.16), -0.08, 1e-15);
  /* fixed point O* = alpha T / (alpha T + beta) */
  double O = 10.0 * 1.0 / (10.0 * 1.0 + 0.16);
  CHECK_NEAR(psst_receptor_deriv(O, 1.0, 10.0, 0.16), 0.0, 1e-14);
}

static double def_of(const psst_synapse_kind *k, const char *name) {
  int i = psst_param_index(k->param, k->nparam, name);
  CHECK(i >= 0);
  if (i < 0) return NAN;
  const psst_param_info *p = &k->param[i];
  CHECK(p->min <= p->def && p->def <= p->max);
  return p->def;
}

static void test_tables(void) {
  const psst_synapse_kind *ach = psst_synapse_kind_find("ach_pulse");
  const psst_synapse_kind *gaba = psst_synapse_kind_find("gaba_a");
  const psst_synapse_kind *expc = psst_synapse_kind_find("exp_cond");
  CHECK(ach == &psst_synapse_ach_pulse);
  CHECK(gaba == &psst_synapse_gaba_a);
  CHECK(expc == &psst_synapse_exp_cond);
  CHECK(psst_synapse_kind_find("gaba_b_nonexistent") == NULL);
  int n = psst_synapse_kind_count();
  CHECK(n >= 3);
  CHECK(psst_synapse_kind_get(-1) == NULL);
  CHECK(psst_synapse_kind_get(n) == NULL);
  for (int i = 0; i < n; i++) {
    const psst_synapse_kind *k = psst_synapse_kind_get(i);
    CHECK(k && psst_synapse_kind_find(k->name) == k);
    if (!k) continue;
    CHECK((int)k->id >= 0 && k->id < PSST_SYN_COUNT);
    CHECK(k->nstate >= 1 && k->state != NULL);
    for (int p = 0; p < k->nparam; p++) {
      const psst_param_info *q = &k->param[p];
      CHECK(q->name && q->unit && q->description);
      /* NaN: a default derived from the target (gaba_b's E = E_K) */
      CHECK(isnan(q->def) || (q->min <= q->def && q->def <= q->max));
      CHECK_INT_EQ(psst_param_index(k->param, k->nparam, q->name), p);
    }
  }
  if (!ach || !gaba) return;
  CHECK(ach->id == PSST_SYN_ACH_PULSE && gaba->id == PSST_SYN_GABA_A);
  CHECK_INT_EQ(ach->nparam, PSST_ACH_NPARAM);
  CHECK_INT_EQ(gaba->nparam, PSST_GABAA_NPARAM);
  /* docs/models.md §3.5 */
  CHECK(def_of(ach, "alpha") == 10.0);
  CHECK(def_of(ach, "beta") == 0.2);
  CHECK(def_of(ach, "A") == 0.5);
  CHECK(def_of(ach, "t_max") == 0.3);
  CHECK(def_of(ach, "t_delay") == 0.0);
  CHECK(def_of(ach, "g") == 0.35);
  CHECK(def_of(ach, "E") == 0.0);
  CHECK(ach->param[PSST_ACH_ALPHA].def == 10.0);
  CHECK(ach->param[PSST_ACH_BETA].def == 0.2);
  CHECK(ach->param[PSST_ACH_A].def == 0.5);
  CHECK(ach->param[PSST_ACH_TMAX].def == 0.3);
  CHECK(ach->param[PSST_ACH_TDELAY].def == 0.0);
  CHECK(ach->param[PSST_ACH_G].def == 0.35);
  CHECK(ach->param[PSST_ACH_E].def == 0.0);
  CHECK(def_of(gaba, "alpha") == 10.0);
  CHECK(def_of(gaba, "beta") == 0.16);
  CHECK(def_of(gaba, "V0") == -20.0);
  CHECK(def_of(gaba, "sigma") == 1.5);
  CHECK(def_of(gaba, "g") == 0.8);
  CHECK(def_of(gaba, "E") == -70.0);
  CHECK(gaba->param[PSST_GABAA_ALPHA].def == 10.0);
  CHECK(gaba->param[PSST_GABAA_BETA].def == 0.16);
  CHECK(gaba->param[PSST_GABAA_V0].def == -20.0);
  CHECK(gaba->param[PSST_GABAA_SIGMA].def == 1.5);
  CHECK(gaba->param[PSST_GABAA_G].def == 0.8);
  CHECK(gaba->param[PSST_GABAA_E].def == -70.0);
  /* receptor state O starts at 0 (§3.6) */
  CHECK(strcmp(ach->state[0].name, "O") == 0 && ach->state[0].def == 0.0);
  CHECK(strcmp(gaba->state[0].name, "O") == 0 && gaba->state[0].def == 0.0);
  CHECK(gaba->param[PSST_GABAA_SIGMA].min > 0.0); /* division by sigma */
}

int main(void) {
  test_ach_release();
  test_gaba_release();
  test_receptor();
  test_tables();
  return TEST_RESULT();
}
