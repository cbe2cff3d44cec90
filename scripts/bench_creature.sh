#!/usr/bin/env bash
# The creature kernel side by side: calf's fused / unfused / per-creature kernel
# (calf_bench_creature, Google Benchmark, medians of 9) and the numba port
# (bench/creature_numba.py, medians of 9), N = 100,000 on 1 and 2 threads, with the ratios.
# Usage: scripts/bench_creature.sh [build dir]   (needs python3-numba: scripts/install_deps.sh)
set -euo pipefail
build=${1:-build}
# a step of 100,000 creatures is ~0.4 ms: with OpenMP's default spin-wait a thread that the OS
# deschedules (another process on the 2 cores) stalls the other at every barrier; passive
# waiting keeps the 2-thread figures meaningful on a shared machine (set it to override)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
here=$(cd "$(dirname "$0")/.." && pwd)
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$build/bench/calf_bench_creature" --benchmark_repetitions=9 --benchmark_min_time=0.3 \
  --benchmark_report_aggregates_only=true --benchmark_format=json >"$json"
numba=$(/usr/bin/python3 "$here/bench/creature_numba.py" --json --repetitions 9 --steps 100)
/usr/bin/python3 - "$json" "$numba" <<'PY'
import json, sys
calf = json.load(open(sys.argv[1]))
numba = {int(k): v for k, v in json.loads(sys.argv[2])["agent_steps_per_s"].items()}
rate = {}
for b in calf["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name, n, threads = b["run_name"].split("/")[:3]
    rate[(name.replace("BM_Creature", ""), int(threads))] = b["agent_steps_per_s"]
    label = b.get("label", "")
print(f"creature kernel, N = 100,000, medians of 9 (M agent-steps/s); calf kernel build: {label}")
print(f"{'design':<22}{'1 thread':>10}{'2 threads':>11}{'2t/1t':>8}")
rows = [("calf fused", "Fused"), ("calf unfused", "Unfused"), ("calf per-creature", "PerCreature")]
for title, key in rows:
    a, b = rate[(key, 1)], rate[(key, 2)]
    print(f"{title:<22}{a/1e6:>10.1f}{b/1e6:>11.1f}{b/a:>8.2f}")
print(f"{'numba fused prange':<22}{numba[1]/1e6:>10.1f}{numba.get(2, float('nan'))/1e6:>11.1f}"
      f"{numba.get(2, float('nan'))/numba[1]:>8.2f}")
print("ratios (same thread count):")
for t in (1, 2):
    f = rate[("Fused", t)]
    print(f"  {t} thread(s): fused/unfused {f/rate[('Unfused', t)]:.2f}x, "
          f"fused/per-creature {f/rate[('PerCreature', t)]:.2f}x, fused/numba {f/numba[t]:.2f}x")
PY
