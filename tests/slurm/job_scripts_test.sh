#!/usr/bin/env bash
# tests/slurm/job_scripts_test.sh — the decisions the job scripts make, without
# a cluster: jobs/workstation.sh --dry-run and the jobs/slurm/*.sbatch scripts
# with PSST_DRY_RUN=1 print the command they would launch, and this test
# checks it. What it covers (issue 14, "Jobs"):
#   - workstation.sh: ranks = max(1, min(cores or GPUs, neurons / 1000)):
#     the 3-neuron Day-4 model gets 1 rank, cobahh (4000) min(cores, 4),
#     --neurons changes the count, NP overrides, fake nvidia-smi GPUs cap it,
#     bad NP / MIN_NEURONS_PER_RANK exit 2;
#   - run.sbatch / long-run.sbatch / *-scaling.sbatch: --gpus-per-task=1 only
#     when Slurm allocated GPUs (SLURM_GPUS_ON_NODE, SLURM_JOB_GPUS,
#     SLURM_GPUS_PER_TASK) or PSST_GPUS=1, never for an inherited
#     CUDA_VISIBLE_DEVICES, never with PSST_GPUS=0; srun steps get --export=ALL;
#   - PSST_MODULES: loaded through the module command (a fake one, defined by
#     PSST_MODULES_INIT), exit 2 when there is no module system or the load
#     fails;
#   - the scaling scripts ask for --exclusive and bind ranks to cores.
# The real launches run in slurm_jobs_test.sh on a local Slurm cluster.
#
#   job_scripts_test.sh SOURCE_DIR WORK_DIR PSST
set -uo pipefail
SRC=$1
WORK=$2
PSST_EXE=$3
J=$SRC/jobs
rm -rf "$WORK"
mkdir -p "$WORK/bin"
cd "$WORK" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# run CMD...: stdout in $out, stderr in $err, status in $rc
run() {
  out=$("$@" 2>"$WORK/stderr")
  rc=$?
  err=$(cat "$WORK/stderr")
}
# expect_rc WHAT RC
expect_rc() {
  if [ "$rc" = "$2" ]; then ok "$1: exit $rc"; else
    fail "$1: exit $rc, expected $2 (stdout: $out; stderr: $err)"
  fi
}
# has WHAT TEXT PATTERN / hasnt WHAT TEXT PATTERN (grep -E)
has() { if grep -qE -- "$3" <<<"$2"; then ok "$1"; else fail "$1: '$3' not in: $2"; fi; }
hasnt() { if grep -qE -- "$3" <<<"$2"; then fail "$1: '$3' in: $2"; else ok "$1"; fi; }

