#!/usr/bin/env bash
# Distributed `calf train --algo ppo` on this machine, side by side in one run (issue: beyond
# one machine): a system (creature by default; quadruped: MuJoCo physics) with E parallel
# environments, 1 rank x 1 thread, 1 rank x 2
# threads, 2 ranks x 1 thread (mpirun), interleaved rounds; medians of the job's wall time and
# of the training log's per-update phase times (rollout = networks on rank 0 + environment
# steps on every rank + the collectives; update = rank 0 only). The models of all three are
# compared bit for bit. Usage: bench/mpi_train_bench.sh <calf> [rounds] [envs] [system]
set -euo pipefail
calf=$1
rounds=${2:-3}
envs=${3:-2048}
system=${4:-creature}
py=${PYTHON:-/usr/bin/python3}  # Debian's python3: it has h5py and torch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
cat > "$work/ppo.json" <<JSON
{"num_envs": $envs, "rollout_steps": 64, "seq_len": 16, "minibatch_size": $((envs * 16)), "epochs": 1}
JSON
args=(train --algo ppo --system "$system" --config "$work/ppo.json" --seed 1 --episodes 3 --quiet)
run() {  # label, out dir, command...
  local label=$1 out=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  "$@" --out-dir "$out"
  t1=$(date +%s.%N)
  "$py" - "$out/train_log.h5" "$t0" "$t1" "$label" >> "$work/results.txt" <<'PY'
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    g = f["update"]
    # the first update warms up (allocations); the others are the steady state
    roll, upd = g["time_rollout"][1:].mean(), g["time_update"][1:].mean()
print(sys.argv[4], float(sys.argv[3]) - float(sys.argv[2]), roll, upd)
PY
}
for r in $(seq "$rounds"); do
  OMP_NUM_THREADS=1 run 1x1 "$work/a" "$calf" "${args[@]}" --threads 1
  OMP_NUM_THREADS=2 run 1x2 "$work/b" "$calf" "${args[@]}" --threads 2
  run 2x1 "$work/c" mpirun -n 2 --bind-to none -x OMP_NUM_THREADS=1 "$calf" "${args[@]}" \
    --threads 1
done
"$py" - "$work/results.txt" "$work" <<'PY'
import collections, statistics, sys
import torch
wall, roll, upd = (collections.defaultdict(list) for _ in range(3))
for line in open(sys.argv[1]):
    label, w, r, u = line.split()
    wall[label].append(float(w)); roll[label].append(float(r)); upd[label].append(float(u))
base_w, base_r = statistics.median(wall["1x1"]), statistics.median(roll["1x1"])
print(f"{'ranks x threads':16s} {'wall s':>8s} {'rollout s':>10s} {'update s':>9s} "
      f"{'speed-up wall':>14s} {'speed-up rollout':>17s}   (medians)")
for label in ["1x1", "1x2", "2x1"]:
    w, r, u = (statistics.median(x[label]) for x in (wall, roll, upd))
    print(f"{label:16s} {w:8.2f} {r:10.3f} {u:9.3f} {base_w / w:14.2f} {base_r / r:17.2f}")
models = [torch.jit.load(f"{sys.argv[2]}/{d}/policy.pt") for d in "abc"]
same = all(all(torch.equal(x, y) for x, y in zip(models[0].parameters(), m.parameters()))
           for m in models[1:])
print("the three models are bit-identical:", same)
PY
