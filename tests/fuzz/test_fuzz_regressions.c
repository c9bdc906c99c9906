/* tests/fuzz/test_fuzz_regressions.c — replay fuzzer findings and seeds.
 *
 *   test_fuzz_regressions DIR...
 *
 * Feeds every regular file of each DIR (but README and dot files) to
 * psst_config_parse, and to psst_config_parse_ex with a network.neurons
 * override, exactly as fuzz_config.c does (the bytes as they are, not
 * NUL-terminated). Each call must return cleanly: 0 with a model, or
 * PSST_ERR_USER with a message and no model. Crashes, leaks and UB show under
 * the ASan pass of scripts/test.sh. Built with the normal compiler; it does not
 * need libFuzzer.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "psst/config.h"
#include "psst/error.h"
#include "psst/model.h"
#include "psst_test.h"

/* The file's bytes in an allocation of exactly its size (so that ASan sees a
 * read past the end), or NULL. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t n = 0;
  if (fseek(f, 0, SEEK_END) == 0) {
    long sz = ftell(f);
    if (sz >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      buf = malloc(sz > 0 ? (size_t)sz : 1);
      if (buf) n = fread(buf, 1, (size_t)sz, f);
      if (buf && n != (size_t)sz) {
        free(buf);
        buf = NULL;
      }
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

static void check_one(const char *path, const char *text, size_t len,
                      const psst_config_overrides *ov) {
  psst_model *m = NULL;
  psst_error_clear();
  int rc = ov ? psst_config_parse_ex("fuzz.yaml", text, len, ov, &m)
              : psst_config_parse("fuzz.yaml", text, len, &m);
  if (rc == PSST_OK) {
    if (!m) fprintf(stderr, "%s: returned 0 without a model\n", path);
    CHECK(m != NULL);
  } else {
    if (rc != PSST_ERR_USER)
      fprintf(stderr, "%s%s: returned %d (%s): %s\n", path,
              ov ? " (neurons override)" : "", rc, psst_error_name(rc),
              psst_error_message());
    CHECK_INT_EQ(rc, PSST_ERR_USER);
    CHECK(m == NULL);
    CHECK(psst_error_message()[0] != '\0');
  }
  psst_model_destroy(&m);
  psst_error_clear();
}

static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "cannot open directory %s\n", dir);
    psst_test_failures++;
    return 0;
  }
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || !strcmp(e->d_name, "README")) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) {
      fprintf(stderr, "cannot read %s\n", path);
      psst_test_failures++;
      continue;
    }
    psst_config_overrides ov = {.neurons = 1000};
    check_one(path, text, len, NULL);
    check_one(path, text, len, &ov);
    free(text);
    count++;
  }
  closedir(d);
  printf("%s: %d inputs\n", dir, count);
  return count;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DIR...\n", argv[0]);
    return 2;
  }
  int total = 0;
  for (int i = 1; i < argc; i++)
    total += run_dir(argv[i]);
  CHECK(total > 0);
  return psst_test_failures != 0;
}
