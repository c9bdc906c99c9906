/* The CUDA backend's entry points when psst is built without CUDA: no
 * device is ever visible, so the backend factory (src/sim_build.c) always
 * picks the CPU, and asking for CUDA is a clear user error. */
#include <stdio.h>

#include "sim_internal.h"

int psst__cuda_device_count(char *why, size_t n) {
  snprintf(why, n,
           "this psst was built without CUDA (configure with nvcc present, "
           "or -DPSST_ENABLE_CUDA=ON)");
  return 0;
}

static int not_built(void) {
  return psst_error_set(PSST_ERR_INTERNAL, "the CUDA backend is not built");
}

int psst__cuda_init(psst_sim *s, int device) {
  (void)s;
  (void)device;
  return not_built();
}
int psst__cuda_step(psst_sim *s, int64_t i) {
  (void)s;
  (void)i;
  return not_built();
}
int psst__cuda_after_spikes(psst_sim *s) {
  (void)s;
  return not_built();
}
int psst__cuda_download(psst_sim *s) {
  (void)s;
  return not_built();
}
int psst__cuda_upload(psst_sim *s) {
  (void)s;
  return not_built();
}
void psst__cuda_free(psst_sim *s) { (void)s; }
