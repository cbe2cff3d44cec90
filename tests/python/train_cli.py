#!/usr/bin/env python3
"""End-to-end checks of `calf train` on a tiny configuration.

usage: train_cli.py <calf> <work_dir> [<calf_torchscript_eval>]

- two runs with the same seed write byte-identical logs and checkpoints, and models with
  identical parameters;
- a run stopped after 1 episode and resumed to 3 equals an uninterrupted 3-episode run;
- the log has the documented datasets, consistent with each other;
- the written actor.pt and critic.pt load with torch.jit.load and give calf's own numbers
  (`calf run` actions and q values, calf_torchscript_eval's q2) within 1e-5;
- --resume accepts repeated options that agree with the checkpoint (--system, --seed,
  --config, --preset) and keeps its run length and checkpoint cadence;
- bad input (incompatible or corrupt checkpoint, a changed seed, fewer episodes than already
  trained, unknown config key) exits 2 with one error line and overwrites nothing.
"""
import hashlib
import json
import os
import pty
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


def calf(binary, *args, sub="train"):
    return subprocess.run([binary, sub, *args], capture_output=True, text=True)


def one_error_line(r):
    lines = r.stderr.strip().splitlines()
    return len(lines) == 1 and "error" in lines[0]


def stderr_on_a_terminal(args):
    """Runs calf with stderr on a pseudo-terminal (so the progress bar is drawn)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO once the child has exited
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(), out.decode(errors="replace")


def check_models_in_pytorch(binary, helper, model_dir, work, system, d, m):
    """torch.jit.load the trained modules and compare them with calf's own evaluation."""
    tol = 1e-5
    actor = torch.jit.load(os.path.join(model_dir, "actor.pt"))
    critic = torch.jit.load(os.path.join(model_dir, "critic.pt"))
    models = ["--actor", os.path.join(model_dir, "actor.pt"),
              "--critic", os.path.join(model_dir, "critic.pt")]
    runs = {}
    for policy in ["actor", "calf"]:
        out = os.path.join(work, f"{system}_{policy}_run.h5")
        r = calf(binary, "--system", system, "--policy", policy, *models, "--agents", "64",
                 "--steps", "1", "--seed", "9", "--quiet", "--out", out, sub="run")
        expect(r.returncode == 0, f"calf run --policy {policy} with the trained models ({r.stderr.strip()})")
        if r.returncode != 0:
            return
        with h5py.File(out, "r") as f:
            runs[policy] = (f["states"][0], f["actions"][0], f["q_values"][0])
    states = torch.from_numpy(runs["actor"][0]).float()
    with torch.no_grad():
        a = actor(states)
        q1, q2 = critic(states, a)
    err = np.abs(a.numpy() - runs["actor"][1]).max()
    expect(err <= tol, f"{system}: pytorch actor = calf run actions (max |diff| {err:.2g})")
    expect(np.abs(a.numpy()).max() > 0, f"{system}: the trained actor is not all zeros")
    # the calf policy's q value is Q1(s, actor(s)); float32 values of magnitude q: relative
    q_calf = runs["calf"][2]
    err = (np.abs(q1.numpy()[:, 0] - q_calf) / np.maximum(1.0, np.abs(q_calf))).max()
    expect(np.allclose(runs["calf"][0], runs["actor"][0]) and err <= tol,
           f"{system}: pytorch critic q1 = calf run q_values (max rel diff {err:.2g})")
    if helper:
        s_csv, a_csv = os.path.join(work, f"{system}_s.csv"), os.path.join(work, f"{system}_a.csv")
        for path, t in [(s_csv, states), (a_csv, a)]:
            with open(path, "w") as f:
                for row in t.tolist():
                    f.write(",".join(repr(float(x)) for x in row) + "\n")
        p = subprocess.run([helper, "critic", os.path.join(model_dir, "critic.pt"), system, s_csv, a_csv],
                           capture_output=True, text=True)
        expect(p.returncode == 0, f"calf_torchscript_eval critic ({p.stderr.strip()})")
        if p.returncode == 0:
            got = np.array([[float(x) for x in line.split(",")] for line in p.stdout.split()])
            scale = np.maximum(1.0, np.abs(got[:, :2]))
            err = (np.abs(got[:, :2] - np.stack([q1.numpy()[:, 0], q2.numpy()[:, 0]], 1)) / scale).max()
            expect(err <= tol, f"{system}: pytorch critic (q1, q2) = calf's evaluation (max rel diff {err:.2g})")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_digest(d):
    return {n: digest(os.path.join(d, n)) for n in sorted(os.listdir(d))}


