#!/usr/bin/env bash
# scripts/run.sh — THE run command: build psst if needed, run the main job
# (the locust antennal lobe, docs/models.md §6, on 2 ranks), write its figures and
# print its summary.
#
#   scripts/run.sh [MODEL.yaml] [NP]
#
# Defaults below (MODEL, NP). The output is <model name>.nc in the current
# directory (override with OUT=path.nc); the figures go to <model name>_figures/
# (override with FIGDIR=...), made by tools/psst_analyze.py. Runs through scripts/env.sh, so it
# works as root in a container and with more ranks than cores.
# Environment: PSST_BUILD_DIR (default build), OUT, PSST_ARGS (extra psst run
# arguments, split on spaces, e.g. PSST_ARGS=--quiet).
set -euo pipefail

MODEL=examples/locust_al.yaml      # the main job: the tutorial's locust model
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

"$ROOT/scripts/setup.sh" --with-python

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
  { ncdump -h "$OUT" || true; } | grep -v -e ":model_text" -e "_recipients" | head -n 40   # head closes the pipe early
fi

FIGDIR=${FIGDIR:-$PWD/${name}_figures}
PY=${PSST_PYTHON:-/usr/bin/python3}
echo ""
echo "=== run.sh: $PY tools/psst_analyze.py $OUT -o $FIGDIR"
"$PY" "$ROOT/tools/psst_analyze.py" "$OUT" -o "$FIGDIR"
