#!/usr/bin/env bash
# scripts/test.sh — THE test command: build psst and run its whole test suite.
#
#   scripts/test.sh [--no-asan] [--no-fuzz] [--quick] [CTEST ARGS...]
#
# Phases (the failing one is named at the end):
#   1 setup       scripts/setup.sh --with-python (installs what is missing;
#                 as root or with CI=true also --with-slurm: Slurm + munge for
#                 the slurm test, which runs in phase 4, not in phase 5)
#   2 configure   build/ : Release, -DPSST_WERROR=ON, MPI test launcher flags
#   3 build       all cores
#   4 ctest       ctest --output-on-failure -j<cores> [CTEST ARGS]
#   5 asan-*      build-asan/ : Debug, -DPSST_SANITIZE=address,undefined,
#                 CUDA off; ctest -L 'unit|mpi' in two runs:
#                   serial unit tests with LeakSanitizer on (suppressions for
#                   Open MPI/HDF5 in scripts/lsan.supp),
#                   MPI tests with leak detection off (Open MPI does not free
#                   everything at MPI_Finalize; ASan/UBSan errors still fail),
#                   except the long model runs labelled `slow`.
#   6 fuzz-*      build-fuzz/ : CC=clang, -DPSST_FUZZ=ON, Debug, CUDA off; builds
#                 only tests/fuzz's fuzz_config (libFuzzer + ASan + UBSan) and
#                 runs it on a copy of tests/fuzz/corpus with tests/fuzz/psst.dict
#                 for PSST_FUZZ_SECONDS (default 60) s, leak detection on; a
#                 crash, leak, UB report, timeout (10 s) or OOM (2 GiB) fails the
#                 phase and prints the reproducer's path. Skipped, with a note,
#                 when clang cannot link a libFuzzer target (as root or in CI
#                 setup.sh --with-fuzz installs clang libclang-rt-14-dev).
# Options:
#   --no-asan   skip phases 5 and 6
#   --no-fuzz   skip phase 6
#   --quick     skip phases 5 and 6 and tests labelled `slow`
#   anything else goes to ctest (both passes), e.g. `-L config` or `-R odeint`;
#   several -L are ANDed by ctest; several -LE are merged here into one regex.
# Environment: PSST_BUILD_DIR (default build), PSST_ASAN_BUILD_DIR (default
#   build-asan), PSST_FUZZ_BUILD_DIR (default build-fuzz), PSST_FUZZ_SECONDS
#   (default 60), PSST_JOBS (default: number of cores), PSST_CMAKE_ARGS (extra
#   configure arguments, split on spaces, for both builds).
#
# MPI launcher flags for the tests (-DPSST_TEST_MPIEXEC_PREFLAGS): with Open MPI
# always --oversubscribe (the tests run 1..4 ranks whatever the core count;
# they check results, not speed), and --allow-run-as-root when root. See
# scripts/env.sh for the rest of the environment.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

asan=1
fuzz=1
quick=0
ctest_args=() # passed to every ctest run
exclude=()    # -LE regexes: ctest honours only one -LE, so they are merged
while [ $# -gt 0 ]; do
  case "$1" in
    --no-asan) asan=0; fuzz=0 ;;
    --no-fuzz) fuzz=0 ;;
    --quick) quick=1; asan=0; fuzz=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -LE | --label-exclude) exclude+=("${2:?$1 needs a value}"); shift ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done