def main():
    binary, work = sys.argv[1], sys.argv[2]
    helper = sys.argv[3] if len(sys.argv) > 3 else None
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
    expect(not [n for n in os.listdir(a) if n.endswith(".partial") or ".calf-probe" in n], "no temporary files left behind")
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

    # the progress bar of a resumed run counts this run's episodes (its ETA and rate use them)
    e = os.path.join(work, "e")
    r = calf(binary, *base, "--episodes", "1", "--out-dir", e)
    rc, err = stderr_on_a_terminal([binary, "train", "--resume", os.path.join(e, "checkpoint.bin"),
                                    "--episodes", "3", "--out-dir", e])
    expect(rc == 0 and "train (from episode 1)" in err and " 2/2 " in err and "3/3" not in err,
           f"resumed progress bar counts this run's 2 episodes ({err.strip()[-200:]!r})")

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
        expect(h5py.check_enum_dtype(f["step/mode"].dtype)
               == {"certified": 0, "relax": 1, "fallback": 2, "nominal": 3},
               "step/mode is the run files' mode enum")
        expect(np.all(np.isnan(q[:40])) and np.all(mode[:40] == 3), "nominal warm-up has no certificate")
        expect(np.any(~np.isnan(q[40:])), "certificates appear once CALF acts")
        expect(json.loads(f.attrs["config"])["seed"] == 5, "log echoes the config")

    with open(os.path.join(a, "model.json")) as f:
        model = json.load(f)
    expect(model["system"] == "point_mass" and model["state_dim"] == 2 and model["action_dim"] == 1
           and model["max_action"] == [5.0] and model["hidden"] == [16, 16] and model["seed"] == 5,
           "model.json describes the model")

    check_models_in_pytorch(binary, helper, a, work, "point_mass", 2, 1)

    # --resume with repeated options that agree with the checkpoint: a unicycle run with
    # seed 3, the quick preset, a config file, 1 episode and a checkpoint every 2 episodes
    u = os.path.join(work, "u")
    ucfg = os.path.join(work, "u.json")
    with open(ucfg, "w") as f:
        json.dump({"max_steps_per_episode": 60, "start_training_step": 30, "replay_size": 1000,
                   "hidden": [16, 16], "batch_size": 16}, f)
    r = calf(binary, "--system", "differential_drive", "--preset", "quick", "--config", ucfg,
             "--seed", "3", "--episodes", "1", "--checkpoint-every", "2", "--out-dir", u, "--quiet")
    expect(r.returncode == 0, f"unicycle run (1 episode) exits 0 ({r.stderr.strip()})")
    check_models_in_pytorch(binary, helper, u, work, "differential_drive", 3, 2)
    uckpt = os.path.join(u, "checkpoint.bin")
    for extra in (["--seed", "3"], ["--system", "unicycle", "--seed", "3", "--episodes", "1"],
                  ["--preset", "quick", "--config", ucfg]):
        r = calf(binary, "--resume", uckpt, *extra, "--out-dir", u, "--quiet")
        expect(r.returncode == 0, f"resume with matching {' '.join(extra)} exits 0 ({r.stderr.strip()})")
        with h5py.File(os.path.join(u, "train_log.h5"), "r") as f:
            got = json.loads(f.attrs["config"])
            n = len(f["episode/reward"])
        # a preset on resume must not bring back its 100 episodes or the default cadence
        expect(n == 1 and got["episodes"] == 1 and got["checkpoint_every"] == 2
               and got["seed"] == 3 and got["system"] == "differential_drive",
               f"resume with {' '.join(extra)} kept the checkpoint's run length and cadence "
               f"({n} episodes, config episodes {got['episodes']}, every {got['checkpoint_every']})")

    # bad input: exit 2, nothing overwritten
    before = tree_digest(a)
    r = calf(binary, "--resume", os.path.join(a, "checkpoint.bin"), "--seed", "6", "--out-dir", a,
             "--quiet")
    expect(r.returncode == 2 and one_error_line(r) and "seed = 5" in r.stderr,
           f"another seed on resume exits 2 naming it ({r.stderr.strip()})")
    r = calf(binary, "--resume", os.path.join(a, "checkpoint.bin"), "--episodes", "2",
             "--out-dir", a, "--quiet")
    expect(r.returncode == 2 and one_error_line(r) and "already trained 3 episodes" in r.stderr,
           f"--episodes below the episodes done exits 2 ({r.stderr.strip()})")
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
