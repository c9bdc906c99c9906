/* Unit tests of the HH rate functions, exprel and the neuron kind tables
 * (docs/models.md §2, §8.2, §11). */
#include <math.h>
#include <stdlib.h>

#include "mech/list.h"
#include "mech/mech.h"
#include "psst/kinds.h"
#include "psst_test.h"

static const double PHI_TUT = 0.21479800; /* 3^(-1.4), printed in §2.2 */

/* a agrees with b printed to 5 significant digits. */
#define CHECK_SIG5(a, b)                                                       \
  CHECK_NEAR((a), (b), 0.5 * pow(10.0, floor(log10(fabs(b))) - 4) * 1.0001)

/* 1/exprel(x) = x/(e^x - 1) = 1 - x/2 + x^2/12 - x^4/720 + ... */
static double inv_exprel_taylor(double x) {
  return 1.0 - x / 2.0 + x * x / 12.0 - x * x * x * x / 720.0;
}

static void test_exprel(void) {
  CHECK(psst_exprel(0.0) == 1.0);
  CHECK(psst_exprel(-0.0) == 1.0);
  const double xs[] = {-50.0,  -5.0,   -1.0,  -0.1, -1e-3, -1e-5, -9e-6,  -1e-7,
                       -1e-12, 1e-300, 1e-12, 1e-7, 9e-6,  1e-5,  1.1e-5, 1e-3,
                       0.1,    1.0,    5.0,   50.0, 700.0, -700.0};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    double x = xs[i];
    CHECK_REL(psst_exprel(x), expm1(x) / x, 4e-16);
  }
  /* overflow: the rate c/exprel(x) goes to 0, not NaN */
  CHECK(isinf(psst_exprel(1000.0)));
  CHECK(1.28 / psst_exprel(1000.0) == 0.0);
  CHECK_REL(psst_exprel(-1000.0), 1e-3, 1e-15);
}

/* rate(V) at a singular voltage Vs (limit `lim`) and nearby: finite, exact
 * limit at Vs, and equal to lim * (1/exprel)(x) with x = k (V - Vs) to
 * 1e-9 relative (no cancellation). */
typedef double (*rate_fn)(double V);
static void check_singular(const char *name, rate_fn rate, double Vs,
                           double lim, double k) {
  double r0 = rate(Vs);
  if (!(r0 == lim)) fprintf(stderr, "rate %s at %g:\n", name, Vs);
  CHECK(isfinite(r0));
  CHECK_NEAR(r0, lim, 1e-15);
  const double offs[] = {1e-12, 1e-7, 1e-4};
  for (int i = 0; i < 3; i++) {
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      double dV = sgn * offs[i];
      double V = Vs + dV;
      double r = rate(V);
      double expect = lim * inv_exprel_taylor(k * (V - Vs));
      CHECK(isfinite(r));
      if (fabs(r - expect) > 1e-9 * expect)
        fprintf(stderr, "rate %s at %g%+g:\n", name, Vs, dV);
      CHECK_REL(r, expect, 1e-9);
    }
  }
}

static double tut_am(double V) { return psst_traub_rates(V + 50, 0.02).am; }
static double tut_bm(double V) { return psst_traub_rates(V + 50, 0.02).bm; }
static double tut_an(double V) { return psst_traub_rates(V + 50, 0.02).an; }
static double cob_an(double u) { return psst_traub_rates(u, 0.032).an; }
static double cls_am(double V) { return psst_hh_classic_rates(V).am; }
static double cls_an(double V) { return psst_hh_classic_rates(V).an; }

