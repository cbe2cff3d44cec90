#!/usr/bin/env python3
"""PPO's TorchScript export against the network it came from, and `calf run` with it.

usage: ppo_torchscript.py <calf> <calf_ppo_policy_dump> <work_dir>

1. For point_mass and creature, with self-only and k-nearest attention: a tiny PPO run's
   policy.pt loads with torch.jit.load and, over a 50-step recurrent rollout (one agent
   restarting its episode at step 25), gives the training network's mu and value to 1e-6.
   world_model.pt loads and predicts (next_obs, reward, done_probability) of the right shapes.
2. `calf run --policy actor --actor policy.pt` records, step for step, the actions PyTorch
   computes from the recorded observations with the recurrent state kept per agent and
   zeroed at every episode start.
3. A TorchScript module with another signature, and --policy calf with a recurrent policy,
   exit 2 with one line.
Exit 0 when everything agrees, 1 otherwise.
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import torch

calf, dump, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def read_reference(path):
    with open(path, "rb") as f:
        B, T, o, m, H = np.frombuffer(f.read(40), dtype=np.int64)
        steps = []
        for _ in range(T):
            obs = np.frombuffer(f.read(4 * B * o), dtype=np.float32).reshape(B, o)
            reset = np.frombuffer(f.read(B), dtype=np.uint8)
            mu = np.frombuffer(f.read(4 * B * m), dtype=np.float32).reshape(B, m)
            value = np.frombuffer(f.read(4 * B), dtype=np.float32)
            steps.append((obs, reset, mu, value))
    return int(B), int(H), steps


for system in ("point_mass", "creature"):
    for hood in ("self", "knn"):
        d = os.path.join(work, f"{system}_{hood}")
        subprocess.run([dump, system, hood, d], check=True)
        B, H, steps = read_reference(os.path.join(d, "reference.bin"))
        policy = torch.jit.load(os.path.join(d, "policy.pt"))
        check(policy.hidden_size == H, f"{system}/{hood}: hidden_size attribute {H}")
        h = torch.zeros(B, H)
        c = torch.zeros(B, H)
        worst = 0.0
        with torch.no_grad():
            for obs, reset, mu_ref, v_ref in steps:
                keep = torch.from_numpy(1.0 - reset.astype(np.float32)).unsqueeze(1)
                h, c = h * keep, c * keep
                mu, value, h, c = policy(torch.from_numpy(obs.copy()), h, c)
                worst = max(worst, float(np.abs(mu.numpy() - mu_ref).max()),
                            float(np.abs(value.numpy() - v_ref).max()))
        check(worst <= 1e-6, f"{system}/{hood}: PyTorch equals calf over 50 recurrent steps "
                             f"(max |diff| {worst:.2e})")
        wm = torch.jit.load(os.path.join(d, "world_model.pt"))
        o = steps[0][0].shape[1]
        m = steps[0][2].shape[1]
        nxt, r, p = wm(torch.zeros(5, o), torch.zeros(5, m))
        check(tuple(nxt.shape) == (5, o) and tuple(r.shape) == (5,) and tuple(p.shape) == (5,)
              and bool(((p >= 0) & (p <= 1)).all()), f"{system}/{hood}: world model shapes")
        with open(os.path.join(d, "model.json")) as f:
            meta = json.load(f)
        check(meta.get("algo") == "ppo" and meta.get("policy") == "policy.pt",
              f"{system}/{hood}: model.json names the algorithm and the policy")

# 2. calf run with the recurrent policy, replayed in PyTorch
for system in ("point_mass", "creature"):
    d = os.path.join(work, f"{system}_knn" if system == "creature" else f"{system}_self")
    cfg = os.path.join(work, f"{system}_run.json")
    with open(cfg, "w") as f:
        json.dump({"max_steps_per_episode": 17}, f)
    out = os.path.join(work, f"{system}_run.h5")
    r = subprocess.run([calf, "run", "--system", system, "--policy", "actor", "--actor",
                        os.path.join(d, "policy.pt"), "--agents", "5", "--steps", "40",
                        "--config", cfg, "--out", out, "--quiet"], capture_output=True, text=True)
    check(r.returncode == 0, f"{system}: calf run --policy actor with policy.pt ({r.stderr.strip()})")
    if r.returncode != 0:
        continue
    policy = torch.jit.load(os.path.join(d, "policy.pt"))
    with h5py.File(out, "r") as f:
        obs = f["observations"][:] if "observations" in f else f["states"][:]
        actions = f["actions"][:]
        done = f["done"][:]
    T, N = actions.shape[:2]
    H = policy.hidden_size
    h = torch.zeros(N, H)
    c = torch.zeros(N, H)
    worst = 0.0
    with torch.no_grad():
        for t in range(T):
            mu, _, h, c = policy(torch.from_numpy(obs[t].astype(np.float32)), h, c)
            a = (torch.tanh(mu) * policy.max_action).numpy()
            worst = max(worst, float(np.abs(a - actions[t]).max()))
            keep = torch.from_numpy((done[t] == 0).astype(np.float32)).unsqueeze(1)
            h, c = h * keep, c * keep
    check(int((done != 0).sum()) >= N, f"{system}: episodes restarted inside the run")
    check(worst <= 1e-4, f"{system}: recorded actions equal PyTorch's replay (max |diff| {worst:.2e})")

# 3. refusals
two = torch.jit.script(torch.nn.Linear(2, 1))


class TwoArgs(torch.nn.Module):
    def forward(self, obs, h):
        return obs, h, h


bad = os.path.join(work, "two_args.pt")
torch.jit.script(TwoArgs()).save(bad)
r = subprocess.run([calf, "run", "--system", "point_mass", "--policy", "actor", "--actor", bad,
                    "--agents", "2", "--steps", "2", "--out", os.path.join(work, "bad.h5")],
                   capture_output=True, text=True)
check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and
      "forward(obs, h, c)" in r.stderr and not os.path.exists(os.path.join(work, "bad.h5")),
      f"a module with forward(obs, h) is refused with exit 2 ({r.returncode}: {r.stderr.strip()})")
r = subprocess.run([calf, "run", "--system", "point_mass", "--policy", "calf", "--actor",
                    os.path.join(work, "point_mass_self", "policy.pt"), "--agents", "2",
                    "--steps", "2", "--out", os.path.join(work, "bad2.h5")],
                   capture_output=True, text=True)
check(r.returncode == 2 and "recurrent" in r.stderr and
      not os.path.exists(os.path.join(work, "bad2.h5")),
      f"--policy calf with a recurrent policy: exit 2 ({r.stderr.strip()})")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
