#!/usr/bin/env python3
"""`mpirun -n R calf run`: the R-rank output equals the one-process output (every dataset,
the attributes users read, the --json summary), h5py reads the virtual file, `calf verify`
finds missing and truncated parts, and the failure modes (different arguments, an output
directory not shared, a signal on one rank) end the job cleanly.

Usage: mpi_run_test.py <calf> <scratch dir> <case> <mpiexec> <numproc flag> [preflags...]"""
import json
import os
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np

from mpi_launch import CALF, CASE, ENV, WORK, calf, mpirun, mpirun_command

DATASETS = ["states", "actions", "rewards", "q_values", "modes", "episode", "done", "step"]
ATTRS = ["config", "system", "policy", "seed", "complete", "steps_recorded", "schema_version"]


def summary(stdout):
    s = json.loads(stdout)
    for k in ["seconds", "agent_steps_per_s", "out"]:
        s.pop(k)
    return s


def same_file(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for d in DATASETS:
            x, y = fa[d][()], fb[d][()]
            assert x.dtype == y.dtype and x.shape == y.shape, (d, x.shape, y.shape)
            assert np.array_equal(x, y), f"{d} differs between {a} and {b}"
        assert fa["modes"].dtype == fb["modes"].dtype  # the enum type survives
        for k in ATTRS:
            assert fa.attrs[k] == fb.attrs[k], (k, fa.attrs[k], fb.attrs[k])


def run_args(system, out, steps=40, agents=700):
    # 700 agents = blocks of 256, 256, 188: uneven for 2 ranks, one block each for 3
    return ["run", "--system", system, "--policy", "calf", "--agents", agents, "--steps", steps,
            "--seed", 5, "--record-every", 2, "--out", out, "--json", "--quiet"]


def case_ranks():
    for system in ["point_mass", "differential_drive"]:
        ref = WORK / f"{system}_1.h5"
        ref_summary = summary(calf(*run_args(system, ref)).stdout)
        for ranks in [1, 2, 3]:
            out = WORK / f"{system}_r{ranks}.h5"
            r = mpirun(ranks, CALF, *run_args(system, out))
            assert summary(r.stdout) == ref_summary, (ranks, r.stdout, ref_summary)
            assert len(r.stdout.strip().splitlines()) > 3 and r.stdout.count('"agents"') == 1
            for d in DATASETS:  # h5dump/h5diff, the tools people already use
                subprocess.run(["h5diff", str(ref), str(out), f"/{d}", f"/{d}"], check=True)
            same_file(ref, out)
            if ranks > 1:
                parts = sorted((WORK / f"{out.name}.parts").glob("rank-*.h5"))
                assert [p.name for p in parts] == [f"rank-{k:04d}.h5" for k in range(ranks)]
                calf("verify", out)
    # the pair moves together (sources are relative)
    moved = WORK / "moved"
    moved.mkdir()
    out = WORK / "point_mass_r3.h5"
    shutil.move(str(out), moved / out.name)
    shutil.move(str(WORK / f"{out.name}.parts"), moved / f"{out.name}.parts")
    same_file(WORK / "point_mass_1.h5", moved / out.name)
    calf("verify", moved / out.name)


def case_parts():
    out = WORK / "v.h5"
    mpirun(3, CALF, *run_args("point_mass", out))
    calf("verify", out)
    part = WORK / "v.h5.parts" / "rank-0001.h5"
    # a missing part: verify names it (exit 1); readers refuse the file (exit 2)
    shutil.move(str(part), WORK / "aside.h5")
    r = calf("verify", out, expect=1)
    assert "rank-0001.h5" in r.stderr and "missing" in r.stderr, r.stderr
    r = calf("screenshot", "--run", out, "--out", WORK / "x.png", expect=2)
    assert "rank-0001.h5" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    # a truncated part (a shorter run of the same agents in its place)
    calf("run", "--system", "point_mass", "--policy", "pd", "--agents", 256, "--steps", 4,
         "--out", part, "--quiet")
    r = calf("verify", out, "--json", expect=1)
    j = json.loads(r.stdout)
    assert not j["ok"] and j["virtual"] and any("truncated" in p for p in j["problems"]), j
    shutil.move(str(WORK / "aside.h5"), part)
    calf("verify", out)
    # a plain file verifies too
    calf("run", "--policy", "pd", "--agents", 3, "--steps", 2, "--out", WORK / "plain.h5",
         "--quiet")
    assert "plain file" in calf("verify", WORK / "plain.h5").stderr


def case_failures():
    # ranks started with different arguments: exit 2 on every rank, one line
    out = WORK / "d.h5"
    cmd = (f'exec {CALF} run --policy pd --agents 600 --steps 5 --seed '
           f'"$OMPI_COMM_WORLD_RANK" --out {out} --quiet')
    r = mpirun(2, "sh", "-c", cmd, expect=2)
    lines = [l for l in r.stderr.splitlines() if l.startswith("calf")]
    assert lines == [lines[0]] and "rank 1" in lines[0] and "other arguments" in lines[0], r.stderr
    assert not out.exists()
    # an output directory that one rank cannot see (here: a relative --out, other cwds)
    for k in range(2):
        (WORK / f"node{k}").mkdir()
    cmd = (f'cd {WORK}/node"$OMPI_COMM_WORLD_RANK" && exec {CALF} run --policy pd --agents 600 '
           '--steps 5 --out o.h5 --quiet')
    r = mpirun(2, "sh", "-c", cmd, expect=2)
    assert "every rank shares" in r.stderr and "rank 1" in r.stderr, r.stderr
    # commands with nothing to split refuse mpirun: one line, exit 2 (train: mpi_train_test.py)
    r = mpirun(2, CALF, "screenshot", "--out", WORK / "s.png", expect=2)
    lines = [l for l in r.stderr.splitlines() if l.startswith("calf")]
    assert len(lines) == 1 and "without mpirun" in lines[0], r.stderr
    assert not (WORK / "s.png").exists()
    # bad input on every rank: one line, exit 2
    r = mpirun(2, CALF, "run", "--agents", 0, "--out", WORK / "z.h5", expect=2)
    assert len([l for l in r.stderr.splitlines() if l.startswith("calf")]) == 1, r.stderr


def case_interrupt():
    # SIGTERM to one rank stops every rank at the same step; the file is valid, complete = 0
    out = WORK / "i.h5"
    cmd = mpirun_command(2, CALF, "run", "--policy", "pd", "--agents", 600, "--steps", 10_000_000,
                         "--out", out, "--quiet")
    p = subprocess.Popen(list(map(str, cmd)), env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    part = WORK / "i.h5.parts" / "rank-0001.h5.partial"
    deadline = time.time() + 120
    while not part.exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    pids = subprocess.run(["pgrep", "-f", f"calf run .*{out}"], capture_output=True,
                          text=True).stdout.split()
    ranks = [int(x) for x in pids if int(x) != p.pid]
    assert ranks, pids
    os.kill(max(ranks), signal.SIGTERM)  # one rank only
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, (p.returncode, err)
    with h5py.File(out, "r") as f:
        assert f.attrs["complete"] == 0
        t = f["actions"].shape[0]
        assert t > 0 and f["states"].shape[0] == t + 1
    calf("verify", out)


{"ranks": case_ranks, "parts": case_parts, "failures": case_failures,
 "interrupt": case_interrupt}[CASE]()
