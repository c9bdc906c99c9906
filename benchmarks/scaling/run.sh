#!/usr/bin/env bash
# Strong and weak scaling of psst at 1-4 ranks on this machine, in one
# command (benchmarks/README.md, "Scaling on this machine"):
#
#   benchmarks/scaling/run.sh     # writes benchmarks/scaling/results/{strong,weak}/
#
# strong: examples/locust_al_scaled.yaml at N = 1200 (314,578 synapses),
# weak: the same model at 300 neurons per rank (N = 300 P; synapses ~ N^2,
# so the work per rank grows ~P: see the README). Each for T_END ms of model
# time (default 20 = 2000 RK4 steps of 0.01 ms), REPEATS runs (default 3).
# Environment: PSST (default build/psst), RANKS (default 1,2,3,4), T_END,
# REPEATS, LAUNCHER (default mpiexec --oversubscribe [--allow-run-as-root]
# -n {np}), PYTHON (default /usr/bin/python3 if present: Debian's numpy,
# matplotlib and netCDF4). About 3-4 minutes on 2 idle cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PSST="${PSST:-$root/build/psst}"
PYTHON="${PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || echo python3)}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export OMPI_MCA_btl="${OMPI_MCA_btl:-self,vader}"
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
RANKS="${RANKS:-1,2,3,4}"
T_END="${T_END:-20}"
REPEATS="${REPEATS:-3}"
model="$root/examples/locust_al_scaled.yaml"
launch=()
[[ -n "${LAUNCHER:-}" ]] && launch=(--launcher "$LAUNCHER")
out="$here/results"
mkdir -p "$out"
{ date -u +%FT%TZ; nproc; uptime; } >"$out/machine.txt"
"$PYTHON" "$here/scaling.py" --mode strong --model "$model" --ranks "$RANKS" \
  --neurons 1200 --t-end "$T_END" --repeats "$REPEATS" --psst "$PSST" \
  "${launch[@]}" -o "$out/strong"
"$PYTHON" "$here/scaling.py" --mode weak --model "$model" --ranks "$RANKS" \
  --neurons-per-rank 300 --t-end "$T_END" --repeats "$REPEATS" --psst "$PSST" \
  "${launch[@]}" -o "$out/weak"
uptime >>"$out/machine.txt"
