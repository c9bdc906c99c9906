#!/usr/bin/env bash
# benchmarks/accuracy/run.sh — spike-time error of psst on the classic HH
# neuron under step currents (hh_steps.yaml.in), at dt 0.01 and 0.02 ms,
# for both input holds (tutorial: RK4's last stage takes the next sample;
# exact: the whole step takes the current of [t_i, t_i+1)) and both spike
# time interpolations (linear; cubic Hermite), against a reference with
# exact hold and Hermite times at dt = 0.0001 ms (checked against dt =
# 0.0002 ms: their difference is printed, it bounds the reference's error).
#
#   PSST=build/psst benchmarks/accuracy/run.sh
#
# Needs /usr/bin/python3 with netCDF4 and numpy. Prints a table (max and
# mean |t - t_ref| over the spikes, paired in order) and writes CSV (env CSV,
# default ./psst_accuracy.csv).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PSST="${PSST:-build/psst}"
if [[ ! -x "$PSST" && -x "$root/$PSST" ]]; then PSST="$root/$PSST"; fi
[[ -x "$PSST" ]] || { echo "run.sh: psst executable '$PSST' not found; set PSST=" >&2; exit 2; }
PYTHON="${PYTHON:-/usr/bin/python3}"
CSV="${CSV:-$PWD/psst_accuracy.csv}"
export PSST_BACKEND=cpu
tmp="$(mktemp -d "${TMPDIR:-/tmp}/psst-acc.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

run() { # run DT HOLD INTERP -> prints the output path
  local name="$tmp/hh_$1_$2_$3"
  sed -e "s/@DT@/$1/;s/@HOLD@/$2/;s/@INTERP@/$3/" "$here/hh_steps.yaml.in" >"$name.yaml"
  "$PSST" run "$name.yaml" -o "$name.nc" --force --quiet
  echo "$name.nc"
}

ref=$(run 0.0001 exact hermite)
ref2=$(run 0.0002 exact hermite)
rows=()
for dt in 0.01 0.02; do
  for hold in tutorial exact; do
    for interp in linear hermite; do
      rows+=("$dt $hold $interp $(run "$dt" "$hold" "$interp")")
    done
  done
done
printf '%s\n' "${rows[@]}" >"$tmp/rows.txt"
"$PYTHON" - "$ref" "$ref2" "$tmp/rows.txt" "$CSV" <<'PY'
import csv, sys, netCDF4, numpy as np
def spikes(path):
    d = netCDF4.Dataset(path)
    t = np.array(d["spike_time"][:], dtype=float)
    d.close()
    return np.sort(t)
ref = spikes(sys.argv[1])
ref2 = spikes(sys.argv[2])
n = min(len(ref), len(ref2))
print("reference: exact hold, Hermite, dt 0.0001 ms: %d spikes; against dt 0.0002 ms: "
      "max |dt| %.2g ms (%d spikes)" % (len(ref), np.max(np.abs(ref[:n] - ref2[:n])), len(ref2)))
out = []
print("| dt ms | hold | spike times | spikes | max abs error ms | mean abs error ms |")
print("|---|---|---|---|---|---|")
for line in open(sys.argv[3]):
    dt, hold, interp, path = line.split()
    t = spikes(path)
    m = min(len(t), len(ref))
    e = np.abs(t[:m] - ref[:m])
    row = [dt, hold, interp, len(t), "%.2g" % e.max(), "%.2g" % e.mean()]
    if len(t) != len(ref):
        row[3] = "%d (reference %d)" % (len(t), len(ref))
    out.append(row)
    print("| " + " | ".join(str(x) for x in row) + " |")
with open(sys.argv[4], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["dt_ms", "hold", "spike_times", "spikes", "max_abs_err_ms", "mean_abs_err_ms"])
    w.writerows(out)
print("CSV: %s" % sys.argv[4])
PY
