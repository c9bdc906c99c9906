/* The locust antennal lobe kinds pn and ln (docs/models.md §6.1, §6.2): their
 * tables, the SoA rhs against the per-neuron inline functions, and the
 * isolated-cell table of docs/models.md §6.9 through the generic RK4 integrator
 * driving each kind's rhs for one neuron. */
#include <math.h>
#include <stdlib.h>

#include "mech/list.h"
#include "psst/kinds.h"
#include "psst/odeint.h"
#include "psst_test.h"

/* ---- (a) kind tables ----------------------------------------------------- */

static void check_kind_table(const psst_neuron_kind *k, const char *name) {
  CHECK(k != NULL);
  if (!k) return;
  CHECK(strcmp(k->name, name) == 0);
  CHECK(k->nstate == 6);
  CHECK(strcmp(k->state[0].name, "V") == 0);
  CHECK(strcmp(k->state[0].unit, "mV") == 0);
  CHECK_NEAR(k->state[0].def, -70.0, 0.0);
  CHECK(k->rhs != NULL);
  CHECK(k->steady == NULL);
  CHECK_NEAR(k->threshold, 0.0, 0.0);
  CHECK_NEAR(k->refractory, 0.0, 0.0);
  for (int s = 0; s < k->nstate; s++) {
    CHECK(k->state[s].name && k->state[s].unit && k->state[s].long_name);
    CHECK(!k->state[s].def_is_steady);
    CHECK_INT_EQ(psst_state_index(k->state, k->nstate, k->state[s].name), s);
  }
  for (int i = 0; i < k->nparam; i++) {
    const psst_param_info *p = &k->param[i];
    CHECK(p->name && p->unit && p->unit[0] && p->description);
    CHECK(p->min <= p->def && p->def <= p->max);
    if (!(p->min <= p->def && p->def <= p->max))
      fprintf(stderr, "  %s.%s default out of range\n", name, p->name);
    CHECK_INT_EQ(psst_param_index(k->param, k->nparam, p->name), i);
  }
  CHECK(psst_param_index(k->param, k->nparam, "E_K") >= 0);
}

static double param(const psst_neuron_kind *k, const char *name) {
  int i = psst_param_index(k->param, k->nparam, name);
  CHECK(i >= 0);
  return i >= 0 ? k->param[i].def : NAN;
}

