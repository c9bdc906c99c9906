#!/usr/bin/env bash
# jobs/workstation.sh — run one psst model with mpirun on this machine.
#
#   jobs/workstation.sh [--container] [--dry-run] MODEL.yaml [extra psst run args]
#   NP=8 jobs/workstation.sh examples/cobahh.yaml -o cobahh.nc --force
#
# Ranks: one per GPU when `nvidia-smi -L` lists any (psst uses one GPU per
# rank), else one per core (nproc), but at most one rank per
# MIN_NEURONS_PER_RANK neurons (default 1000; the neuron count is what
# `psst check MODEL [--neurons N]` prints), and at least 1:
#   NP = max(1, min(GPUs or cores, neurons / MIN_NEURONS_PER_RANK))
# Every step, each rank waits for the spike exchange of all ranks, and the
# kernels work on 8 neurons at a time; below about a thousand neurons per
# rank that wait costs more than the rank saves (the 3-neuron Day-4 model
# runs ~20x slower on 2 ranks than on 1). So examples/day4_network.yaml
# (3 neurons) gets 1 rank, examples/cobahh.yaml (4000) up to 4.
# Override with NP=<ranks> (used as given). --dry-run prints the mpirun
# command (stdout) and exits without running it. A model `psst check`
# refuses is reported (exit 2) before any rank starts.
# Binary: $PSST if set, else build/psst of this checkout, else psst on PATH.
# BLAS: OPENBLAS_NUM_THREADS/OMP_NUM_THREADS default to 1 (the ranks already
# use the cores); set them yourself to change that.
#
# Root in a container (docker, podman, CI) — what Open MPI needs there:
#   OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
#       mpirun refuses to start as root without both (or --allow-run-as-root).
#   OMPI_MCA_rmaps_base_oversubscribe=1 (and OMPI_MCA_mpi_yield_when_idle=1)
#       needed only when NP exceeds the cores the container sees ("not enough
#       slots"); the ranks then share cores and must yield when idle.
#   OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
#       one node and no fabric: skip probing network transports (faster start).
#   OMPI_MCA_btl_vader_single_copy_mechanism=none
#       containers without ptrace/CMA permission otherwise fail in shared
#       memory transfers.
# None of this is set unless you ask for it with --container or
# PSST_CONTAINER=1 (variables you already set are kept). On a workstation as
# an ordinary user nothing is needed. scripts/run.sh does this automatically
# through scripts/env.sh.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

container=${PSST_CONTAINER:-0}
dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --container) container=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ]; then usage >&2; exit 2; fi
MODEL=$1
shift
[ -f "$MODEL" ] || { echo "workstation.sh: no such model file: $MODEL" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -n "${PSST:-}" ]; then
  exe=$PSST
elif [ -x "$here/build/psst" ]; then
  exe=$here/build/psst
elif command -v psst >/dev/null 2>&1; then
  exe=$(command -v psst)
else
  echo "workstation.sh: psst not found: set PSST=/path/to/psst, build it (scripts/run.sh" >&2
  echo "  or cmake -S . -B build && cmake --build build), or put it on PATH" >&2
  exit 2
fi
[ -x "$exe" ] || { echo "workstation.sh: not executable: $exe" >&2; exit 2; }

cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
gpus=0
if command -v nvidia-smi >/dev/null 2>&1; then
  gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
fi
# the model's size: `psst check` with the run's --neurons, if any
check=(check "$MODEL")
prev=""
for a in "$@"; do
  case "$a" in --neurons=*) check+=(--neurons "${a#--neurons=}") ;; esac
  if [ "$prev" = --neurons ]; then check+=(--neurons "$a"); fi
  prev=$a
done
per_rank=${MIN_NEURONS_PER_RANK:-1000}
case "$per_rank" in '' | *[!0-9]* | 0) echo "workstation.sh: MIN_NEURONS_PER_RANK must be a positive integer, got '$per_rank'" >&2; exit 2 ;; esac
# a model psst refuses (exit 2) is reported here, before mpirun starts ranks
crc=0
report=$("$exe" "${check[@]}" 2>"${TMPDIR:-/tmp}/psst-check.$$") || crc=$?
if [ "$crc" = 2 ]; then
  cat "${TMPDIR:-/tmp}/psst-check.$$" >&2
  rm -f "${TMPDIR:-/tmp}/psst-check.$$"
  exit 2
fi
rm -f "${TMPDIR:-/tmp}/psst-check.$$"
neurons=$(sed -n 's/^neurons  *\([0-9][0-9]*\) in .*/\1/p' <<<"$report" | head -n 1)
if [ "$gpus" -gt 0 ]; then devices=$gpus; else devices=$cores; fi
if [ -n "${NP:-}" ]; then
  np=$NP
  why="NP=$NP"
elif [ -n "$neurons" ]; then
  np=$((neurons / per_rank))
  [ "$np" -ge 1 ] || np=1
  [ "$np" -le "$devices" ] || np=$devices
  why="$neurons neurons, at most one rank per $per_rank"
else
  np=$devices
  why="model size unknown: '$exe ${check[*]}' printed no neuron count"
fi
case "$np" in '' | *[!0-9]* | 0) echo "workstation.sh: NP must be a positive integer, got '$np'" >&2; exit 2 ;; esac

: "${OPENBLAS_NUM_THREADS:=1}"
: "${OMP_NUM_THREADS:=1}"
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS

if [ "$container" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  if [ "$np" -gt "$cores" ]; then
    export OMPI_MCA_rmaps_base_oversubscribe=1
    export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
  fi
  if [ -z "${OMPI_MCA_btl:-}" ] && [ -z "${OMPI_MCA_pml:-}" ]; then
    export OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
  fi
  export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
fi
if [ "$(id -u)" = 0 ] && [ -z "${OMPI_ALLOW_RUN_AS_ROOT:-}" ]; then
  echo "workstation.sh: running as root; if mpirun refuses, rerun with --container" >&2
fi

echo "workstation.sh: $np ranks ($why; $cores cores, $gpus GPUs) on $(hostname): $exe run $MODEL $*" >&2
if [ "$dry" = 1 ]; then
  echo "mpirun -n $np $exe run $MODEL${*:+ $*}"
  exit 0
fi
exec mpirun -n "$np" "$exe" run "$MODEL" "$@"
