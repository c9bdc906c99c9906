#!/usr/bin/env bash
# benchmarks/locust/run.sh — wall time per second of model time of the locust
# antennal lobe model (examples/locust_al_scaled.yaml, PN:LN = 3:1, p = 0.5)
# at 120, 1,200 and 12,000 neurons on 1 and 2 ranks, next to the tutorial's
# figures (docs/models.md §9.2).
#
#   PSST=build/psst benchmarks/locust/run.sh
#
# Each case runs a stretch of model time that keeps it under a minute (the
# whole second for 120 neurons) and is scaled to one second of model time;
# the stretch starts at t = 0, so it includes the odour onset (100 ms) only
# for the longer runs. Wall time includes MPI start-up and the output. The
# median of REPEATS runs is reported. Environment: PSST, REPEATS (default 3),
# SIZES (default "120 1200 12000"), RANKS (default "1 2"), MPIEXEC.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PSST=${PSST:-$ROOT/build/psst}
REPEATS=${REPEATS:-3}
SIZES=${SIZES:-120 1200 12000}
RANKS=${RANKS:-1 2}
MODEL=$ROOT/examples/locust_al_scaled.yaml
[ -x "$PSST" ] || { echo "no psst at $PSST (build it first)" >&2; exit 2; }
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
if [ -z "${MPIEXEC:-}" ]; then
  MPIEXEC=mpiexec
  [ "$(id -u)" = 0 ] && MPIEXEC="mpiexec --allow-run-as-root"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

t_end_for() { # model time [ms] per size
  case $1 in
    120) echo 1000 ;;
    1200) echo 100 ;;
    *) echo 4 ;;
  esac
}

printf '%-8s %-6s %-10s %-10s %-12s %-14s %s\n' neurons ranks synapses "model ms" "wall s" "s/model s" "compute/exchange/output %"
echo "neurons,ranks,synapses,model_ms,wall_s,s_per_model_s,compute_s,exchange_s,output_s" > locust_bench.csv
for n in $SIZES; do
  t=$(t_end_for "$n")
  syn=$("$PSST" check "$MODEL" --neurons "$n" | awk '/^synapses/ {print $2}')
  for np in $RANKS; do
    psst_env_oversubscribe "$np"
    walls=()
    for r in $(seq "$REPEATS"); do
      out=$tmp/l_${n}_${np}_$r.nc
      t0=$(date +%s.%N)
      $MPIEXEC -n "$np" "$PSST" run "$MODEL" --neurons "$n" --t-end "$t" -o "$out" --force --quiet
      t1=$(date +%s.%N)
      walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    done
    med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    phases=$(ncdump -h "$out" | awk -F'= ' '/wall_compute_s|wall_exchange_s|wall_output_s/ {gsub(/[ ;]/, "", $2); printf "%s ", $2}')
    read -r c e o <<<"$phases"
    per=$(awk -v w="$med" -v t="$t" 'BEGIN {print w * 1000 / t}')
    split=$(awk -v c="$c" -v e="$e" -v o="$o" 'BEGIN {s = c + e + o; printf "%.0f/%.0f/%.0f", 100*c/s, 100*e/s, 100*o/s}')
    printf '%-8s %-6s %-10s %-10s %-12.2f %-14.1f %s\n' "$n" "$np" "$syn" "$t" "$med" "$per" "$split"
    echo "$n,$np,$syn,$t,$med,$per,$c,$e,$o" >> locust_bench.csv
  done
done
echo "(CSV in $PWD/locust_bench.csv)"
