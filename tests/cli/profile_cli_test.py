#!/usr/bin/env python3
"""End-to-end checks of `calf profile`: a tiny sweep's files, ablation labels, --force and
bad inputs (one error line, exit 2).

Usage: profile_cli_test.py <calf> <make_test_models> <scratch dir> <case>. Exit 0 on success."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import h5py
import numpy as np

CALF, MAKE_MODELS = sys.argv[1], sys.argv[2]
WORK = pathlib.Path(sys.argv[3])
CASE = sys.argv[4]
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
subprocess.run([MAKE_MODELS, str(WORK / "models")], check=True)
PM = ["--actor", str(WORK / "models/point_mass/actor.pt"),
      "--critic", str(WORK / "models/point_mass/critic.pt")]
SECTIONS = ["physics", "visuals", "ui", "heatmap", "render", "io"]


def calf(*args, expect=0):
    r = subprocess.run([CALF, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == expect, (
        f"calf {' '.join(map(str, args))}: exit {r.returncode}, expected {expect}\n"
        f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def tiny(out, *extra, expect=0):
    return calf("profile", *PM, "--agents", "3,8", "--frames", 8, "--warmup", 3,
                "--repeats", 2, "--preset", "low", "--out-dir", out, "--quiet", *extra,
                expect=expect)


def case_help():
    r = calf("profile", "--help")
    for flag in ["--agents", "--mode", "--frames", "--warmup", "--repeats", "--out-dir",
                 "--preset", "--vectorized-heights", "--stats-cache", "--batched-trails",
                 "--batched-inference", "--render", "--size", "--train", "--system", "--seed",
                 "--threads", "--config", "--shard", "--force", "--quiet", "--json",
                 "--fused-step"]:
        assert flag in r.stdout, flag


def case_sweep():
    out = WORK / "prof"
    r = tiny(out, "--json")
    printed = json.loads(r.stdout)
    assert len(printed["runs"]) == 4
    index = json.loads((out / "index.json").read_text())
    assert index["schema_version"] == 1 and index["system"] == "point_mass"
    assert index["config"]["frames"] == 8 and index["config"]["preset"] == "low"
    assert {(r["mode"], r["n_agents"]) for r in index["runs"]} == {
        ("baseline", 3), ("baseline", 8), ("optimized", 3), ("optimized", 8)}
    for run in index["runs"]:
        s = json.loads((out / run["summary"]).read_text())
        for key in ["date", "n_agents", "frames_measured", "fps_avg", "fps_min",
                    "frame_time_avg_ms", "frame_time_p95_ms", "breakdown", "resources",
                    "gpu_queries", "draw_calls", "fps_median", "frame_time_stddev_ms",
                    "repeat_fps", "repeat_spread_percent", "machine", "config", "flags"]:
            assert key in s, key
        assert s["frames_measured"] == 5 and s["repeats"] == 2 and s["render"] is False
        assert abs(s["fps_avg"] * s["frame_time_avg_ms"] - 1000) < 1e-6
        assert set(s["breakdown"]) == set(SECTIONS)
        assert len(s["frame_times_ms"]) == 10
        assert s["flags"]["stats_cache"] == (s["mode"] == "optimized")
        assert len(run["repeats"]) == 2
        totals = []
        for name in run["repeats"]:
            with h5py.File(out / name, "r") as f:
                for sec in SECTIONS + ["frame_total"]:
                    d = f["timings/" + sec]
                    assert d.shape == (5,) and d.dtype == np.float64, sec
                for c in ["critic_queries", "draw_calls", "mesh_updates", "bytes_uploaded"]:
                    assert f["counters/" + c].shape == (5,), c
                totals += list(f["timings/frame_total"][()])
                cfg = json.loads(f.attrs["config"])
                assert cfg["trail_length"] == 300
                assert json.loads(f.attrs["flags"]) == s["flags"]
                for a in ["calf_version", "git_revision", "cpu_model", "cores", "machine"]:
                    assert a in f.attrs, a
                assert f["trajectory/states"].shape == (8, run["n_agents"], 2)
        assert np.allclose(totals, s["frame_times_ms"])
        # optimized: constant draw calls (trails + surface + agents); baseline: per agent
        # meshes, rebuilt only every 30 points here, so at least the surface and agents
        if s["mode"] == "optimized":
            assert s["draw_calls"] == 3
        else:
            assert s["draw_calls"] >= 2


def case_ablation():
    out = WORK / "abl"
    calf("profile", *PM, "--agents", 4, "--frames", 4, "--warmup", 1, "--repeats", 1,
         "--mode", "baseline,optimized,ablation", "--out-dir", out, "--quiet")
    index = json.loads((out / "index.json").read_text())
    modes = sorted(r["mode"] for r in index["runs"])
    assert modes == sorted(["baseline", "optimized", "only_vectorized_heights",
                            "only_stats_cache", "only_batched_trails",
                            "only_batched_inference"]), modes
    # a forced flag relabels the run by its flags
    out2 = WORK / "forced"
    calf("profile", *PM, "--agents", 4, "--frames", 4, "--warmup", 1, "--repeats", 1,
         "--mode", "baseline", "--stats-cache", "on", "--out-dir", out2, "--quiet")
    index = json.loads((out2 / "index.json").read_text())
    assert [r["mode"] for r in index["runs"]] == ["only_stats_cache"]


def case_force():
    out = WORK / "prof"
    tiny(out)
    r = tiny(out, expect=2)
    assert "--force" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    tiny(out, "--force")
    assert (out / "index.json").exists()
    # an explicit --preset outranks the config file's preset; the file's other keys stay
    cfg = WORK / "cfg.json"
    cfg.write_text(json.dumps({"preset": "high", "trail_length": 77}))
    tiny(out, "--force", "--config", cfg)
    index = json.loads((out / "index.json").read_text())
    assert index["config"]["preset"] == "low" and index["config"]["grid"] == 15
    assert index["config"]["trail_length"] == 77
    # the heat map is measured once although its period (1000 for low) exceeds the frames
    s = json.loads((out / "optimized_n3.json").read_text())
    assert s["breakdown"]["heatmap"]["frames_run"] == 2  # first measured frame, 2 repeats
    assert s["breakdown"]["heatmap"]["avg_ms_when_run"] > 0
    assert s["breakdown"]["physics"]["frames_run"] == 2 * s["frames_measured"]


def case_train():
    out = WORK / "train"
    calf("profile", *PM, "--agents", "3", "--frames", 6, "--warmup", 2, "--repeats", 1,
         "--train", "--out-dir", out, "--quiet")
    for mode in ["baseline", "optimized"]:
        s = json.loads((out / f"{mode}_n3.json").read_text())
        assert s["config"]["train"] is True
        # the training agent's TD3 update dominates a 3-agent optimized frame's physics
        assert s["breakdown"]["physics"]["avg_ms"] > 0


def case_bad_inputs():
    out = WORK / "bad"
    bad = [
        (["--agents", ""], "--agents"),
        (["--agents", "3,,5"], "--agents"),
        (["--agents", "3,x"], "--agents"),
        (["--agents", "0"], "--agents"),
        (["--agents", "3,5,3"], "twice"),
        (["--frames", 50, "--warmup", 50], "warmup"),
        (["--frames", 10, "--warmup", 20], "warmup"),
        (["--stats-cache", "maybe"], "--stats-cache"),
        (["--batched-trails", "yes please"], "--batched-trails"),
        (["--render", "sometimes"], "--render"),
        (["--mode", "fastest"], "mode"),
        (["--mode", "baseline,"], "--mode"),
        (["--preset", "ultra"], "preset"),
        (["--size", "big"], "--size"),
        (["--system", "rocket"], "rocket"),
    ]
    for args, word in bad:
        r = calf("profile", *PM, "--out-dir", out, "--quiet", *args, expect=2)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("calf profile: error:"), (args, r.stderr)
        assert word in lines[0], (args, lines[0])
    # a config file's bad value names the file and the key, in the config layer's phrasing
    cfg = WORK / "bad_cfg.json"
    for text, message in [
            ({"grid": 1}, f"{cfg}: key 'grid' = 1 is out of range; it must be in [2, 1024]"),
            ({"agents": [3, 0]}, f"{cfg}: key 'agents' must be an array of integers, each in"),
            ({"framez": 3}, f"{cfg}: unknown key 'framez'; known keys:")]:
        cfg.write_text(json.dumps(text))
        r = calf("profile", *PM, "--out-dir", out, "--quiet", "--config", cfg, expect=2)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (text, r.stderr)
    assert not out.exists() or not any(out.iterdir()), "bad input must not write results"
    # a missing model is an input error too
    r = calf("profile", "--actor", WORK / "nope.pt", "--critic", WORK / "nope.pt",
             "--out-dir", out, expect=2)
    assert "nope.pt" in r.stderr


def case_shards():
    # the whole sweep, then the same sweep in 3 shards (4 cells: 0 and 3 in shard 0, none
    # missing); compare reads the shard directory as one sweep with the same cells
    whole, sharded = WORK / "whole", WORK / "sharded"
    tiny(whole)
    for k in range(3):
        r = tiny(sharded, "--shard", f"{k}/3", "--json")
        assert json.loads(r.stdout)["shard"] == {"index": k, "count": 3}
        index = json.loads((sharded / f"shard-{k}-of-3" / "index.json").read_text())
        assert index["shard"] == {"index": k, "count": 3, "cells": 4}
        cells = [("baseline", 3), ("optimized", 3), ("baseline", 8), ("optimized", 8)]
        assert [(r["mode"], r["n_agents"]) for r in index["runs"]] == cells[k::3], index["runs"]
    a = json.loads(calf("compare", whole, "--out-dir", WORK / "rw", "--json").stdout)
    b = json.loads(calf("compare", sharded, "--out-dir", WORK / "rs", "--json").stdout)
    assert a["headline"]["n_agents"] == b["headline"]["n_agents"], (a, b)
    assert (WORK / "rs" / "report.html").exists()
    # under mpirun (OpenMPI's variables) each rank takes its own shard, no flag needed
    env = dict(os.environ, OMPI_COMM_WORLD_RANK="1", OMPI_COMM_WORLD_SIZE="2")
    mpi = WORK / "mpi"
    r = subprocess.run([CALF, "profile", *PM, "--agents", "3,8", "--frames", "8", "--warmup",
                        "3", "--repeats", "1", "--preset", "low", "--out-dir", str(mpi),
                        "--quiet"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    index = json.loads((mpi / "shard-1-of-2" / "index.json").read_text())
    assert [(r["mode"], r["n_agents"]) for r in index["runs"]] == [("optimized", 3),
                                                                  ("optimized", 8)]
    # a missing shard is named, with the command that makes it
    r = calf("compare", mpi, "--out-dir", WORK / "rm", expect=2)
    assert "shard 0 of 2 is missing" in r.stderr and "--shard 0/2" in r.stderr, r.stderr
    # shards of different sweeps do not merge
    shutil.copytree(sharded / "shard-0-of-3", mpi / "shard-0-of-3")
    r = calf("compare", mpi, "--out-dir", WORK / "rm", expect=2)
    assert "shard count" in r.stderr, r.stderr
    # malformed --shard
    for bad in ["3/3", "a/b", "-1/2", "1", "1/0", "0/2/3", ""]:
        r = calf("profile", *PM, "--shard", bad, "--out-dir", WORK / "bad", expect=2)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "--shard" in lines[0], (bad, r.stderr)


def case_creature():
    # baseline = per-creature step + LibTorch per agent, optimized = fused kernel + batched;
    # --fused-step forces the kernel alone (the label stays the flags' label)
    cr = ["--actor", str(WORK / "models/creature/actor.pt"),
          "--critic", str(WORK / "models/creature/critic.pt")]
    out = WORK / "creature"
    r = calf("profile", "--system", "creature", *cr, "--agents", 40, "--frames", 8, "--warmup", 3,
             "--repeats", 1, "--out-dir", out, "--quiet", "--json")
    fused = {}
    for run in json.loads((out / "index.json").read_text())["runs"]:
        s = json.loads((out / run["summary"]).read_text())
        assert s["system"] == "creature"
        fused[run["mode"]] = s["fused_step"]
    assert fused == {"baseline": False, "optimized": True}, fused
    out2 = WORK / "creature_off"
    calf("profile", "--system", "creature", *cr, "--agents", 40, "--frames", 8, "--warmup", 3,
         "--repeats", 1, "--mode", "optimized", "--fused-step", "off", "--out-dir", out2,
         "--quiet")
    run = json.loads((out2 / "index.json").read_text())["runs"][0]
    s = json.loads((out2 / run["summary"]).read_text())
    assert run["mode"] == "optimized" and s["fused_step"] is False
    assert json.loads((out2 / "index.json").read_text())["config"]["fused_step"] == "off"
    r = calf("profile", "--system", "creature", *cr, "--fused-step", "sometimes",
             "--out-dir", WORK / "never", expect=2)
    assert "--fused-step" in r.stderr


{"help": case_help, "sweep": case_sweep, "ablation": case_ablation, "force": case_force,
 "bad_inputs": case_bad_inputs, "train": case_train, "shards": case_shards,
 "creature": case_creature}[CASE]()
