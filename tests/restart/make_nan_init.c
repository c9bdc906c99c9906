/* Writes DIR/nan_init.nc: V (12) = -70 mV, except V[11] = NaN, for the
 * restart tests' per-rank numerical failure (nan_init.yaml). */
#include <math.h>
#include <netcdf.h>
#include <stdio.h>

#define N 12

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_nan_init DIR\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/nan_init.nc", argv[1]);
  double V[N];
  for (int i = 0; i < N; i++)
    V[i] = -70.0;
  V[N - 1] = NAN;
  int ncid, dim, var, nc;
  if ((nc = nc_create(path, NC_CLOBBER | NC_NETCDF4, &ncid)) ||
      (nc = nc_def_dim(ncid, "neuron", N, &dim)) ||
      (nc = nc_def_var(ncid, "V", NC_DOUBLE, 1, &dim, &var)) ||
      (nc = nc_enddef(ncid)) || (nc = nc_put_var_double(ncid, var, V)) ||
      (nc = nc_close(ncid))) {
    fprintf(stderr, "make_nan_init: %s: %s\n", path, nc_strerror(nc));
    return 1;
  }
  return 0;
}
