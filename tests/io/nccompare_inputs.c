/* Writes small psst-like output files for the psst_nccompare tests:
 *   ref.nc     reference
 *   perm.nc    the same spikes in another order (equal)
 *   vdiff.nc   one V value changed by 1e-10 (different; equal with --atol)
 *   sdiff.nc   one spike time changed by 1e-6 ms (different; equal with
 *              --spike-tol 1e-5)
 *   extra.nc   one spike more
 *   shape.nc   3 neurons instead of 4
 *
 * usage: nccompare_inputs DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NC(call)                                                               \
  do {                                                                         \
    int nc__ = (call);                                                         \
    if (nc__ != NC_NOERR) {                                                    \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,            \
              nc_strerror(nc__));                                              \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

enum { REF, PERM, VDIFF, SDIFF, EXTRA, SHAPE };
#define NT 5
#define NSPK 6

static void write_file(const char *dir, const char *name, int variant) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t nn = variant == SHAPE ? 3 : 4;
  int ncid, dt, dn, ds, vt, vV, vm, vid, vpop, vst, vsn;
  NC(nc_create(path, NC_CLOBBER | NC_NETCDF4, &ncid));
  NC(nc_def_dim(ncid, "time", NC_UNLIMITED, &dt));
  NC(nc_def_dim(ncid, "neuron", nn, &dn));
  NC(nc_def_dim(ncid, "spike", NC_UNLIMITED, &ds));
  int d2[2] = {dt, dn};
  NC(nc_def_var(ncid, "time", NC_DOUBLE, 1, &dt, &vt));
  NC(nc_def_var(ncid, "V", NC_DOUBLE, 2, d2, &vV));
  NC(nc_def_var(ncid, "m", NC_DOUBLE, 2, d2, &vm));
  NC(nc_def_var(ncid, "neuron_id", NC_INT64, 1, &dn, &vid));
  NC(nc_def_var(ncid, "neuron_population", NC_INT, 1, &dn, &vpop));
  NC(nc_def_var(ncid, "spike_time", NC_DOUBLE, 1, &ds, &vst));
  NC(nc_def_var(ncid, "spike_neuron", NC_INT64, 1, &ds, &vsn));
  NC(nc_put_att_text(ncid, NC_GLOBAL, "wall_time", 3, "1 s"));
  NC(nc_enddef(ncid));

  double t[NT], V[NT * 4], m[NT * 4];
  for (int r = 0; r < NT; r++) {
    t[r] = 0.1 * r;
    for (size_t i = 0; i < nn; i++) {
      V[r * nn + i] = -65.0 + sin(0.3 * r + (double)i);
      m[r * nn + i] = 0.05 * (double)(r + i);
    }
  }
  if (variant == VDIFF) V[2 * nn + 1] += 1e-10;
  long long id[4] = {7, 8, 9, 10};
  int pop[4] = {0, 0, 1, 1};
  /* two spikes at the same time (neurons 8 and 7) */
  double st[NSPK + 1] = {1.5, 1.5, 0.25, 3.0, 2.125, 0.75, 4.0};
  long long sn[NSPK + 1] = {8, 7, 9, 7, 10, 8, 9};
  size_t ns = variant == EXTRA ? NSPK + 1 : NSPK;
  if (variant == SDIFF) st[3] += 1e-6;
  if (variant == PERM)
    for (size_t k = 0; k < ns / 2; k++) {
      double tt = st[k];
      long long nk = sn[k];
      st[k] = st[ns - 1 - k];
      sn[k] = sn[ns - 1 - k];
      st[ns - 1 - k] = tt;
      sn[ns - 1 - k] = nk;
    }
  size_t s0[2] = {0, 0}, c2[2] = {NT, nn}, c1 = NT;
  NC(nc_put_vara_double(ncid, vt, s0, &c1, t));
  NC(nc_put_vara_double(ncid, vV, s0, c2, V));
  NC(nc_put_vara_double(ncid, vm, s0, c2, m));
  NC(nc_put_var_longlong(ncid, vid, id));
  NC(nc_put_var_int(ncid, vpop, pop));
  NC(nc_put_vara_double(ncid, vst, s0, &ns, st));
  NC(nc_put_vara_longlong(ncid, vsn, s0, &ns, sn));
  NC(nc_close(ncid));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: nccompare_inputs DIR\n");
    return 2;
  }
  if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "cannot create %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  write_file(argv[1], "ref.nc", REF);
  write_file(argv[1], "perm.nc", PERM);
  write_file(argv[1], "vdiff.nc", VDIFF);
  write_file(argv[1], "sdiff.nc", SDIFF);
  write_file(argv[1], "extra.nc", EXTRA);
  write_file(argv[1], "shape.nc", SHAPE);
  return 0;
}
