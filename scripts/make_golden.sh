#!/usr/bin/env bash
# Renders calf's golden scenes (640x360) into a directory; the reference set is data/golden/.
# The bare scenes (--annotate off) and a few annotated ones (*_annotated.png: axes, colour bar,
# legend, caption).
# Usage: scripts/make_golden.sh <calf executable> <output dir>
# The models are the small deterministic ones in data/golden/models (see data/README.md).
set -euo pipefail
calf=$1
out=$2
root="$(cd "$(dirname "$0")/.." && pwd)"
models="$root/data/golden/models"
mkdir -p "$out"
pm=(--system point_mass --policy calf --agents 20 --seed 1 --size 640x360 --quiet
    --actor "$models/point_mass/actor.pt" --critic "$models/point_mass/critic.pt")
dd=(--system differential_drive --policy calf --agents 10 --seed 1 --size 640x360 --quiet
    --actor "$models/differential_drive/actor.pt" --critic "$models/differential_drive/critic.pt")
cr=(--system creature --policy calf --agents 20 --seed 1 --size 640x360 --quiet
    --actor "$models/creature/actor.pt" --critic "$models/creature/critic.pt")
# the quadruped's bodies (MuJoCo geoms) under its nominal PD: no model files needed
qp=(--system quadruped --policy nominal --agents 4 --seed 1 --size 640x360 --quiet)
for camera in iso top; do
  bare=(--camera "$camera" --annotate off)
  "$calf" screenshot "${pm[@]}" --steps 100 "${bare[@]}" --out "$out/point_mass_calf_step100_$camera.png"
  "$calf" screenshot "${pm[@]}" --steps 500 "${bare[@]}" --out "$out/point_mass_calf_step500_$camera.png"
  "$calf" screenshot "${dd[@]}" --steps 300 "${bare[@]}" --out "$out/unicycle_calf_step300_$camera.png"
  "$calf" screenshot "${cr[@]}" --steps 300 "${bare[@]}" --out "$out/creature_calf_step300_$camera.png"
  "$calf" screenshot "${qp[@]}" --steps 200 "${bare[@]}" --out "$out/quadruped_nominal_step200_$camera.png"
done
"$calf" screenshot "${pm[@]}" --steps 500 --camera iso --annotate on \
  --out "$out/point_mass_calf_step500_iso_annotated.png"
"$calf" screenshot "${dd[@]}" --steps 300 --camera top --annotate on \
  --out "$out/unicycle_calf_step300_top_annotated.png"
"$calf" screenshot "${cr[@]}" --steps 300 --camera iso --annotate on \
  --out "$out/creature_calf_step300_iso_annotated.png"
