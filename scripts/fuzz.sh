#!/usr/bin/env bash
# Builds calf's libFuzzer targets (fuzz/, clang) and runs each for a bounded time; exits
# non-zero on the first finding (crash, sanitizer report, timeout, out-of-memory).
# Usage: scripts/fuzz.sh [seconds per target] [calf binary for seed corpora]
# Seed corpora come from calf's own outputs: the golden PNGs, a screenshot, training
# checkpoints (TD3, PPO), run files of each family, the configs a run and a profile record and
# a run's initial states as CSV written by the calf binary when given (h5py for the run's), and
# calf's JSON configs. See docs/fuzzing.md for a long campaign.
set -euo pipefail
SECONDS_PER_TARGET=${1:-20}
CALF=${2:-build/calf}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${FUZZ_DIR:-$ROOT/build-fuzz}
cmake -S "$ROOT/fuzz" -B "$OUT" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$OUT" -j "${JOBS:-2}"

TARGETS=(png_read_fuzz image_diff_fuzz checksum_fuzz zip_checksum_fuzz run_config_fuzz
         profile_config_fuzz initial_states_fuzz profile_summary_fuzz train_config_fuzz
         checkpoint_fuzz run_file_fuzz)
for target in "${TARGETS[@]}"; do mkdir -p "$OUT/corpus/$target"; done
cp "$ROOT"/data/models/point_mass/*.pt "$OUT/corpus/zip_checksum_fuzz/"
cp "$ROOT"/data/golden/*.png "$OUT/corpus/png_read_fuzz/"
for f in "$ROOT"/data/models/*/*.json; do
  cp "$f" "$OUT/corpus/run_config_fuzz/$(basename "$(dirname "$f")")_$(basename "$f")"
