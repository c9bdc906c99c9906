#!/usr/bin/env bash
# CPU vs CUDA on one model (tests/gpu, label gpu).
#
#   gpu_compare.sh --psst PSST --nccompare CMP --launch "mpiexec -n" \
#                  [--flags "--oversubscribe ..."] --np N --dir WORKDIR \
#                  --model MODEL.yaml [--cpu-np N] [--run "--t-end 300"] \
#                  [--cmp "--spike-tol 0.01 --atol 1e-6"] [--ref-backend cuda]
#                  [--split T_MS] [--ref-env VAR=VAL] [--cuda-env VAR=VAL]
#   gpu_compare.sh ... --expect-no-device
#
# Exit 77 (skipped) when no CUDA device is visible: `psst run --backend cuda`
# then exits 2 with "no CUDA device is visible". With --expect-no-device the
# roles swap: that error is the pass, a visible device is the skip.
# Otherwise the model runs with --backend cpu (or --ref-backend) on --cpu-np
# ranks (default 1; the CPU output is the same for any number of ranks) and
# --backend cuda on --np ranks, and psst_nccompare compares the two outputs.
# --split T: the CUDA run stops at T ms with checkpoints (every 1.3 ms and
# at the end: device state downloads), then restarts from the checkpoint
# (host state uploaded) to the end. --ref-env / --cuda-env: one environment
# setting for the reference / the CUDA run(s) only.
set -euo pipefail

psst="" cmp="" launch="mpiexec -n" flags="" np=1 cpu_np=1 dir="" model=""
run="" cmpargs="" nodev=0 ref=cpu split="" refenv="PSST_NONE=" cudaenv="PSST_NONE="
while [ $# -gt 0 ]; do
  case "$1" in
    --psst) psst="$2"; shift 2 ;;
    --nccompare) cmp="$2"; shift 2 ;;
    --launch) launch="$2"; shift 2 ;;
    --flags) flags="$2"; shift 2 ;;
    --np) np="$2"; shift 2 ;;
    --cpu-np) cpu_np="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --run) run="$2"; shift 2 ;;
    --cmp) cmpargs="$2"; shift 2 ;;
    --expect-no-device) nodev=1; shift ;;
    --ref-backend) ref="$2"; shift 2 ;;
    --split) split="$2"; shift 2 ;;
    --ref-env) refenv="$2"; shift 2 ;;
    --cuda-env) cudaenv="$2"; shift 2 ;;
    *) echo "gpu_compare.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$psst" ] && [ -n "$dir" ] && [ -n "$model" ] || {
  echo "gpu_compare.sh: --psst, --dir and --model are required" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"

# shellcheck disable=SC2086
mpirun_() { local n="$1"; shift; $launch "$n" $flags "$@"; }

# Is a device visible? (one rank, a very short run)
set +e
mpirun_ 1 "$psst" run "$model" --backend cuda --t-end 0.1 --dt 0.01 -o probe.nc \
  --force --quiet > probe.log 2>&1
prc=$?
set -e
if [ "$prc" -eq 2 ] && grep -q "no CUDA device is visible" probe.log; then
  if [ "$nodev" -eq 1 ]; then
    echo "PASS: no device: --backend cuda is a clear user error (exit 2):"
    cat probe.log
    exit 0
  fi
  echo "SKIP: no CUDA device visible:"
  cat probe.log
  exit 77
fi
if [ "$nodev" -eq 1 ]; then
  if [ "$prc" -eq 0 ]; then
    echo "SKIP: a CUDA device is visible (this test checks the no-device path)"
    exit 77
  fi
  echo "FAIL: psst run --backend cuda exited $prc:"; cat probe.log; exit 1
fi
if [ "$prc" -ne 0 ]; then
  echo "FAIL: the CUDA probe run exited $prc:"; cat probe.log; exit 1
fi

# shellcheck disable=SC2086
mpirun_ "$cpu_np" env "$refenv" "$psst" run "$model" --backend "$ref" $run -o ref.nc \
  --force --quiet
t0=$(date +%s.%N)
if [ -n "$split" ]; then
  rm -f c.ckpt
  mpirun_ "$np" env "$cudaenv" "$psst" run "$model" --backend cuda --t-end "$split" \
    -o cuda.nc --force --checkpoint c.ckpt --checkpoint-every 1.3 --quiet
  # shellcheck disable=SC2086
  mpirun_ "$np" env "$cudaenv" "$psst" run "$model" --backend cuda --restart c.ckpt $run \
    -o cuda.nc --quiet
else
  # shellcheck disable=SC2086
  mpirun_ "$np" env "$cudaenv" "$psst" run "$model" --backend cuda $run -o cuda.nc --force \
    --quiet
fi
t1=$(date +%s.%N)
echo "cuda run on $np rank(s): $(awk "BEGIN{print $t1 - $t0}") s"
# shellcheck disable=SC2086
"$cmp" ref.nc cuda.nc $cmpargs
