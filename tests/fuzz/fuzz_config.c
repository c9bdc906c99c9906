/* tests/fuzz/fuzz_config.c — libFuzzer target for the model-file parser.
 *
 * Feeds the input, as is (not NUL-terminated: the parser takes a length), to
 * psst_config_parse; every 2nd input also goes through psst_config_parse_ex
 * with a network.neurons override. Any crash, leak, sanitizer report or hang
 * is a bug in src/config.c: add the minimised input to tests/fuzz/regressions/.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DPSST_FUZZ=ON \
 *         -DCMAKE_BUILD_TYPE=Debug -DPSST_ENABLE_CUDA=OFF
 *   cmake --build build-fuzz --target fuzz_config
 *   build-fuzz/tests/fuzz/fuzz_config -dict=tests/fuzz/psst.dict corpus-copy/
 */
#include <stddef.h>
#include <stdint.h>

#include "psst/config.h"
#include "psst/error.h"
#include "psst/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static unsigned long calls = 0;
  psst_model *m = NULL;
  (void)psst_config_parse("fuzz.yaml", (const char *)data, size, &m);
  psst_model_destroy(&m);
  psst_error_clear();
  if (calls++ % 2 == 1) {
    psst_config_overrides ov = {.neurons = 1000};
    m = NULL;
    (void)psst_config_parse_ex("fuzz.yaml", (const char *)data, size, &ov, &m);
    psst_model_destroy(&m);
    psst_error_clear();
  }
  return 0;
}