# no Slurm, GPU or module variables from the environment this test runs in
for v in $(env | sed -n 's/^\(SLURM_[A-Z_]*\)=.*/\1/p; s/^\(PSST_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
unset NP MIN_NEURONS_PER_RANK CUDA_VISIBLE_DEVICES LAUNCHER OUT module 2>/dev/null || true
export PSST=$PSST_EXE
# a PATH without nvidia-smi and scontrol unless the test puts them there
export PATH="$WORK/bin:/usr/local/bin:/usr/bin:/bin"
rm -f "$WORK/bin/nvidia-smi" "$WORK/bin/scontrol"
cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# ---- workstation.sh ----------------------------------------------------------
run "$J/workstation.sh" --dry-run "$SRC/examples/day4_network.yaml"
expect_rc "workstation day4" 0
has "workstation: Day-4 (3 neurons) on 1 rank" "$out" "^mpirun -n 1 "
run "$J/workstation.sh" --dry-run "$SRC/examples/cobahh.yaml"
expect_rc "workstation cobahh" 0
has "workstation: cobahh (4000 neurons) on min($cores cores, 4) ranks" "$out" "^mpirun -n $(min "$cores" 4) "
SCALED=$SRC/examples/locust_al_scaled.yaml
run "$J/workstation.sh" --dry-run "$SCALED" --neurons 1500 --t-end 5
expect_rc "workstation scaled --neurons 1500" 0
has "workstation: --neurons 1500 gives 1 rank" "$out" "^mpirun -n 1 .* --neurons 1500 --t-end 5$"
run "$J/workstation.sh" --dry-run "$SCALED" --neurons=2500
has "workstation: --neurons=2500 gives min(cores, 2)" "$out" "^mpirun -n $(min "$cores" 2) "
run "$J/workstation.sh" --dry-run "$SRC/examples/cobahh.yaml" --neurons 1500
expect_rc "workstation: --neurons on a fixed-size model" 2
has "workstation: psst check's refusal is shown" "$err" "has no network.neurons"
run env NP=3 "$J/workstation.sh" --dry-run "$SRC/examples/day4_network.yaml"
has "workstation: NP=3 is used as given" "$out" "^mpirun -n 3 "
run env MIN_NEURONS_PER_RANK=100 "$J/workstation.sh" --dry-run "$SRC/examples/locust_al.yaml"
has "workstation: MIN_NEURONS_PER_RANK=100, locust (120) on 1 rank" "$out" "^mpirun -n 1 "
for bad in 0 x -1; do
  run env NP=$bad "$J/workstation.sh" --dry-run "$SRC/examples/cobahh.yaml"
  expect_rc "workstation NP=$bad" 2
  run env MIN_NEURONS_PER_RANK=$bad "$J/workstation.sh" --dry-run "$SRC/examples/cobahh.yaml"
  expect_rc "workstation MIN_NEURONS_PER_RANK=$bad" 2
done
run "$J/workstation.sh" --dry-run "$WORK/missing.yaml"
expect_rc "workstation missing model" 2
has "workstation: missing model named" "$err" "missing.yaml"
# two GPUs listed by nvidia-smi: one rank per GPU, still capped by the size
cat >"$WORK/bin/nvidia-smi" <<'EOF'
#!/bin/sh
echo "GPU 0: NVIDIA Test (UUID: GPU-0)"
echo "GPU 1: NVIDIA Test (UUID: GPU-1)"
EOF
chmod +x "$WORK/bin/nvidia-smi"
run "$J/workstation.sh" --dry-run "$SRC/examples/cobahh.yaml"
has "workstation: 2 GPUs, cobahh on 2 ranks" "$out" "^mpirun -n 2 "
has "workstation: log names the GPUs" "$err" "2 GPUs"
run "$J/workstation.sh" --dry-run "$SRC/examples/day4_network.yaml"
has "workstation: 2 GPUs, Day-4 still on 1 rank" "$out" "^mpirun -n 1 "
rm -f "$WORK/bin/nvidia-smi"

# ---- the sbatch scripts: GPUs, --export=ALL ---------------------------------
export PSST_DRY_RUN=1
MODEL=$SRC/examples/day4_network.yaml
for s in run long-run strong-scaling weak-scaling; do
  case $s in
    run | long-run) args=("$MODEL" --t-end 5) ;;
    *) args=("$SRC/examples/locust_al_scaled.yaml") ;;
  esac
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 "$J/slurm/$s.sbatch" "${args[@]}"
  expect_rc "$s.sbatch dry run" 0
  has "$s.sbatch: srun steps get --export=ALL" "$out" "srun.*--export=ALL"
  hasnt "$s.sbatch: no GPUs without a Slurm GPU allocation" "$out" "gpus-per-task"
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 CUDA_VISIBLE_DEVICES=0,1 "$J/slurm/$s.sbatch" "${args[@]}"
  hasnt "$s.sbatch: an inherited CUDA_VISIBLE_DEVICES asks for no GPU" "$out" "gpus-per-task"
  for g in SLURM_GPUS_ON_NODE=2 SLURM_JOB_GPUS=0,1 SLURM_GPUS_PER_TASK=1 PSST_GPUS=1; do
    run env SLURM_JOB_ID=7 SLURM_NTASKS=2 "$g" "$J/slurm/$s.sbatch" "${args[@]}"
    has "$s.sbatch: $g gives one GPU per rank" "$out" "--gpus-per-task=1"
  done
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 SLURM_GPUS_ON_NODE=2 PSST_GPUS=0 "$J/slurm/$s.sbatch" "${args[@]}"
  hasnt "$s.sbatch: PSST_GPUS=0 overrides the allocation" "$out" "gpus-per-task"
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 PSST_GPUS=maybe "$J/slurm/$s.sbatch" "${args[@]}"
  expect_rc "$s.sbatch PSST_GPUS=maybe" 2
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 LAUNCHER=mpirun "$J/slurm/$s.sbatch" "${args[@]}"
  expect_rc "$s.sbatch LAUNCHER=mpirun" 0
  hasnt "$s.sbatch: LAUNCHER=mpirun uses no srun" "$out" "srun"

  # ---- PSST_MODULES ----------------------------------------------------------
  run env PSST_MODULES="gcc openmpi" PSST_MODULES_INIT=/dev/null "$J/slurm/$s.sbatch" "${args[@]}"
  expect_rc "$s.sbatch: PSST_MODULES without a module command" 2
  has "$s.sbatch: the missing module system is named" "$err" "no module command"
  run env PSST_MODULES="gcc openmpi" PSST_MODULES_INIT="$WORK/missing-init" "$J/slurm/$s.sbatch" "${args[@]}"
  expect_rc "$s.sbatch: unreadable PSST_MODULES_INIT" 2
  cat >"$WORK/modules-init.sh" <<EOF
