#!/usr/bin/env bash
# The floor benchmark (benchmarks/floor/README.md): how fast this machine
# integrates the classic Hodgkin-Huxley neuron with RK4, stage by stage, in
# three variants (scalar, libmvec, sleef), and how close psst comes to it
# on the same neurons.
#
#   benchmarks/floor/run.sh                     # build, run, compare with psst
#   N=4096 STEPS=500 REPEATS=2 benchmarks/floor/run.sh
#   benchmarks/floor/run.sh --build DIR         # only build DIR/floor
#
# Environment:
#   N, STEPS, REPEATS  neurons (4096), RK4 steps of 0.01 ms (2000), timed
#                      runs per variant (5; the best is reported)
#   CC                 compiler (gcc; the flags are gcc's)
#   FLOOR_VFLAGS_EXTRA extra flags for the vectorised variants, e.g.
#                      -mprefer-vector-width=512 where gcc's tuning prefers
#                      256-bit vectors on an AVX-512 machine
#   PSST               the psst executable (default build/psst, relative to
#                      the current directory, else to the repository root);
#                      skipped if not found. Run with PSST_BACKEND=cpu, one
#                      rank, no mpiexec.
# Needs gcc, glibc's libmvec (glibc >= 2.35 for expm1), SLEEF (Debian:
# libsleef-dev; the sleef variant is left out without it) and, for the psst
# comparison, ncdump. Builds into a temporary directory (or DIR).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
CC="${CC:-gcc}"
N="${N:-4096}"
STEPS="${STEPS:-2000}"
REPEATS="${REPEATS:-5}"
read -r -a VEXTRA <<<"${FLOOR_VFLAGS_EXTRA:-}"

