#!/usr/bin/env python3
"""`calf eval` against `calf run`: every row equals the run of that policy (success, mean cost
and modes from the run summary; the 95% interval recomputed from the run file's rewards and
done flags), Markdown and JSON agree, bad input is one line and exit 2.

Usage: eval_cli_test.py <calf> <make_test_models> <scratch dir>. Exit 0 on success."""
import json
import pathlib
import shutil
import subprocess
import sys

import h5py
import numpy as np

CALF, MAKE_MODELS = sys.argv[1], sys.argv[2]
WORK = pathlib.Path(sys.argv[3])
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
subprocess.run([MAKE_MODELS, str(WORK / "models")], check=True)


def calf(*args, expect=0):
    r = subprocess.run([CALF, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == expect, (
        f"calf {' '.join(map(str, args))}: exit {r.returncode}, expected {expect}\n"
        f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


for system, nominal in (("point_mass", "pd"), ("differential_drive", "move_to_point")):
    models = WORK / "models" / system
    common = ["--system", system, "--agents", 200, "--steps", 800, "--seed", 5]
    ev = json.loads(calf("eval", *common, "--model-dir", models, "--json").stdout)
    assert [r["policy"] for r in ev["policies"]] == [nominal, "actor", "calf"]
    assert ev["calf"]["lambda_relax"] == 0.0 and ev["calf"]["nu_bar"] == 10.0
    md = calf("eval", *common, "--model-dir", models, "--threads", 1).stdout
    for row, policy in zip(ev["policies"], [nominal, "actor", "calf"]):
        out = WORK / f"{system}_{policy}.h5"
        run = json.loads(calf("run", *common, "--policy", policy, "--actor",
                              models / "actor.pt", "--critic", models / "critic.pt",
                              "--out", out, "--quiet", "--json").stdout)
        ep = run["episodes"]
        assert row["episodes"] == ep["finished"] and row["goals"] == ep["goal"], (row, ep)
        assert abs(row["mean_cost"] - ep["mean_cost"]) <= 1e-9 * max(1, ep["mean_cost"])
        for k, v in run["modes"].items():
            assert abs(row["modes"][k] - v) < 1e-12, (policy, k)
        # the interval from the recorded transitions: episode costs cut at the done flags
        with h5py.File(out, "r") as f:
            rewards, done = f["rewards"][()].astype(np.float64), f["done"][()]
        costs = []
        for i in range(rewards.shape[1]):
            cum = np.concatenate([[0.0], np.cumsum(-rewards[:, i])])
            ends = np.flatnonzero(done[:, i]) + 1
            costs += list(np.diff(cum[np.concatenate([[0], ends])]))
        costs = np.array(costs)
        assert len(costs) == row["episodes"]
        # float32 rewards in the file: the costs agree to float rounding
        assert abs(costs.mean() - row["mean_cost"]) < 1e-3 * max(1, abs(costs.mean()))
        half = 1.96 * costs.std(ddof=1) / np.sqrt(len(costs))
        assert abs(half - row["cost_ci95"]) < 1e-3 * max(1, half), (half, row["cost_ci95"])
        assert f"| {policy} | {row['episodes']} | {100 * row['success_rate']:.1f}% |" in md, md

# bad input: one line on stderr, exit 2
for args, needle in ((["--agents", 0], "num_agents"),
                     (["--model-dir", WORK / "nowhere"], "nowhere"),
                     (["--system", "teapot"], "teapot")):
    r = calf("eval", "--steps", 5, *args, expect=2)
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
print("eval_cli_test: ok")
