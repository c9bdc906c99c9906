#!/bin/bash
# Exact restart with spikes in flight: run models/delays.yaml to 30 ms on 1
# rank with a final checkpoint (events still due then are in it), continue
# to 60 ms on 3 ranks from it, and compare the continued output with the
# uninterrupted run (REF): bit-identical.
#   delays_restart.sh PSST NCCOMPARE MPIEXEC NPFLAG "PREFLAGS" MODEL WORK REF
set -u
PSST=$1 CMP=$2 MPIEXEC=$3 NPFLAG=$4 PRE=$5 MODEL=$6 WORK=$7 REF=$8
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
# shellcheck disable=SC2086
"$MPIEXEC" $NPFLAG 1 $PRE "$PSST" run "$MODEL" --t-end 30 -o cont.nc \
  --checkpoint c.ckpt --checkpoint-every 1000 --quiet || exit 1
n=$(ncdump -h c.ckpt | sed -n 's/.*:proj\.IE\.events = \([0-9]*\).*/\1/p')
echo "events in flight at the checkpoint (IE): ${n:-none}"
[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "FAIL: no events in the checkpoint"; exit 1; }
# shellcheck disable=SC2086
"$MPIEXEC" $NPFLAG 3 $PRE "$PSST" run "$MODEL" --restart c.ckpt --t-end 60 \
  --quiet || exit 1
"$CMP" "$REF" cont.nc
