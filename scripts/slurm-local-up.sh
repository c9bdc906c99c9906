#!/usr/bin/env bash
# scripts/slurm-local-up.sh — start a single-node Slurm cluster on loopback.
#
#   scripts/slurm-local-up.sh [DIR]          (default DIR: /tmp/slurm-local)
#   export SLURM_CONF=DIR/slurm.conf         (printed at the end)
#   scripts/slurm-local-down.sh [DIR]        stops what this script started
#
# For testing the job scripts of jobs/slurm/ on one machine (developer box,
# CI container) with Debian's packages: slurmctld slurmd slurm-client munge
# (scripts/setup.sh --with-slurm installs them). Needs root: slurmd runs jobs
# as their owner and munged must run as the munge user.
#
# What it does:
#   - writes DIR/slurm.conf: one node "localhost" (127.0.0.1), partition
#     "debug", proctrack/linuxproc + task/none (no cgroups, no systemd),
#     MpiDefault=pmix (Debian's Open MPI starts under srun only with PMIx),
#     no accounting, MinJobAge=3600 (finished jobs stay visible in
#     `scontrol show job` for an hour: there is no sacct without accounting);
#   - starts munged as the munge user unless a munged already answers;
#   - starts slurmctld and slurmd (as `-N localhost`) in the foreground mode,
#     in the background of this script, and records their pids in DIR/*.pid;
#   - waits until the node is idle (about 0.5 s).
#
# Environment:
#   SLURM_LOCAL_CPUS       CPUs the node announces (default: nproc). More than
#                          the real cores is allowed (SlurmdParameters=
#                          config_overrides), so e.g. 4-rank jobs fit on 2
#                          cores; the ranks then share cores (set
#                          OMPI_MCA_mpi_yield_when_idle=1, P12).
#   SLURM_LOCAL_PORT_BASE  slurmctld port; slurmd uses BASE+1. Default: the
#                          first free pair from 6817/6818 on (steps of 2), so
#                          an already running Slurm is not disturbed.
#   SLURM_LOCAL_MEM        RealMemory in MB (default 4000).
#   SLURM_LOCAL_CRED_EXPIRE  seconds a requeued job waits before it may start
#                          again (AuthInfo cred_expire; Slurm's default is
#                          120; default here 10, to make requeue tests quick).
# Exit status: 0 when the node is idle; 1 on failure (daemon logs printed);
# 2 on bad use.
set -euo pipefail

D=${1:-/tmp/slurm-local}
case "$D" in /*) ;; *) D=$PWD/$D ;; esac
NCPU=${SLURM_LOCAL_CPUS:-$(nproc)}
MEM=${SLURM_LOCAL_MEM:-4000}
CRED_EXPIRE=${SLURM_LOCAL_CRED_EXPIRE:-10}
say() { echo "slurm-local-up: $*" >&2; }

if [ "$(id -u)" != 0 ]; then say "must run as root (slurmd and munged need it)"; exit 2; fi
for b in munge /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd scontrol sinfo; do
  command -v "$b" >/dev/null 2>&1 || {
    say "missing $b: install slurmctld slurmd slurm-client munge (scripts/setup.sh --with-slurm)"
    exit 2
  }
done
case "$NCPU" in '' | *[!0-9]* | 0) say "SLURM_LOCAL_CPUS must be a positive integer"; exit 2 ;; esac

# A cluster of ours already running in DIR? Then stop: two controllers on one
# state directory would fight.
for n in slurmctld slurmd; do
  if [ -s "$D/$n.pid" ] && kill -0 "$(cat "$D/$n.pid")" 2>/dev/null; then
    say "$n already running from $D (pid $(cat "$D/$n.pid")); run scripts/slurm-local-down.sh $D first"
    exit 2
  fi
done

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${SLURM_LOCAL_PORT_BASE:-}" ]; then
  PORT=$SLURM_LOCAL_PORT_BASE
  case "$PORT" in '' | *[!0-9]*) say "SLURM_LOCAL_PORT_BASE must be a port number"; exit 2 ;; esac
else
  PORT=6817
  for _ in $(seq 50); do
    if ! port_busy "$PORT" && ! port_busy $((PORT + 1)); then break; fi
    PORT=$((PORT + 2))
  done
fi
if port_busy "$PORT" || port_busy $((PORT + 1)); then
  say "port $PORT or $((PORT + 1)) is in use (set SLURM_LOCAL_PORT_BASE)"
  exit 1
fi

mkdir -p "$D/state" "$D/spool" "$D/log"
cat >"$D/slurm.conf" <<CONF
# written by scripts/slurm-local-up.sh: a one-node test cluster on loopback
ClusterName=local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=cred_expire=$CRED_EXPIRE
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.daemon.pid
SlurmdPidFile=$D/slurmd.daemon.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=pmix
ReturnToService=2
SlurmdParameters=config_overrides
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=3600
KillWait=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$NCPU Boards=1 SocketsPerBoard=1 CoresPerSocket=$NCPU ThreadsPerCore=1 RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"

fail() {
  say "$*"
  for f in "$D"/log/*; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}

# munge: reuse a running munged (another cluster, the system's); else start one.
if ! munge -n >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 600 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 755 /run/munge # /run is a tmpfs: gone after a reboot
  setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F >"$D/log/munged.out" 2>&1 &
  echo $! >"$D/munged.pid"
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge >/dev/null 2>&1 || fail "munge does not work"

/usr/sbin/slurmctld -D -i >"$D/log/slurmctld.out" 2>&1 &
echo $! >"$D/slurmctld.pid"
for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
scontrol ping >/dev/null 2>&1 || fail "slurmctld does not answer"

# -N localhost: the node is called localhost whatever the hostname is (P14)
/usr/sbin/slurmd -D -N localhost >"$D/log/slurmd.out" 2>&1 &
echo $! >"$D/slurmd.pid"
for _ in $(seq 300); do
  sinfo -h -N -o %t 2>/dev/null | grep -qx idle && break
  sleep 0.1
done
sinfo -h -N -o %t 2>/dev/null | grep -qx idle || fail "the node did not become idle"

say "up: node localhost, $NCPU CPUs, ports $PORT/$((PORT + 1)), dir $D"
echo "export SLURM_CONF=$D/slurm.conf"
