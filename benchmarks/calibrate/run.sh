#!/usr/bin/env bash
# Calibration of the partition's cost model (src/partition.c): the measured
# compute time of one neuron-step of every neuron kind and of one
# synapse-step of every synapse kind (and of one dense-block entry), on one
# rank with the CPU backend, next to the costs written in the kind
# descriptors (benchmarks/calibrate/README.md).
#
#   PSST=build/psst benchmarks/calibrate/run.sh
#   STEPS=300 REPEATS=1 benchmarks/calibrate/run.sh      # a quick check
#
# Builds nothing. Environment:
#   PSST         the psst executable (default build/psst, relative to the
#                current directory, else to the repository root)
#   REPEATS      timed runs per case (default 3); the best is used. The
#                repeats go round all cases in turn, so a burst of load
#                hits a case and its baseline alike.
#   MIN_COMPUTE  seconds of compute each timed run should last (default 1):
#                the steps of each case are sized from a pilot run
#   STEPS        RK4 steps of every timed run (overrides MIN_COMPUTE)
#   PILOT_STEPS  steps of the pilot runs (default 2000 = 20 ms), which also
#                record all spikes: the firing-rate column
#   N            neurons per population (default 4096)
#   K            in-degree of the sparse projections (default 100)
#   NDENSE       sources of the dense all-to-all projection (default 512)
#   AMP          constant current into every neuron [uA/cm^2] (default 10)
#   CASES        extended regex on case names (default: all; the baseline
#                and ach_pulse, the unit, are always run)
#   CSV          output table (default ./psst_calibrate.csv)
# One rank, no mpiexec (a singleton MPI run), PSST_BACKEND=cpu, RK4 at
# dt 0.01 ms; V of one neuron is recorded every 1000 steps, no spikes.
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
MIN_COMPUTE="${MIN_COMPUTE:-1}"
STEPS="${STEPS:-}"
PILOT_STEPS="${PILOT_STEPS:-2000}"
N="${N:-4096}"
K="${K:-100}"
NDENSE="${NDENSE:-512}"
AMP="${AMP:-10}"
CASES="${CASES:-.}"
CSV="${CSV:-$PWD/psst_calibrate.csv}"
DT=0.01
export PSST_BACKEND=cpu
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
command -v ncdump >/dev/null || { echo "run.sh: ncdump not found" >&2; exit 2; }
for v in REPEATS PILOT_STEPS N K NDENSE; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: $v must be a positive integer" >&2; exit 2; }
done
[[ -z "$STEPS" || $STEPS =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: STEPS must be a positive integer" >&2; exit 2; }
((NDENSE <= N && K < N)) || { echo "run.sh: need NDENSE <= N and K < N" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/psst-calibrate.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# ---- the cases -------------------------------------------------------------
#
# name        per            what
# n_KIND      neuron-step    N uncoupled KIND cells, constant AMP
# base        -              S and T, N hh_tutorial cells each, constant AMP,
#                            no synapses: subtracted from the s_* and d_*
# s_*         synapse-step   base plus one projection S -> T
# d_gaba_a    dense entry    base plus gaba_a all-to-all S[0:NDENSE] -> T,
#                            drive: dense

NEURON_KINDS=(hh_tutorial hh_classic cobahh pn ln)
# name | synapse | connect | extra projection keys
SYN_CASES=(
  "s_ach_pulse|ach_pulse|{fixed_indegree: $K}|storage: per_pre, drive: sparse"
  "s_gaba_a|gaba_a|{fixed_indegree: $K}|storage: per_pre, drive: sparse"
  "s_ach_pulse_per_synapse|ach_pulse|{fixed_indegree: $K}|storage: per_synapse, drive: sparse"
  "d_gaba_a|gaba_a|all_to_all|storage: per_pre, drive: dense"
  "s_exp_cond|exp_cond|{fixed_indegree: $K}|drive: sparse"
  "s_exp2_cond|exp2_cond|{fixed_indegree: $K}|drive: sparse"
  "s_gaba_b|gaba_b|{fixed_indegree: $K}|storage: per_pre, drive: sparse"
)
declare -A SYN_OF CONN_OF EXTRA_OF
cases=()
for k in "${NEURON_KINDS[@]}"; do
  if [[ "n_$k" =~ $CASES ]]; then cases+=("n_$k"); fi
done
cases+=(base)
for c in "${SYN_CASES[@]}"; do
  IFS='|' read -r name syn conn extra <<<"$c"
  SYN_OF[$name]=$syn CONN_OF[$name]=$conn EXTRA_OF[$name]=$extra
  if [[ $name == s_ach_pulse || "$name" =~ $CASES ]]; then cases+=("$name"); fi
done

# gen_model CASE SPIKES: writes the model of CASE (record.spikes = SPIKES;
# t_end is given with --t-end) and prints its path
gen_model() {
  local c=$1 spikes=$2 out="$tmp/$1.$2.yaml"
  local init='init: {V: {uniform: [-70, -60]}}'
  {
    echo "# psst calibration case $c (benchmarks/calibrate/run.sh)"
    echo "run: {t_end: 1, dt: $DT, method: rk4, seed: 1}"
    echo "populations:"
    case $c in
      n_*)
        echo "  - {name: X, kind: ${c#n_}, size: $N, $init}"
        echo "stimuli:"
        echo "  - {target: \"X\", amplitude: $AMP}"
        echo "record: {variables: [V], neurons: [\"X[0]\"], every: 1000, spikes: $spikes}"
        ;;
      *)
        echo "  - {name: S, kind: hh_tutorial, size: $N, $init}"
        echo "  - {name: T, kind: hh_tutorial, size: $N, $init}"
        if [[ $c != base ]]; then
          local from=S w=0.01
          if [[ $c == d_* ]]; then from="S[0:$NDENSE]"; w=0.002; fi
          echo "projections:"
          echo "  - {name: p, synapse: ${SYN_OF[$c]}, from: \"$from\", to: T,"
          echo "     connect: ${CONN_OF[$c]}, weight: $w, ${EXTRA_OF[$c]}}"
        fi
        echo "stimuli:"
        echo "  - {target: [\"S\", \"T\"], amplitude: $AMP}"
        echo "record: {variables: [V], neurons: [\"T[0]\"], every: 1000, spikes: $spikes}"
        ;;
    esac
  } >"$out"
  echo "$out"
}

# ---- helpers ---------------------------------------------------------------

attr() { # attr FILE NAME: a numeric global attribute
  ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \([^ ;]*\).*/\1/p" | head -1
}
sattr() { # sattr FILE NAME: a string global attribute
  ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \"\(.*\)\" ;$/\1/p" | head -1
}
nspikes() { # nspikes FILE: length of the spike dimension
  ncdump -h "$1" | sed -n 's/^[[:space:]]*spike = .*(\([0-9]*\) currently).*/\1/p;
                           s/^[[:space:]]*spike = \([0-9]*\) ;.*/\1/p' | head -1
}
t_end_of() { # t_end_of STEPS: the t_end that gives STEPS steps (STEPS + 1 grid points)
  awk -v s="$1" -v dt="$DT" 'BEGIN { printf "%.10g", (s + 1) * dt }'
}

# run_psst MODEL STEPS OUT: one run; fails the script on any error
# (a numerical blow-up is exit 1 with the neuron named)
run_psst() {
  rm -f "$3"
  "$PSST" run "$1" -o "$3" --force --quiet --t-end "$(t_end_of "$2")" \
    >"$tmp/log" 2>&1 || {
    echo "run.sh: psst failed on $(basename "$1"):" >&2; cat "$tmp/log" >&2; exit 1; }
  local st
  st=$(attr "$3" steps)
  awk -v a="$st" -v b="$2" 'BEGIN { exit !(a == b) }' || {
    echo "run.sh: $(basename "$1"): psst took $st steps, asked for $2" >&2; exit 1; }
  [[ "$(sattr "$3" complete)" == yes ]] || {
    echo "run.sh: $(basename "$1"): output not complete" >&2; exit 1; }
}

# src_cost neuron|synapse KIND: the cost (last field, or .cost) of the kind's
# descriptor in src/mech, a macro resolved through its #define; "?" if not found
src_cost() {
  local f v
  f=$(grep -rlE --include='*.c' "psst_$1_$2 = \{" "$root/src/mech" 2>/dev/null | head -1) || true
  [[ -n "$f" ]] || { echo "?"; return; }
  v=$(awk -v pat="psst_$1_$2 = {" '
    index($0, pat) { on = 1; body = "" }
    on { sub(/\/\/.*/, ""); body = body " " $0; if ($0 ~ /};/) exit }
    END {
      gsub(/\/\*[^*]*\*+([^\/*][^*]*\*+)*\//, "", body)    # /* comments */
      if (match(body, /\.cost[[:space:]]*=[[:space:]]*[^,}]+/)) {
        v = substr(body, RSTART, RLENGTH); sub(/^\.cost[[:space:]]*=/, "", v)
      } else {
        sub(/}[[:space:]]*;.*/, "", body); sub(/[[:space:],]*$/, "", body)
        n = split(body, a, ","); v = a[n]
      }
      gsub(/[[:space:]]/, "", v); print v }' "$f")
  if [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    local d
    d=$(sed -n "s/^#define[[:space:]]\{1,\}${v}[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p" "$f" | head -1)
    [[ -n "$d" ]] || d=$(grep -rh --include='*.[ch]' "^#define[[:space:]]\+${v}[[:space:]]" "$root/src" |
                           awk '{print $3; exit}')
    v=${d:-?}
  fi
  echo "${v:-?}"
}
src_file() { # src_file neuron|synapse KIND: where the descriptor is (relative)
  local f
  f=$(grep -rlE --include='*.c' "psst_$1_$2 = \{" "$root/src/mech" 2>/dev/null | head -1) || true
  echo "${f#"$root/"}"
}
dense_src_cost() {
  sed -n 's/^#define[[:space:]]\{1,\}COST_PER_DENSE_ENTRY[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' \
    "$root/src/partition.c" | head -1
}

# ---- environment -----------------------------------------------------------

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
[[ -n "$cpu" ]] || cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo nan)

echo "psst calibration: 1 rank, PSST_BACKEND=cpu, rk4, dt $DT ms, N $N, K $K, dense $NDENSE x $N, $AMP uA/cm^2"
echo "psst     $PSST ($("$PSST" --version 2>/dev/null | head -1))"
echo "cpu      ${cpu:-unknown} ($(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?) CPUs online)"
echo "load     before: $load_before"

# ---- pilot runs: spike rates, and the steps of each case -------------------

declare -A STEPS_OF HZ_OF NEUR_OF SYN_N_OF BEST_OF WORST_OF
detail=""
for c in "${cases[@]}"; do
  m=$(gen_model "$c" true)
  run_psst "$m" "$PILOT_STEPS" "$tmp/pilot.nc"
  NEUR_OF[$c]=$(attr "$tmp/pilot.nc" neurons)
  HZ_OF[$c]=$(awk -v s="$(nspikes "$tmp/pilot.nc")" -v n="${NEUR_OF[$c]}" \
    -v st="$PILOT_STEPS" -v dt="$DT" 'BEGIN { printf "%.3g", s / n / (st * dt / 1000) }')
  detail=$(sattr "$tmp/pilot.nc" backend_detail)
  if awk -v h="${HZ_OF[$c]}" 'BEGIN { exit !(h == 0) }'; then
    echo "run.sh: warning: no spikes in the $PILOT_STEPS-step pilot run of $c" >&2
  fi
  if [[ -n "$STEPS" ]]; then
    STEPS_OF[$c]=$STEPS
  else
    STEPS_OF[$c]=$(awk -v c="$(attr "$tmp/pilot.nc" wall_compute_s)" -v p="$PILOT_STEPS" \
      -v want="$MIN_COMPUTE" 'BEGIN { s = int(1.15 * want * p / c) + 1; if (s < 100) s = 100; print s }')
  fi
  if [[ $c == n_* || $c == base ]]; then SYN_N_OF[$c]=0
  else SYN_N_OF[$c]=$("$PSST" check "$m" | awk '$1 == "synapses" { print $2; exit }'); fi
done
echo "backend  ${detail:-?}"
if [[ -n "$STEPS" ]]; then
  echo "steps    $STEPS per run (STEPS), best of $REPEATS"
else
  echo "steps    sized for >= $MIN_COMPUTE s of compute per run, best of $REPEATS"
fi

# ---- timed runs: REPEATS rounds over all cases -----------------------------

for ((r = 0; r < REPEATS; r++)); do
  for c in "${cases[@]}"; do
    m="$tmp/$c.false.yaml"
    [[ -f "$m" ]] || m=$(gen_model "$c" false)
    run_psst "$m" "${STEPS_OF[$c]}" "$tmp/out.nc"
    ps=$(awk -v c="$(attr "$tmp/out.nc" wall_compute_s)" -v s="${STEPS_OF[$c]}" \
      'BEGIN { printf "%.9g", c / s }')
    if [[ -z "${BEST_OF[$c]:-}" ]] || awk -v a="$ps" -v b="${BEST_OF[$c]}" 'BEGIN { exit !(a < b) }'; then
      BEST_OF[$c]=$ps
    fi
    if [[ -z "${WORST_OF[$c]:-}" ]] || awk -v a="$ps" -v b="${WORST_OF[$c]}" 'BEGIN { exit !(a > b) }'; then
      WORST_OF[$c]=$ps
    fi
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo nan)

# ---- the table ---------------------------------------------------------------

base_ps=${BEST_OF[base]}
ach_ns=$(awk -v a="${BEST_OF[s_ach_pulse]}" -v b="$base_ps" -v n="${SYN_N_OF[s_ach_pulse]}" \
  'BEGIN { printf "%.9g", (a - b) / n * 1e9 }')
awk -v b="$base_ps" -v n="${NEUR_OF[base]}" -v a="$ach_ns" -v s="${STEPS_OF[base]}" 'BEGIN {
  printf "baseline %d hh_tutorial cells, no synapses: %.4g ms per step (%.3g ns per neuron-step), %d steps\n",
    n, b * 1e3, b / n * 1e9, s
  printf "unit     1 = one sparse per_pre ach_pulse synapse-step = %.4g ns\n", a }'

