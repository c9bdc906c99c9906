#!/usr/bin/env bash
# scripts/setup.sh — make this machine ready to build (and test) psst.
#
#   scripts/setup.sh [--with-python] [--with-fuzz] [--with-slurm]
#
# Checks each dependency by what the build needs, not by package name, so a
# cluster whose modules provide them needs nothing installed:
#   C compiler + make, cmake, pkg-config, mpicc/mpiexec, libyaml (pkg-config
#   yaml-0.1), a *parallel* netCDF (pkg-config
#   netcdf-mpi, or NETCDF_ROOT / NETCDF_DIR / netCDF_DIR from a module, or
#   `nc-config --has-parallel4` = yes), Random123/philox.h, and ncdump;
#   optionally SLEEF (pkg-config sleef; vectorised math for the CPU kernels:
#   installed when root with apt-get, else only noted: psst builds without).
#   --with-python: also netCDF4 + numpy + matplotlib + xarray + NEO + h5py for
#   ${PSST_PYTHON:-/usr/bin/python3}, NCO and udunits2
#   (the tests that read outputs back; pyenv's python3 cannot see Debian's).
#   --with-fuzz: also clang with libFuzzer and the sanitizer runtimes (Debian:
#   clang libclang-rt-14-dev), for the fuzz phase of scripts/test.sh; checked
#   by linking a fuzz target with `clang -fsanitize=fuzzer,address,undefined`.
#   --with-slurm: also a local Slurm + munge (Debian: slurmctld slurmd
#   slurm-client munge) for scripts/slurm-local-up.sh and the slurm test;
#   checked by the daemons and sbatch being present.
#
# Everything found: installs nothing, exit 0 (quick; safe to run every time).
# Something missing on Debian/Ubuntu:
#   root      apt-get update (once) + apt-get install of the missing packages
#   not root  prints the `sudo apt-get install ...` line needed, exit 1
# Something missing elsewhere: says what, exit 1 (load your site's modules).
set -euo pipefail

with_python=0
with_fuzz=0
with_slurm=0
for a in "$@"; do
  case "$a" in
    --with-python) with_python=1 ;;
    --with-fuzz) with_fuzz=1 ;;
    --with-slurm) with_slurm=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown argument '$a' (allowed: --with-python, --with-fuzz, --with-slurm)" >&2; exit 2 ;;
  esac
done

PY=${PSST_PYTHON:-/usr/bin/python3}
missing=()   # Debian package names
what=()      # human-readable descriptions of what is missing

need() { # need PACKAGE DESCRIPTION
  case " ${missing[*]-} " in *" $1 "*) ;; *) missing+=("$1") ;; esac
  what+=("$2")
}
have() { command -v "$1" >/dev/null 2>&1; }
# shellcheck source=scripts/have_libfuzzer.sh
. "$(dirname "${BASH_SOURCE[0]}")/have_libfuzzer.sh"
pc() { have pkg-config && pkg-config --exists "$1" 2>/dev/null; }

# --- the checks --------------------------------------------------------------------
if ! { have cc || have gcc; } || ! have make; then need build-essential "C compiler and make"; fi
have cmake || need cmake "cmake"
have pkg-config || need pkg-config "pkg-config"
if ! have mpicc || ! have mpiexec; then
  need openmpi-bin "mpiexec"
  need libopenmpi-dev "mpicc (MPI development files)"
fi
pc yaml-0.1 || need libyaml-dev "libyaml (pkg-config yaml-0.1)"
netcdf_ok=0
if pc netcdf-mpi || [ -n "${NETCDF_ROOT:-}${NETCDF_DIR:-}${netCDF_DIR:-}" ]; then
  netcdf_ok=1
elif have nc-config && [ "$(nc-config --has-parallel4 2>/dev/null || true)" = yes ]; then
  netcdf_ok=1
