/* check_inputs — checks of psst outputs for the files tests.
 *
 *   check_inputs init OUT.nc INIT.nc H
 *       record 0 of V and m in OUT.nc equals V and m of INIT.nc at each
 *       recorded neuron (by neuron_id), exactly; h equals H (from the
 *       model's init, as INIT.nc has no h)
 *   check_inputs spikes OUT.nc MIN
 *       OUT.nc holds at least MIN spikes (the compared runs are not idle)
 *
 * Exit status 0 pass, 1 fail.
 */
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *path, const char *what, int nc) {
  fprintf(stderr, "check_inputs: %s: %s: %s\n", path, what, nc_strerror(nc));
  exit(1);
}

#define NC(call, path, what)                                                   \
  do {                                                                         \
    int nc_ = (call);                                                          \
    if (nc_ != NC_NOERR) die(path, what, nc_);                                 \
  } while (0)

static size_t dimlen(const char *path, int ncid, const char *name) {
  int d;
  size_t n;
  NC(nc_inq_dimid(ncid, name, &d), path, name);
  NC(nc_inq_dimlen(ncid, d, &n), path, name);
  return n;
}

/* record 0 of variable var (time, neuron) */
static double *row0(const char *path, int ncid, const char *var, size_t n) {
  int v;
  double *x = malloc((n ? n : 1) * sizeof *x);
  if (!x) exit(1);
  size_t start[2] = {0, 0}, count[2] = {1, n};
  NC(nc_inq_varid(ncid, var, &v), path, var);
  NC(nc_get_vara_double(ncid, v, start, count, x), path, var);
  return x;
}

static int check_init(const char *out, const char *init, double h0) {
  int o, in, v, fails = 0;
  NC(nc_open(out, NC_NOWRITE, &o), out, "open");
  NC(nc_open(init, NC_NOWRITE, &in), init, "open");
  size_t n = dimlen(out, o, "neuron"), nt = dimlen(out, o, "time");
  size_t nf = dimlen(init, in, "V_n");
  if (nt < 1 || n != nf) {
    fprintf(stderr, "FAIL: %zu records, %zu neurons (init file: %zu)\n", nt, n,
            nf);
    return 1;
  }
  long long *id = malloc(n * sizeof *id);
  double *fV = malloc(n * sizeof *fV), *fm = malloc(n * sizeof *fm);
  if (!id || !fV || !fm) exit(1);
  NC(nc_inq_varid(o, "neuron_id", &v), out, "neuron_id");
  NC(nc_get_var_longlong(o, v, id), out, "neuron_id");
  NC(nc_inq_varid(in, "V", &v), init, "V");
  NC(nc_get_var_double(in, v, fV), init, "V");
  NC(nc_inq_varid(in, "m", &v), init, "m");
  NC(nc_get_var_double(in, v, fm), init, "m");
  double t0;
  size_t zero = 0;
  NC(nc_inq_varid(o, "time", &v), out, "time");
  NC(nc_get_var1_double(o, v, &zero, &t0), out, "time");
  if (t0 != 0.0) {
    fprintf(stderr, "FAIL: time[0] = %.17g, expected 0\n", t0);
    fails++;
  }
  double *V = row0(out, o, "V", n), *m = row0(out, o, "m", n);
  double *h = row0(out, o, "h", n);
  for (size_t i = 0; i < n; i++) {
    long long g = id[i];
    if (g < 0 || (size_t)g >= nf) {
      fprintf(stderr, "FAIL: neuron_id[%zu] = %lld\n", i, g);
      fails++;
      continue;
    }
    if (V[i] != fV[g] || m[i] != fm[g] || h[i] != h0) {
      fprintf(stderr,
              "FAIL: neuron %lld: V %.17g m %.17g h %.17g, expected "
              "%.17g %.17g %.17g\n",
              g, V[i], m[i], h[i], fV[g], fm[g], h0);
      fails++;
    }
  }
  printf("init: %zu neurons checked, %d differ\n", n, fails);
  free(id);
  free(fV);
  free(fm);
  free(V);
  free(m);
  free(h);
  nc_close(o);
  nc_close(in);
  return fails ? 1 : 0;
}

static int check_spikes(const char *out, long min) {
  int o;
  NC(nc_open(out, NC_NOWRITE, &o), out, "open");
  size_t n = dimlen(out, o, "spike");
  nc_close(o);
  printf("%s: %zu spikes (at least %ld expected)\n", out, n, min);
  return (long)n >= min ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 5 && !strcmp(argv[1], "init"))
    return check_init(argv[2], argv[3], atof(argv[4]));
  if (argc == 4 && !strcmp(argv[1], "spikes"))
    return check_spikes(argv[2], atol(argv[3]));
  fprintf(stderr, "usage: check_inputs init OUT.nc INIT.nc H | "
                  "spikes OUT.nc MIN\n");
  return 1;
}