done
printf '{"dt": 0.01, "num_agents": 4, "seed": 3, "policy": "pd"}' > "$OUT/corpus/run_config_fuzz/small.json"
# train-config seeds: the shipped models' training configs and a small PPO one
for f in "$ROOT"/data/models/*/train_config.json; do
  cp "$f" "$OUT/corpus/train_config_fuzz/$(basename "$(dirname "$f")").json"
done
printf '{"algo": "ppo", "system": "creature", "num_envs": 8, "rollout_steps": 32, "seq_len": 8, "minibatch_size": 64}' \
  > "$OUT/corpus/train_config_fuzz/ppo_small.json"
printf '{"preset": "low", "agents": [3, 20], "modes": ["baseline", "optimized"], "frames": 40}' \
  > "$OUT/corpus/profile_config_fuzz/small.json"
# initial-states seeds: a selector byte (agents - 1 in the low 6 bits, the index of d in
# 2, 3, 7, 1 in the top two) then the CSV; the docs' example and, below, a run's initial states
{ printf '\x01'; printf 'x,v\n1.5,-0.2\n-3,0\n'; } > "$OUT/corpus/initial_states_fuzz/docs.csv"
if [ -x "$CALF" ]; then
  tmp=$(mktemp -d)
  "$CALF" screenshot --agents 3 --size 32x24 --trail 4 --steps 5 --out "$tmp/s.png" --quiet \
    && cp "$tmp/s.png" "$OUT/corpus/png_read_fuzz/calf_shot.png" || true
  printf '{"max_steps_per_episode": 20, "start_training_step": 10, "replay_size": 100, "hidden": [4], "batch_size": 4}' > "$tmp/t.json"
  "$CALF" train --system point_mass --config "$tmp/t.json" --episodes 1 --out-dir "$tmp/tr" --quiet \
    && cp "$tmp/tr/checkpoint.bin" "$OUT/corpus/checksum_fuzz/" || true
  # checkpoint_fuzz takes a checkpoint without its CRC-32C (the target appends it): TD3 above
  # and PPO with tiny networks (with the world model, whose sizes are fixed, it is 1.2 MB)
  [ -f "$tmp/tr/checkpoint.bin" ] \
    && head -c -4 "$tmp/tr/checkpoint.bin" > "$OUT/corpus/checkpoint_fuzz/td3.bin" || true
  ppo='"algo": "ppo", "num_envs": 2, "rollout_steps": 8, "seq_len": 4, "minibatch_size": 8, "epochs": 1,
       "net": {"encoder": [4], "attention_heads": 1, "head_dim": 2, "lstm": 4, "head_hidden": 4}'
  printf '{%s}' "$ppo" > "$tmp/ppo.json"
  "$CALF" train --system point_mass --config "$tmp/ppo.json" --episodes 1 --out-dir "$tmp/ppo" \
    --quiet && head -c -4 "$tmp/ppo/checkpoint.bin" > "$OUT/corpus/checkpoint_fuzz/ppo.bin" || true
  # the resolved configs calf records: a profile's index.json, a run's config attribute
  "$CALF" profile --agents 3 --frames 3 --warmup 1 --repeats 1 --out-dir "$tmp/pr" --quiet \
    && /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["config"]))' \
         "$tmp/pr/index.json" > "$OUT/corpus/profile_config_fuzz/calf_profile.json" || true
  cp "$tmp"/pr/*_n3.json "$OUT/corpus/profile_summary_fuzz/" 2>/dev/null || true
  # run_file_fuzz: small run files of each family (deflated but point_mass's: 28-115 KB; the
  # chunks of an uncompressed quadruped run take 1.2 MB), one recorded every 2 steps
  "$CALF" run --system point_mass --policy nominal --agents 3 --steps 3 \
    --out "$OUT/corpus/run_file_fuzz/point_mass.h5" --quiet || true
  for system in differential_drive creature quadruped; do
    "$CALF" run --system "$system" --policy nominal --agents 3 --steps 3 --compress \
      --out "$OUT/corpus/run_file_fuzz/$system.h5" --quiet || true
  done
  "$CALF" run --system point_mass --policy pd --agents 2 --steps 4 --record-every 2 --compress \
    --out "$OUT/corpus/run_file_fuzz/point_mass_k2_deflate.h5" --quiet || true
  for system in point_mass differential_drive creature; do
    "$CALF" run --system "$system" --policy nominal --agents 4 --steps 2 --out "$tmp/$system.h5" \
      --quiet || continue
    /usr/bin/python3 - "$tmp/$system.h5" "$OUT/corpus" "$system" <<'PY' || true
import json, sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    config = f.attrs["config"]
    states = f["states"][0]
corpus, system = sys.argv[2], sys.argv[3]
open(f"{corpus}/run_config_fuzz/calf_run_{system}.json", "wb").write(bytes(config))
n, d = states.shape
with open(f"{corpus}/initial_states_fuzz/calf_run_{system}.csv", "wb") as out:
    out.write(bytes([(n - 1) | [2, 3, 7, 1].index(d) << 6]))
    out.write(("\n".join(",".join(repr(float(v)) for v in row) for row in states) + "\n").encode())
PY
  done
  rm -rf "$tmp"
fi
# image diff seeds: two PNGs glued with a split byte in front and two option bytes behind
pngs=("$OUT"/corpus/png_read_fuzz/*.png)
for i in 0 1; do
  a=${pngs[$i]:-${pngs[0]}}; b=${pngs[$(( (i + 1) % ${#pngs[@]} ))]}
  sa=$(stat -c %s "$a"); sb=$(stat -c %s "$b")
  split=$(( 255 * sa / (sa + sb) ))
  { printf "\\x$(printf %02x $split)"; cat "$a" "$b"; printf '\x19\x02\x00'; } \
    > "$OUT/corpus/image_diff_fuzz/pair$i"
done

status=0
for target in "${TARGETS[@]}"; do
  echo "== $target: ${SECONDS_PER_TARGET}s"
  mkdir -p "$OUT/findings/$target"
  if ! (cd "$OUT/findings/$target" && "$OUT/$target" "$OUT/corpus/$target" \
          -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
          -max_len=1048576 -print_final_stats=1 2>"$OUT/$target.log"); then
    echo "FINDING in $target: see $OUT/$target.log and $OUT/findings/$target/"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|cov:" "$OUT/$target.log" | tail -3
done
exit $status
