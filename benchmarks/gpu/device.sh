#!/usr/bin/env bash
# One call on a lent GPU machine that has the CUDA driver and toolkit but no
# MPI and no netCDF: unpack a bundle made here by bundle.sh (a CUDA build of
# psst, its libraries, Open MPI), then, in order of priority, each step
# under the call's time budget:
#
#   1. the device, the driver, psst --version, one short CUDA run;
#   2. ctest -L gpu (CPU vs CUDA, rank invariance with 2-3 ranks sharing
#      the one GPU, restart on the device);
#   3. COBAHH scaled (cobahh_scaled.sh: event-driven exp_cond) on the GPU;
#   4. the GPU table (check.sh, prebuilt: timings only);
#   5. with the time left, the rest of the CTest suite (tests that need
#      Python's netCDF4, NCO or Slurm fail there for want of them).
#
#   benchmarks/gpu/device.sh BUNDLE.tar.gz BUILD_DIR   (from the repository root;
#                                       BUILD_DIR: the bundled build's path)
#
# PSST_DEVICE_BUDGET_S (default 480) is the wall time the whole script may
# take. Results go to $OUT (at most 8 files come back from the tool):
# summary.txt, ctest_gpu.log, cobahh.txt, gpu_check.txt, logs.tar.gz.
set -uo pipefail

T0=$(date +%s)
BUDGET=${PSST_DEVICE_BUDGET_S:-480}
ROOT=$(pwd)
OUTD=${OUT:-/tmp/psst-device-out}
WORK=/tmp/psst-device
mkdir -p "$OUTD" "$WORK/logs"
SUM=$OUTD/summary.txt
left() { echo $((BUDGET - ($(date +%s) - T0))); }
say() { echo "[device $(($(date +%s) - T0))s] $*" | tee -a "$SUM"; }
finish() {
  tar -C "$WORK" -czf "$OUTD/logs.tar.gz" logs 2> /dev/null
  say "done"
  exit 0
}

# ---- unpack -----------------------------------------------------------------
envline=$(bash "$ROOT/benchmarks/gpu/bundle.sh" --unpack "$1") ||
  { say "unpack failed"; finish; }
eval "$envline"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_mca_base_component_show_load_errors=0
# the CTest files name the source tree and mpiexec by the paths of the
# machine that built them
if [ "$ROOT" != /work/main ] && [ ! -e /work/main ]; then
  mkdir -p /work && ln -s "$ROOT" /work/main
fi
[ -e /usr/bin/mpiexec ] || ln -s /opt/psst-deps/bin/orterun /usr/bin/mpiexec
BUILD=$2
PSST=$BUILD/psst

# ---- 1. device --------------------------------------------------------------
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  nvcc --version | tail -2
  lscpu | grep -E 'Model name|^CPU\(s\)'
  "$PSST" --version
} >> "$SUM" 2>&1
cd "$WORK" || exit 1
timeout 60 mpiexec -n 1 "$PSST" run "$ROOT/examples/day4_network.yaml" --backend cuda \
  -o "$WORK/day4.nc" --force > "$WORK/logs/day4_cuda.log" 2>&1
say "day4 on cuda: exit $? ($(grep -E '^psst: (wrote|error)' "$WORK/logs/day4_cuda.log" | tail -1))"

# ---- 2. gpu tests -----------------------------------------------------------
(cd "$BUILD" && timeout $(($(left) < 200 ? $(left) : 200)) ctest -L gpu -j 6 \
  --output-on-failure) > "$OUTD/ctest_gpu.log" 2>&1
CTEST_RC=$?
say "ctest -L gpu: exit $CTEST_RC; $(grep -E 'tests passed|tests failed' "$OUTD/ctest_gpu.log")"
grep -E '\(Failed\)|\(Timeout\)|Not Run|Skipped' "$OUTD/ctest_gpu.log" | tee -a "$SUM"
# the tests' own logs (CPU and CUDA runs, comparisons), without outputs
(cd "$BUILD/tests" && find gpu -name '*.log' -print0 | tar --null -czf "$WORK/logs/gpu_test_logs.tar.gz" -T -)

# ---- 3. COBAHH scaled -------------------------------------------------------
cob() { # N K T_END TIMEOUT
  local f=$WORK/cobahh_$1_$2.yaml lg=$WORK/logs/cobahh_$1_$2_$3.log
  bash "$ROOT/benchmarks/gpu/cobahh_scaled.sh" "$1" "$2" "$3" > "$f"
  local tv=""
  [ -x /usr/bin/time ] && tv="/usr/bin/time -v"
  $tv timeout "$4" "$PSST" run "$f" --backend cuda -o "$WORK/cob.nc" \
    --force > "$lg" 2>&1
  local rc=$?
  echo "cobahh N=$1 K=$2 t_end=$3 ms: exit $rc; $(grep '^psst: wrote' "$lg");" \
    "peak RSS $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$lg") kB" |
    tee -a "$OUTD/cobahh.txt" "$SUM"
  rm -f "$WORK/cob.nc"
}
[ "$(left)" -gt 300 ] && cob 100000 1000 200 60
[ "$(left)" -gt 280 ] && cob 1000000 100 100 90

# ---- 4. the GPU table -------------------------------------------------------
if [ "$(left)" -gt 90 ]; then
  PSST_CHECK_PREBUILT=1 PSST_CHECK_BUILD=$BUILD PSST_CHECK_CTEST_RC=$CTEST_RC \
    PSST_CHECK_BUDGET_S=$(($(left) - 70)) OUT=$WORK/logs/check \
    timeout $(($(left) - 10)) bash "$ROOT/benchmarks/gpu/check.sh" > "$WORK/logs/check.out" 2>&1
  say "check.sh: exit $?"
  cp "$WORK/logs/check/gpu_check.txt" "$OUTD/" 2> /dev/null && cat "$OUTD/gpu_check.txt" >> "$SUM"
fi

# ---- 5. the rest of the suite -----------------------------------------------
if [ "$(left)" -gt 40 ]; then
  (cd "$BUILD" && timeout $(($(left) - 15)) ctest -LE 'gpu|slurm' -j 14 --timeout 100) \
    > "$WORK/logs/ctest_all.log" 2>&1
  say "ctest -LE 'gpu|slurm': exit $?; $(grep -E 'tests passed|tests failed' "$WORK/logs/ctest_all.log")"
  grep -E '\(Failed\)|\(Timeout\)|Exception' "$WORK/logs/ctest_all.log" > "$OUTD/ctest_all_failed.txt"
fi
finish