fi
[ $netcdf_ok = 1 ] || need libnetcdf-mpi-dev "parallel netCDF-4 (pkg-config netcdf-mpi, NETCDF_ROOT or nc-config --has-parallel4)"
r123=0
IFS=: read -r -a incdirs <<<"${PSST_RANDOM123_INCLUDE_DIR:-}:${RANDOM123_ROOT:+$RANDOM123_ROOT/include}:${CPATH:-}:${C_INCLUDE_PATH:-}:/usr/local/include:/usr/include"
for d in "${incdirs[@]}"; do
  if [ -n "$d" ] && [ -f "$d/Random123/philox.h" ]; then r123=1; break; fi
done
[ $r123 = 1 ] || need librandom123-dev "Random123 headers (Random123/philox.h)"
have ncdump || need netcdf-bin "ncdump"
# SLEEF (vectorised exp/expm1 for the CPU kernels): optional, psst builds
# and runs without it (scalar libm, 2-4x slower); installed where apt-get can
sleef_missing=0
pc sleef || [ -f /usr/include/sleef.h ] || [ -f /usr/include/x86_64-linux-gnu/sleef.h ] || sleef_missing=1
if [ $with_python = 1 ]; then
  "$PY" -c 'import netCDF4, numpy' >/dev/null 2>&1 ||
    { need python3-netcdf4 "python netCDF4 for $PY"; need python3-numpy "python numpy for $PY"; }
  "$PY" -c 'import matplotlib' >/dev/null 2>&1 || need python3-matplotlib "python matplotlib for $PY (tools/psst_analyze.py)"
  # the readers of tools/psst_read.py and the tools users open outputs with
  "$PY" -c 'import xarray' >/dev/null 2>&1 || need python3-xarray "python xarray for $PY (tools/psst_read.py)"
  "$PY" -c 'import neo' >/dev/null 2>&1 || need python3-neo "python NEO for $PY (tools/psst_read.py)"
  "$PY" -c 'import h5py' >/dev/null 2>&1 || need python3-h5py "python h5py for $PY (SONATA spike files)"
  have ncks || need nco "NCO (ncks; the output-format tests)"
  have udunits2 || need udunits-bin "udunits2 (the output's units attributes are checked with it)"
fi
if [ $with_fuzz = 1 ] && ! have_libfuzzer; then
  need clang "clang (for the libFuzzer targets)"
  need libclang-rt-14-dev "libFuzzer and sanitizer runtimes for clang (clang -fsanitize=fuzzer)"
fi

if [ $with_slurm = 1 ]; then
  [ -x /usr/sbin/slurmctld ] || have slurmctld || need slurmctld "slurmctld (Slurm controller)"
  [ -x /usr/sbin/slurmd ] || have slurmd || need slurmd "slurmd (Slurm node daemon)"
  if ! have sbatch || ! have srun || ! have scontrol; then need slurm-client "sbatch, srun, scontrol (Slurm client)"; fi
  if ! have munge || { [ ! -x /usr/sbin/munged ] && ! have munged; }; then need munge "munge (Slurm authentication)"; fi
fi

if [ $sleef_missing = 1 ]; then
  if have apt-get && [ "$(id -u)" = 0 ]; then
    need libsleef-dev "SLEEF (vectorised math for the CPU kernels)"
  else
    echo "setup.sh: note: SLEEF not found (Debian: libsleef-dev); psst builds without it, with scalar math (slower)" >&2
  fi
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all dependencies found; nothing to install"
  exit 0
fi

echo "setup.sh: missing:" >&2
printf '  - %s\n' "${what[@]}" >&2

if ! have apt-get; then
  echo "setup.sh: no apt-get here. Load your site's modules (MPI, netCDF with parallel" >&2
  echo "  HDF5, libyaml, Random123, optionally SLEEF) or install the above, then run again." >&2
  echo "  (Debian package names: ${missing[*]})" >&2
  exit 1
fi

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: not root; run this, then run setup.sh again:" >&2
  echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup.sh: installing: ${missing[*]}"
apt-get -o DPkg::Lock::Timeout=600 update -q
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
echo "setup.sh: done"
