# shellcheck shell=bash
# scripts/env.sh — the Open MPI / BLAS environment psst's scripts run with.
#
# Sourced, never executed:
#     . scripts/env.sh
#     psst_env_oversubscribe NP    # before starting NP ranks on this node
# (No positional argument on purpose: a sourced file without arguments sees
# the caller's "$1".)
#
# What it sets, and why (the traps of Debian's Open MPI and parallel netCDF that it avoids):
#
#   OMPI_ALLOW_RUN_AS_ROOT=1, OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
#       Only when running as root (containers, CI): mpirun refuses root
#       otherwise. Never set for ordinary users.
#   OMPI_MCA_rmaps_base_oversubscribe=1 (+ OMPI_MCA_mpi_yield_when_idle=1)
#       Only when asked for more ranks than this node has cores, through
#       psst_env_oversubscribe NP.
#       Without it Open MPI stops with "not enough slots". With it, ranks
#       share cores, so they must yield when idle (P12). On a real run with
#       NP <= cores it is not set: oversubscribing there would hide a
#       mistake in the job size and cost speed.
#       The TEST suite is different: its rank counts (1..4) are fixed by the
#       tests, not by the machine, and the tests check results, not speed, so
#       scripts/test.sh always passes --oversubscribe to the test launcher
#       (PSST_TEST_MPIEXEC_PREFLAGS) instead of relying on this file.
#   OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1
#       One BLAS thread per rank (the ranks already use the cores). Only when
#       not already set, so a user can choose otherwise.
#   OMPI_MCA_btl=self,vader, OMPI_MCA_pml=ob1
#       Single node, no fabric: skips probing tcp/ofi/ucx (halves start-up).
#       Only when neither is set already, no InfiniBand/RoCE device is
#       present, and we are not inside a Slurm/PBS job spanning several
#       nodes: on a cluster the site's MPI module decides.
#
# It never touches OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, CUDA_HOME or
# LIBRARY_PATH. PSST_NO_MPI_ENV=1 skips all Open MPI settings (the BLAS thread
# defaults are still applied).

# Cores usable on this node: the Slurm allocation when there is one, else nproc.
psst_env_cores() {
  local c=""
  if [ -n "${SLURM_CPUS_ON_NODE:-}" ]; then
    c=${SLURM_CPUS_ON_NODE}
  fi
  case "$c" in '' | *[!0-9]*) c=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) ;; esac
  echo "$c"
}

# 0 (true) when this job spans more than one node.
psst_env_multinode() {
  local n=${SLURM_JOB_NUM_NODES:-${SLURM_NNODES:-1}}
  case "$n" in '' | *[!0-9]*) n=1 ;; esac
  [ "$n" -gt 1 ] && return 0
  if [ -n "${PBS_NODEFILE:-}" ] && [ -r "${PBS_NODEFILE}" ]; then
    [ "$(sort -u "${PBS_NODEFILE}" | wc -l)" -gt 1 ] && return 0
  fi
  return 1
}

# 0 (true) when an RDMA fabric device (InfiniBand, RoCE, Omni-Path) exists.
psst_env_has_fabric() {
  local d
  for d in /sys/class/infiniband/*; do
    [ -e "$d" ] && return 0
  done
  return 1
}

# Allow oversubscription only when NP ranks exceed the cores of this node.
psst_env_oversubscribe() {
  local np=${1:-}
  [ "${PSST_NO_MPI_ENV:-0}" = 1 ] && return 0
  case "$np" in '' | *[!0-9]*) return 0 ;; esac
  if [ "$np" -gt "$(psst_env_cores)" ]; then
    export OMPI_MCA_rmaps_base_oversubscribe=1
    : "${OMPI_MCA_mpi_yield_when_idle:=1}"
    export OMPI_MCA_mpi_yield_when_idle
  fi
}

: "${OPENBLAS_NUM_THREADS:=1}"
: "${OMP_NUM_THREADS:=1}"
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS

if [ "${PSST_NO_MPI_ENV:-0}" != 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  if [ -z "${OMPI_MCA_btl:-}" ] && [ -z "${OMPI_MCA_pml:-}" ] &&
    ! psst_env_multinode && ! psst_env_has_fabric; then
    export OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
  fi
fi
