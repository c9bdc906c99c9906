/* psst_embed MODEL.yaml OUT.nc: load a model, run it, write OUT.nc, with
 * libpsst's public API only (psst/psst.h of an installed psst). */
#include <mpi.h>
#include <stdio.h>

#include "psst/psst.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rc = 2;
  if (argc != 3) {
    fprintf(stderr, "usage: psst_embed MODEL.yaml OUT.nc\n");
    goto done;
  }
  psst_model *m = NULL;
  psst_sim *s = NULL;
  rc = psst_config_load(argv[1], &m);
  if (rc == 0) rc = psst_sim_create(m, MPI_COMM_WORLD, &s);
  if (rc == 0) {
    psst_run_options o = psst_run_options_default();
    o.output = argv[2];
    o.force = 1;
    rc = psst_sim_run(s, &o);
  }
  if (rc < 0) fprintf(stderr, "psst_embed: %s\n", psst_error_message());
  psst_sim_destroy(&s);
  psst_model_destroy(&m);
  rc = rc < 0 ? 1 : 0;
done:
  MPI_Finalize();
  return rc;
}
