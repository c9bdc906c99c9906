#!/usr/bin/env bash
# benchmarks/kinds/run.sh — a user-defined kind (generated, compiled at run
# time) against the built-in kind with the same equations, side by side.
#
#   benchmarks/kinds/run.sh [PSST] [NEURONS] [T_END_MS] [REPEATS]
#
# The classic HH neuron, built in (hh_classic) and written as equations
# (kinds/hh_classic.yaml: hh_classic_eq), NEURONS cells under a step
# current, one rank, spikes (and V at t = 0 only). The runs alternate (built-in, user,
# built-in, ...) so that other load on the machine hits both alike; the
# figure is psst's own "compute" time of each run (the neuron loop, without
# setup: the user kind's compile happens once, before the first run, and is
# reported separately). Prints the medians, the minima and their ratios.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PSST=${1:-$here/build/psst}
N=${2:-4000}
T=${3:-100}
R=${4:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/psst-kinds-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PSST_CACHE=$work/cache OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
for k in builtin user; do
  {
    [ $k = user ] && echo "kinds: [{file: $here/kinds/hh_classic.yaml}]"
    echo "run: {t_end: $T, dt: 0.01, seed: 1}"
    echo "populations:"
    echo "  - {name: A, kind: $([ $k = user ] && echo hh_classic_eq || echo hh_classic), size: $N,"
    echo "     init: {V: {uniform: [-70, -60]}, m: 0.052932, h: 0.596121, n: 0.317677}}"
    echo "stimuli:"
    echo "  - {target: A, pulses: [{start: 5, stop: $T, amplitude: 10}]}"
    echo "record: {variables: [V], every: 100000, spikes: true}"
  } >"$work/$k.yaml"
done
compute() { sed -n 's/.*(compute \([0-9.e+-]*\),.*/\1/p' "$1" | tail -n 1; }
# the compile, once (not part of the timings)
t0=$(date +%s.%N)
"$PSST" run "$work/user.yaml" -o "$work/first.nc" --force --t-end 0.1 >"$work/first.log" 2>&1
t1=$(date +%s.%N)
echo "first user-kind run (compiles): $(grep -o 'kind hh_classic_eq: [a-z]*' "$work/first.log" | head -n 1), $(echo "$t1 - $t0" | bc) s wall for 0.1 ms"
declare -A times
for r in $(seq 1 "$R"); do
  for k in builtin user; do
    "$PSST" run "$work/$k.yaml" -o "$work/$k.nc" --force >"$work/$k.log" 2>&1
    times[$k]="${times[$k]:-} $(compute "$work/$k.log")"
  done
done
/usr/bin/python3 - "$N" "$T" "${times[builtin]}" "${times[user]}" <<'PY'
import statistics, sys
n, t = int(sys.argv[1]), float(sys.argv[2])
b = [float(x) for x in sys.argv[3].split()]
u = [float(x) for x in sys.argv[4].split()]
steps = t / 0.01
for name, xs in (("hh_classic (built-in)", b), ("hh_classic_eq (generated)", u)):
    m = statistics.median(xs)
    print(f"{name:27s} compute median {m:.3f} s, min {min(xs):.3f} s over {len(xs)} runs:"
          f" {n * steps / m:.3g} neuron-steps/s")
print(f"generated / built-in: median {statistics.median(u) / statistics.median(b):.2f}x,"
      f" min {min(u) / min(b):.2f}x")
PY