static void test_singularities(void) {
  /* tutorial: x = (13 - u)/4, (u - 40)/5, (15 - u)/5 */
  check_singular("tutorial alpha_m", tut_am, -37.0, 1.28, -0.25);
  check_singular("tutorial beta_m", tut_bm, -10.0, 1.4, 0.2);
  check_singular("tutorial alpha_n", tut_an, -35.0, 0.1, -0.2);
  /* cobahh alpha_n at u = 15: 5 * 0.032 (argument is u here) */
  check_singular("cobahh alpha_n", cob_an, 15.0, 0.16, -0.2);
  /* classic: x = -(V + 40)/10, -(V + 55)/10 */
  check_singular("classic alpha_m", cls_am, -40.0, 1.0, -0.1);
  check_singular("classic alpha_n", cls_an, -55.0, 0.1, -0.1);
  /* far from the singularities the exprel form equals the direct one */
  for (double V = -100.0; V <= 60.0; V += 7.3) {
    double u = V + 50.0;
    psst_hh_rates r = psst_traub_rates(u, 0.02);
    CHECK_REL(r.am, 0.32 * (13 - u) / (exp((13 - u) / 4) - 1), 1e-12);
    CHECK_REL(r.bm, 0.28 * (u - 40) / (exp((u - 40) / 5) - 1), 1e-12);
    CHECK_REL(r.ah, 0.128 * exp((17 - u) / 18), 1e-15);
    CHECK_REL(r.bh, 4 / (exp((40 - u) / 5) + 1), 1e-15);
    CHECK_REL(r.an, 0.02 * (15 - u) / (exp((15 - u) / 5) - 1), 1e-12);
    CHECK_REL(r.bn, 0.5 * exp((10 - u) / 40), 1e-15);
    psst_hh_rates c = psst_traub_rates(u, 0.032);
    CHECK_REL(c.an, 0.032 * (15 - u) / (exp((15 - u) / 5) - 1), 1e-12);
    psst_hh_rates q = psst_hh_classic_rates(V);
    CHECK_REL(q.am, 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10)), 1e-12);
    CHECK_REL(q.bm, 4 * exp(-(V + 65) / 18), 1e-15);
    CHECK_REL(q.ah, 0.07 * exp(-(V + 65) / 20), 1e-15);
    CHECK_REL(q.bh, 1 / (1 + exp(-(V + 35) / 10)), 1e-15);
    CHECK_REL(q.an, 0.01 * (V + 55) / (1 - exp(-(V + 55) / 10)), 1e-12);
    CHECK_REL(q.bn, 0.125 * exp(-(V + 65) / 80), 1e-15);
  }
}

static void test_table_82(void) {
  const double phi = pow(3.0, -1.4);
  CHECK_NEAR(phi, PHI_TUT, 5e-8);
  CHECK_NEAR(1.0 / phi, 4.6555, 5e-5);
  const double V[2] = {-70.0, -30.0};
  const double expect[2][6] = {
      {1.6423e-4, 0.27707, 0.99998, 4.6562, 6.0323e-4, 4.3956},
      {0.32215, 0.55320, 0.60096, 25.822, 0.28889, 8.5017},
  };
  for (int i = 0; i < 2; i++) {
    psst_hh_rates r = psst_traub_rates(V[i] + 50.0, 0.02);
    double got[6] = {
        r.am / (r.am + r.bm), 1.0 / ((r.am + r.bm) * phi),
        r.ah / (r.ah + r.bh), 1.0 / ((r.ah + r.bh) * phi),
        r.an / (r.an + r.bn), 1.0 / ((r.an + r.bn) * phi),
    };
    for (int j = 0; j < 6; j++) {
      if (fabs(got[j] - expect[i][j]) >
          0.5 * pow(10.0, floor(log10(fabs(expect[i][j]))) - 4) * 1.0001)
        fprintf(stderr, "table 8.2, V = %g, column %d:\n", V[i], j);
      CHECK_SIG5(got[j], expect[i][j]);
    }
  }
}

