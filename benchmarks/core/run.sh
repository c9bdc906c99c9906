#!/usr/bin/env bash
# psst core benchmarks: COBAHH, random hh_tutorial networks at fixed
# in-degree, a dense all-to-all GABA_A network, and uncoupled hh_classic
# neurons against the floor of benchmarks/floor/ (benchmarks/README.md).
#
#   PSST=build/psst benchmarks/core/run.sh            # all cases
#   REPEATS=1 CASES='cobahh|dense' benchmarks/core/run.sh
#
# Builds nothing. Environment:
#   PSST     the psst executable (default build/psst, relative to the current
#            directory, else to the repository root)
#   REPEATS  runs per case (default 3); the table gives medians
#   CASES    extended regex matched against case names (default: all)
#   MPIEXEC  launcher (default: mpiexec --allow-run-as-root --oversubscribe)
#   CSV      output table (default ./psst_core_bench.csv)
#   FLOOR    1 (default): build and run benchmarks/floor/ for the
#            hh_classic_nosyn case (needs gcc; SLEEF for the sleef floor);
#            0: skip it
# Writes the table to stdout and as CSV in the current directory (the CSV
# adds the fastest repeat and the 1-minute load average: the timings are
# only meaningful on an otherwise idle machine).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PSST="${PSST:-build/psst}"
if [[ ! -x "$PSST" && -x "$root/$PSST" ]]; then PSST="$root/$PSST"; fi
if [[ ! -x "$PSST" ]]; then
  echo "run.sh: psst executable '$PSST' not found; build it and set PSST=" >&2
  exit 2
fi
PSST="$(cd "$(dirname "$PSST")" && pwd)/$(basename "$PSST")"
REPEATS="${REPEATS:-3}"
CASES="${CASES:-.}"
CSV="${CSV:-$PWD/psst_core_bench.csv}"
FLOOR="${FLOOR:-1}"
read -r -a MPIEXEC <<<"${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export OMPI_MCA_btl="${OMPI_MCA_btl:-self,vader}"
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
command -v ncdump >/dev/null || { echo "run.sh: ncdump not found" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/psst-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# ---- model generation ----------------------------------------------------

# cobahh T_END: examples/cobahh.yaml with light recording (V of 10 cells
# every 100 steps, all spikes); t_end is given with --t-end.
gen_cobahh() {
  local out="$tmp/cobahh.yaml"
  sed -e 's/^  neurons: \["E\[0:4\]", "I\[0:2\]"\].*/  neurons: ["E[0:10]"]/' \
      -e 's/^  every: 20 .*/  every: 100/' "$root/examples/cobahh.yaml" >"$out"
  grep -q 'neurons: \["E\[0:10\]"\]' "$out" && grep -q '^  every: 100$' "$out" || {
    echo "run.sh: examples/cobahh.yaml changed; update gen_cobahh" >&2; exit 2; }
  echo "$out"
}

# hh_random N DT T_END: 80 % E / 20 % I, in-degree 80 ACh + 20 GABA_A.
gen_random() {
  local n=$1 dt=$2 te=$3 out="$tmp/hh_random_$1.yaml"
  local ne=$((n * 4 / 5)) ni=$((n - n * 4 / 5))
  sed -e "s/@T_END@/$te/;s/@DT@/$dt/;s/@NE@/$ne/;s/@NI@/$ni/" \
      -e "s/@KE@/80/g;s/@KI@/20/g" "$here/hh_random.yaml.in" >"$out"
  echo "$out"
}

# dense_gaba N DRIVE DT T_END: all-to-all GABA_A, drive dense or sparse.
gen_dense() {
  local n=$1 drive=$2 dt=$3 te=$4 out="$tmp/dense_$1_$2.yaml"
  sed -e "s/@T_END@/$te/;s/@DT@/$dt/;s/@N@/$n/;s/@NHALF@/$((n / 2))/" \
      -e "s/@DRIVE@/$drive/;s/@W@/0.005/" "$here/dense_gaba.yaml.in" >"$out"
  echo "$out"
}

# hh_classic_nosyn N DT T_END: N uncoupled hh_classic cells (docs/models.md
# §11.1), no synapses, constant 10 uA/cm^2 into all (they fire): the
# neurons of benchmarks/floor/.
gen_classic() {
  local n=$1 dt=$2 te=$3 out="$tmp/hh_classic_$1.yaml"
  cat >"$out" <<EOF
run: {t_end: $te, dt: $dt, method: rk4, seed: 1}
populations:
  - {name: X, kind: hh_classic, size: $n,
     init: {V: {uniform: [-70, -60]}, m: 0.05, h: 0.6, n: 0.32}}
stimuli:
  - {target: "X", amplitude: 10}
record: {variables: [V], neurons: ["X[0:10]"], every: 100, spikes: true}
EOF
  echo "$out"
}

# floor_sleef N: neuron-steps/s of benchmarks/floor/'s sleef variant (N
# neurons, 2000 steps, best of REPEATS); empty if it cannot be built or has
# no sleef variant.
floor_sleef() {
  local fbin
  fbin=$("$root/benchmarks/floor/run.sh" --build "$tmp/floor" 2>"$tmp/floor.log") || {
    echo "run.sh: benchmarks/floor did not build (floor ratio skipped):" >&2
    cat "$tmp/floor.log" >&2; return 0; }
  grep -q '^vectorised sleef: yes' "$tmp/floor.log" ||
    { echo "run.sh: floor:" >&2; cat "$tmp/floor.log" >&2; }
  "$fbin" "$1" 2000 "$REPEATS" >"$tmp/floor.out" || {
    echo "run.sh: floor failed:" >&2; cat "$tmp/floor.out" >&2; return 0; }
  awk '$1 == "variant" && $2 == "sleef" { print $4 }' "$tmp/floor.out"
}

# ---- measurement ---------------------------------------------------------

attr() { # attr FILE NAME: a numeric global attribute
  ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \([^ ;]*\).*/\1/p" | head -1
}

median() { # median of the arguments
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
    if (NR % 2) print a[(NR+1)/2]; else printf "%.9g\n", (a[NR/2]+a[NR/2+1])/2 }'
}

