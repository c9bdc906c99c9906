#!/usr/bin/env bash
# benchmarks/locust/main_job.sh — the main job, side by side with another
# build: examples/locust_al.yaml (120 neurons, 1 s of model time, dt 0.01
# ms) on RANKS ranks, REPEATS times, alternating the builds so that drift of
# the machine spreads over both.
#
#   PSST=build/psst [BEFORE=/path/to/old/psst] benchmarks/locust/main_job.sh
#
# Prints, per build, the median and range of: the wall time of the whole
# `mpiexec ... psst run` (start-up and output included), the slowest and
# fastest rank's compute (wall_compute_s, wall_compute_min_s), the time in
# the voltage exchanges (wall_exchange_s) and of it blocked waiting
# (wall_exchange_wait_s, when the build records it), and the wait as a share
# of the wall time. Environment: PSST, BEFORE (optional), RANKS (default 2),
# REPEATS (default 5), MPIEXEC, T_END (default 1000 ms).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PSST=${PSST:-$ROOT/build/psst}
BEFORE=${BEFORE:-}
RANKS=${RANKS:-2}
REPEATS=${REPEATS:-5}
T_END=${T_END:-1000}
MODEL=$ROOT/examples/locust_al.yaml
[ -x "$PSST" ] || { echo "no psst at $PSST (build it first)" >&2; exit 2; }
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || { echo "no psst at $BEFORE" >&2; exit 2; }
# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
psst_env_oversubscribe "$RANKS"
export PSST_BACKEND=${PSST_BACKEND:-cpu}
if [ -z "${MPIEXEC:-}" ]; then
  MPIEXEC=mpiexec
  [ "$(id -u)" = 0 ] && MPIEXEC="mpiexec --allow-run-as-root"
fi
read -r -a launch <<<"$MPIEXEC"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

attr() { # attr FILE NAME: a numeric global attribute, or "-" if absent
  local v
  v=$(ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \([^ ;]*\).*/\1/p" | head -1)
  echo "${v:--}"
}
stats() { # stats VALUES...: "median (min-max)"
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2
    printf "%.3g (%.3g-%.3g)", m, a[1], a[NR] }'
}

builds=("$PSST")
[ -n "$BEFORE" ] && builds=("$BEFORE" "$PSST")
echo "model: $MODEL, t_end $T_END ms, $RANKS ranks, $REPEATS repeats"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$REPEATS"); do
  for b in "${!builds[@]}"; do
    out=$tmp/run_$b.nc
    t0=$(date +%s.%N)
    "${launch[@]}" -n "$RANKS" "${builds[$b]}" run "$MODEL" --t-end "$T_END" \
      -o "$out" --force --quiet
    t1=$(date +%s.%N)
    echo "$b $(echo "$t1 - $t0" | bc -l) $(attr "$out" wall_compute_s)" \
      "$(attr "$out" wall_compute_min_s) $(attr "$out" wall_exchange_s)" \
      "$(attr "$out" wall_exchange_wait_s)" >>"$tmp/res.txt"
    [ "$rep" = 1 ] && echo "build $b: ${builds[$b]}: $(ncdump -h "$out" |
      sed -n 's/^[[:space:]]*:backend_detail = "\(.*\)" ;/\1/p')"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-20s %-20s %-20s %-20s %-20s %s\n' build "wall s" "compute s (max)" \
  "compute s (min)" "exchange s" "exchange wait s" "wait / wall"
for b in "${!builds[@]}"; do
  mapfile -t rows < <(awk -v b="$b" '$1 == b' "$tmp/res.txt")
  col() { printf '%s\n' "${rows[@]}" | awk -v c="$1" '{print $c}'; }
  mapfile -t wall < <(col 2)
  mapfile -t cmax < <(col 3)
  mapfile -t cmin < <(col 4)
  mapfile -t exch < <(col 5)
  mapfile -t wait < <(col 6)
  share="-"
  wst="-"
  cmn="-"
  [ "${cmin[0]:--}" != - ] && cmn=$(stats "${cmin[@]}")
  if [ "${wait[0]:--}" != - ]; then
    wst=$(stats "${wait[@]}")
    mapfile -t frac < <(printf '%s\n' "${rows[@]}" | awk '{print $6 / $2}')
    share=$(stats "${frac[@]}")
  fi
  printf '%-6s %-20s %-20s %-20s %-20s %-20s %s\n' "$b" "$(stats "${wall[@]}")" \
    "$(stats "${cmax[@]}")" "$cmn" "$(stats "${exch[@]}")" "$wst" "$share"
done