static void test_registry(void) {
  const char *names[] = {"hh_tutorial", "hh_classic", "cobahh"};
  const psst_neuron_kind *kinds[] = {
      &psst_neuron_hh_tutorial, &psst_neuron_hh_classic, &psst_neuron_cobahh};
  for (int i = 0; i < 3; i++) {
    CHECK(psst_neuron_kind_find(names[i]) == kinds[i]);
  }
  CHECK(psst_neuron_kind_find("hh_nonexistent") == NULL);
  CHECK(psst_neuron_kind_find("") == NULL);
  CHECK(psst_neuron_kind_find("HH_TUTORIAL") == NULL);
  int nk = psst_neuron_kind_count();
  CHECK(nk >= 3);
  CHECK(psst_neuron_kind_get(-1) == NULL);
  CHECK(psst_neuron_kind_get(nk) == NULL);
  for (int i = 0; i < nk; i++) {
    const psst_neuron_kind *k = psst_neuron_kind_get(i);
    CHECK(k != NULL);
    if (!k) continue;
    CHECK(psst_neuron_kind_find(k->name) == k);
    CHECK(k->nstate >= 1 && k->state != NULL);
    CHECK(strcmp(k->state[0].name, "V") == 0);
    CHECK(k->rhs != NULL);
    int any_steady = 0;
    for (int s = 0; s < k->nstate; s++) {
      CHECK(k->state[s].name && k->state[s].unit && k->state[s].long_name);
      CHECK_INT_EQ(psst_state_index(k->state, k->nstate, k->state[s].name), s);
      any_steady |= k->state[s].def_is_steady;
    }
    CHECK(!any_steady || k->steady != NULL);
    for (int p = 0; p < k->nparam; p++) {
      const psst_param_info *q = &k->param[p];
      CHECK(q->name && q->unit && q->description);
      if (!(q->min <= q->def && q->def <= q->max))
        fprintf(stderr, "%s.%s default %g not in [%g, %g]\n", k->name, q->name,
                q->def, q->min, q->max);
      CHECK(q->min <= q->def && q->def <= q->max);
      CHECK_INT_EQ(psst_param_index(k->param, k->nparam, q->name), p);
    }
    CHECK_INT_EQ(psst_param_index(k->param, k->nparam, "no_such"), -1);
  }
  /* defaults of docs/models.md §2.3 and §11 */
  const psst_param_info *tp = psst_neuron_hh_tutorial.param;
  CHECK_INT_EQ(psst_neuron_hh_tutorial.nparam, PSST_TM_NPARAM);
  CHECK(tp[PSST_TM_CM].def == 1.0 && tp[PSST_TM_GNA].def == 100.0);
  CHECK(tp[PSST_TM_ENA].def == 50.0 && tp[PSST_TM_GK].def == 10.0);
  CHECK(tp[PSST_TM_EK].def == -95.0 && tp[PSST_TM_GL].def == 0.15);
  CHECK(tp[PSST_TM_EL].def == -55.0 && tp[PSST_TM_VT].def == -50.0);
  CHECK(tp[PSST_TM_T].def == 22.0);
  CHECK(psst_neuron_hh_tutorial.state[0].def == -71.0);
  for (int s = 1; s < 4; s++)
    CHECK(psst_neuron_hh_tutorial.state[s].def == 0.0);
  const psst_param_info *cp = psst_neuron_hh_classic.param;
  CHECK_INT_EQ(psst_neuron_hh_classic.nparam, PSST_HHC_NPARAM);
  CHECK(cp[PSST_HHC_GNA].def == 120.0 && cp[PSST_HHC_GK].def == 36.0);
  CHECK(cp[PSST_HHC_GL].def == 0.3 && cp[PSST_HHC_EK].def == -77.0);
  CHECK(cp[PSST_HHC_EL].def == -54.3 && cp[PSST_HHC_T].def == 6.3);
  CHECK(psst_neuron_hh_classic.state[0].def == -65.0);
  const psst_param_info *bp = psst_neuron_cobahh.param;
  CHECK(bp[PSST_TM_GNA].def == 100.0 && bp[PSST_TM_GK].def == 30.0);
  CHECK(bp[PSST_TM_GL].def == 0.05 && bp[PSST_TM_EL].def == -60.0);
  CHECK(bp[PSST_TM_EK].def == -90.0 && bp[PSST_TM_VT].def == -63.0);
  CHECK(pow(3.0, (bp[PSST_TM_T].def - 36.0) / 10.0) == 1.0);
  CHECK(psst_neuron_cobahh.threshold == -20.0);
  CHECK(psst_neuron_cobahh.refractory == 3.0);
}

static void test_classic_steady(void) {
  const psst_neuron_kind *k = &psst_neuron_hh_classic;
  double p[PSST_HHC_NPARAM];
  for (int i = 0; i < k->nparam; i++)
    p[i] = k->param[i].def;
  const double V = -65.0;
  /* direct formulas (no singularity at -65) */
  double am = 0.1 * (V + 40) / (1 - exp(-(V + 40) / 10));
  double bm = 4 * exp(-(V + 65) / 18);
  double ah = 0.07 * exp(-(V + 65) / 20);
  double bh = 1 / (1 + exp(-(V + 35) / 10));
  double an = 0.01 * (V + 55) / (1 - exp(-(V + 55) / 10));
  double bn = 0.125 * exp(-(V + 65) / 80);
  double m = am / (am + bm), h = ah / (ah + bh), n = an / (an + bn);
  CHECK_NEAR(m, 0.05293, 5e-6);
  CHECK_NEAR(h, 0.5961, 5e-5);
  CHECK_NEAR(n, 0.3177, 5e-5);
  CHECK_REL(k->steady(PSST_HH_M, V, p), m, 1e-13);
  CHECK_REL(k->steady(PSST_HH_H, V, p), h, 1e-13);
  CHECK_REL(k->steady(PSST_HH_N, V, p), n, 1e-13);
  /* E_L for an exact rest at -65 mV with these rates: -54.40108 mV.
   * (docs/models.md §11.1 quotes -54.387, the HH 1952 figure; with it dV/dt at
   * the -65 mV steady state is +0.0042 mV/ms and rest is -64.9964 mV.) */
  double INa = 120.0 * m * m * m * h * (V - 50.0);
  double IK = 36.0 * n * n * n * n * (V + 77.0);
  double EL = V + (INa + IK) / 0.3;
  CHECK_NEAR(EL, -54.40108, 5e-6);
  double y[4] = {V, m, h, n}, dy[4], I = 0.0;
  p[PSST_HHC_EL] = EL;
  k->rhs(1, p, y, 1, &I, dy);
  CHECK_NEAR(dy[0], 0.0, 1e-12);
  CHECK_NEAR(dy[1], 0.0, 1e-13);
  CHECK_NEAR(dy[2], 0.0, 1e-13);
  CHECK_NEAR(dy[3], 0.0, 1e-13);
  p[PSST_HHC_EL] = -54.387;
  k->rhs(1, p, y, 1, &I, dy);
  CHECK_NEAR(dy[0], 0.3 * (-54.387 - EL), 1e-12);
}

