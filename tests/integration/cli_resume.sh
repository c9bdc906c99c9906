#!/bin/bash
# cli_resume.sh PSST MODEL WORKDIR: a run stopped by SIGUSR1 prints a resume
# command that repeats the run's own options (--t-end, -o, --checkpoint...),
# drops --force, and adds --restart; running that command finishes the run
# (exit 0) and the output is complete.
set -u
psst=$1 model=$2 work=$3
rm -rf "$work"; mkdir -p "$work"; cd "$work" || exit 1
"$psst" run "$model" --t-end=20000 -o out.nc --checkpoint run.ckpt --force --progress 1000 \
  2> err.txt &
pid=$!
for _ in $(seq 1 200); do            # until the output exists (the run is stepping)
  [ -e out.nc.partial ] && break
  sleep 0.05
done
sleep 0.2
kill -USR1 $pid
wait $pid; rc=$?
cat err.txt
[ $rc = 3 ] || { echo "FAIL: exit $rc, expected 3"; exit 1; }
line=$(grep -o 'resume with: .*' err.txt) || { echo "FAIL: no resume command"; exit 1; }
cmd=${line#resume with: }
echo "resume command: $cmd"
case " $cmd " in *" --t-end=20000 "*|*" --t-end 20000 "*) ;; *) echo "FAIL: --t-end dropped"; exit 1 ;; esac
case " $cmd " in *" -o out.nc "*) ;; *) echo "FAIL: -o dropped"; exit 1 ;; esac
case " $cmd " in *" --force "*) echo "FAIL: --force kept"; exit 1 ;; esac
case " $cmd " in *" --restart run.ckpt ") ;; *) echo "FAIL: no --restart run.ckpt at the end"; exit 1 ;; esac
# run it (psst is the binary under test, not whatever `psst` is on PATH)
eval "\"$psst\" ${cmd#psst }" || { echo "FAIL: the resume command failed"; exit 1; }
[ -e out.nc ] && [ ! -e out.nc.partial ] || { echo "FAIL: output not completed"; exit 1; }
echo "ok: stopped, resumed with the printed command, completed"
