#!/usr/bin/env bash
# Driver of the restart tests (tests/restart/CMakeLists.txt).
#
#   restart_driver.sh PSST NCCOMPARE MPIEXEC NPFLAG "PREFLAGS" MODELS WORK CASE [ARGS]
#
# PREFLAGS: the mpiexec flags (PSST_TEST_MPIEXEC_PREFLAGS, space-separated);
# MODELS: tests/restart/models; WORK: a scratch folder of this test (emptied).
# Every psst run has a deadline (no test may hang); a stray run is killed.
# Exit 0 pass, 1 fail, 77 skip.
set -u
PSST=$1 CMP=$2 MPIEXEC=$3 NPFLAG=$4 PREFLAGS=$5 MODELS=$6 WORK=$7 CASE=$8
shift 8
read -r -a PRE <<<"$PREFLAGS"
NET=$MODELS/net.yaml
T_END=50           # net.yaml's t_end [ms]
LONG=100000        # t_end of a run that is to be stopped (never reached)
DEADLINE=60        # s, the most any one psst run may take here

fail() {
  echo "FAIL ($CASE): $*" >&2
  for f in "$WORK"/*.log; do
    [ -e "$f" ] && { echo "---- $f" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}
note() { echo "== $*"; }

# launch NP: the command prefix for NP ranks; NP 0 = a singleton (no mpiexec)
launch() {
  if [ "$1" = 0 ]; then echo ""; else echo "$MPIEXEC $NPFLAG $1 ${PRE[*]}"; fi
}

# run LOG NP ARGS...: psst with a deadline, in the foreground; returns its
# exit status (124/137: deadline)
run() {
  local log=$1 np=$2
  shift 2
  # shellcheck disable=SC2046
  timeout -k 5 "$DEADLINE" $(launch "$np") "$PSST" run "$@" >"$WORK/$log.log" 2>&1
}

# start LOG NP ARGS...: psst in the background; sets PID
start() {
  local log=$1 np=$2
  shift 2
  # shellcheck disable=SC2046
  $(launch "$np") "$PSST" run "$@" >"$WORK/$log.log" 2>&1 &
  PID=$!
}

# wait_pid PID SECS: its exit status, or kill -9 after SECS and fail
wait_pid() {
  local pid=$1 n=$(($2 * 10))
  while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
    sleep 0.1
    n=$((n - 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    fail "pid $pid still running after $2 s: killed (hang)"
  fi
  wait "$pid"
}

# wait_for PID SECS TEST...: until the test holds (e.g. -e FILE); fails if
# the run ends first or SECS pass
wait_for() {
  local pid=$1 n=$(($2 * 20))
  shift 2
  until test "$@"; do
    kill -0 "$pid" 2>/dev/null || fail "the run ended before: test $*"
    [ "$n" -gt 0 ] || { kill -KILL "$pid"; fail "timeout waiting for: test $*"; }
    sleep 0.05
    n=$((n - 1))
  done
}

# wait_log PID SECS LOG REGEX: until the run's log matches
wait_log() {
  local pid=$1 n=$(($2 * 20)) log=$WORK/$3.log re=$4
  until grep -Eq "$re" "$log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail "the run ended before printing /$re/"
    [ "$n" -gt 0 ] || { kill -KILL "$pid"; fail "timeout waiting for /$re/ in $log"; }
    sleep 0.05
    n=$((n - 1))
  done
}

expect_rc() { # GOT WANT WHAT
  [ "$1" = "$2" ] || fail "$3: exit status $1, expected $2"
}
expect_log() { # LOG REGEX (the log's lines joined by spaces)
  tr '\n' ' ' <"$WORK/$1.log" | grep -Eq "$2" || fail "$1: output does not match /$2/"
}
same() { # A B: bit-identical outputs
  "$CMP" "$1" "$2" >"$WORK/cmp.log" 2>&1 ||
    fail "$(basename "$1") differs from $(basename "$2"): $(cat "$WORK/cmp.log")"
  note "identical: $(basename "$1") $(basename "$2")"
}
exists() { [ -e "$1" ] || fail "missing: $1"; }
absent() { [ ! -e "$1" ] || fail "must not exist: $1"; }
# stopped_at LOG: the model time of a stop, from its message
stopped_at() { sed -n 's/.*stopped by signal [0-9]* at t = \([0-9.e+-]*\) ms.*/\1/p' "$WORK/$1.log"; }

# stop_run LOG NP SIG OUT ARGS...: start a long run, signal it once its output
# exists and it has run a little, expect a clean stop (exit 3)
stop_run() {
  local log=$1 np=$2 sig=$3 out=$4
  shift 4
  start "$log" "$np" "$@"
  wait_for "$PID" "$DEADLINE" -e "$out.partial"
  sleep 0.3
  kill "-$sig" "$PID"
  local rc=0
  wait_pid "$PID" "$DEADLINE" || rc=$?
  expect_rc "$rc" 3 "$log (stopped by SIG$sig)"
  expect_log "$log" "stopped by signal [0-9]+ at t = "
  exists "$out.partial"
  absent "$out"
  local t
  t=$(stopped_at "$log")
  note "$log: stopped at t = $t ms"
  too_late "$t"
}

# too_late T: a stop at or after T_END cannot be restarted to T_END: the
# machine ran the model faster than these tests assume (skip, not fail)
too_late() {
  awk -v t="$1" -v e=$T_END 'BEGIN { exit !(t + 0 >= e - 0.02) }' || return 0
  echo "skip: stopped at t = $1 ms, not before t_end = $T_END ms (the run was too fast)"
  exit 77
}

# ncatt FILE NAME: a global attribute's value as ncdump -h prints it
ncatt() { ncdump -h "$1" | sed -n "s/^[[:space:]]*:$2 = \(.*\) ;\$/\1/p"; }

rm -rf "$WORK"
mkdir -p "$WORK" || exit 1
cd "$WORK" || exit 1

case $CASE in
ref) # ref NP OUT: the uninterrupted run (NP 0: a singleton)
  np=$1 out=$2
  run ref "$np" "$NET" -o "$out" --force --quiet ||
    fail "reference run: exit $?"
  ;;