/* Each kind's rhs on an SoA batch with ld > n equals psst_hh_deriv per
 * neuron; the padding of dy is not written. */
static void test_rhs_batch(void) {
  enum { N = 5, LD = 8 };
  const char *names[] = {"hh_tutorial", "hh_classic", "cobahh"};
  for (int kk = 0; kk < 3; kk++) {
    const psst_neuron_kind *k = psst_neuron_kind_find(names[kk]);
    CHECK(k != NULL);
    if (!k) continue;
    CHECK_INT_EQ(k->nstate, 4);
    double p[16];
    for (int i = 0; i < k->nparam; i++)
      p[i] = k->param[i].def;
    /* non-default parameters to catch mix-ups */
    p[0] = 1.3;
    double y[4 * LD], dy[4 * LD], I[N];
    for (int i = 0; i < 4 * LD; i++) {
      y[i] = NAN; /* padding poisons the result if read */
      dy[i] = -12345.0;
    }
    for (int i = 0; i < N; i++) {
      y[0 * LD + i] = -80.0 + 23.7 * i; /* includes -56.3, -32.6, ... */
      y[1 * LD + i] = 0.05 + 0.17 * i;
      y[2 * LD + i] = 0.9 - 0.13 * i;
      y[3 * LD + i] = 0.3 + 0.11 * i;
      I[i] = 2.5 * i - 1.0;
    }
    k->rhs(N, p, y, LD, I, dy);
    int classic = strcmp(k->name, "hh_classic") == 0;
    double phi = classic ? pow(3.0, (p[PSST_HHC_T] - 6.3) / 10.0)
                         : pow(3.0, (p[PSST_TM_T] - 36.0) / 10.0);
    double an_coef = strcmp(k->name, "cobahh") == 0 ? 0.032 : 0.02;
    for (int i = 0; i < N; i++) {
      double V = y[i], e[4];
      psst_hh_rates r = classic ? psst_hh_classic_rates(V)
                                : psst_traub_rates(V - p[PSST_TM_VT], an_coef);
      if (classic)
        psst_hh_deriv(&r, phi, p[PSST_HHC_CM], p[PSST_HHC_GNA], p[PSST_HHC_ENA],
                      p[PSST_HHC_GK], p[PSST_HHC_EK], p[PSST_HHC_GL],
                      p[PSST_HHC_EL], V, y[LD + i], y[2 * LD + i],
                      y[3 * LD + i], I[i], &e[0], &e[1], &e[2], &e[3]);
      else
        psst_hh_deriv(&r, phi, p[PSST_TM_CM], p[PSST_TM_GNA], p[PSST_TM_ENA],
                      p[PSST_TM_GK], p[PSST_TM_EK], p[PSST_TM_GL],
                      p[PSST_TM_EL], V, y[LD + i], y[2 * LD + i], y[3 * LD + i],
                      I[i], &e[0], &e[1], &e[2], &e[3]);
      for (int v = 0; v < 4; v++)
        CHECK_NEAR(dy[v * LD + i], e[v], 1e-13 * (1.0 + fabs(e[v])));
    }
    for (int v = 0; v < 4; v++)
      for (int i = N; i < LD; i++)
        CHECK(dy[v * LD + i] == -12345.0);
  }
  /* psst_hh_deriv itself: currents with the sign convention of §0 */
  psst_hh_rates r = psst_traub_rates(-20.0, 0.02);
  double dV, dm, dh, dn;
  psst_hh_deriv(&r, 0.5, 2.0, 100, 50, 10, -95, 0.15, -55, -60.0, 0.2, 0.6, 0.4,
                3.0, &dV, &dm, &dh, &dn);
  double INa = 100 * 0.2 * 0.2 * 0.2 * 0.6 * (-60.0 - 50);
  double IK = 10 * 0.4 * 0.4 * 0.4 * 0.4 * (-60.0 + 95);
  double IL = 0.15 * (-60.0 + 55);
  CHECK_REL(dV, (3.0 - INa - IK - IL) / 2.0, 1e-14);
  CHECK_REL(dm, 0.5 * (r.am * 0.8 - r.bm * 0.2), 1e-14);
  CHECK_REL(dh, 0.5 * (r.ah * 0.4 - r.bh * 0.6), 1e-14);
  CHECK_REL(dn, 0.5 * (r.an * 0.6 - r.bn * 0.4), 1e-14);
}

int main(void) {
  test_exprel();
  test_singularities();
  test_table_82();
  test_registry();
  test_classic_steady();
  test_rhs_batch();
  return TEST_RESULT();
}
