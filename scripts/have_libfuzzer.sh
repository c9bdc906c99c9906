# shellcheck shell=bash
# Sourced by scripts/setup.sh and scripts/test.sh.
# have_libfuzzer: clang links a libFuzzer target with ASan and UBSan.
have_libfuzzer() {
  command -v clang >/dev/null 2>&1 || return 1
  local t rc=0
  t=$(mktemp -d) || return 1
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' >"$t/f.c"
  clang -fsanitize=fuzzer,address,undefined "$t/f.c" -o "$t/f" >/dev/null 2>&1 || rc=1
  rm -rf "$t"
  return $rc
}
