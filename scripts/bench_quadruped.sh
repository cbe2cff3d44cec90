#!/usr/bin/env bash
# The quadruped side by side with MuJoCo's own speed test on the same model file:
# calf_bench_quadruped (Google Benchmark, medians of R) and `mujoco-testspeed
# data/quadruped/quadruped.xml <nstep> <nthread>` (medians of R runs), 1 and 2 threads.
# mujoco-testspeed rolls out passive dynamics (ctrl noise 0.01): the quadruped collapses and
# lies on the floor (~7.8 contacts), so the like-for-like calf figure is the zero-torque one
# (the same lying body); the standing (PD, 4 contacts) figures are printed too. calf's figure
# per mj_step = env-steps/s x 5 sub-steps (observation-free Step + bookkeeping included).
# Usage: scripts/bench_quadruped.sh [build dir] [repetitions]   (needs libmujoco-samples)
set -euo pipefail
build=${1:-build}
reps=${2:-5}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
here=$(cd "$(dirname "$0")/.." && pwd)
model="$here/data/quadruped/quadruped.xml"
json=$(mktemp)
ts=$(mktemp)
memjson=$(mktemp)
trap 'rm -f "$json" "$ts" "$memjson"' EXIT
"$build/bench/calf_bench_quadruped" --benchmark_filter=-Memory --benchmark_repetitions="$reps" \
  --benchmark_min_time=0.5 --benchmark_report_aggregates_only=true --benchmark_format=json >"$json"
# memory once, in a fresh process (a repetition would reuse the freed pages: RSS grows by 0)
"$build/bench/calf_bench_quadruped" --benchmark_filter=Memory --benchmark_format=json >"$memjson"
for i in $(seq "$reps"); do
  for t in 1 2; do
    # 20,000 steps per thread; its total steps/s over the threads
    rate=$(mujoco-testspeed "$model" 20000 "$t" | awk -F: '/^ *(Total steps|Steps) per second/ {print $2; exit}')
    contacts=$(mujoco-testspeed "$model" 2000 1 | awk -F: '/Contacts per step/ {print $2; exit}')
    echo "$t $rate $contacts" >>"$ts"
  done
done
/usr/bin/python3 - "$json" "$ts" "$(uptime)" "$memjson" <<'PY'
import json, statistics, sys
calf = json.load(open(sys.argv[1]))
mem = json.load(open(sys.argv[4]))["benchmarks"][0]
med = {}
for b in calf["benchmarks"]:
    if b.get("aggregate_name") == "median":
        med[b["run_name"]] = b
ts = {1: [], 2: []}
contacts = []
for line in open(sys.argv[2]):
    t, rate, c = line.split()
    ts[int(t)].append(float(rate))
    contacts.append(float(c))
print(f"quadruped on MuJoCo 2.2.2, medians of {len(ts[1])}; load when done: {sys.argv[3].strip()}")
print(f"{'figure':<44}{'1 thread':>12}{'2 threads':>12}")
def row(title, key1, key2, counter, scale=1.0):
    a = med[key1][counter] * scale
    b = med[key2][counter] * scale if key2 else float("nan")
    print(f"{title:<44}{a/1e3:>11.1f}k{b/1e3:>11.1f}k")
    return a, b
pd = row("calf env, 256 agents, PD standing: env-steps/s",
         "BM_QuadrupedEnv/pd:1/threads:1/real_time", "BM_QuadrupedEnv/pd:1/threads:2/real_time",
         "env_steps_per_s")
zero = row("calf env, 256 agents, zero torque: env-steps/s",
           "BM_QuadrupedEnv/pd:0/threads:1/real_time", "BM_QuadrupedEnv/pd:0/threads:2/real_time",
           "env_steps_per_s")
sim = row("calf Simulator (calf run), PD: env-steps/s",
          "BM_QuadrupedSimulator/threads:1/real_time", "BM_QuadrupedSimulator/threads:2/real_time",
          "env_steps_per_s")
ceil_pd = med["BM_MjStepLoop/pd:1/real_time"]["mj_steps_per_s"]
ceil_zero = med["BM_MjStepLoop/pd:0/real_time"]["mj_steps_per_s"]
t1, t2 = statistics.median(ts[1]), statistics.median(ts[2])
print(f"{'per mj_step (x5 sub-steps):':<44}")
print(f"{'  calf env, PD standing':<44}{pd[0]*5/1e3:>11.1f}k{pd[1]*5/1e3:>11.1f}k")
print(f"{'  calf env, zero torque (lying)':<44}{zero[0]*5/1e3:>11.1f}k{zero[1]*5/1e3:>11.1f}k")
print(f"{'  plain mj_step loop, PD (ceiling)':<44}{ceil_pd/1e3:>11.1f}k")
print(f"{'  plain mj_step loop, zero torque':<44}{ceil_zero/1e3:>11.1f}k")
print(f"{'  mujoco-testspeed (passive, lying)':<44}{t1/1e3:>11.1f}k{t2/1e3:>11.1f}k")
print(f"contacts per step: calf PD {med['BM_QuadrupedEnv/pd:1/threads:1/real_time']['contacts']:.2f}, "
      f"calf zero {med['BM_QuadrupedEnv/pd:0/threads:1/real_time']['contacts']:.2f}, "
      f"testspeed {statistics.median(contacts):.2f}")
print("ratios:")
print(f"  calf env PD / plain loop PD (1 thread): {pd[0]*5/ceil_pd:.2f}")
print(f"  calf env zero / plain loop zero (1 thread): {zero[0]*5/ceil_zero:.2f}")
print(f"  calf env zero / mujoco-testspeed: 1 thread {zero[0]*5/t1:.2f}, 2 threads {zero[1]*5/t2:.2f}")
print(f"  2 threads / 1 thread: calf env PD {pd[1]/pd[0]:.2f}, zero {zero[1]/zero[0]:.2f}, "
      f"Simulator {sim[1]/sim[0]:.2f}, testspeed {t2/t1:.2f}")
print(f"memory: RSS / N at N = 1,000 = {mem['rss_kb_per_agent']:.2f} KiB per agent "
      f"(one mjData arena: {mem['mjdata_kb']:.0f} KiB; the pool holds one per thread)")
PY
