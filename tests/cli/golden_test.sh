#!/usr/bin/env bash
# Golden-image regression test: renders the golden scenes again into the build tree and
# compares them with data/golden/ using calf screenshot-diff. Diff images of failing scenes
# are left in <build>/golden_diffs.
# Usage: golden_test.sh <calf> <source dir> <build dir>
#
# Tolerance: llvmpipe renders differ slightly between CPUs (approximate reciprocals), and a
# 1-pixel trail line moved by one pixel counts as a difference, not anti-aliasing, in the
# pixelmatch algorithm. Measured on these scenes by scaling the projection (a stand-in for
# CPU rounding): a 0.03-pixel shift of the whole scene gives <= 8 differing pixels, a
# 0.3-pixel shift <= 82 (0.036%). --max-diff-ratio 0.0005 (115 pixels) absorbs that, while
# real changes fail: the agents 10 steps behind give 195 pixels, a 100-point trail instead of
# 600 gives 386 (the first is checked below).
set -euo pipefail
calf=$1
src=$2
build=$3
ratio=0.0005
actual="$build/golden_actual"
diffs="$build/golden_diffs"
rm -rf "$actual" "$diffs"
"$src/scripts/make_golden.sh" "$calf" "$actual"
"$calf" screenshot-diff --dir "$src/data/golden" "$actual" --out-dir "$diffs" \
  --max-diff-ratio "$ratio"

# the gate must catch a real visual change: the agents 10 steps behind
models="$src/data/golden/models/point_mass"
"$calf" screenshot --system point_mass --policy calf --agents 20 --seed 1 --size 640x360 \
  --actor "$models/actor.pt" --critic "$models/critic.pt" --steps 490 --annotate off --quiet \
  --out "$build/golden_regression.png"
# negative control: `screenshot-diff golden actual` must report a difference (exit 1)
expect_difference() {
  set +e
  "$calf" screenshot-diff "$1" "$2" --max-diff-ratio "$ratio" --quiet
  local rc=$?
  set -e
  if [ "$rc" -ne 1 ]; then
    echo "golden_test: $3 (exit $rc)" >&2
    exit 1
  fi
}
expect_difference "$src/data/golden/point_mass_calf_step500_iso.png" "$build/golden_regression.png" \
  "the scene at step 490 passed against the step-500 golden image"
# and the annotated goldens must catch a frame without its annotation
expect_difference "$src/data/golden/point_mass_calf_step500_iso_annotated.png" \
  "$actual/point_mass_calf_step500_iso.png" "the bare scene passed against the annotated golden image"
echo "golden_test: ok"