kill_singleton) # SIGTERM to a singleton run; restart at 1 rank and at 3
  REF=$1
  stop_run a 0 TERM a.nc "$NET" --t-end $LONG --checkpoint a.ckpt -o a.nc --quiet
  exists a.ckpt
  absent a.ckpt.tmp
  cp a.nc.partial b.nc.partial
  cp a.ckpt b.ckpt
  # (a) the same rank count, output from the checkpoint's record
  rc=0
  run ra 0 "$NET" --restart a.ckpt --t-end $T_END || rc=$?
  expect_rc $rc 0 "restart at 1 rank"
  expect_log ra "restarting from .*a.ckpt at t = "
  exists a.nc
  absent a.nc.partial
  same a.nc "$REF"
  [ "$(ncatt a.nc complete)" = '"yes"' ] || fail "a.nc: complete is not \"yes\""
  # (b) 1 -> 3 ranks
  rc=0
  run rb 3 "$NET" --restart b.ckpt -o b.nc --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "restart at 3 ranks"
  same b.nc "$REF"
  ;;

kill_mpi) # SIGUSR1 to mpiexec -n NP; restart at NP and at NP2
  np=$1 np2=$2 REF=$3
  stop_run a "$np" USR1 a.nc "$NET" --t-end $LONG --checkpoint a.ckpt -o a.nc --quiet
  # Open MPI says "Forwarding signal 10 to job"; other launchers need not
  grep -q "Forwarding signal" a.log && note "mpiexec forwarded SIGUSR1"
  exists a.ckpt
  cp a.nc.partial b.nc.partial
  cp a.ckpt b.ckpt
  rc=0
  run ra "$np" "$NET" --restart a.ckpt -o a.nc --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "restart at $np ranks"
  same a.nc "$REF"
  rc=0
  run rb "$np2" "$NET" --restart b.ckpt -o b.nc --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "restart at $np2 ranks"
  same b.nc "$REF"
  absent b.nc.partial
  ;;

