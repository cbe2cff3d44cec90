#!/usr/bin/env python3
"""`mpirun -n R calf train --algo ppo`: the ranks step shares of the parallel environments and
rank 0 learns; the trained model and the training log equal the one-process run's, bit for
bit, for R = 1, 2, 3 (3 ranks on 2 cores: oversubscribed; 40 environments = blocks of 16, 16,
8: uneven for 2 ranks); a run resumed under another rank count equals an uninterrupted one;
a signal on a serving rank stops the job with a resumable checkpoint (exit 130); TD3 refuses
mpirun.

Usage: mpi_train_test.py <calf> <scratch dir> <case> <mpiexec> <numproc flag> [preflags...]"""
import json
import os
import pathlib
import signal
import subprocess
import time

import h5py
import numpy as np
import torch

from mpi_launch import CALF, CASE, ENV, WORK, calf, mpirun, mpirun_command

# the log's columns that are measurements, not results
TIMES = {"time_rollout", "time_gae", "time_update", "time_world_model"}
CONFIG = WORK / "tiny.json"
# the creature: goals respawn inside the step (a draw keyed by the environment's global
# index), so a slice keyed by its local index would show; the world model runs too
CONFIG.write_text(json.dumps({"num_envs": 40, "rollout_steps": 32, "seq_len": 8,
                              "minibatch_size": 128, "epochs": 2, "max_steps_per_episode": 20,
                              "world_model": {"enabled": True, "lr": 1e-3},
                              "creature": {"goal_threshold": 6.0}}))


def train_args(out, episodes, *extra):
    return ["train", "--algo", "ppo", "--system", "creature", "--config", CONFIG, "--seed", 3,
            "--episodes", episodes, "--threads", 1, "--out-dir", out, "--quiet", *extra]


def same_training(a, b):
    pa, pb = torch.jit.load(str(a / "policy.pt")), torch.jit.load(str(b / "policy.pt"))
    for (name, x), (_, y) in zip(pa.named_parameters(), pb.named_parameters()):
        assert torch.equal(x, y), f"parameter {name} differs between {a} and {b}"
    wa, wb = torch.jit.load(str(a / "world_model.pt")), torch.jit.load(str(b / "world_model.pt"))
    assert all(torch.equal(x, y) for x, y in zip(wa.parameters(), wb.parameters())), (a, b)
    with h5py.File(a / "train_log.h5", "r") as fa, h5py.File(b / "train_log.h5", "r") as fb:
        names = set(fa["update"].keys())
        assert names == set(fb["update"].keys()) and "mean_return" in names
        for n in names - TIMES:
            x, y = fa["update"][n][()], fb["update"][n][()]
            assert np.array_equal(x, y, equal_nan=True), f"log column {n} differs: {x} vs {y}"
        assert fa["update"]["goal_hits"][()].sum() > 0  # the respawns were exercised


def case_ranks():
    ref = WORK / "one"
    calf(*train_args(ref, 3))
    for ranks in [1, 2, 3]:
        out = WORK / f"r{ranks}"
        mpirun(ranks, CALF, *train_args(out, 3))
        same_training(ref, out)
        assert not list(WORK.glob(f"r{ranks}/*.partial")), "temporary files left"


def case_resume():
    ref = WORK / "straight"
    calf(*train_args(ref, 4))
    # 2 updates on 2 ranks, then 2 more resumed on 3 ranks
    out = WORK / "resumed"
    mpirun(2, CALF, *train_args(out, 2))
    mpirun(3, CALF, "train", "--resume", out / "checkpoint.bin", "--episodes", 4, "--threads", 1,
           "--out-dir", out, "--quiet")
    same_training(ref, out)


def case_failures():
    # TD3 steps one environment: nothing to split; one line, exit 2, nothing written
    r = mpirun(2, CALF, "train", "--preset", "quick", "--out-dir", WORK / "t", expect=2)
    lines = [l for l in r.stderr.splitlines() if l.startswith("calf")]
    assert len(lines) == 1 and "without mpirun" in lines[0], r.stderr
    assert not (WORK / "t" / "checkpoint.bin").exists()
    # ranks started with different arguments: exit 2 on every rank, one line
    cmd = (f'exec {CALF} train --algo ppo --config {CONFIG} --episodes 1 '
           f'--seed "$OMPI_COMM_WORLD_RANK" --out-dir {WORK / "d"} --quiet')
    r = mpirun(2, "sh", "-c", cmd, expect=2)
    lines = [l for l in r.stderr.splitlines() if l.startswith("calf")]
    assert len(lines) == 1 and "rank 1" in lines[0] and "other arguments" in lines[0], r.stderr
    assert not (WORK / "d" / "checkpoint.bin").exists()
    # bad input found by rank 0 (a minibatch larger than the rollout): every rank exits 2
    bad = WORK / "bad.json"
    bad.write_text(json.dumps({"num_envs": 4, "rollout_steps": 8, "seq_len": 8,
                               "minibatch_size": 1024}))
    r = mpirun(3, CALF, "train", "--algo", "ppo", "--config", bad, "--out-dir", WORK / "b",
               expect=2)
    lines = [l for l in r.stderr.splitlines() if l.startswith("calf")]
    assert len(lines) == 1 and "larger than the rollout" in lines[0], r.stderr


def rank_of(pid):
    try:
        env = pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for kv in env:
        if kv.startswith(b"OMPI_COMM_WORLD_RANK="):
            return kv.split(b"=", 1)[1].decode()
    return None


def case_interrupt():
    # SIGTERM to a serving rank: rank 0 learns of it at the next step, writes a resumable
    # checkpoint and the job exits 130; resuming it finishes the run
    out = WORK / "i"
    cmd = mpirun_command(2, CALF, *train_args(out, 100000))
    p = subprocess.Popen(list(map(str, cmd)), env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(4.0)
    pids = subprocess.run(["pgrep", "-f", f"calf train .*{out}"], capture_output=True,
                          text=True).stdout.split()
    serving = [int(x) for x in pids if int(x) != p.pid and rank_of(int(x)) == "1"]
    assert len(serving) == 1, pids
    os.kill(serving[0], signal.SIGTERM)  # rank 1 only, a serving rank
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, (p.returncode, err)
    assert "--resume" in err and (out / "checkpoint.bin").exists(), err
    with h5py.File(out / "train_log.h5", "r") as f:
        done = f["update"]["env_steps"].shape[0]
    assert done >= 1
    calf("train", "--resume", out / "checkpoint.bin", "--episodes", done + 1, "--threads", 1,
         "--out-dir", out, "--quiet")


{"ranks": case_ranks, "resume": case_resume, "failures": case_failures,
 "interrupt": case_interrupt}[CASE]()