synapses_of() { # total synapses reported by psst check
  "$PSST" check "$1" | awk '$1 == "synapses" {print $2; exit}'
}

printf '%-18s %6s %9s %3s %6s %8s %9s %10s %10s %7s %7s %6s\n' \
  case neurons synapses rk steps wall_s s/model_s nrn-step/s syn-upd/s \
  comp% exch% out%
echo "case,neurons,synapses,ranks,steps,dt_ms,wall_s,wall_per_model_s,neuron_steps_per_s,synapse_updates_per_s,compute_s,exchange_s,output_s,setup_s,wall_min_s,load1_after,compute_neuron_steps_per_s,floor_sleef_neuron_steps_per_s,compute_over_floor_sleef" >"$CSV"

# The sleef floor's neuron-steps/s for the next run_case (empty: none).
FLOOR_RATE=""

# run_case NAME RANKS MODEL [psst run options...]
run_case() {
  local name=$1 ranks=$2 model=$3
  shift 3
  [[ "$name" =~ $CASES ]] || return 0
  local out="$tmp/out.nc" walls=() comps=() exchs=() outs=() sets=() r
  for ((r = 0; r < REPEATS; r++)); do
    rm -f "$out"
    local t0 t1
    t0=$(date +%s.%N)
    "${MPIEXEC[@]}" -n "$ranks" "$PSST" run "$model" -o "$out" --force --quiet "$@" \
      >"$tmp/log" 2>&1 || { echo "run.sh: case $name failed:" >&2; cat "$tmp/log" >&2; exit 1; }
    t1=$(date +%s.%N)
    walls+=("$(echo "$t1 - $t0" | bc -l)")
    comps+=("$(attr "$out" wall_compute_s)")
    exchs+=("$(attr "$out" wall_exchange_s)")
    outs+=("$(attr "$out" wall_output_s)")
    sets+=("$(attr "$out" wall_setup_s)")
  done
  local n steps dt syn wall comp exch outp setup
  n=$(attr "$out" neurons)
  steps=$(attr "$out" steps)
  dt=$(attr "$out" dt_ms)
  syn=$(synapses_of "$model")
  wall=$(median "${walls[@]}")
  comp=$(median "${comps[@]}")
  exch=$(median "${exchs[@]}")
  outp=$(median "${outs[@]}")
  setup=$(median "${sets[@]}")
  local wmin load
  wmin=$(printf '%s\n' "${walls[@]}" | sort -g | head -1)
  load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo nan)
  awk -v name="$name" -v n="$n" -v syn="$syn" -v rk="$ranks" -v st="$steps" \
      -v dt="$dt" -v w="$wall" -v c="$comp" -v e="$exch" -v o="$outp" \
      -v su="$setup" -v wm="$wmin" -v la="$load" -v csv="$CSV" \
      -v fl="$FLOOR_RATE" 'BEGIN {
    model_s = st * dt / 1000; n += 0; st += 0
    spm = w / model_s; nps = n * st / w; sups = syn * 4 * st / c
    tot = c + e + o
    printf "%-18s %6d %9d %3d %6d %8.2f %9.1f %10.3g %10.3g %6.1f%% %6.1f%% %5.1f%%\n",
      name, n, syn, rk, st, w, spm, nps, sups, 100*c/tot, 100*e/tot, 100*o/tot
    cnps = n * st / c; fls = ""; rat = ""
    if (fl != "") {
      fls = sprintf("%.4g", fl); rat = sprintf("%.3f", cnps / fl)
      printf "%-18s compute %.3g nrn-step/s = %s x the sleef floor (%.3g, benchmarks/floor)\n",
        "", cnps, rat, fl
    }
    printf "%s,%d,%d,%d,%d,%g,%.3f,%.2f,%.4g,%.4g,%.3f,%.3f,%.3f,%.3f,%.3f,%s,%.4g,%s,%s\n",
      name, n, syn, rk, st, dt, w, spm, nps, sups, c, e, o, su, wm, la, cnps, fls, rat >> csv }'
}

