/* Readers of input matrices, waveforms and per-neuron vectors, on small files
 * written here with the serial netCDF API.
 *
 * usage: test_io_readers DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netcdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "psst/error.h"
#include "psst/io.h"
#include "psst_test.h"

#define NC(call)                                                               \
  do {                                                                         \
    int nc__ = (call);                                                         \
    if (nc__ != NC_NOERR) {                                                    \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,            \
              nc_strerror(nc__));                                              \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static char dir[900];

static void path_of(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", dir, name);
}

/* conn.nc: W (3,3) double, Wi (3,3) int, v (4) double, c (3,5) char,
 * I (2,5) double waveform, E (2, empty unlimited) */
static void write_conn(const char *path, int format) {
  int ncid, d3, d3b, d4, d5, d2, de, id[6];
  NC(nc_create(path, NC_CLOBBER | format, &ncid));
  NC(nc_def_dim(ncid, "post", 3, &d3));
  NC(nc_def_dim(ncid, "pre", 3, &d3b));
  NC(nc_def_dim(ncid, "n", 4, &d4));
  NC(nc_def_dim(ncid, "samples", 5, &d5));
  NC(nc_def_dim(ncid, "rows", 2, &d2));
  if (format == NC_NETCDF4) {
    NC(nc_def_dim(ncid, "empty", NC_UNLIMITED, &de));
  } else {
    de = -1;
  }
  int dw[2] = {d3, d3b}, dc[2] = {d3, d5}, di[2] = {d2, d5}, dE[2] = {d2, de};
  NC(nc_def_var(ncid, "W", NC_DOUBLE, 2, dw, &id[0]));
  NC(nc_def_var(ncid, "Wi", NC_INT, 2, dw, &id[1]));
  NC(nc_def_var(ncid, "v", NC_DOUBLE, 1, &d4, &id[2]));
  NC(nc_def_var(ncid, "c", NC_CHAR, 2, dc, &id[3]));
  NC(nc_def_var(ncid, "I", NC_DOUBLE, 2, di, &id[4]));
  if (de >= 0) NC(nc_def_var(ncid, "E", NC_DOUBLE, 2, dE, &id[5]));
  NC(nc_enddef(ncid));
  double w[9], v[4], I[10];
  int wi[9];
  for (int k = 0; k < 9; k++) {
    w[k] = 10.0 * (k / 3) + k % 3 + 0.5;
    wi[k] = 100 * (k / 3) + k % 3;
  }
  for (int k = 0; k < 4; k++)
    v[k] = -70.0 + k;
  for (int k = 0; k < 10; k++)
    I[k] = 1000.0 * (k / 5) + k % 5;
  NC(nc_put_var_double(ncid, id[0], w));
  NC(nc_put_var_int(ncid, id[1], wi));
  NC(nc_put_var_double(ncid, id[2], v));
  NC(nc_put_var_text(ncid, id[3], "abcdeabcdeabcde"));
  NC(nc_put_var_double(ncid, id[4], I));
  NC(nc_close(ncid));
}

/* bad.nc: W of shape (3, 4) */
static void write_bad(const char *path) {
  int ncid, d3, d4, id;
  NC(nc_create(path, NC_CLOBBER | NC_NETCDF4, &ncid));
  NC(nc_def_dim(ncid, "post", 3, &d3));
  NC(nc_def_dim(ncid, "pre", 4, &d4));
  int dw[2] = {d3, d4};
  NC(nc_def_var(ncid, "W", NC_DOUBLE, 2, dw, &id));
  NC(nc_enddef(ncid));
  double w[12] = {0};
  NC(nc_put_var_double(ncid, id, w));
  NC(nc_close(ncid));
}

static void test_rows(const char *conn, const char *bad) {
  double out[9];
  char want[2048];
  memset(out, 0, sizeof out);
  CHECK_INT_EQ(psst_io_read_rows(conn, "W", 3, 3, 1, 3, out), 0);
  for (int k = 0; k < 6; k++)
    CHECK_NEAR(out[k], 10.0 * (1 + k / 3) + k % 3 + 0.5, 0);
  CHECK_INT_EQ(psst_io_read_rows(conn, "W", 3, 3, 0, 3, out), 0);
  CHECK_NEAR(out[0], 0.5, 0);
  CHECK_NEAR(out[8], 22.5, 0);
  CHECK_INT_EQ(psst_io_read_rows(conn, "W", 3, 3, 2, 2, NULL), 0);
  /* integers convert */
  CHECK_INT_EQ(psst_io_read_rows(conn, "Wi", 3, 3, 2, 3, out), 0);
  CHECK_NEAR(out[0], 200, 0);
  CHECK_NEAR(out[2], 202, 0);

  /* wrong shape: the message of the brief, exactly */
  psst_error_clear();
  CHECK_INT_EQ(psst_io_read_rows(bad, "W", 3, 3, 0, 3, out), PSST_ERR_USER);
  snprintf(want, sizeof want,
           "%s: variable 'W' has shape (3, 4), expected (3, 3)", bad);
  CHECK(strcmp(psst_error_message(), want) == 0);
  if (strcmp(psst_error_message(), want))
    fprintf(stderr, "  got: %s\n  want: %s\n", psst_error_message(), want);
  CHECK_INT_EQ(psst_error_code(), PSST_ERR_USER);
  /* transposed expectation */
  CHECK_INT_EQ(psst_io_read_rows(bad, "W", 4, 3, 0, 3, out), PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "expected (4, 3)");
  /* 1-D variable */
  CHECK_INT_EQ(psst_io_read_rows(conn, "v", 3, 3, 0, 3, out), PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "variable 'v' has shape (4), expected (3, 3)");
  /* missing variable */
  CHECK_INT_EQ(psst_io_read_rows(conn, "Q", 3, 3, 0, 3, out), PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), conn);
  CHECK_STR_CONTAINS(psst_error_message(), "no variable 'Q'");
  /* text variable */
  CHECK_INT_EQ(psst_io_read_rows(conn, "c", 3, 5, 0, 3, out), PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "variable 'c' is not numeric");
  /* missing file */
  char missing[1024];
  path_of(missing, sizeof missing, "missing.nc");
  remove(missing);
  CHECK_INT_EQ(psst_io_read_rows(missing, "W", 3, 3, 0, 3, out), PSST_ERR_USER);
  snprintf(want, sizeof want, "%s: cannot open: %s", missing,
           nc_strerror(ENOENT));
  CHECK_STR_CONTAINS(psst_error_message(), want);
  /* not a netCDF file */
  char text[1024];
  path_of(text, sizeof text, "not_netcdf.nc");
  FILE *f = fopen(text, "w");
  if (f) {
    fputs("this is not netCDF\n", f);
    fclose(f);
  }
  CHECK_INT_EQ(psst_io_read_rows(text, "W", 3, 3, 0, 3, out), PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "not_netcdf.nc: cannot open: ");
  /* a bad row range is the caller's bug */
  CHECK_INT_EQ(psst_io_read_rows(conn, "W", 3, 3, 2, 4, out),
               PSST_ERR_INTERNAL);
}

