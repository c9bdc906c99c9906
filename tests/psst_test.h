/* tests/psst_test.h — small typed assertions that print both values.
 *
 * Each CHECK counts a failure and goes on; a test's main returns
 * psst_test_failures != 0. MPI tests reduce the count over ranks first.
 */
#ifndef PSST_TEST_H
#define PSST_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int psst_test_failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond);         \
      psst_test_failures++;                                                    \
    }                                                                          \
  } while (0)

#define CHECK_INT_EQ(a, b)                                                     \
  do {                                                                         \
    long long psst__a = (long long)(a), psst__b = (long long)(b);              \
    if (psst__a != psst__b) {                                                  \
      fprintf(stderr, "%s:%d: FAIL: %s == %s (%lld vs %lld)\n", __FILE__,      \
              __LINE__, #a, #b, psst__a, psst__b);                             \
      psst_test_failures++;                                                    \
    }                                                                          \
  } while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                  \
  do {                                                                         \
    double psst__a = (a), psst__b = (b), psst__t = (tol);                      \
    if (!(fabs(psst__a - psst__b) <= psst__t)) {                               \
      fprintf(stderr, "%s:%d: FAIL: %s = %.17g, expected %.17g +- %.3g\n",     \
              __FILE__, __LINE__, #a, psst__a, psst__b, psst__t);              \
      psst_test_failures++;                                                    \
    }                                                                          \
  } while (0)

/* |a - b| <= rtol * |b| */
#define CHECK_REL(a, b, rtol)                                                  \
  do {                                                                         \
    double psst__a = (a), psst__b = (b), psst__t = (rtol);                     \
    if (!(fabs(psst__a - psst__b) <= psst__t * fabs(psst__b))) {               \
      fprintf(stderr, "%s:%d: FAIL: %s = %.17g, expected %.17g (rel %.3g)\n",  \
              __FILE__, __LINE__, #a, psst__a, psst__b, psst__t);              \
      psst_test_failures++;                                                    \
    }                                                                          \
  } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                        \
  do {                                                                         \
    const char *psst__h = (hay), *psst__n = (needle);                          \
    if (!psst__h || !strstr(psst__h, psst__n)) {                               \
      fprintf(stderr, "%s:%d: FAIL: \"%s\" does not contain \"%s\"\n",         \
              __FILE__, __LINE__, psst__h ? psst__h : "(null)", psst__n);      \
      psst_test_failures++;                                                    \
    }                                                                          \
  } while (0)

#define TEST_RESULT() (psst_test_failures ? 1 : 0)

#endif
