#!/usr/bin/env bash
# benchmarks/kinds/run.sh — user-defined kinds (generated, compiled at run
# time) against the built-in kinds with the same equations, side by side.
#
#   benchmarks/kinds/run.sh [PSST] [NEURONS] [T_END_MS] [REPEATS]
#
# Three pairs: the classic HH neuron, built in (hh_classic) and written as
# equations (kinds/hh_classic.yaml: hh_classic_eq), and the tutorial's HH
# neuron (hh_tutorial; kinds/hh_tutorial.yaml: hh_tutorial_eq): NEURONS
# cells under a step current; and the GABA_A synapse (gaba_a;
# kinds/gaba_a.yaml: gaba_a_eq): NEURONS/4 hh_tutorial cells, each with 100
# inputs (fixed in-degree) stored per synapse, so that the receptor loop
# runs over 100 x NEURONS/4 states; and the COBAHH conductance (exp_cond;
# kinds/exp_cond.yaml: exp_cond_eq) on the same network, one conductance per
# target (spikes add to it; its cost is per neuron and per event). One rank, spikes (and V at t = 0 only). The
# runs alternate (built-in, user, built-in, ...) so that other load on the
# machine hits both alike; the figure is psst's own "compute" time of each
# run (the neuron loop, without setup: a user kind's compile happens once,
# before the first run, and is reported separately). Prints the medians,
# the minima and their ratios.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PSST=${1:-$here/build/psst}
N=${2:-4000}
T=${3:-100}
R=${4:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/psst-kinds-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PSST_CACHE=$work/cache OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# model NAME KIND [KIND_FILE] AMPLITUDE INIT
model() {
  {
    [ -n "$3" ] && echo "kinds: [{file: $here/kinds/$3}]"
    echo "run: {t_end: $T, dt: 0.01, seed: 1}"
    echo "populations:"
    echo "  - {name: A, kind: $2, size: $N, init: {V: {uniform: [-70, -60]}$5}}"
    echo "stimuli:"
    echo "  - {target: A, pulses: [{start: 5, stop: $T, amplitude: $4}]}"
    echo "record: {variables: [V], every: 100000, spikes: true}"
  } >"$work/$1.yaml"
}
hhc_init=", m: 0.052932, h: 0.596121, n: 0.317677"
model classic_builtin hh_classic "" 10 "$hhc_init"
model classic_user hh_classic_eq hh_classic.yaml 10 "$hhc_init"
model tutorial_builtin hh_tutorial "" 2 ""
model tutorial_user hh_tutorial_eq hh_tutorial.yaml 2 ""
# synmodel NAME SYNKIND [KIND_FILE] STORAGE
synmodel() {
  {
    [ -n "$3" ] && echo "kinds: [{file: $here/kinds/$3}]"
    echo "run: {t_end: $T, dt: 0.01, seed: 1}"
    echo "populations:"
    echo "  - {name: A, kind: hh_tutorial, size: $((N / 4)), init: {V: {uniform: [-70, -60]}}}"
    echo "projections:"
    echo "  - {name: G, synapse: $2, from: A, to: A, connect: {fixed_indegree: 100},"
    echo "     storage: $4, weight: {uniform: [0.5, 1.5]}, params: {g: 0.002}}"
    echo "stimuli:"
    echo "  - {target: A, pulses: [{start: 5, stop: $T, amplitude: 3}]}"
    echo "record: {variables: [V], every: 100000, spikes: true}"
  } >"$work/$1.yaml"
}
synmodel gaba_builtin gaba_a "" per_synapse
synmodel gaba_user gaba_a_eq gaba_a.yaml per_synapse
synmodel expc_builtin exp_cond "" auto
synmodel expc_user exp_cond_eq exp_cond.yaml auto
compute() { sed -n 's/.*(compute \([0-9.e+-]*\),.*/\1/p' "$1" | tail -n 1; }
spikes() { sed -n 's/.* \([0-9]*\) spikes on.*/\1/p' "$1" | tail -n 1; }
declare -A times nspk
pairs="classic tutorial gaba expc"
for pair in $pairs; do
  # the compile, once (not part of the timings)
  t0=$(date +%s.%N)
  "$PSST" run "$work/${pair}_user.yaml" -o "$work/first.nc" --force --t-end 0.1 >"$work/first.log" 2>&1
  t1=$(date +%s.%N)
  echo "first $pair user-kind run (compiles): $(grep -o 'kind [a-z_]*_eq: [a-z]*' "$work/first.log" | head -n 1), $(echo "$t1 - $t0" | bc) s wall for 0.1 ms"
  for r in $(seq 1 "$R"); do
    for k in builtin user; do
      "$PSST" run "$work/${pair}_$k.yaml" -o "$work/$k.nc" --force >"$work/$k.log" 2>&1
      times[${pair}_$k]="${times[${pair}_$k]:-} $(compute "$work/$k.log")"
      nspk[${pair}_$k]=$(spikes "$work/$k.log")
    done
  done
done
args=()
for pair in $pairs; do
  for k in builtin user; do args+=("${times[${pair}_$k]}" "${nspk[${pair}_$k]}"); done
done
/usr/bin/python3 - "$N" "$T" "${args[@]}" <<'PY'
import statistics, sys
n, t = int(sys.argv[1]), float(sys.argv[2])
a = sys.argv[3:]
steps = t / 0.01
pairs = [("hh_classic", "hh_classic_eq", n, "neuron"),
         ("hh_tutorial", "hh_tutorial_eq", n, "neuron"),
         ("gaba_a", "gaba_a_eq", n // 4 * 100, "synapse"),
         ("exp_cond", "exp_cond_eq", n // 4, "neuron")]
ratios = []
for i, (b, u, elems, what) in enumerate(pairs):
    xb = [float(x) for x in a[4 * i].split()]
    xu = [float(x) for x in a[4 * i + 2].split()]
    for name, x, spk in ((f"{b} (built-in)", xb, a[4 * i + 1]),
                         (f"{u} (generated)", xu, a[4 * i + 3])):
        m = statistics.median(x)
        print(f"{name:28s} compute median {m:.3f} s, min {min(x):.3f} s over {len(x)} runs:"
              f" {elems * steps / m:.3g} {what}-steps/s, {spk} spikes")
    ratios.append(f"{b}: generated / built-in: median "
                  f"{statistics.median(xu) / statistics.median(xb):.2f}x, min {min(xu) / min(xb):.2f}x")
print("\n".join(ratios))
PY