static void test_waveform(const char *conn, int has_empty) {
  double *w = NULL;
  int64_t ns = -1;
  CHECK_INT_EQ(psst_io_read_waveform(conn, "I", 2, 1, 2, &ns, &w), 0);
  CHECK_INT_EQ(ns, 5);
  CHECK(w != NULL);
  if (w)
    for (int k = 0; k < 5; k++)
      CHECK_NEAR(w[k], 1000.0 + k, 0);
  free(w);
  w = NULL;
  CHECK_INT_EQ(psst_io_read_waveform(conn, "I", 2, 0, 2, &ns, &w), 0);
  if (w) CHECK_NEAR(w[9], 1004, 0);
  free(w);
  w = NULL;
  CHECK_INT_EQ(psst_io_read_waveform(conn, "I", 2, 1, 1, &ns, &w), 0);
  CHECK_INT_EQ(ns, 5);
  free(w);
  w = (double *)1;
  CHECK_INT_EQ(psst_io_read_waveform(conn, "I", 3, 0, 3, &ns, &w),
               PSST_ERR_USER);
  CHECK(w == NULL);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "variable 'I' has shape (2, 5), expected (3, samples)");
  CHECK_INT_EQ(psst_io_read_waveform(conn, "nope", 2, 0, 2, &ns, &w),
               PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "no variable 'nope'");
  if (has_empty) {
    CHECK_INT_EQ(psst_io_read_waveform(conn, "E", 2, 0, 2, &ns, &w),
                 PSST_ERR_USER);
    CHECK_STR_CONTAINS(psst_error_message(), "variable 'E' has no samples");
  }
}

static void test_vector(const char *conn) {
  double v[4] = {0, 0, 0, 0};
  int found = -1;
  CHECK_INT_EQ(psst_io_read_vector(conn, "v", 4, 1, 3, v, &found), 0);
  CHECK_INT_EQ(found, 1);
  CHECK_NEAR(v[0], -69, 0);
  CHECK_NEAR(v[1], -68, 0);
  found = -1;
  CHECK_INT_EQ(psst_io_read_vector(conn, "h", 4, 0, 4, v, &found), 0);
  CHECK_INT_EQ(found, 0);
  found = -1;
  CHECK_INT_EQ(psst_io_read_vector(conn, "v", 5, 0, 5, v, &found),
               PSST_ERR_USER);
  CHECK_INT_EQ(found, 0);
  CHECK_STR_CONTAINS(psst_error_message(),
                     "variable 'v' has shape (4), expected (5)");
  CHECK_INT_EQ(psst_io_read_vector(conn, "W", 3, 0, 3, v, &found),
               PSST_ERR_USER);
  CHECK_STR_CONTAINS(psst_error_message(), "has shape (3, 3), expected (3)");
  char missing[1024];
  path_of(missing, sizeof missing, "missing.nc");
  CHECK_INT_EQ(psst_io_read_vector(missing, "v", 4, 0, 4, v, &found),
               PSST_ERR_USER);
  CHECK_INT_EQ(found, 0);
  CHECK_STR_CONTAINS(psst_error_message(), "cannot open");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_io_readers DIR\n");
    return 2;
  }
  snprintf(dir, sizeof dir, "%s", argv[1]);
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "cannot create %s: %s\n", dir, strerror(errno));
    return 1;
  }
  char conn[1024], classic[1024], bad[1024];
  path_of(conn, sizeof conn, "conn.nc");
  path_of(classic, sizeof classic, "conn_classic.nc");
  path_of(bad, sizeof bad, "bad.nc");
  write_conn(conn, NC_NETCDF4);
  write_conn(classic, 0);
  write_bad(bad);

  test_rows(conn, bad);
  test_waveform(conn, 1);
  test_vector(conn);
  /* classic (CDF-1) files read the same way */
  double out[9];
  CHECK_INT_EQ(psst_io_read_rows(classic, "W", 3, 3, 0, 3, out), 0);
  CHECK_NEAR(out[4], 11.5, 0);
  test_waveform(classic, 0);
  test_vector(classic);

  printf("test_io_readers: %s\n", psst_test_failures ? "FAILED" : "ok");
  return TEST_RESULT();
}