echo "case,kind,per,neurons,synapses,steps,best_compute_per_step_s,spread,rate_hz,ns_per_unit,cost_measured,cost_measured_2sig,cost_source,source,load1_after" >"$CSV"
printf '%-24s %-12s %5s %7s %6s %9s %6s %6s %9s %8s %6s %7s  %s\n' \
  case per neurons synapses steps ms/step spread Hz ns cost ~2sig source where
load1=${load_after%% *}
for c in "${cases[@]}"; do
  [[ $c == base ]] && continue
  per="" kind="" src="" where=""
  case $c in
    n_*) kind=${c#n_}; per=neuron-step; src=$(src_cost neuron "$kind"); where=$(src_file neuron "$kind") ;;
    d_*) kind=dense_entry; per=dense-entry; src=$(dense_src_cost); where="src/partition.c COST_PER_DENSE_ENTRY" ;;
    *) kind=${SYN_OF[$c]}; per=synapse-step; src=$(src_cost synapse "$kind"); where=$(src_file synapse "$kind")
       [[ $c == *per_synapse ]] && where="($where: per kind, not per storage)" ;;
  esac
  [[ -n "$src" ]] || src="?"
  awk -v c="$c" -v kind="$kind" -v per="$per" -v n="${NEUR_OF[$c]}" -v syn="${SYN_N_OF[$c]}" \
      -v st="${STEPS_OF[$c]}" -v best="${BEST_OF[$c]}" -v worst="${WORST_OF[$c]}" \
      -v base="$base_ps" -v hz="${HZ_OF[$c]}" -v ach="$ach_ns" -v src="$src" -v where="$where" \
      -v load="$load1" -v csv="$CSV" 'BEGIN {
    if (per == "neuron-step") ns = best / n * 1e9
    else ns = (best - base) / syn * 1e9
    cost = ns / ach; spread = (worst - best) / best
    c2 = sprintf("%.2g", cost)
    printf "%-24s %-12s %5d %7d %6d %9.4g %5.1f%% %6s %9.4g %8.4g %6s %7s  %s\n",
      c, per, n, syn, st, best * 1e3, 100 * spread, hz, ns, cost, c2, src, where
    printf "%s,%s,%s,%d,%d,%d,%.6g,%.4f,%s,%.6g,%.6g,%s,%s,\"%s\",%s\n",
      c, kind, per, n, syn, st, best, spread, hz, ns, cost, c2, src, where, load >> csv }'
done
echo "load     after: $load_after"
echo "(ns: compute per neuron-step, or per synapse-step / dense entry over the"
echo " baseline; cost: ns / the unit; spread: (slowest - fastest) / fastest repeat;"
echo " Hz: mean firing rate over all neurons in a ${PILOT_STEPS}-step pilot run)"
echo "CSV: $CSV"