twice) # stop, restart at 3 ranks, stop that again (default OUT.ckpt), restart at 2
  REF=$1
  stop_run s1 0 TERM o.nc "$NET" --t-end $LONG -o o.nc --quiet
  exists o.nc.ckpt # no --checkpoint: OUT.ckpt
  t1=$(stopped_at s1)
  start s2 3 "$NET" --restart o.nc.ckpt --t-end $LONG --checkpoint c2.ckpt
  wait_log "$PID" "$DEADLINE" s2 "restarting from"
  sleep 0.4
  kill -USR1 "$PID"
  rc=0
  wait_pid "$PID" "$DEADLINE" || rc=$?
  expect_rc $rc 3 "second stop (restarted run, SIGUSR1 through mpiexec)"
  exists c2.ckpt
  exists o.nc.partial
  absent o.nc
  t2=$(stopped_at s2)
  note "stopped at t = $t1 ms, then at t = $t2 ms"
  too_late "$t2"
  awk -v a="$t1" -v b="$t2" 'BEGIN { exit !(b + 0 > a + 0) }' ||
    fail "the second stop (t = $t2) is not later than the first (t = $t1)"
  rc=0
  run s3 2 "$NET" --restart c2.ckpt --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "second restart at 2 ranks"
  same o.nc "$REF"
  ;;

continue) # a finished run with periodic checkpoints, continued to T_END
  REF=$1
  half=$((T_END / 2))
  rc=0
  run c1 2 "$NET" --t-end $half -o cont.nc --checkpoint c.ckpt --checkpoint-every 7 --quiet ||
    rc=$?
  expect_rc $rc 0 "run to $half ms with --checkpoint-every 7"
  exists cont.nc
  absent cont.nc.partial
  absent c.ckpt.tmp
  # the grid of a run to $half ms ends at step $half / dt - 1 (dt = 0.02)
  step=$(ncatt c.ckpt step)
  [ "$step" = "$((half * 50 - 1)).0" ] || [ "$step" = "$((half * 50 - 1))." ] ||
    fail "the final checkpoint is at step $step, expected $((half * 50 - 1))"
  rc=0
  run c2 1 "$NET" --restart c.ckpt --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "continued run (output from the checkpoint: cont.nc)"
  absent cont.nc.partial
  same cont.nc "$REF"
  [ "$(ncatt cont.nc complete)" = '"yes"' ] || fail "cont.nc: complete is not \"yes\""
  cp cont.nc ../continued.nc
  ;;

user_kind) # MODEL HALF END: a model with a user-defined kind, straight
  # through at 1-4 ranks (all bit-identical), and run to HALF ms with a
  # checkpoint at each of 1-4 ranks then continued to END at another count
  # (1->4, 2->3, 3->1, 4->2) and at the same: each bit-identical to the
  # straight run. PSST_CACHE comes from the test's environment.
  model=$1 half=$2 end=$3
  for np in 1 2 3 4; do
    rc=0
    run ref$np "$np" "$model" --t-end "$end" -o ref_np$np.nc --quiet || rc=$?
    expect_rc $rc 0 "straight run at $np ranks"
  done
  for np in 2 3 4; do same ref_np$np.nc ref_np1.nc; done
  for pair in 1:4 2:3 3:1 4:2 2:2; do
    a=${pair%:*} b=${pair#*:}
    rc=0
    run h${a}_$b "$a" "$model" --t-end "$half" -o c${a}_$b.nc \
      --checkpoint c${a}_$b.ckpt --quiet || rc=$?
    expect_rc $rc 0 "run to $half ms at $a ranks with --checkpoint"
    rc=0
    run r${a}_$b "$b" "$model" --restart c${a}_$b.ckpt --t-end "$end" --quiet || rc=$?
    expect_rc $rc 0 "continued at $b ranks"
    [ "$(ncatt c${a}_$b.nc complete)" = '"yes"' ] || fail "c${a}_$b.nc: complete is not \"yes\""
    same c${a}_$b.nc ref_np1.nc
  done
  ;;

attrs) # the continued file's metadata describes the whole run
  f=../continued.nc
  exists $f
  t=$(ncatt $f t_end_ms)
  s=$(ncatt $f steps)
  note "continued.nc: t_end_ms = $t, steps = $s"
  awk -v t="$t" -v e=$T_END 'BEGIN { exit !(t + 0 == e) }' ||
    fail "continued.nc: t_end_ms = $t, expected $T_END (the run was continued to $T_END ms; the attribute is still the first run's)"
  ;;

