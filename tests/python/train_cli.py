#!/usr/bin/env python3
"""End-to-end checks of `calf train` on a tiny configuration.

usage: train_cli.py <calf> <work_dir>

- two runs with the same seed write byte-identical logs and checkpoints, and models with
  identical parameters;
- a run stopped after 1 episode and resumed to 3 equals an uninterrupted 3-episode run;
- the log has the documented datasets, consistent with each other;
- bad input (incompatible or corrupt checkpoint, unknown config key) exits 2 and
  overwrites nothing.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import torch

failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def calf(binary, *args):
    return subprocess.run([binary, "train", *args], capture_output=True, text=True)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_digest(d):
    return {n: digest(os.path.join(d, n)) for n in sorted(os.listdir(d))}


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cfg = os.path.join(work, "tiny.json")
    with open(cfg, "w") as f:
        json.dump({"max_steps_per_episode": 80, "start_training_step": 40, "replay_size": 1000,
                   "hidden": [16, 16], "batch_size": 16, "checkpoint_every": 1}, f)
    base = ["--system", "point_mass", "--config", cfg, "--seed", "5", "--quiet"]

    a, b, c = (os.path.join(work, x) for x in "abc")
    r = calf(binary, *base, "--episodes", "3", "--out-dir", a)
    expect(r.returncode == 0, f"train run a exits 0 ({r.stderr.strip()})")
    for name in ["actor.pt", "critic.pt", "model.json", "train_log.h5", "checkpoint.bin"]:
        expect(os.path.exists(os.path.join(a, name)), f"run a wrote {name}")
    expect(not [n for n in os.listdir(a) if ".tmp." in n], "no temporary files left behind")
    r = calf(binary, *base, "--episodes", "3", "--out-dir", b, "--threads", "2")
    expect(r.returncode == 0, "train run b exits 0")
    for name in ["train_log.h5", "checkpoint.bin"]:
        expect(digest(os.path.join(a, name)) == digest(os.path.join(b, name)),
               f"same seed: {name} byte-identical (threads 1 vs 2)")
    for name in ["actor.pt", "critic.pt"]:
        pa = dict(torch.jit.load(os.path.join(a, name)).named_parameters())
        pb = dict(torch.jit.load(os.path.join(b, name)).named_parameters())
        expect(pa.keys() == pb.keys() and all(torch.equal(pa[k], pb[k]) for k in pa),
               f"same seed: {name} parameters identical")

    # resume: 1 episode, then continue to 3
    r = calf(binary, *base, "--episodes", "1", "--out-dir", c)
    expect(r.returncode == 0, "train run c (1 episode) exits 0")
    r = calf(binary, "--resume", os.path.join(c, "checkpoint.bin"), "--episodes", "3", "--out-dir", c,
             "--quiet")
    expect(r.returncode == 0, f"resume exits 0 ({r.stderr.strip()})")
    for name in ["train_log.h5", "checkpoint.bin"]:
        expect(digest(os.path.join(a, name)) == digest(os.path.join(c, name)),
               f"resume: {name} byte-identical to the uninterrupted run")
    pa = dict(torch.jit.load(os.path.join(a, "actor.pt")).named_parameters())
    pc = dict(torch.jit.load(os.path.join(c, "actor.pt")).named_parameters())
    expect(all(torch.equal(pa[k], pc[k]) for k in pa), "resume: actor parameters identical")

    # the log
    with h5py.File(os.path.join(a, "train_log.h5"), "r") as f:
        ep = f["episode"]
        n = len(ep["reward"])
        expect(n == 3, "log holds 3 episodes")
        for key in ["length", "success", "certified_rate", "relax_rate", "fallback_rate",
                    "nominal_rate", "p_relax", "critic_loss", "actor_loss"]:
            expect(key in ep and len(ep[key]) == n, f"log has episode/{key}")
        rates = ep["certified_rate"][:] + ep["relax_rate"][:] + ep["fallback_rate"][:] + ep["nominal_rate"][:]
        expect(np.allclose(rates, 1.0), "mode rates sum to one per episode")
        steps = int(ep["length"][:].sum())
        expect(len(f["step/q_dag"]) == steps, "one certified q† per step")
        q = f["step/q_dag"][:]
        mode = f["step/mode"][:]
        expect(np.all(np.isnan(q[:40])) and np.all(mode[:40] == 3), "nominal warm-up has no certificate")
        expect(np.any(~np.isnan(q[40:])), "certificates appear once CALF acts")
        expect(json.loads(f.attrs["config"])["seed"] == 5, "log echoes the config")

    with open(os.path.join(a, "model.json")) as f:
        model = json.load(f)
    expect(model["system"] == "point_mass" and model["state_dim"] == 2 and model["action_dim"] == 1
           and model["max_action"] == [5.0] and model["hidden"] == [16, 16] and model["seed"] == 5,
           "model.json describes the model")

    # bad input: exit 2, nothing overwritten
    before = tree_digest(a)
    r = calf(binary, "--resume", os.path.join(a, "checkpoint.bin"), "--system", "differential_drive",
             "--out-dir", a, "--quiet")
    expect(r.returncode == 2 and "error" in r.stderr, f"other system on resume exits 2 ({r.stderr.strip()})")
    corrupt = os.path.join(work, "corrupt.bin")
    with open(os.path.join(a, "checkpoint.bin"), "rb") as f:
        data = f.read()
    with open(corrupt, "wb") as f:
        f.write(data[: len(data) // 3])
    r = calf(binary, "--resume", corrupt, "--out-dir", a, "--quiet")
    expect(r.returncode == 2 and "error" in r.stderr, f"truncated checkpoint exits 2 ({r.stderr.strip()})")
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        json.dump({"learning_rate": 1e-3}, f)
    r = calf(binary, "--config", bad, "--out-dir", a, "--quiet")
    expect(r.returncode == 2 and "learning_rate" in r.stderr, "unknown config key exits 2 naming it")
    expect(tree_digest(a) == before, "failed runs overwrote nothing")
    d = os.path.join(work, "d")
    r = calf(binary, "--resume", corrupt, "--out-dir", d, "--quiet")
    expect(not os.path.exists(d), "a failed run creates no output directory")

    print(f"train cli: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