static void test_tables(void) {
  const psst_neuron_kind *pn = psst_neuron_kind_find("pn");
  const psst_neuron_kind *ln = psst_neuron_kind_find("ln");
  CHECK(pn == &psst_neuron_pn);
  CHECK(ln == &psst_neuron_ln);
  check_kind_table(pn, "pn");
  check_kind_table(ln, "ln");
  if (!pn || !ln) return;
  CHECK_INT_EQ(pn->nparam, PSST_PN_NPARAM);
  CHECK_INT_EQ(ln->nparam, PSST_LN_NPARAM);

  const char *pn_names[] = {"C_m",  "g_L",  "E_L", "g_KL", "E_KL",
                            "g_Na", "E_Na", "g_K", "E_K",  "g_A",
                            "E_A",  "V_T",  "T",   "phi_A"};
  for (int i = 0; i < PSST_PN_NPARAM; i++)
    CHECK(strcmp(pn->param[i].name, pn_names[i]) == 0);
  const char *ln_names[] = {
      "C_m",   "g_L",   "E_L",          "g_KL",      "E_KL", "g_K", "E_K",
      "g_Ca",  "E_Ca",  "g_KCa",        "E_KCa",     "V_T",  "T",   "tau_mCa",
      "a_KCa", "b_KCa", "phi_KCa_gate", "phi_KCa_I", "A_Ca", "Ca0", "tau_Ca"};
  for (int i = 0; i < PSST_LN_NPARAM; i++)
    CHECK(strcmp(ln->param[i].name, ln_names[i]) == 0);

  const char *pn_st[] = {"V", "m", "h", "n", "m_A", "h_A"};
  const char *ln_st[] = {"V", "n", "m_Ca", "h_Ca", "m_KCa", "Ca"};
  for (int s = 0; s < 6; s++) {
    CHECK(strcmp(pn->state[s].name, pn_st[s]) == 0);
    CHECK(strcmp(ln->state[s].name, ln_st[s]) == 0);
    if (s > 0) CHECK_NEAR(pn->state[s].def, 0.0, 0.0);
    if (s > 0 && s < 5) CHECK_NEAR(ln->state[s].def, 0.0, 0.0);
  }
  /* [Ca] starts at Ca0 (docs/models.md §6.5) */
  CHECK_NEAR(ln->state[PSST_LN_CA].def, param(ln, "Ca0"), 0.0);
  CHECK_NEAR(param(ln, "Ca0"), 2.4e-4, 0.0);
  CHECK_STR_CONTAINS(ln->state[PSST_LN_CA].long_name, "mM");

  /* the temperature factors of docs/models.md §6.1, §6.2 */
  CHECK_NEAR(param(pn, "phi_A"), pow(3.0, 1.25), 1e-15);
  CHECK_NEAR(param(pn, "phi_A"), 3.948222, 5e-7);
  CHECK_NEAR(param(ln, "phi_KCa_gate"), pow(2.3, 0.3), 1e-15);
  CHECK_NEAR(param(ln, "phi_KCa_I"), 1.0, 0.0);
  CHECK_NEAR(param(pn, "T"), 22.0, 0.0);
  CHECK_NEAR(param(ln, "T"), 22.0, 0.0);
  CHECK_NEAR(param(pn, "E_K"), -95.0, 0.0);
  CHECK_NEAR(param(ln, "E_K"), -95.0, 0.0);
  CHECK_NEAR(param(ln, "E_L"), -50.0, 0.0);
  CHECK_NEAR(param(ln, "g_KL"), 0.02, 0.0);
}

/* ---- (b) SoA rhs == per-neuron inline function --------------------------- */

static void kind_defaults(const psst_neuron_kind *k, double *p) {
  for (int i = 0; i < k->nparam; i++)
    p[i] = k->param[i].def;
}

static void test_rhs_soa(void) {
  enum { N = 7, LD = 11 };
  const psst_neuron_kind *kinds[2] = {&psst_neuron_pn, &psst_neuron_ln};
  for (int kk = 0; kk < 2; kk++) {
    const psst_neuron_kind *k = kinds[kk];
    const int ns = k->nstate;
    double p[32], y[6 * LD], dy[6 * LD], I[N];
    kind_defaults(k, p);
    p[1] *= 1.3; /* a non-default g_L, to see params are read */
    /* voltages on both sides of tau_hA's switch and the removable
     * singularities of the Traub-Miles rates */
    const double Vs[N] = {-90.0, -63.0, -62.5, -37.0, -35.0, -10.0, 20.0};
    for (int v = 0; v < ns * LD; v++) {
      y[v] = 1e300; /* padding must not be read */
      dy[v] = -12345.0;
    }
    for (int i = 0; i < N; i++) {
      y[i] = Vs[i];
      for (int v = 1; v < ns; v++)
        y[v * LD + i] = 0.05 + 0.1 * v + 0.02 * i;
      if (kk == 1) y[PSST_LN_CA * LD + i] = 2.4e-4 * (1 + 100 * i);
      I[i] = 0.7 * i - 2.0;
    }
    k->rhs(N, p, y, LD, I, dy);
    const double phi = pow(3.0, (p[kk ? PSST_LN_T : PSST_PN_T] - 36.0) / 10.0);
    for (int i = 0; i < N; i++) {
      double x[6], dx[6];
      for (int v = 0; v < ns; v++)
        x[v] = y[v * LD + i];
      if (kk == 0)
        psst_pn_deriv(p, phi, x, I[i], dx);
      else
        psst_ln_deriv(p, phi, x, I[i], dx);
      for (int v = 0; v < ns; v++) {
        CHECK(isfinite(dy[v * LD + i]));
        CHECK_NEAR(dy[v * LD + i], dx[v], 0.0);
      }
    }
    for (int v = 0; v < ns; v++)
      for (int i = N; i < LD; i++)
        CHECK_NEAR(dy[v * LD + i], -12345.0, 0.0); /* padding untouched */
  }

  /* spot values of the A kinetics around the strict switch at -63 mV */
  double mi, tm, hi, th;
  const double phiA = pow(3.0, 1.25);
  psst_pn_a_kinetics(-63.0, phiA, &mi, &tm, &hi, &th);
  CHECK_NEAR(th, 19.0 / phiA, 1e-15);
  psst_pn_a_kinetics(-63.0 - 1e-9, phiA, &mi, &tm, &hi, &th);
  CHECK_NEAR(th * phiA,
             1.0 / (exp((-63.0 + 46.05) / 5.0) + exp(-(-63.0 + 238.4) / 37.45)),
             1e-6);
  CHECK_NEAR(mi, 1.0 / (1.0 + exp(-(-63.0 + 60.0) / 8.5)), 1e-9);
  CHECK_NEAR(hi, 1.0 / (1.0 + exp((-63.0 + 78.0) / 6.0)), 1e-9);
}