sigkill) # kill -9 during a run with --checkpoint-every: the last checkpoint holds
  REF=$1
  start k 0 "$NET" --t-end $LONG -o k.nc --checkpoint k.ckpt --checkpoint-every 2 --quiet
  wait_for "$PID" "$DEADLINE" -e k.ckpt
  sleep 0.3
  kill -KILL "$PID"
  wait "$PID" 2>/dev/null
  exists k.ckpt
  exists k.nc.partial
  absent k.nc
  ncdump -h k.ckpt >/dev/null 2>&1 || fail "k.ckpt is not readable after kill -9"
  t=$(ncatt k.ckpt time_ms)
  note "last checkpoint at t = $t ms"
  too_late "$t"
  rc=0
  run rk 0 "$NET" --restart k.ckpt --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "restart after kill -9"
  same k.nc "$REF"
  ;;

refusal_setup) # a small checkpoint and damaged copies of it
  D4=$1
  rc=0
  run r 0 "$D4" --t-end 5 -o ../r_out.nc --checkpoint ../r.ckpt --force --quiet || rc=$?
  expect_rc $rc 0 "day4 run to 5 ms with --checkpoint"
  cp ../r.ckpt ../r_trunc.ckpt && truncate -s 1000 ../r_trunc.ckpt
  cp ../r.ckpt ../r_head.ckpt &&
    printf 'garbage!garbage!' | dd of=../r_head.ckpt bs=1 seek=0 conv=notrunc 2>/dev/null
  printf 'this is not a checkpoint\n' >../r_text.ckpt
  rm -f ../r_missing.ckpt
  ;;

