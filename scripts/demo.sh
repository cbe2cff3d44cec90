#!/usr/bin/env bash
# make demo: profiles both designs with drawing (--render on, 1280x720, N = 20 and 1,000: the
# headline) and without (the frame pipeline over N = 3 .. 10,000), renders a few screenshots
# and a short video and writes a `calf compare` report to out/demo/ (report.md, report.html,
# charts).
#
# usage: scripts/demo.sh [calf binary] [output dir]   (make demo passes build/calf out/demo)
# Sized to finish within ~3 minutes on 2 cores; adjust the settings below (or the matching
# environment variables) if a machine is much slower or faster.
set -euo pipefail

# ---- settings (easy to adjust) ------------------------------------------------------------
AGENTS=${DEMO_AGENTS:-3,10,20,100,1000,10000}  # N of the baseline-vs-optimized sweep
FRAMES=${DEMO_FRAMES:-30}                      # frames per repeat, warm-up included (> WARMUP)
WARMUP=${DEMO_WARMUP:-5}                       # frames run before measuring
REPEATS=${DEMO_REPEATS:-3}                     # repeats per (mode, N)
FOCUS_N=${DEMO_FOCUS_N:-20}                    # N of the headline, the breakdown and the ablation
SHOT_SYSTEM=${DEMO_SHOT_SYSTEM:-point_mass}
SHOT_AGENTS=${DEMO_SHOT_AGENTS:-20}
SHOT_STEPS=${DEMO_SHOT_STEPS:-100,500}
SHOT_SIZE=${DEMO_SHOT_SIZE:-640x360}
VIDEO_STEPS=${DEMO_VIDEO_STEPS:-0:300:2}       # steps of the short video in the report
RENDER_AGENTS=${DEMO_RENDER_AGENTS:-20,1000}   # N of the headline with drawing (--render on)
RENDER_SIZE=${DEMO_RENDER_SIZE:-1280x720}      # its frame size, the same for both designs
RENDER_FRAMES=${DEMO_RENDER_FRAMES:-25}        # frames per repeat with drawing (> RENDER_WARMUP)
RENDER_WARMUP=${DEMO_RENDER_WARMUP:-5}
# --------------------------------------------------------------------------------------------

calf=${1:-${CALF:-build/calf}}
out=${2:-out/demo}
prof="$out/prof"
render_prof="$out/prof_render"
ablation="$out/prof_ablation"
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

elapsed() { echo "$(( $(date +%s) - $1 )) s"; }
t0=$(date +%s)

# both designs over the whole N range; each optimisation alone only at FOCUS_N (the ablation
# table's N): three of the four single-flag modes keep LibTorch's batch-of-one inference,
# which is as slow as the baseline at large N
echo "demo: profiling baseline and optimized at N = $AGENTS ($FRAMES frames incl. $WARMUP warm-up, $REPEATS repeats)"
t=$(date +%s)
"$calf" profile --agents "$AGENTS" --mode baseline,optimized --frames "$FRAMES" \
  --warmup "$WARMUP" --repeats "$REPEATS" --out-dir "$prof" --force
echo "demo: profiling each optimisation alone at N = $FOCUS_N"
"$calf" profile --agents "$FOCUS_N" --mode ablation --frames "$FRAMES" --warmup "$WARMUP" \
  --repeats "$REPEATS" --out-dir "$ablation" --force
# the headline: both designs drawing every frame, as a person sees them; a machine without
# EGL profiles without the render section (calf profile warns), then the report has no such line
echo "demo: profiling baseline and optimized with drawing (--render on, $RENDER_SIZE) at N = $RENDER_AGENTS"
"$calf" profile --agents "$RENDER_AGENTS" --mode baseline,optimized --render on \
  --size "$RENDER_SIZE" --frames "$RENDER_FRAMES" --warmup "$RENDER_WARMUP" --repeats "$REPEATS" \
  --out-dir "$render_prof" --force
render_args=()
if grep -qs '"render": false' "$render_prof"/*.json; then
  echo "demo: warning: no offscreen GL here; the report's headline is without drawing" >&2
else
  render_args=(--render-profile "$render_prof")
fi
echo "demo: profiles took $(elapsed "$t")"

# screenshots need an EGL device (llvmpipe is enough); a machine without one still gets a report
echo "demo: rendering screenshots into $shots"
t=$(date +%s)
shot_args=()
if "$calf" screenshot --system "$SHOT_SYSTEM" --policy calf --agents "$SHOT_AGENTS" \
  --steps-at "$SHOT_STEPS" --out-dir "$shots" --size "$SHOT_SIZE" --annotate on; then
  echo "demo: screenshots took $(elapsed "$t")"
  shot_args=(--screenshots "$shots")
  # a short video of the same scene (H.264 MP4, plays in the HTML report); needs ffmpeg
  if "$calf" screenshot --system "$SHOT_SYSTEM" --policy calf --agents "$SHOT_AGENTS" \
    --steps-range "$VIDEO_STEPS" --size "$SHOT_SIZE" --fps 30 --video "$shots/video.mp4" --quiet; then
    echo "demo: video: $shots/video.mp4"
  else
    echo "demo: warning: calf screenshot --video failed (no ffmpeg?); the report has no video" >&2
  fi
else
  echo "demo: warning: calf screenshot failed (no EGL/offscreen GL here?); the report has no screenshots" >&2
fi

echo "demo: writing the report"
"$calf" compare "$prof" --ablation "$ablation" --out-dir "$out" --n "$FOCUS_N" \
  "${render_args[@]}" "${shot_args[@]}"

echo
echo "demo: done in $(elapsed "$t0")"
echo "demo: report (HTML, self-contained): $out/report.html"
echo "demo: report (Markdown):             $out/report.md"
echo "demo: profiles:                      $prof $ablation $render_prof"