# (a) COBAHH (examples/cobahh.yaml): 4000 cells, p = 0.02, exp_cond, dt 0.05
cob=$(gen_cobahh)
for rk in 1 2; do run_case "cobahh" "$rk" "$cob" --t-end 200; done

# (b) random hh_tutorial networks, in-degree 100 (ach_pulse + gaba_a),
#     dt 0.02 ms, 20 ms
for n in 1000 4000 16000; do
  m=$(gen_random "$n" 0.02 20)
  for rk in 1 2; do run_case "hh_random_$n" "$rk" "$m"; done
done

# (c) dense all-to-all GABA_A, N = 2000, dt 0.02 ms, 10 ms, 1 rank
for drive in dense sparse; do
  m=$(gen_dense 2000 "$drive" 0.02 10)
  run_case "dense2000_$drive" 1 "$m"
done

# (d) 4096 uncoupled hh_classic cells, constant current, dt 0.01 ms,
#     100 ms (9999 steps), 1 rank; with FLOOR=1 also the ratio of psst's
#     compute rate (neurons x steps / compute s) to benchmarks/floor/'s
#     sleef variant on the same neurons
if [[ "hh_classic_nosyn" =~ $CASES ]]; then
  m=$(gen_classic 4096 0.01 100)
  if [[ $FLOOR == 1 ]]; then FLOOR_RATE=$(floor_sleef 4096); fi
  run_case "hh_classic_nosyn" 1 "$m"
  FLOOR_RATE=""
fi

echo "CSV: $CSV"
