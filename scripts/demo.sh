#!/usr/bin/env bash
# make demo: profiles both designs over N = 3 .. 10,000, renders a few screenshots and writes
# a `calf compare` report to out/demo/ (report.md, report.html, charts).
#
# usage: scripts/demo.sh [calf binary] [output dir]   (make demo passes build/calf out/demo)
# Sized to finish within ~4 minutes on 2 cores; adjust the settings below (or the matching
# environment variables) if a machine is much slower or faster.
set -euo pipefail

# ---- settings (easy to adjust) ------------------------------------------------------------
AGENTS=${DEMO_AGENTS:-3,10,20,100,1000,10000}  # N of the sweep
MODES=${DEMO_MODES:-baseline,optimized}        # designs; ablation modes are added below
FRAMES=${DEMO_FRAMES:-30}                      # measured frames per repeat (> WARMUP)
WARMUP=${DEMO_WARMUP:-5}                       # frames run before measuring
REPEATS=${DEMO_REPEATS:-3}                     # repeats per (mode, N)
FOCUS_N=${DEMO_FOCUS_N:-20}                    # N of the headline and the breakdown
# each optimisation alone, for the ablation table; used when `calf profile` accepts them
ABLATION=${DEMO_ABLATION:-only_vectorized_heights,only_stats_cache,only_batched_trails,only_batched_inference}
SHOT_SYSTEM=${DEMO_SHOT_SYSTEM:-point_mass}
SHOT_AGENTS=${DEMO_SHOT_AGENTS:-20}
SHOT_STEPS=${DEMO_SHOT_STEPS:-100,500}
SHOT_SIZE=${DEMO_SHOT_SIZE:-640x360}
# --------------------------------------------------------------------------------------------

calf=${1:-${CALF:-build/calf}}
out=${2:-out/demo}
prof="$out/prof"
shots="$out/shots"

if [ ! -x "$calf" ]; then
  echo "demo: no calf binary at $calf; run make build first (or set CALF=path/to/calf)" >&2
  exit 2
fi
# (`calf <unknown> --help` prints the top-level help and exits 0, so look at the command list)
has_command() {
  local help
  help=$("$calf" --help 2>&1 || true)
  [[ $help =~ (^|$'\n')\ +$1\  ]]
}
if ! has_command profile; then
  echo "demo: $calf has no 'profile' command; build a calf that includes calf profile" >&2
  exit 2
fi
mkdir -p "$out"
"$calf" --version

# ablation modes only when this calf's profiler knows them (its --help lists the mode names)
modes=$MODES
# (help texts are captured, not piped into grep -q: with pipefail an early grep exit can fail)
profile_help=$("$calf" profile --help 2>&1 || true)
if [ -n "$ABLATION" ] && [[ $profile_help == *"${ABLATION%%,*}"* ]]; then
  modes="$modes,$ABLATION"
fi

elapsed() { echo "$(( $(date +%s) - $1 )) s"; }
t0=$(date +%s)

echo "demo: profiling modes $modes at N = $AGENTS ($FRAMES frames after $WARMUP warm-up, $REPEATS repeats)"
t=$(date +%s)
"$calf" profile --agents "$AGENTS" --mode "$modes" --frames "$FRAMES" --warmup "$WARMUP" \
  --repeats "$REPEATS" --out-dir "$prof" --force
echo "demo: profile took $(elapsed "$t")"

# screenshots need an EGL device (llvmpipe is enough); a machine without one still gets a report
echo "demo: rendering screenshots into $shots"
t=$(date +%s)
shot_args=()
if has_command screenshot && "$calf" screenshot --system "$SHOT_SYSTEM" --policy calf --agents "$SHOT_AGENTS" \
  --steps-at "$SHOT_STEPS" --out-dir "$shots" --size "$SHOT_SIZE"; then
  echo "demo: screenshots took $(elapsed "$t")"
  shot_args=(--screenshots "$shots")
else
  echo "demo: warning: calf screenshot failed (no EGL/offscreen GL here?); the report has no screenshots" >&2
fi

echo "demo: writing the report"
compare_args=("$prof" --out-dir "$out" --n "$FOCUS_N")
# older calf builds without --screenshots still get a report
compare_help=$("$calf" compare --help 2>&1 || true)
if [ ${#shot_args[@]} -gt 0 ] && [[ $compare_help == *--screenshots* ]]; then
  compare_args+=("${shot_args[@]}")
fi
"$calf" compare "${compare_args[@]}"

echo
echo "demo: done in $(elapsed "$t0")"
echo "demo: report (HTML, self-contained): $out/report.html"
echo "demo: report (Markdown):             $out/report.md"
echo "demo: profiles:                      $prof"