build_dir=""
if [[ "${1:-}" == "--build" ]]; then
  [[ $# -eq 2 ]] || { echo "usage: run.sh [--build DIR]" >&2; exit 2; }
  build_dir="$2"
  mkdir -p "$build_dir"
  build_dir="$(cd "$build_dir" && pwd)"
elif [[ $# -gt 0 ]]; then
  echo "usage: run.sh [--build DIR]" >&2
  exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/psst-floor.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
bin="${build_dir:-$tmp}"

# ---- build -----------------------------------------------------------------

WARN=(-std=c11 -Wall -Wextra)
SCALAR_FLAGS=(-O3 -fno-tree-vectorize)
VEC_FLAGS=(-O3 -march=native -fno-math-errno -ffp-contract=off -fno-tree-sink
           "${VEXTRA[@]}")

links() { # links LIB: can a program be linked with -lLIB?
  echo 'int main(void) { return 0; }' >"$tmp/t.c"
  "$CC" "$tmp/t.c" -o "$tmp/t" "-l$1" -lm >/dev/null 2>&1
}

kernel() { # kernel VARIANT MATH FLAGS...: compile kernel.c for one variant
  local v=$1 m=$2
  shift 2
  "$CC" "${WARN[@]}" "$@" -DFLOOR_VARIANT="$v" -DFLOOR_MATH="$m" \
    -fopt-info-vec-optimized="$bin/$v.vec" -c "$here/kernel.c" -o "$bin/k_$v.o"
}

variants=(scalar)
defs=()
libs=()
kernel scalar 0 "${SCALAR_FLAGS[@]}"
if links mvec; then
  kernel libmvec 1 "${VEC_FLAGS[@]}"
  variants+=(libmvec)
  libs+=(-lmvec)
else
  echo "run.sh: libmvec not found: the libmvec variant is left out" >&2
  defs+=(-DFLOOR_NO_LIBMVEC)
fi
if links sleef && echo '#include <sleef.h>' | "$CC" -E - >/dev/null 2>&1; then
  kernel sleef 2 "${VEC_FLAGS[@]}"
  # no vector flags: each ABI variant carries its own target attribute
  "$CC" "${WARN[@]}" -O2 -c "$here/sleef_abi.c" -o "$bin/sleef_abi.o"
  variants+=(sleef)
  libs=(-lsleef "${libs[@]}")
else
  echo "run.sh: SLEEF not found (Debian: libsleef-dev): the sleef variant is left out" >&2
  defs+=(-DFLOOR_NO_SLEEF)
fi
"$CC" "${WARN[@]}" -O2 "${defs[@]}" -c "$here/floor.c" -o "$bin/floor.o"
objs=("$bin/floor.o")
for v in "${variants[@]}"; do objs+=("$bin/k_$v.o"); done
if [[ " ${variants[*]} " == *" sleef "* ]]; then objs+=("$bin/sleef_abi.o"); fi
"$CC" -o "$bin/floor" "${objs[@]}" "${libs[@]}" -lm

# ---- did the vector variants vectorise? -----------------------------------

# The three stage loops (stage_first, stage_mid, stage_last) are the lines
# of kernel.c that start with "LOOP for".
mapfile -t loop_lines < <(grep -n '^  LOOP for' "$here/kernel.c" | cut -d: -f1)
if grep -q '\bavx512f\b' /proc/cpuinfo 2>/dev/null; then abi=_ZGVeN8v_
elif grep -q '\bavx2\b' /proc/cpuinfo 2>/dev/null; then abi=_ZGVdN4v_
else abi=_ZGVbN2v_; fi

check_vec() { # check_vec VARIANT EXP_NAME: sets vec_msg
  local v=$1 fn=$2 nvec=0 l calls
  for l in "${loop_lines[@]}"; do
    grep -q "kernel.c:$l:[0-9]*: optimized: loop vectorized" "$bin/$v.vec" && nvec=$((nvec + 1))
  done
  calls=$(nm "$bin/k_$v.o" | awk '$1 == "U" && $2 ~ /^_ZGV/ {print $2}' | sort | tr '\n' ' ')
  if [[ $v == scalar ]]; then
    if [[ $nvec -eq 0 && -z "$calls" ]]; then vec_msg="no (scalar loop, as intended)"
    else vec_msg="UNEXPECTED: $nvec/${#loop_lines[@]} loops vectorised, calls $calls"; fi
    return
  fi
  local want="${abi}$fn ${abi}${fn}m1"
  if [[ $nvec -eq ${#loop_lines[@]} && " $calls" == *" ${abi}$fn "* &&
        " $calls" == *" ${abi}${fn}m1 "* ]]; then
    vec_msg="yes: $nvec/${#loop_lines[@]} stage loops, calls $want"
  else
    vec_msg="NO: $nvec/${#loop_lines[@]} stage loops vectorised, vector calls: ${calls:-none} (want $want)"
    if [[ $nvec -eq ${#loop_lines[@]} && $abi == _ZGVeN8v_ ]]; then
      vec_msg+="; try FLOOR_VFLAGS_EXTRA=-mprefer-vector-width=512"
    fi
  fi
}
declare -A vec_of
for v in "${variants[@]}"; do
  case $v in
    scalar) check_vec scalar exp ;;
    libmvec) check_vec libmvec exp ;;
    sleef) check_vec sleef floor_exp ;;
  esac
  vec_of[$v]="$vec_msg"
  if [[ $vec_msg == NO* || $vec_msg == UNEXPECTED* ]]; then
    echo "run.sh: variant $v did not vectorise as intended: $vec_msg" >&2
  fi
done

if [[ -n "$build_dir" ]]; then
  for v in "${variants[@]}"; do echo "vectorised $v: ${vec_of[$v]}" >&2; done
  echo "$bin/floor"
  exit 0
fi

# ---- the floor -------------------------------------------------------------

"$bin/floor" "$N" "$STEPS" "$REPEATS" >"$tmp/floor.out" || {
  cat "$tmp/floor.out"; echo "run.sh: floor failed (state not sane?)" >&2; exit 1; }

fl() { # fl VARIANT FIELD: a field of floor's "variant" line
  awk -v v="$1" -v f="$2" '$1 == "variant" && $2 == v {
    for (i = 3; i < NF; i++) if ($i == f) print $(i + 1) }' "$tmp/floor.out"
}

echo "floor: $(head -1 "$tmp/floor.out" | sed 's/^floor //')"
echo "compiler: $("$CC" --version | head -1); cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
printf '%-8s %12s %10s %12s  %s\n' variant nrn-step/s best_s 'max|dV|_mV' vectorised
for v in "${variants[@]}"; do
  printf '%-8s %12.4g %10.4f %12.3g  %s\n' "$v" "$(fl "$v" neuron_steps_per_s)" \
    "$(fl "$v" best_s)" "$(fl "$v" max_dV_vs_scalar_mV)" "${vec_of[$v]}"
done

# ---- psst on the same neurons ---------------------------------------------

PSST="${PSST:-build/psst}"
if [[ ! -x "$PSST" && -x "$root/$PSST" ]]; then PSST="$root/$PSST"; fi
if [[ ! -x "$PSST" ]]; then
  echo "psst: '$PSST' not found; set PSST= to compare (skipped)"
  exit 0
fi
command -v ncdump >/dev/null || { echo "run.sh: ncdump not found (psst comparison skipped)" >&2; exit 0; }

# grid points M = t_end/dt = STEPS + 1, so psst takes STEPS steps
t_end=$(awk -v s="$STEPS" 'BEGIN { printf "%.10g", (s + 1) * 0.01 }')
model="$tmp/hh_classic_floor.yaml"
cat >"$model" <<EOF
# the floor benchmark's neurons (benchmarks/floor/README.md)
run: {t_end: $t_end, dt: 0.01, method: rk4, seed: 1}
populations:
  - {name: X, kind: hh_classic, size: $N,
     init: {V: {uniform: [-70, -60]}, m: 0.05, h: 0.6, n: 0.32}}
stimuli:
  - {target: "X", amplitude: 10}
record: {variables: [V], neurons: ["X[0]"], every: 1000, spikes: false}
EOF

attr() { # attr FILE NAME: a numeric global attribute
  ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \([^ ;]*\).*/\1/p" | head -1
}
sattr() { # sattr FILE NAME: a string global attribute
  ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \"\(.*\)\" ;$/\1/p" | head -1
}

export PSST_BACKEND=cpu
out="$tmp/out.nc"
best=""
for ((r = 0; r < REPEATS; r++)); do
  rm -f "$out"
  "$PSST" run "$model" -o "$out" --force --quiet >"$tmp/log" 2>&1 || {
    echo "run.sh: psst failed:" >&2; cat "$tmp/log" >&2; exit 1; }
  c=$(attr "$out" wall_compute_s)
  if [[ -z "$best" ]] || awk -v a="$c" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$c; fi
done
psteps=$(attr "$out" steps)
if ! awk -v a="$psteps" -v b="$STEPS" 'BEGIN { exit !(a == b) }'; then
  echo "run.sh: psst took $psteps steps, the floor $STEPS" >&2
fi
detail=$(sattr "$out" backend_detail)
[[ -n "$detail" ]] || detail=$(sattr "$out" backend)
awk -v n="$N" -v st="$psteps" -v c="$best" -v d="$detail" \
    -v sc="$(fl scalar neuron_steps_per_s)" -v mv="$(fl libmvec neuron_steps_per_s)" \
    -v sl="$(fl sleef neuron_steps_per_s)" 'BEGIN {
  p = n * st / c
  printf "%-8s %12.4g %10.4f %12s  %s (best wall_compute_s of the runs, %d steps)\n",
    "psst", p, c, "-", d, st
  r = ""
  if (sl != "") r = r sprintf("psst/sleef %.3f   ", p / sl)
  if (mv != "") r = r sprintf("psst/libmvec %.3f   ", p / mv)
  r = r sprintf("psst/scalar %.3f", p / sc)
  print "ratios: " r }'