module() { echo "\$*" >>"$WORK/module.log"; [ "\$2" != broken ]; }
EOF
  rm -f "$WORK/module.log"
  run env PSST_MODULES="gcc openmpi" PSST_MODULES_INIT="$WORK/modules-init.sh" "$J/slurm/$s.sbatch" "${args[@]}"
  expect_rc "$s.sbatch: PSST_MODULES loaded" 0
  has "$s.sbatch: module load gcc openmpi" "$(cat "$WORK/module.log" 2>/dev/null)" "^load gcc openmpi$"
  run env PSST_MODULES="broken" PSST_MODULES_INIT="$WORK/modules-init.sh" "$J/slurm/$s.sbatch" "${args[@]}"
  expect_rc "$s.sbatch: failing module load" 2
  has "$s.sbatch: the failed load is named" "$err" "module load broken failed"
done

# ---- scaling scripts: whole nodes, ranks bound to cores -----------------------
for s in strong-scaling weak-scaling; do
  has "$s.sbatch asks for whole nodes" "$(sed -n '/^#SBATCH/p' "$J/slurm/$s.sbatch")" "^#SBATCH --exclusive$"
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
  has "$s.sbatch: srun binds to cores" "$out" "cpu-bind=cores"
  has "$s.sbatch: the binding is logged" "$err" "binding: CPU_BIND=cores"
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 LAUNCHER=mpirun "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
  has "$s.sbatch: mpirun binds to cores" "$out" "bind-to.{1,2}core"
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 CPU_BIND=none "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
  hasnt "$s.sbatch: CPU_BIND=none binds nothing" "$out" "cpu-bind=cores"
  # the exchange of the stage voltages (EXCHANGE -> PSST_EXCHANGE)
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
  has "$s.sbatch: by default the model's run.exchange" "$err" "exchange: the model's run.exchange"
  for x in allgather halo auto; do
    run env SLURM_JOB_ID=7 SLURM_NTASKS=2 EXCHANGE=$x "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
    expect_rc "$s.sbatch EXCHANGE=$x" 0
    has "$s.sbatch: EXCHANGE=$x is logged" "$err" "exchange: PSST_EXCHANGE=$x"
    run env SLURM_JOB_ID=7 SLURM_NTASKS=2 EXCHANGE=$x LAUNCHER=mpirun "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
    has "$s.sbatch: EXCHANGE=$x reaches mpirun's ranks" "$out" "mpirun.*-x.{1,2}PSST_EXCHANGE"
  done
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 LAUNCHER=mpirun "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
  hasnt "$s.sbatch: no EXCHANGE, no -x PSST_EXCHANGE" "$out" "PSST_EXCHANGE"
  run env SLURM_JOB_ID=7 SLURM_NTASKS=2 EXCHANGE=p2p "$J/slurm/$s.sbatch" "$SRC/examples/locust_al_scaled.yaml"
  expect_rc "$s.sbatch EXCHANGE=p2p" 2
  has "$s.sbatch: a bad EXCHANGE is named" "$err" "EXCHANGE must be allgather, halo or auto, got 'p2p'"
done

if [ "$failures" -gt 0 ]; then
  echo "job_scripts_test: $failures check(s) failed"
  exit 1
fi
echo "job_scripts_test: all checks passed"
