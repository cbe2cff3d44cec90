#!/usr/bin/env bash
# make demo: runs the main job on embedded defaults and writes a report to $2 (out/demo).
set -euo pipefail
calf=${1:-build/calf}
out=${2:-out/demo}
mkdir -p "$out"
"$calf" --version
echo "demo: nothing to run yet" > "$out/report.md"
echo "demo: report at $out/report.md"
