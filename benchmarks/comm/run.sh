#!/usr/bin/env bash
# Measure MPI_Allgatherv of N doubles (contiguous blocks, in place) for
# N = 1e2 .. 1e7 at P = 1, 2, 4 ranks, then fit T = a*log2(P) + (P-1)/P*8N/b
# (benchmarks/README.md, "Communication model").
#
#   benchmarks/comm/run.sh            # writes benchmarks/comm/results/
# Environment: MPIEXEC (default mpiexec --allow-run-as-root --oversubscribe),
# RANKS (default "1 2 4"), BUDGET (seconds of timing per N and P, default 1),
# PYTHON (default /usr/bin/python3 if present, else python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/results"
mkdir -p "$out"
read -r -a MPIEXEC <<<"${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}"
export OMPI_MCA_btl="${OMPI_MCA_btl:-self,vader}"
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
PYTHON="${PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || echo python3)}"
make -s -C "$here" allgatherv_bench
csv="$out/allgatherv.csv"
first=1
for p in ${RANKS:-1 2 4}; do
  if ((first)); then
    "${MPIEXEC[@]}" -n "$p" "$here/allgatherv_bench" 100 10000000 "${BUDGET:-1}" >"$csv"
    first=0
  else
    "${MPIEXEC[@]}" -n "$p" "$here/allgatherv_bench" 100 10000000 "${BUDGET:-1}" | tail -n +2 >>"$csv"
  fi
done
uptime >"$out/load.txt"
cat "$csv"
"$PYTHON" "$here/fit.py" "$csv" -o "$out"
