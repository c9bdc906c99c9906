#!/bin/sh
# tests/files/nomem.sh PSST MODEL OUT REGEX — run MODEL under a 3 GB
# address-space limit (ulimit -v, per rank) and check that psst reports the
# model key that asked for the memory: exit 1, a message matching REGEX, and
# (on rank 0) no output, partial output or lock file left behind.
# Started by mpiexec: every rank runs this script with its own limit.
psst=$1 model=$2 out=$3 regex=$4
ulimit -v 3000000 || { echo "nomem.sh: ulimit -v not allowed here"; exit 77; }
"$psst" run "$model" -o "$out" --force --quiet >"$out.log" 2>&1
rc=$?
cat "$out.log"
fail=0
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, expected 1"; fail=1; }
if [ "${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" = 0 ]; then
  grep -Eq -- "$regex" "$out.log" || { echo "FAIL: no message matching: $regex"; fail=1; }
  for f in "$out" "$out.partial" "$out.lock"; do
    [ ! -e "$f" ] || { echo "FAIL: $f left behind"; fail=1; }
  done
fi
exit $fail
