#!/usr/bin/env bash
# scripts/slurm-local-down.sh — stop the cluster scripts/slurm-local-up.sh started.
#
#   scripts/slurm-local-down.sh [DIR]        (default DIR: /tmp/slurm-local)
#
# Stops only the daemons whose pids that script recorded in DIR (slurmd, then
# slurmctld, then munged if it started one): SIGTERM, up to 5 s, then SIGKILL.
# Other Slurm or munge daemons on the machine are left alone. Running jobs of
# the cluster are killed with slurmd. DIR itself (config, logs, job state) is
# kept. Safe to call twice. Exit status 0.
set -uo pipefail

D=${1:-/tmp/slurm-local}
case "$D" in /*) ;; *) D=$PWD/$D ;; esac
if [ -s "$D/slurm.conf" ] && [ -s "$D/slurmctld.pid" ] && command -v scancel >/dev/null 2>&1 &&
  kill -0 "$(cat "$D/slurmctld.pid")" 2>/dev/null; then
  SLURM_CONF=$D/slurm.conf timeout 5 scancel --full --user="$(id -un)" >/dev/null 2>&1 || true
fi
for n in slurmd slurmctld munged; do
  f="$D/$n.pid"
  [ -s "$f" ] || continue
  p=$(cat "$f")
  if kill "$p" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    # a killed daemon can linger as <defunct> for a moment (P16): check its state
    if kill -0 "$p" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
      kill -9 "$p" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
  echo "slurm-local-down: stopped $n ($p)" >&2
done
exit 0
