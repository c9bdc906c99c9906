/* psst/config.h — YAML model files into a validated psst_model.
 *
 * Every error names the file, line and column and the key, states the
 * allowed values or range, and returns PSST_ERR_USER:
 *   model.yaml:12:11: populations[0].size: must be an integer in [1,
 * 1000000000], got -3 Unknown keys are errors. Every default is filled from the
 * kind tables.
 */
#ifndef PSST_CONFIG_H
#define PSST_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "psst/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse `len` bytes of YAML `text`; `path` is used in messages and to resolve
 * relative file paths inside the model (relative to the model file's folder).
 * On success *out owns a new model (free with psst_model_destroy). Not
 * collective: every rank may parse the same text and gets the same result. */
int psst_config_parse(const char *path, const char *text, size_t len,
                      psst_model **out);

/* Values that replace the model file's before validation (0 = keep). */
typedef struct psst_config_overrides {
  int64_t neurons; /* network.neurons of a share-sized model */
  int kinds_only;  /* 1: read only `kinds:` (of a model file, or of a kind
                      file, whose only key it is); the model is then not
                      runnable (psst info FILE) */
} psst_config_overrides;

/* psst_config_parse with overrides (may be NULL). */
int psst_config_parse_ex(const char *path, const char *text, size_t len,
                         const psst_config_overrides *ov, psst_model **out);

/* Open a model file for reading ("rb"). Only regular files: a FIFO, a
 * directory, a device or "-" (standard input) is PSST_ERR_USER, found
 * without blocking (open with O_NONBLOCK, then fstat); a missing file or
 * folder names the part of the path that is missing. NULL with the error
 * set on failure. Not collective. */
FILE *psst_config_open_model(const char *path);

/* Read the file and parse it. PSST_ERR_USER if it cannot be read. */
int psst_config_load(const char *path, psst_model **out);

#ifdef __cplusplus
}
#endif
#endif
