#!/usr/bin/env bash
# scripts/run.sh — THE run command: build psst if needed, run the main job,
# and summarise its output file.
#
#   scripts/run.sh [MODEL.yaml] [NP]
#
# Defaults below (MODEL, NP). The output is <model name>.nc in the current
# directory (override with OUT=path.nc). Runs through scripts/env.sh, so it
# works as root in a container and with more ranks than cores.
# Environment: PSST_BUILD_DIR (default build), OUT, PSST_ARGS (extra psst run
# arguments, split on spaces, e.g. PSST_ARGS=--quiet).
set -euo pipefail

MODEL=examples/day4_network.yaml   # the main job (the locust model will replace it)
NP=2                               # MPI ranks

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -gt 2 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  [ $# -gt 2 ] && exit 2
  exit 0
fi
if [ $# -ge 1 ]; then
  MODEL=$1
  [ -f "$MODEL" ] || { echo "run.sh: no such model file: $MODEL" >&2; exit 2; }
  MODEL=$(cd "$(dirname "$MODEL")" && pwd)/$(basename "$MODEL")
else
  MODEL=$ROOT/$MODEL
fi
if [ $# -ge 2 ]; then NP=$2; fi
case "$NP" in '' | *[!0-9]* | 0) echo "run.sh: NP must be a positive integer, got '$NP'" >&2; exit 2 ;; esac
name=$(basename "$MODEL")
name=${name%.yaml}
name=${name%.yml}
OUT=${OUT:-$PWD/$name.nc}
BUILD=${PSST_BUILD_DIR:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
read -r -a psst_args <<<"${PSST_ARGS:-}"

"$ROOT/scripts/setup.sh"

# shellcheck source=scripts/env.sh
. "$ROOT/scripts/env.sh"
psst_env_oversubscribe "$NP"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "=== run.sh: configuring $BUILD (Release)"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release
fi
echo "=== run.sh: building $BUILD"
cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target psst_cli

echo "=== run.sh: mpiexec -n $NP psst run $MODEL -o $OUT --force"
t0=$SECONDS
mpiexec -n "$NP" "$BUILD/psst" run "$MODEL" -o "$OUT" --force ${psst_args[@]+"${psst_args[@]}"}
echo "=== run.sh: finished in $((SECONDS - t0)) s; output $OUT"

echo ""
echo "--- ncdump -h $OUT (head)"
if command -v ncdump >/dev/null 2>&1; then
  { ncdump -h "$OUT" || true; } | head -n 40   # head closes the pipe early
fi

echo ""
echo "--- spikes"
PY=${PSST_PYTHON:-/usr/bin/python3}
if "$PY" -c 'import netCDF4, numpy' >/dev/null 2>&1; then
  "$PY" - "$OUT" <<'PYEOF'
import sys
import numpy as np
from netCDF4 import Dataset, chartostring

with Dataset(sys.argv[1]) as ds:
    if "spike_neuron" not in ds.variables:
        print("no spike variables in the file (record: spikes: false?)")
        sys.exit(0)
    gid = np.asarray(ds["spike_neuron"][:], dtype=np.int64)
    t = np.asarray(ds["spike_time"][:], dtype=float)
    tend = float(ds["time"][-1]) if "time" in ds.variables and ds["time"].size else None
    # names of recorded neurons, when the file has them
    label = {}
    if "neuron_id" in ds.variables and "population" in ds.variables:
        pops = []
        if "population_name" in ds.variables:
            raw = ds["population_name"][:]
            if raw.dtype.kind in "SU" and raw.ndim == 2:  # char array
                raw = chartostring(np.ma.filled(raw, b""))
            pops = [x.decode() if isinstance(x, bytes) else str(x) for x in raw]
        for g, p in zip(ds["neuron_id"][:], ds["population"][:]):
            label[int(g)] = pops[int(p)] if int(p) < len(pops) else f"pop{int(p)}"
    ids, counts = np.unique(gid, return_counts=True)
    print(f"{gid.size} spikes from {ids.size} neurons"
          + (f" in {tend:g} ms" if tend else ""))
    if ids.size <= 20 and len(label) <= 20 and (ids.size or label):
        allids = sorted(set(ids.tolist()) | set(label))
        cnt = dict(zip(ids.tolist(), counts.tolist()))
        print("neuron  population  spikes  first spike [ms]")
        for g in allids:
            first = t[gid == g].min() if cnt.get(g) else float("nan")
            print(f"{g:6d}  {label.get(g, '?'):>10}  {cnt.get(g, 0):6d}  {first:10.3f}")
    elif ids.size:
        print(f"spikes per spiking neuron: min {counts.min()}, "
              f"mean {counts.mean():.2f}, max {counts.max()}")
PYEOF
elif command -v ncdump >/dev/null 2>&1; then
  echo "(no python netCDF4 for $PY; raw spike_neuron from ncdump)"
  { ncdump -v spike_neuron "$OUT" || true; } | sed -n '/^data:/,$p' | head -n 30
fi
