#!/usr/bin/env python3
"""End-to-end checks of `calf train --algo ppo`.

usage: ppo_train_cli.py <calf> <work_dir>

- the quick preset on the point mass learns: the mean episode return of the last 5 updates
  is better than that of the first 5 by at least 25% of its magnitude (measured: 54%, see
  docs/training.md), the value function explains most of the return variance at the end;
- the training log has the documented per-update datasets and root attributes; the model
  directory holds policy.pt and model.json, and `calf run --policy actor` runs the policy;
- an interrupted-and-resumed run (2 then 4 updates) writes the same model as a 4-update run;
- bad input (a minibatch larger than the rollout, a sequence length not dividing the
  rollout, clip <= 0, a negative entropy coefficient, a TD3 checkpoint resumed as PPO)
  exits 2 with one error line and writes nothing.
"""
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import torch

calf, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, sub="train"):
    return subprocess.run([calf, sub, *args], capture_output=True, text=True)


def one_error_line(r):
    lines = r.stderr.strip().splitlines()
    return r.returncode == 2 and len(lines) == 1 and "error" in lines[0]


# 1. the quick preset learns on the point mass
quick = os.path.join(work, "quick")
# one thread: the result is the same for any count, and ctest runs tests side by side
r = run("--algo", "ppo", "--system", "point_mass", "--preset", "quick", "--seed", "0",
        "--threads", "1", "--out-dir", quick, "--quiet")
expect(r.returncode == 0, f"quick preset trains ({r.stderr.strip()[-200:]})")
with h5py.File(os.path.join(quick, "train_log.h5"), "r") as f:
    # calf's string attributes are fixed-length: h5py gives bytes
    text = lambda v: v.decode() if isinstance(v, bytes) else v
    expect(text(f.attrs["algo"]) == "ppo" and text(f.attrs["system"]) == "point_mass",
           "log root attributes name algo and system")
    g = f["update"]
    names = {"env_steps", "episodes", "goal_hits", "mean_return", "mean_length", "policy_loss",
             "value_loss", "entropy", "approx_kl", "clip_fraction", "explained_variance",
             "wm_obs_loss", "wm_reward_loss", "wm_done_loss", "wm_prediction_error",
             "time_rollout", "time_gae", "time_update", "time_world_model"}
    expect(names <= set(g.keys()), f"per-update datasets {sorted(names - set(g.keys()))} present")
    ret = g["mean_return"][:]
    ev = g["explained_variance"][:]
    steps = g["env_steps"][:]
expect(len(ret) == 30 and steps[-1] == 30 * 64 * 128, "30 updates of 64 x 128 samples")
first, last = np.nanmean(ret[:5]), np.nanmean(ret[-5:])
expect(last > first + 0.25 * abs(first),
       f"mean return improves: first 5 updates {first:.1f}, last 5 {last:.1f}")
expect(np.nanmean(ev[-5:]) > 0.8, f"value function explains the returns ({np.nanmean(ev[-5:]):.2f})")
with open(os.path.join(quick, "model.json")) as f:
    meta = json.load(f)
expect(meta["algo"] == "ppo" and meta["policy"] == "policy.pt" and meta["recurrent"],
       "model.json describes a recurrent PPO policy")
policy = torch.jit.load(os.path.join(quick, "policy.pt"))
expect(policy.hidden_size == 128, "policy.pt loads in PyTorch")
r = run("--system", "point_mass", "--policy", "actor", "--actor",
        os.path.join(quick, "policy.pt"), "--agents", "20", "--steps", "300", "--json",
        "--out", os.path.join(work, "run.h5"), sub="run")
expect(r.returncode == 0, f"calf run --policy actor runs the trained policy ({r.stderr.strip()})")

# 2. resume: 2 then 4 updates equals 4 straight
tiny = os.path.join(work, "tiny.json")
with open(tiny, "w") as f:
    json.dump({"num_envs": 8, "rollout_steps": 32, "seq_len": 8, "minibatch_size": 64,
               "max_steps_per_episode": 40}, f)
a, b = os.path.join(work, "a"), os.path.join(work, "b")
r1 = run("--algo", "ppo", "--config", tiny, "--episodes", "4", "--out-dir", a, "--quiet")
r2 = run("--algo", "ppo", "--config", tiny, "--episodes", "2", "--out-dir", b, "--quiet")
r3 = run("--resume", os.path.join(b, "checkpoint.bin"), "--episodes", "4", "--out-dir", b,
         "--quiet")
expect(r1.returncode == r2.returncode == r3.returncode == 0, "tiny runs and the resume succeed")
pa = torch.jit.load(os.path.join(a, "policy.pt"))
pb = torch.jit.load(os.path.join(b, "policy.pt"))
same = all(torch.equal(x, y) for x, y in zip(pa.parameters(), pb.parameters()))
expect(same, "resumed run's policy equals the uninterrupted run's, bit for bit")

# 3. bad input
for cfg, words in [({"minibatch_size": 1000000}, "larger than the rollout"),
                   ({"seq_len": 12}, "does not divide"),
                   ({"clip": 0}, "clip"),
                   ({"ent_coef": -1}, "ent_coef")]:
    path = os.path.join(work, "bad.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    out = os.path.join(work, "bad_out")
    r = run("--algo", "ppo", "--config", path, "--out-dir", out)
    expect(one_error_line(r) and words in r.stderr and not os.path.exists(out),
           f"{cfg}: exit 2, one line, nothing written ({r.returncode}: {r.stderr.strip()})")
td3 = os.path.join(work, "td3")
r = run("--preset", "quick", "--episodes", "1", "--out-dir", td3, "--quiet")
before = open(os.path.join(td3, "checkpoint.bin"), "rb").read()
r = run("--resume", os.path.join(td3, "checkpoint.bin"), "--algo", "ppo", "--out-dir", td3)
expect(one_error_line(r) and
       open(os.path.join(td3, "checkpoint.bin"), "rb").read() == before,
       f"a TD3 checkpoint does not resume as ppo ({r.stderr.strip()})")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
