/* The CUDA backend's entry points when psst is built without CUDA: no
 * device is ever visible, so the backend factory (engine/build.c) always
 * picks the CPU, and asking for CUDA is a clear user error. */
#include <stdio.h>

#include "backend/backend.h"
#include "psst/error.h"

int psst_backend_cuda_device_count(char *why, size_t n) {
  snprintf(why, n,
           "this psst was built without CUDA (configure with nvcc present, "
           "or -DPSST_ENABLE_CUDA=ON)");
  return 0;
}

int psst_backend_cuda_create(const psst_layout *L, int device,
                             psst_backend **out) {
  (void)L;
  (void)device;
  *out = NULL;
  return psst_error_set(PSST_ERR_INTERNAL, "the CUDA backend is not built");
}