numfail) # NP: numerical failure, a message naming the neuron, a readable .partial
  np=$1 model=$2 regex=$3
  shift 3
  case $model in /*) ;; *) model=$MODELS/$model ;; esac
  rc=0
  run n "$np" "$model" -o n.nc --quiet "$@" || rc=$?
  expect_rc $rc 1 "numerical failure at $np ranks"
  expect_log n "$regex"
  absent n.nc
  exists n.nc.partial
  ncdump -h n.nc.partial >/dev/null 2>&1 || fail "n.nc.partial is not readable"
  c=$(ncatt n.nc.partial complete)
  [ -z "$c" ] || [ "$c" = '"no"' ] || fail "n.nc.partial: complete = $c"
  note "n.nc.partial: complete = ${c:-(none)}, steps = $(ncatt n.nc.partial steps)"
  ;;

nodir) # NP: output into a folder that does not exist
  np=$1 D4=$2
  rc=0
  run o "$np" "$D4" --t-end 2 -o "$WORK/nodir/o.nc" --quiet || rc=$?
  expect_rc $rc 1 "output into a missing folder"
  expect_log o "nodir/o.nc.partial: cannot create \\(rank [0-9]+\\): .+"
  absent nodir
  ;;

rodir) # NP: output into a read-only folder, as a user who cannot write it
  np=$1 D4=$2
  mkdir ro && chmod 555 ro
  as=()
  if [ "$(id -u)" = 0 ]; then
    if ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
      echo "skip: root, and no setpriv/nobody to drop privileges"
      exit 77
    fi
    grp=$(id -gn nobody)
    as=(setpriv --reuid=nobody "--regid=$grp" --clear-groups)
    "${as[@]}" test -r "$D4" -a -x "$PSST" || { echo "skip: nobody cannot run psst"; exit 77; }
    "${as[@]}" touch ro/probe 2>/dev/null && { echo "skip: nobody can write ro/"; exit 77; }
  fi
  rc=0
  # shellcheck disable=SC2046
  timeout -k 5 "$DEADLINE" "${as[@]}" $(launch "$np") "$PSST" run "$D4" --t-end 2 \
    -o "$WORK/ro/o.nc" --quiet >o.log 2>&1 || rc=$?
  expect_rc $rc 1 "output into a read-only folder"
  expect_log o "ro/o.nc.partial: cannot create \\(rank [0-9]+\\): .+"
  [ -z "$(ls -A ro)" ] || fail "ro/ is not empty: $(ls -A ro)"
  ;;

diskfull) # NP: output and checkpoint on a full file system (tmpfs): exit 1
  # saying the disk is full (netCDF itself says only "HDF error", and one
  # rank failing inside a collective HDF5 flush hung the others), nothing
  # left under the final name or as a partial output
  np=$1 D4=$2
  mkdir full
  if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=8m psst-test-full full 2>/dev/null; then
    echo "skip: needs root and permission to mount a tmpfs"
    exit 77
  fi
  trap 'umount "$WORK/full" 2>/dev/null' EXIT
  full_re="the disk is full: the file system of [^ ]*full has [0-9]+ KiB free"
  # 1. the disk fills up in the middle of the run (32 MB of records)
  rc=0
  run o "$np" "$MODELS/bigrec.yaml" -o "$WORK/full/o.nc" --quiet || rc=$?
  expect_rc $rc 1 "output filling the disk"
  expect_log o "full/o.nc.partial: $full_re, and psst needs [0-9]+ KiB for the next write"
  if grep -q "abandoned" o.log; then fail "the disk-full error is hidden: $(cat o.log)"; fi
  [ -z "$(ls -A full)" ] || fail "full/ is not empty: $(ls -A full)"
  # 2. no room to start: refused before the file is created
  head -c 6000000 /dev/zero >full/filler 2>/dev/null || true
  rc=0
  run s "$np" "$D4" --t-end 5 -o "$WORK/full/s.nc" --quiet || rc=$?
  expect_rc $rc 1 "output onto a full disk"
  expect_log s "full/s.nc.partial: $full_re"
  absent full/s.nc.partial
  # 3. a checkpoint that does not fit: the output elsewhere is not committed
  rc=0
  run c "$np" "$D4" --t-end 50 -o o.nc --checkpoint "$WORK/full/c.ckpt" \
    --checkpoint-every 10 --quiet || rc=$?
  expect_rc $rc 1 "checkpoint onto a full disk"
  expect_log c "c.ckpt(.tmp)?: $full_re"
  absent o.nc
  absent full/c.ckpt
  absent full/c.ckpt.tmp
  ;;

ckptdir) # NP: --checkpoint into a missing folder: exit 1, output not committed
  np=$1 D4=$2
  rc=0
  run o "$np" "$D4" --t-end 2 -o o.nc --checkpoint "$WORK/nodir/c.ckpt" --quiet || rc=$?
  expect_rc $rc 1 "checkpoint into a missing folder"
  expect_log o "nodir/c.ckpt(.tmp)?: cannot create the checkpoint \\(rank [0-9]+\\)"
  absent o.nc
  absent nodir
  ;;

lock) # NP: a second run on the same output is refused while the first
  # runs (exit 2, the holder's pid named; --force does not override it); a
  # kill -9 of the first leaves a lock file that blocks nothing: the restart
  # from its last checkpoint takes the lock and completes the output
  np=$1
  start k 0 "$NET" --t-end $LONG -o o.nc --checkpoint k.ckpt --checkpoint-every 2 --quiet
  first=$PID
  wait_for "$first" "$DEADLINE" -e k.ckpt
  exists o.nc.lock
  for extra in "" --force; do
    rc=0
    run second "$np" "$NET" --t-end 5 -o o.nc $extra --quiet || rc=$?
    expect_rc $rc 2 "second run on the same output ($np ranks${extra:+, $extra})"
    expect_log second "o.nc: another psst run \\(pid $first\\) is writing this output"
    kill -0 "$first" 2>/dev/null || fail "the first run ended: the second one stopped it"
  done
  kill -KILL "$first"
  wait "$first" 2>/dev/null
  exists o.nc.lock # left behind, unlocked
  t=$(ncatt k.ckpt time_ms)
  # (the first run went on while the others ran: continue it 1 ms past its
  # checkpoint; restart_sigkill compares such a restart with the reference)
  t_end=$(awk -v t="$t" 'BEGIN { print t + 1 }')
  rc=0
  run rk "$np" "$NET" --restart k.ckpt --t-end "$t_end" --quiet || rc=$?
  expect_rc $rc 0 "restart after kill -9 ($np ranks)"
  exists o.nc
  [ "$(ncatt o.nc complete)" = '"yes"' ] || fail "o.nc: complete is not \"yes\""
  absent o.nc.lock
  ;;

lock_race) # NP: two runs started together on the same output: exactly one
  # writes it, the other exits 2 (the lock, or the output it finds), 3 times
  np=$1
  for i in 1 2 3; do
    rm -f o.nc o.nc.partial
    start a "$np" "$NET" --t-end 5 -o o.nc --quiet
    pa=$PID
    start b "$np" "$NET" --t-end 5 -o o.nc --quiet
    pb=$PID
    ra=0 rb=0
    wait_pid "$pa" "$DEADLINE" || ra=$?
    wait_pid "$pb" "$DEADLINE" || rb=$?
    note "try $i: exit $ra and $rb"
    { [ "$ra" = 0 ] && [ "$rb" = 2 ]; } || { [ "$ra" = 2 ] && [ "$rb" = 0 ]; } ||
      fail "try $i: exit $ra and $rb, expected 0 and 2"
    loser=b
    [ "$ra" = 2 ] && loser=a
    expect_log $loser "o.nc(.partial)?: (another psst run \\(pid [0-9]+\\) is writing this output|output exists|.*exists: the output of a run that did not finish)"
    exists o.nc
    absent o.nc.lock
  done
  ;;

overwrite_partial) # a fresh run does not replace a stopped run's partial
  # output (exit 2, how to restart); the restart then gives the reference
  REF=$1
  stop_run a 0 TERM a.nc "$NET" --t-end $LONG -o a.nc --quiet
  cp a.nc.partial keep.partial
  rc=0
  run fresh 0 "$NET" --t-end 5 -o a.nc --quiet || rc=$?
  expect_rc $rc 2 "a fresh run over a resumable a.nc.partial"
  expect_log fresh "a.nc.partial exists: the output of a run that did not finish.*--restart.*a.nc.ckpt.*--force"
  cmp -s a.nc.partial keep.partial || fail "a.nc.partial was changed by the refused run"
  rc=0
  run ra 0 "$NET" --restart a.nc.ckpt --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "restart"
  same a.nc "$REF"
  ;;

foreign_partial) # NP: --restart refuses an output of another run of the
  # same model (run ids differ) and one with fewer records than its
  # checkpoint says (an older copy of the run's own output)
  np=$1
  stop_run a 0 TERM a.nc "$NET" --t-end $LONG -o a.nc --checkpoint a.ckpt --quiet
  stop_run b 0 TERM b.nc "$NET" --t-end $LONG -o b.nc --checkpoint b.ckpt --quiet
  cp a.nc.partial a_own.partial
  cp b.nc.partial a.nc.partial
  rc=0
  run r "$np" "$NET" --restart a.ckpt --t-end $T_END --quiet || rc=$?
  expect_rc $rc 2 "restart onto another run's output ($np ranks)"
  expect_log r "a.nc.partial: this output does not belong to the checkpoint being resumed \\(run_id '[0-9a-f]{32}' here, '[0-9a-f]{32}' in the checkpoint\\)"
  cmp -s a.nc.partial b.nc.partial || fail "the refused restart changed the file"
  # a's own output, then stopped again later: the old copy is too short
  cp a_own.partial a.nc.partial
  start a2 0 "$NET" --restart a.ckpt --t-end $LONG --checkpoint a.ckpt
  wait_log "$PID" "$DEADLINE" a2 "restarting from"
  sleep 0.4
  kill -TERM "$PID"
  rc=0
  wait_pid "$PID" "$DEADLINE" || rc=$?
  expect_rc $rc 3 "second stop"
  cp a_own.partial a.nc.partial
  rc=0
  # --t-end $LONG: the second stop may come after T_END on a fast machine,
  # and a checkpoint beyond the run's end is refused before the output is
  # looked at
  run r2 "$np" "$NET" --restart a.ckpt --t-end $LONG --quiet || rc=$?
  expect_rc $rc 2 "restart onto an older copy of its output ($np ranks)"
  expect_log r2 "a.nc.partial: holds [0-9]+ records in 'time', but the checkpoint says [0-9]+ were written"
  ;;

foreign_final) # NP: continuing a finished output with another run's
  # checkpoint is refused, and the finished file keeps its name
  np=$1 D4=$2
  rc=0
  run a 0 "$D4" --t-end 2 -o a.nc --checkpoint a.ckpt --quiet || rc=$?
  expect_rc $rc 0 "run a"
  run b 0 "$D4" --t-end 2 -o b.nc --checkpoint b.ckpt --quiet || rc=$?
  expect_rc $rc 0 "run b"
  cp b.nc a.nc
  rc=0
  run r "$np" "$D4" --restart a.ckpt --t-end 3 --quiet || rc=$?
  expect_rc $rc 2 "continuing b's output from a's checkpoint ($np ranks)"
  expect_log r "a.nc.partial: this output does not belong to the checkpoint being resumed"
  exists a.nc
  absent a.nc.partial
  cmp -s a.nc b.nc || fail "a.nc was changed"
  ;;

no_partial) # NP: --restart without the output it continues: exit 2, saying
  # what is missing, and no new file
  np=$1
  stop_run a 0 TERM a.nc "$NET" --t-end $LONG -o a.nc --quiet
  rm a.nc.partial
  rc=0
  run r "$np" "$NET" --restart a.nc.ckpt --t-end $T_END --quiet || rc=$?
  expect_rc $rc 2 "restart without a.nc.partial ($np ranks)"
  expect_log r "a.nc.partial: no such file: the checkpoint \\(t = [0-9.]+ ms\\) continues the output of its run"
  absent a.nc
  absent a.nc.partial
  ;;

double_term) # two signals at once (timeout sends two SIGTERMs: to the
  # process and to its group) still give a checkpoint and exit 3; a restart
  # from the last gives the reference. Two SIGTERMs back to back are often
  # merged by the kernel; two different signals sent while the process is
  # stopped (SIGSTOP ... SIGCONT) reach its handler one after the other
  # every time, before the run can have seen the first: the case that
  # stopped at once without a checkpoint (exit 143)
  REF=$1
  for i in 1 2 3 4 5 6; do
    rm -f d.nc.partial d.nc.ckpt
    start d$i 0 "$NET" --t-end $LONG -o d.nc
    wait_for "$PID" "$DEADLINE" -e d.nc.partial
    sleep 0.2
    case $i in
    1 | 4) kill -TERM "$PID"; kill -TERM "$PID" ;;
    2 | 5) kill -STOP "$PID"; kill -TERM "$PID"; kill -USR1 "$PID"; kill -CONT "$PID" ;;
    *) kill -STOP "$PID"; kill -TERM "$PID"; kill -INT "$PID"; kill -CONT "$PID" ;;
    esac
    rc=0
    wait_pid "$PID" "$DEADLINE" || rc=$?
    # (back to back, the run may have reported the first before the second
    # came, rarely: then the second stops at once, as it should)
    if [ "$rc" = 143 ] && grep -q "psst: stop requested at t = " "$WORK/d$i.log"; then
      note "try $i: the first SIGTERM was reported before the second came"
      continue
    fi
    expect_rc $rc 3 "try $i: two signals at once"
    expect_log d$i "stopped by signal (2|10|15) at t = "
    exists d.nc.ckpt
    ncdump -h d.nc.ckpt >/dev/null 2>&1 || fail "try $i: d.nc.ckpt is not readable"
  done
  too_late "$(stopped_at d6)"
  # timeout in its default mode signals the child and then its own group
  rm -f e.nc.partial e.nc.ckpt
  rc=0
  timeout --preserve-status -k 30 3 "$PSST" run "$NET" --t-end $LONG -o e.nc >e.log 2>&1 || rc=$?
  [ -e e.nc.partial ] || { echo "skip: the run had not started after 3 s"; exit 77; }
  if [ "$rc" = 143 ] && grep -q "psst: stop requested at t = " e.log; then
    note "timeout: the first SIGTERM was reported before the second came"
  else
    expect_rc $rc 3 "stopped by timeout"
    exists e.nc.ckpt
  fi
  rc=0
  run rd 0 "$NET" --restart d.nc.ckpt --t-end $T_END --quiet || rc=$?
  expect_rc $rc 0 "restart"
  same d.nc "$REF"
  ;;

damage_setup) # a checkpoint of a finished 5 ms run and damaged copies
  D4=$1 TOOL=$2
  rc=0
  run r 0 "$D4" --t-end 5 -o ../d_out.nc --checkpoint ../d.ckpt --force --quiet || rc=$?
  expect_rc $rc 0 "day4 run to 5 ms with --checkpoint"
  for k in bitflip flip_fire_t shift_step shift_both records0 records1e20 spikes1e12 nan_fire_t; do
    /usr/bin/python3 "$TOOL" ../d.ckpt "../d_$k.ckpt" $k || fail "damage_ckpt.py $k"
  done
  cp ../d.ckpt ../d_clean.ckpt
  ;;

damage_clean) # NP: the undamaged copy continues its output (the damage tests'
  # control: what they refuse is the damage, not the setup)
  np=$1 D4=$2
  cp ../d_out.nc c.nc
  rc=0
  run c "$np" "$D4" --restart ../d_clean.ckpt -o c.nc --t-end 10 --quiet || rc=$?
  expect_rc $rc 0 "restart from the undamaged checkpoint ($np ranks)"
  [ "$(ncatt c.nc complete)" = '"yes"' ] || fail "c.nc: complete is not \"yes\""
  ;;

ckpt_path) # NP: --checkpoint at an existing file that is not a checkpoint,
  # or at another run's checkpoint: exit 2, the file untouched; --force
  # replaces it; a run's own checkpoint is replaced (--checkpoint-every)
  np=$1 D4=$2
  cp "$D4" model.yaml
  cp model.yaml model.keep
  rc=0
  run m "$np" model.yaml --t-end 2 -o m.nc --checkpoint model.yaml --quiet || rc=$?
  expect_rc $rc 2 "--checkpoint at the model file ($np ranks)"
  expect_log m "model.yaml: exists and is not a psst checkpoint; refusing to overwrite it"
  cmp -s model.yaml model.keep || fail "the model file was changed"
  absent m.nc
  absent m.nc.partial
  rc=0
  run a "$np" model.yaml --t-end 2 -o a.nc --checkpoint a.ckpt --checkpoint-every 0.5 --quiet || rc=$?
  expect_rc $rc 0 "a run replacing its own periodic checkpoints"
  cp a.ckpt a.keep
  rc=0
  run b "$np" model.yaml --t-end 2 -o b.nc --checkpoint a.ckpt --quiet || rc=$?
  expect_rc $rc 2 "--checkpoint at another run's checkpoint ($np ranks)"
  expect_log b "a.ckpt: a checkpoint of another run \\(run id [0-9a-f]{32}\\); refusing to overwrite it"
  cmp -s a.ckpt a.keep || fail "a.ckpt was changed"
  rc=0
  run f "$np" model.yaml --t-end 2 -o f.nc --checkpoint a.ckpt --force --quiet || rc=$?
  expect_rc $rc 0 "--force replaces another run's checkpoint"
  ;;

*)
  fail "unknown case '$CASE'"
  ;;
esac
note "$CASE: ok"
exit 0
