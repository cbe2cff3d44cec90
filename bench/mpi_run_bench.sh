#!/usr/bin/env bash
# Distributed `calf run` on this machine, side by side in one run (issue: beyond one machine):
# N = 200,000 CALF point mass agents, 1 rank x 1 thread, 1 rank x 2 threads, 2 ranks x 1
# thread (mpirun), interleaved rounds; medians of the job's wall time and of the simulation
# loop's agent-steps/s (rank 0's --json), and the cost of writing parts + virtual file
# against one plain file (same runs). Usage: bench/mpi_run_bench.sh <calf> [rounds] [steps]
set -euo pipefail
calf=$1
rounds=${2:-3}
steps=${3:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
args=(run --system point_mass --policy calf --agents 200000 --steps "$steps" --seed 1
      --record-every 10 --quiet --json)
run() {  # label, command...
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$work/$label.json"
  t1=$(date +%s.%N)
  python3 - "$work/$label.json" "$t0" "$t1" "$label" >> "$work/results.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(sys.argv[4], float(sys.argv[3]) - float(sys.argv[2]), s["agent_steps_per_s"], s["seconds"])
PY
}
for r in $(seq "$rounds"); do
  OMP_NUM_THREADS=1 run 1x1 "$calf" "${args[@]}" --threads 1 --out "$work/a.h5"
  OMP_NUM_THREADS=2 run 1x2 "$calf" "${args[@]}" --threads 2 --out "$work/b.h5"
  run 2x1 mpirun -n 2 --bind-to none -x OMP_NUM_THREADS=1 "$calf" "${args[@]}" --threads 1 \
    --out "$work/c.h5"
done
python3 - "$work/results.txt" <<'PY'
import collections, statistics, sys
wall, rate, loop = (collections.defaultdict(list) for _ in range(3))
for line in open(sys.argv[1]):
    label, w, r, l = line.split()
    wall[label].append(float(w)); rate[label].append(float(r)); loop[label].append(float(l))
base = statistics.median(wall["1x1"])
print(f"{'ranks x threads':16s} {'wall s':>8s} {'loop s':>8s} {'wall-loop s':>12s} "
      f"{'loop agent-steps/s':>19s} {'speed-up (wall)':>16s}   (medians)")
for label in ["1x1", "1x2", "2x1"]:
    w, r, l = (statistics.median(x[label]) for x in (wall, rate, loop))
    print(f"{label:16s} {w:8.2f} {l:8.2f} {w - l:12.2f} {r:19.3g} {base / w:16.2f}")
print("wall-loop = start-up (model load, MPI init) + closing the file(s); for 2x1 it includes")
print("writing the virtual file over the parts")
PY
ls -l "$work"/a.h5 "$work"/c.h5 "$work"/c.h5.parts/*.h5 | awk '{print $5, $9}'
