#!/usr/bin/env bash
# psst peer benchmark: COBAHH (4000 cells, 1 s of model time) in psst,
# Brian2 (C++ standalone) and NEURON on this machine, in one run, plus the
# single-cell spike-time accuracy of each method (accuracy.py).
# benchmarks/README.md, section "Peers".
#
#   PSST=build/psst benchmarks/peers/run.sh
#
# Builds psst nothing. Environment:
#   PSST       psst executable (default build/psst; relative to the current
#              directory, else to the repository root)
#   PYTHON     Python that sees the Debian packages (default /usr/bin/python3)
#   MPIEXEC    default: mpiexec --allow-run-as-root --oversubscribe
#   T_END      model time in ms (default 1000)
#   BRIAN      Brian2 configurations METHOD:DT:THREADS (default below)
#   NEURON     NEURON configurations DT:RANKS (default below)
#   ACCURACY   0 to skip accuracy.py (default 1)
#   CSV, ACC_CSV  outputs (default ./peers_bench.csv, ./peers_accuracy.csv)
# A peer that is not importable (or, for NEURON, whose tmhh.mod cannot be
# compiled with nrnivmodl) is skipped with a note. One run per configuration
# (no repeats: the whole script takes about 10-15 minutes on 2 cores).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PSST="${PSST:-build/psst}"
if [[ ! -x "$PSST" && -x "$root/$PSST" ]]; then PSST="$root/$PSST"; fi
[[ -x "$PSST" ]] || { echo "run.sh: psst executable '$PSST' not found; set PSST=" >&2; exit 2; }
PSST="$(cd "$(dirname "$PSST")" && pwd)/$(basename "$PSST")"
PYTHON="${PYTHON:-/usr/bin/python3}"
T_END="${T_END:-1000}"
BRIAN="${BRIAN:-exponential_euler:0.1:1 exponential_euler:0.1:2 rk4:0.1:1 rk4:0.05:1 rk4:0.05:2}"
NEURON="${NEURON:-0.1:1 0.1:2 0.05:1 0.05:2}"
ACCURACY="${ACCURACY:-1}"
CSV="${CSV:-$PWD/peers_bench.csv}"
ACC_CSV="${ACC_CSV:-$PWD/peers_accuracy.csv}"
read -r -a MPIEXEC <<<"${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}"
export OMPI_MCA_btl="${OMPI_MCA_btl:-self,vader}"
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export PYTHONWARNINGS=ignore
command -v ncdump >/dev/null || { echo "run.sh: ncdump not found" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/psst-peers.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
res="$tmp/results.jsonl"
: >"$res"
note() { echo "run.sh: $*" >&2; }
now() { date +%s.%N; }

# ---- psst ------------------------------------------------------------------
attr() { ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \([^ ;]*\).*/\1/p" | head -1; }
for ranks in 1 2; do
  out="$tmp/cobahh_$ranks.nc"
  note "psst: examples/cobahh.yaml, rk4 dt 0.05 ms, $ranks rank(s)"
  t0=$(now)
  (cd "$tmp" && "${MPIEXEC[@]}" -n "$ranks" "$PSST" run "$root/examples/cobahh.yaml" \
     --t-end "$T_END" -o "$out" --force --quiet)
  t1=$(now)
  # "spike = UNLIMITED ; // (N currently)" or "spike = N ;"
  nspk=$(ncdump -h "$out" | sed -n -e 's/^[[:space:]]*spike = UNLIMITED ; \/\/ (\([0-9]*\) currently).*/\1/p' \
                                   -e 's/^[[:space:]]*spike = \([0-9]*\) ;.*/\1/p' | head -1)
  "$PYTHON" - "$ranks" "$t0" "$t1" "${nspk:-0}" "$(attr "$out" wall_setup_s)" \
    "$(attr "$out" wall_compute_s)" "$(attr "$out" wall_exchange_s)" "$(attr "$out" wall_output_s)" \
    "$T_END" >>"$res" <<'PY'
import json, sys
r, t0, t1, n, su, co, ex, ou, te = sys.argv[1:]
r, n, te = int(r), int(n), float(te)
wall = float(t1) - float(t0)
sim = float(co) + float(ex) + float(ou)
print(json.dumps({"sim": "psst", "method": "rk4", "dt": 0.05,
      "par": "%d rank%s" % (r, "" if r == 1 else "s"), "n": r, "build_s": 0.0,
      "setup_s": max(0.0, wall - sim), "sim_s": sim, "spikes": n, "rate_hz": n / 4000 / (te / 1000)}))
PY
done

# ---- Brian2 ----------------------------------------------------------------
if "$PYTHON" -c 'import brian2' >/dev/null 2>&1; then
  for cfg in $BRIAN; do
    IFS=: read -r method dt threads <<<"$cfg"
    note "Brian2: $method dt $dt ms, $threads OpenMP thread(s) (build + run)"
    # one build directory per (method, dt): the second thread count only
    # recompiles what changed (main.cpp)
    "$PYTHON" "$here/brian_cobahh.py" --method "$method" --dt "$dt" --threads "$threads" \
      --t-end "$T_END" --dir "$tmp/brian_${method}_$dt" 2>"$tmp/brian.err" \
      | sed -n 's/^RESULT //p' >>"$res" || { note "Brian2 $cfg failed:"; tail -5 "$tmp/brian.err" >&2; }
  done
else
  note "Brian2 not importable by $PYTHON: skipped (Debian: apt-get install python3-brian)"
fi

# ---- NEURON ----------------------------------------------------------------
mech=""
if "$PYTHON" -c 'import neuron' >/dev/null 2>&1; then
  if command -v nrnivmodl >/dev/null; then
    mkdir -p "$tmp/nrn" && cp "$here/tmhh.mod" "$tmp/nrn/"
    nrniv_mod="$(command -v nrnivmodl)"
    # Debian 12's neuron-dev looks for nrnmech_makefile in /usr/bin and
    # does not put libnrniv.so's directory on the link line: patch a copy.
    mkfile="$(dirname "$nrniv_mod")/nrnmech_makefile"
    if [[ ! -f "$mkfile" ]]; then
      alt="$(ls /usr/lib/nrn/nrnmech_makefile /usr/lib*/nrn/nrnmech_makefile 2>/dev/null | head -1 || true)"
      [[ -n "$alt" ]] && sed "s#\"\${bindir}/nrnmech_makefile\"#$alt#" "$nrniv_mod" >"$tmp/nrnivmodl" \
        && nrniv_mod="bash $tmp/nrnivmodl"
    fi
    libdir="$(dirname "$(ls /usr/lib/nrn/libnrniv.so /usr/lib*/libnrniv.so 2>/dev/null | head -1)" 2>/dev/null || echo /usr/lib)"
    t0=$(now)
    (cd "$tmp/nrn" && $nrniv_mod -loadflags "-L$libdir -Wl,-rpath,$libdir" >build.log 2>&1) || true
    t1=$(now)
    nrn_build=$(printf '%.3f' "$(echo "$t1 - $t0" | bc)")  # a JSON number (bc prints .5)
    mech="$(ls "$tmp"/nrn/*/.libs/libnrnmech.so "$tmp"/nrn/*/libnrnmech.so 2>/dev/null | head -1 || true)"
    [[ -n "$mech" ]] || { note "NEURON: nrnivmodl failed to build tmhh.mod:"; tail -5 "$tmp/nrn/build.log" >&2; }
  else
    note "NEURON: nrnivmodl not found (Debian: apt-get install neuron-dev): skipped"
  fi
  if [[ -n "$mech" ]]; then
    for cfg in $NEURON; do
      IFS=: read -r dt ranks <<<"$cfg"
      note "NEURON: dt $dt ms, secondorder 0, $ranks MPI rank(s)"
      (cd "$tmp" && "${MPIEXEC[@]}" -n "$ranks" "$PYTHON" "$here/neuron_cobahh.py" --mech "$mech" \
         --dt "$dt" --t-end "$T_END" 2>"$tmp/nrn.err") \
        | sed -n 's/^RESULT //p' | sed "s/\"build_s\": 0.0/\"build_s\": $nrn_build/" >>"$res" \
        || { note "NEURON $cfg failed:"; tail -5 "$tmp/nrn.err" >&2; }
    done
  fi
else
  note "NEURON not importable by $PYTHON: skipped (Debian: apt-get install python3-neuron neuron-dev)"
fi

# ---- table -----------------------------------------------------------------
"$PYTHON" - "$res" "$CSV" "$T_END" <<'PY'
import csv, json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = {r["n"]: r["setup_s"] + r["sim_s"] for r in rows if r["sim"] == "psst"}
load = os.getloadavg()[0]
hdr = ["simulator", "method", "dt_ms", "threads_ranks", "build_s", "setup_s", "sim_s",
       "run_s", "ratio_to_psst", "spikes", "rate_hz"]
out = []
for r in rows:
    run = r["setup_s"] + r["sim_s"]
    ratio = run / base[r["n"]] if r["n"] in base else float("nan")
    out.append([r["sim"], r["method"], r["dt"], r["par"], "%.1f" % r["build_s"], "%.1f" % r["setup_s"],
                "%.1f" % r["sim_s"], "%.1f" % run, "%.2f" % ratio, r["spikes"], "%.1f" % r["rate_hz"]])
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f); w.writerow(hdr + ["t_end_ms", "load1_after"])
    for o in out:
        w.writerow(o + [sys.argv[3], "%.2f" % load])
print()
print("COBAHH, 4000 cells, %s ms of model time; run_s = setup_s + sim_s (build excluded);" % sys.argv[3])
print("ratio = run_s / psst run_s at the same rank/thread count (> 1: slower than psst).")
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
for o in out:
    print("| " + " | ".join(str(x) for x in o) + " |")
print("run.sh: wrote %s (1-minute load average at the end: %.2f)" % (sys.argv[2], load))
PY

# ---- accuracy ----------------------------------------------------------------
if [[ "$ACCURACY" != 0 ]]; then
  note "accuracy: one cobahh cell under step currents (accuracy.py)"
  args=(--psst "$PSST" --csv "$ACC_CSV")
  [[ -n "$mech" ]] && args+=(--mech "$mech")
  (cd "$tmp" && "$PYTHON" -W ignore "$here/accuracy.py" "${args[@]}" 2>/dev/null) \
    | grep -v -e DISPLAY -e 'No graphics'
fi