if [ $quick = 1 ]; then exclude+=(slow); fi
# lsel [EXTRA-EXCLUDE]: the merged -LE option, if any
lsel() {
  local all=("${exclude[@]+"${exclude[@]}"}" "$@") IFS='|'
  if [ ${#all[@]} -gt 0 ]; then printf '%s\n' -LE "${all[*]}"; fi
}

BUILD=${PSST_BUILD_DIR:-build}
ASAN_BUILD=${PSST_ASAN_BUILD_DIR:-build-asan}
FUZZ_BUILD=${PSST_FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${PSST_FUZZ_SECONDS:-60}
JOBS=${PSST_JOBS:-$(nproc 2>/dev/null || echo 2)}
read -r -a extra_cmake <<<"${PSST_CMAKE_ARGS:-}"

phase=start
t_start=$SECONDS
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "" >&2
    echo "test.sh: FAILED in phase '$phase' (exit $rc) after $((SECONDS - t_start)) s" >&2
  fi
}
trap on_exit EXIT
begin() {
  phase=$1
  echo ""
  echo "=== test.sh [$((SECONDS - t_start)) s]: $phase"
}

begin setup
setup_args=(--with-python)
# clang + libFuzzer for phase 6: installed as root or in CI; elsewhere the
# phase is skipped with a note when they are missing.
if [ $fuzz = 1 ] && { [ "$(id -u)" = 0 ] || [ -n "${CI:-}" ]; }; then
  setup_args+=(--with-fuzz)
fi
# Slurm + munge for the slurm test (tests/slurm: the job scripts of
# jobs/slurm/ on a local one-node cluster, in phase 4; skipped without them):
# installed as root or in CI.
if [ "$(id -u)" = 0 ] || [ "${CI:-}" = true ]; then
  setup_args+=(--with-slurm)
fi
scripts/setup.sh "${setup_args[@]}"

# shellcheck source=scripts/env.sh
. scripts/env.sh

begin "environment"
echo "cores: $JOBS; root: $([ "$(id -u)" = 0 ] && echo yes || echo no); CI: ${CI:-no}"
cmake --version | head -n 1
mpiexec --version 2>&1 | head -n 1 || true
env | grep -E '^(OMPI_|OPENBLAS_|OMP_)' | sort || true

# MPI launcher flags of the tests (a ;-list for CMake).
preflags=""
if mpiexec --version 2>&1 | grep -qiE 'open ?mpi|openrte'; then
  preflags="--oversubscribe"
  [ "$(id -u)" = 0 ] && preflags="$preflags;--allow-run-as-root"
fi
# Environment of every test: one BLAS thread; no core binding (ctest -j runs
# several mpiexec at once; Open MPI would pin them all to the first cores);
# yield when idle (ranks may share cores); the single-node transport chosen
# by env.sh, if any.
test_env="OPENBLAS_NUM_THREADS=1;OMP_NUM_THREADS=1;OMPI_MCA_hwloc_base_binding_policy=none;OMPI_MCA_mpi_yield_when_idle=1"
[ -n "${OMPI_MCA_btl:-}" ] && test_env="$test_env;OMPI_MCA_btl=$OMPI_MCA_btl"
[ -n "${OMPI_MCA_pml:-}" ] && test_env="$test_env;OMPI_MCA_pml=$OMPI_MCA_pml"

common_cmake=(-DPSST_WERROR=ON
              "-DPSST_TEST_MPIEXEC_PREFLAGS=$preflags"
              "-DPSST_TEST_ENVIRONMENT=$test_env"
              ${extra_cmake[@]+"${extra_cmake[@]}"})

begin "configure ($BUILD)"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "${common_cmake[@]}"

begin "build ($BUILD)"
cmake --build "$BUILD" -j "$JOBS"

begin "ctest ($BUILD)"
mapfile -t sel < <(lsel)
(cd "$BUILD" && ctest --output-on-failure --no-tests=error -j "$JOBS" \
  ${sel[@]+"${sel[@]}"} ${ctest_args[@]+"${ctest_args[@]}"})

if [ $asan = 1 ]; then
  begin "configure ($ASAN_BUILD: address,undefined)"
  cmake -S . -B "$ASAN_BUILD" -DCMAKE_BUILD_TYPE=Debug -DPSST_SANITIZE=address,undefined \
    -DPSST_ENABLE_CUDA=OFF "${common_cmake[@]}"

  begin "build ($ASAN_BUILD)"
  cmake --build "$ASAN_BUILD" -j "$JOBS"

  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # Keep Open MPI's plugins loaded at exit so that leak reports can name them.
  export OMPI_MCA_mca_base_component_disable_dlclose=1

  begin "ctest ($ASAN_BUILD: serial unit tests, leak detection on)"
  mapfile -t sel_serial < <(lsel mpi)
  (cd "$ASAN_BUILD" &&
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0 \
    LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0" \
    ctest --output-on-failure --no-tests=ignore -j "$JOBS" -L unit \
      "${sel_serial[@]}" ${ctest_args[@]+"${ctest_args[@]}"})

  # the long model runs (label slow) run in phase 4 only: under the
  # sanitizers they would take most of CI's time and test nothing new
  begin "ctest ($ASAN_BUILD: MPI tests except slow ones, leak detection off)"
  mapfile -t sel_asan < <(lsel slow)
  (cd "$ASAN_BUILD" &&
    ASAN_OPTIONS=detect_leaks=0 \
    ctest --output-on-failure --no-tests=ignore -j "$JOBS" -L mpi \
      "${sel_asan[@]}" ${ctest_args[@]+"${ctest_args[@]}"})
fi

# shellcheck source=scripts/have_libfuzzer.sh
. "$(dirname "${BASH_SOURCE[0]}")/have_libfuzzer.sh"

if [ $fuzz = 0 ]; then
  echo ""
  echo "test.sh: fuzz phase skipped (--no-fuzz, --no-asan or --quick)"
elif ! have_libfuzzer; then
  begin "fuzz (skipped)"
  echo "test.sh: NOTE: fuzz phase skipped: clang cannot link a libFuzzer target"
  echo "  (Debian: apt-get install clang libclang-rt-14-dev, or scripts/setup.sh --with-fuzz as root)"
else
  begin "configure ($FUZZ_BUILD: clang, libFuzzer, address,undefined)"
  CC=clang cmake -S . -B "$FUZZ_BUILD" -DPSST_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    -DPSST_ENABLE_CUDA=OFF -DBUILD_TESTING=ON "${common_cmake[@]}"

  begin "build ($FUZZ_BUILD: fuzz_config)"
  cmake --build "$FUZZ_BUILD" -j "$JOBS" --target fuzz_config

  begin "fuzz ($FUZZ_BUILD: fuzz_config, $FUZZ_SECONDS s)"
  # A copy of the corpus: the inputs libFuzzer adds stay out of the repo.
  fuzz_dir=$(mktemp -d "${TMPDIR:-/tmp}/psst-fuzz.XXXXXX")
  mkdir "$fuzz_dir/corpus" "$fuzz_dir/artifacts"
  cp -R tests/fuzz/corpus/. "$fuzz_dir/corpus/"
  fuzz_rc=0
  (cd "$fuzz_dir" &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$ROOT/$FUZZ_BUILD/tests/fuzz/fuzz_config" -dict="$ROOT/tests/fuzz/psst.dict" \
      -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$fuzz_dir/artifacts/" -print_final_stats=1 \
      corpus) || fuzz_rc=$?
  found=$(find "$fuzz_dir/artifacts" -type f | sort)
  if [ $fuzz_rc -ne 0 ] || [ -n "$found" ]; then
    echo "" >&2
    echo "test.sh: the fuzzer found a bug in the model-file parser (exit $fuzz_rc)." >&2
    echo "Reproducer(s):" >&2
    if [ -n "$found" ]; then
      printf '%s\n' "$found" | sed 's/^/  /' >&2
    else
      echo "  (none written; see the log above)" >&2
    fi
    echo "Replay: $FUZZ_BUILD/tests/fuzz/fuzz_config REPRODUCER; minimise with -minimize_crash=1," >&2
    echo "fix src/config.c and add the input to tests/fuzz/regressions/." >&2
    exit 1
  fi
  rm -rf "$fuzz_dir"
fi

phase=finished
echo ""
echo "test.sh: all phases passed in $((SECONDS - t_start)) s"
