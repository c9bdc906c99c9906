#!/bin/bash
# Exact restart of a model whose state is more than the ODE state (spikes in
# flight, noise currents): run MODEL to T_HALF on 1 rank with a final
# checkpoint, continue to T_END on 3 ranks from it, and compare the
# continued output with the uninterrupted run REF: bit-identical. With ATTR,
# the checkpoint's attribute ATTR must be a positive count (e.g. the events
# in flight), and with VAR its variable VAR must exist. SPLIT_NP1 in the
# environment: the ranks of the first part (default 1).
#   restart_split.sh PSST NCCOMPARE MPIEXEC NPFLAG "PREFLAGS" MODEL WORK REF
#                    T_HALF T_END [ATTR|-] [VAR]
set -u
PSST=$1 CMP=$2 MPIEXEC=$3 NPFLAG=$4 PRE=$5 MODEL=$6 WORK=$7 REF=$8
T_HALF=$9 T_END=${10} ATTR=${11:--} VAR=${12:-}
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
# shellcheck disable=SC2086
"$MPIEXEC" $NPFLAG "${SPLIT_NP1:-1}" $PRE "$PSST" run "$MODEL" --t-end "$T_HALF" -o cont.nc \
  --checkpoint c.ckpt --checkpoint-every 100000 --quiet || exit 1
if [ "$ATTR" != - ]; then
  n=$(ncdump -h c.ckpt | sed -n "s/.*:$ATTR = \([0-9]*\).*/\1/p")
  echo "$ATTR at the checkpoint: ${n:-none}"
  [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "FAIL: $ATTR is not a positive count"; exit 1; }
fi
if [ -n "$VAR" ]; then
  ncdump -h c.ckpt | grep -q "double $VAR(" ||
    { echo "FAIL: no variable $VAR in the checkpoint"; exit 1; }
  echo "$VAR is in the checkpoint"
fi
# shellcheck disable=SC2086
"$MPIEXEC" $NPFLAG 3 $PRE "$PSST" run "$MODEL" --restart c.ckpt --t-end "$T_END" \
  --quiet || exit 1
"$CMP" "$REF" cont.nc