/* ---- (c) isolated cells (docs/models.md §6.9)
 * ---------------------------------- */

typedef struct cell_ctx {
  const psst_neuron_kind *k;
  const double *p;
  double I;
} cell_ctx;

static int f_cell(double t, const double *y, double *dydt, void *vctx) {
  (void)t;
  const cell_ctx *c = vctx;
  c->k->rhs(1, c->p, y, 1, &c->I, dydt);
  return 0;
}

enum { MTOT = 100000, CHUNK = 1000, MAXSPK = 128 };

typedef struct cell_run {
  int nspk;
  double spk[MAXSPK];    /* fire_t: start time of the crossing step */
  double V_end;          /* V at t = 999.99 ms */
  double V_max_after[2]; /* max V over [100, 1000) and [500, 1000) */
  double Ca_max;
  double y_end[6];
} cell_run;

/* One neuron, default parameters and initial state, constant I, 1000 ms at
 * dt = 0.01 (grid t_k = k dt, k < 100000) in batches of CHUNK steps that
 * re-seed y0 from the previous batch's last row (docs/models.md §5). Spikes are
 * V_k < 0 <= V_{k+1} with fire time t_k (docs/models.md §1.5). */
static void run_cell(const psst_neuron_kind *k, double I, cell_run *out) {
  double p[32], y0[6];
  kind_defaults(k, p);
  const int ns = k->nstate;
  for (int v = 0; v < ns; v++)
    y0[v] = k->state[v].def;
  cell_ctx c = {k, p, I};
  double t[CHUNK + 1], *Y = malloc((size_t)(CHUNK + 1) * ns * sizeof *Y);
  out->nspk = 0;
  out->V_max_after[0] = out->V_max_after[1] = -INFINITY;
  out->Ca_max = -INFINITY;
  for (size_t k0 = 0; k0 + 1 < MTOT; k0 += CHUNK) {
    size_t L = (k0 + CHUNK < MTOT) ? CHUNK : MTOT - 1 - k0; /* steps */
    for (size_t j = 0; j <= L; j++)
      t[j] = (double)(k0 + j) * 0.01;
    CHECK_INT_EQ(psst_odeint_rk4(f_cell, &c, (size_t)ns, y0, L + 1, t, Y), 0);
    for (size_t j = 0; j < L; j++) {
      double Va = Y[j * ns], Vb = Y[(j + 1) * ns];
      if (Va < 0.0 && Vb >= 0.0) {
        if (out->nspk < MAXSPK) out->spk[out->nspk] = t[j];
        out->nspk++;
      }
      if (t[j + 1] >= 100.0)
        out->V_max_after[0] = fmax(out->V_max_after[0], Vb);
      if (t[j + 1] >= 500.0)
        out->V_max_after[1] = fmax(out->V_max_after[1], Vb);
      if (k == &psst_neuron_ln)
        out->Ca_max = fmax(out->Ca_max, Y[(j + 1) * ns + PSST_LN_CA]);
    }
    for (int v = 0; v < ns; v++)
      y0[v] = Y[L * ns + v];
  }
  for (int v = 0; v < ns; v++) {
    out->y_end[v] = y0[v];
    CHECK(isfinite(y0[v]));
  }
  out->V_end = y0[0];
  free(Y);
}

