#!/usr/bin/env bash
# Runs every benchmark program built in $1 (default build/), printing Google Benchmark tables.
set -euo pipefail
build=${1:-build}
found=0
for b in "$build"/bench/calf_bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b" --benchmark_min_time=0.2
done
[ $found -eq 1 ] || echo "no benchmarks built yet"
