#!/usr/bin/env bash
# scripts/test.sh — THE test command: build psst and run its whole test suite.
#
#   scripts/test.sh [--no-asan] [--quick] [CTEST ARGS...]
#
# Phases (the failing one is named at the end):
#   1 setup       scripts/setup.sh --with-python (installs what is missing)
#   2 configure   build/ : Release, -DPSST_WERROR=ON, MPI test launcher flags
#   3 build       all cores
#   4 ctest       ctest --output-on-failure -j<cores> [CTEST ARGS]
#   5 asan-*      build-asan/ : Debug, -DPSST_SANITIZE=address,undefined,
#                 CUDA off; ctest -L 'unit|mpi' in two runs:
#                   serial unit tests with LeakSanitizer on (suppressions for
#                   Open MPI/HDF5 in scripts/lsan.supp),
#                   MPI tests with leak detection off (Open MPI does not free
#                   everything at MPI_Finalize; ASan/UBSan errors still fail).
# Options:
#   --no-asan   skip phase 5
#   --quick     skip phase 5 and tests labelled `slow`
#   anything else goes to ctest (both passes), e.g. `-L config` or `-R odeint`;
#   several -L are ANDed by ctest; several -LE are merged here into one regex.
# Environment: PSST_BUILD_DIR (default build), PSST_ASAN_BUILD_DIR (default
#   build-asan), PSST_JOBS (default: number of cores), PSST_CMAKE_ARGS (extra
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
quick=0
ctest_args=() # passed to every ctest run
exclude=()    # -LE regexes: ctest honours only one -LE, so they are merged
while [ $# -gt 0 ]; do
  case "$1" in
    --no-asan) asan=0 ;;
    --quick) quick=1; asan=0 ;;
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
scripts/setup.sh --with-python

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

  begin "ctest ($ASAN_BUILD: MPI tests, leak detection off)"
  (cd "$ASAN_BUILD" &&
    ASAN_OPTIONS=detect_leaks=0 \
    ctest --output-on-failure --no-tests=ignore -j "$JOBS" -L mpi \
      ${sel[@]+"${sel[@]}"} ${ctest_args[@]+"${ctest_args[@]}"})
fi

phase=finished
echo ""
echo "test.sh: all phases passed in $((SECONDS - t_start)) s"