static double mean_interval(const cell_run *r) {
  int n = r->nspk < MAXSPK ? r->nspk : MAXSPK;
  return n >= 2 ? (r->spk[n - 1] - r->spk[0]) / (n - 1) : NAN;
}

static void report(const char *name, double I, const cell_run *r) {
  printf("%s I=%g: %d spikes", name, I, r->nspk);
  if (r->nspk > 0)
    printf(", first %.4f ms, mean interval %.4f ms", r->spk[0],
           mean_interval(r));
  printf("; V(999.99) = %.5f mV, max V after 100 ms %.4f, after 500 ms %.4f",
         r->V_end, r->V_max_after[0], r->V_max_after[1]);
  if (isfinite(r->Ca_max)) printf(", max [Ca] %.5f mM", r->Ca_max);
  printf("\n");
}

static void test_isolated_cells(void) {
  const psst_neuron_kind *pn = &psst_neuron_pn, *ln = &psst_neuron_ln;
  cell_run *r = malloc(sizeof *r);

  /* PN, I = 0: rests at -66.76 mV */
  run_cell(pn, 0.0, r);
  report("PN", 0.0, r);
  CHECK_INT_EQ(r->nspk, 0);
  CHECK_NEAR(r->V_end, -66.76, 0.01);
  CHECK(r->V_max_after[1] - r->V_end < 1e-3); /* at rest, not oscillating */

  /* PN, I = 2: no spikes, settles at -60.12 mV */
  run_cell(pn, 2.0, r);
  report("PN", 2.0, r);
  CHECK_INT_EQ(r->nspk, 0);
  CHECK_NEAR(r->V_end, -60.12, 0.01);
  CHECK(r->V_max_after[1] - r->V_end < 1e-3);

  /* PN, I = 5: 14 spikes, first at 55.24 ms, mean interval 72.4 ms */
  run_cell(pn, 5.0, r);
  report("PN", 5.0, r);
  CHECK_INT_EQ(r->nspk, 14);
  if (r->nspk > 0) CHECK_NEAR(r->spk[0], 55.24, 0.015);
  CHECK_NEAR(mean_interval(r), 72.4, 0.1);

  /* PN, I = 10: 51 spikes, first at 7.50 ms, mean interval 19.8 ms */
  run_cell(pn, 10.0, r);
  report("PN", 10.0, r);
  CHECK_INT_EQ(r->nspk, 51);
  if (r->nspk > 0) CHECK_NEAR(r->spk[0], 7.50, 0.015);
  CHECK_NEAR(mean_interval(r), 19.8, 0.1);

  /* LN, I = 0: rests at -55.25 mV */
  run_cell(ln, 0.0, r);
  report("LN", 0.0, r);
  CHECK_INT_EQ(r->nspk, 0);
  CHECK_NEAR(r->V_end, -55.25, 0.01);
  CHECK(r->V_max_after[1] - r->V_end < 1e-3);

  /* LN, I = 5: 4 upward 0-mV crossings, then sub-zero plateaus and
   * oscillations; [Ca] reaches a few tenths of a mM */
  run_cell(ln, 5.0, r);
  report("LN", 5.0, r);
  CHECK_INT_EQ(r->nspk, 4);
  const double expect[4] = {13.07, 42.51, 73.44, 108.03};
  for (int s = 0; s < 4 && s < r->nspk; s++) {
    printf("  LN crossing %d at %.4f ms\n", s + 1, r->spk[s]);
    CHECK_NEAR(r->spk[s], expect[s], 0.015);
  }
  CHECK(r->Ca_max >= 0.1 && r->Ca_max <= 1.0);
  free(r);
}

int main(void) {
  test_tables();
  test_rhs_soa();
  test_isolated_cells();
  return TEST_RESULT();
}
