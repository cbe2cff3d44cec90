#!/usr/bin/env python3
"""End-to-end checks of `calf run`: outputs, determinism, record_every, bad inputs, interrupts.

Usage: run_cli_test.py <calf> <make_test_models> <scratch dir> <case>. Exit 0 on success."""
import json
import os
import stat
import pathlib
import shutil
import signal
import subprocess
import sys
import time

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


def calf(*args, expect=0):
    r = subprocess.run([CALF, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == expect, (
        f"calf {' '.join(map(str, args))}: exit {r.returncode}, expected {expect}\n"
        f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def datasets(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][()] for k in f.keys()}, dict(f.attrs)


def case_help():
    r = calf("run", "--help")
    for flag in ["--agents", "--steps", "--seed", "--out", "--threads", "--record-every",
                 "--compress", "--quiet", "--config", "--initial-states"]:
        assert flag in r.stdout, flag


def case_output():
    out = WORK / "run.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 37, "--steps", 25, "--seed", 3,
         "--out", out, "--quiet")
    d, attrs = datasets(out)
    assert d["states"].shape == (26, 37, 2) and d["states"].dtype == np.float32
    assert d["actions"].shape == (25, 37, 1)
    for k in ["rewards", "q_values", "modes", "episode", "done"]:
        assert d[k].shape == (25, 37), k
    assert np.isfinite(d["q_values"]).all()
    assert attrs["complete"] == 1 and attrs["system"] in ("point_mass", b"point_mass")
    cfg = json.loads(attrs["config"])
    assert cfg["num_agents"] == 37 and cfg["seed"] == 3 and cfg["policy"] == "calf"
    assert cfg["actor"].endswith("actor.pt")
    # rewards follow the formula on the recorded states and actions
    s, a = d["states"][:-1].astype(np.float64), d["actions"][..., 0].astype(np.float64)
    expect = -np.hypot(s[..., 0], s[..., 1]) - 0.01 * a * a
    assert np.allclose(d["rewards"], expect, atol=1e-5)
    assert (d["modes"] <= 2).all()
    assert not (out.parent / "run.h5.partial").exists()
    h = subprocess.run(["h5dump", "-H", str(out)], capture_output=True, text=True)
    assert h.returncode == 0 and 'DATASET "states"' in h.stdout and "H5T_ENUM" in h.stdout


def case_determinism():
    outs = []
    for threads in (1, 2):
        out = WORK / f"t{threads}.h5"
        calf("run", "--policy", "calf", *PM, "--agents", 1500, "--steps", 40, "--seed", 9,
             "--threads", threads, "--out", out, "--quiet")
        outs.append(datasets(out)[0])
    for k in outs[0]:
        assert outs[0][k].tobytes() == outs[1][k].tobytes(), f"{k} differs between 1 and 2 threads"


def case_evaluation_defaults():
    """calf run --policy calf evaluates without relaxation (the actor acts only when certified)
    and with the evaluation nu_bar; the old behaviour is the calf object of the config away."""
    out = WORK / "eval.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 64, "--steps", 200, "--seed", 3,
         "--out", out, "--quiet")
    d, attrs = datasets(out)
    cfg = json.loads(attrs["config"])
    assert cfg["calf"]["lambda_relax"] == 0.0 and cfg["calf"]["nu_bar"] == 10.0, cfg["calf"]
    assert not (d["modes"] == 1).any(), "a relax step with lambda_relax 0"
    assert (d["modes"] == 2).any() and (d["modes"] == 0).any()
    old = WORK / "old.json"
    old.write_text('{"calf": {"nu_bar": 0.01, "lambda_relax": 0.99995}}')
    out_old = WORK / "old.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 64, "--steps", 200, "--seed", 3,
         "--config", old, "--out", out_old, "--quiet")
    d_old, attrs_old = datasets(out_old)
    cfg_old = json.loads(attrs_old["config"])
    assert cfg_old["calf"]["lambda_relax"] == 0.99995 and cfg_old["calf"]["nu_bar"] == 0.01
    assert (d_old["modes"] == 1).mean() > 0.5, "the old default relaxes most uncertified steps"
    # an explicit key still wins over the evaluation default
    explicit = WORK / "explicit.json"
    explicit.write_text('{"calf": {"lambda_relax": 0.5}}')
    out_e = WORK / "explicit.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 4, "--steps", 2, "--seed", 3,
         "--config", explicit, "--out", out_e, "--quiet")
    cfg_e = json.loads(datasets(out_e)[1]["config"])
    assert cfg_e["calf"]["lambda_relax"] == 0.5 and cfg_e["calf"]["nu_bar"] == 10.0


def case_scenario():
    """Scenario terms end to end: the recorded rewards are the family's formula minus the
    terms; bad values are one line and exit 2."""
    cfg = WORK / "scenario.json"
    cfg.write_text(json.dumps({"max_steps_per_episode": 30, "scenario": {
        "spot": {"x": 0.5, "y": -0.5, "sigma_x": 0.7, "sigma_y": 1.3, "weight": 2.0},
        "state_weights": [0.3, 0.1], "miss_cost": 25.0}}))
    out = WORK / "scenario.h5"
    calf("run", "--policy", "pd", "--agents", 20, "--steps", 45, "--seed", 2,
         "--config", cfg, "--out", out, "--quiet")
    d, attrs = datasets(out)
    assert json.loads(attrs["config"])["scenario"]["miss_cost"] == 25.0
    s = d["states"][:-1].astype(np.float64)
    a = d["actions"][..., 0].astype(np.float64)
    base = -np.hypot(s[..., 0], s[..., 1]) - 0.01 * a * a
    spot = 2.0 * np.exp(-0.5 * (((s[..., 0] - 0.5) / 0.7) ** 2 + ((s[..., 1] + 0.5) / 1.3) ** 2))
    quad = 0.3 * s[..., 0] ** 2 + 0.1 * s[..., 1] ** 2
    miss = 25.0 * ((d["done"] == 2) | (d["done"] == 3))  # out of bounds, time limit
    assert (d["done"] == 3).any(), "the 30-step limit ends episodes inside the run"
    assert np.allclose(d["rewards"], base - spot - quad - miss, atol=1e-4)
    for bad, key in (({"spot": {"sigma_x": 0}}, "scenario.spot.sigma_x"),
                     ({"spot": {"weight": -1}}, "scenario.spot.weight"),
                     ({"state_weights": [1, 2, 3]}, "scenario.state_weights")):
        cfg.write_text(json.dumps({"scenario": bad}))
        r = calf("run", "--policy", "pd", "--agents", 2, "--steps", 2, "--config", cfg,
                 "--out", WORK / "bad.h5", expect=2)
        assert key in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def case_record_every():
    full, sparse = WORK / "full.h5", WORK / "sparse.h5"
    common = ["run", "--policy", "calf", *PM, "--agents", 5, "--steps", 10, "--seed", 1, "--quiet"]
    calf(*common, "--out", full)
    calf(*common, "--record-every", 3, "--out", sparse)
    f, _ = datasets(full)
    s, _ = datasets(sparse)
    assert list(s["step"]) == [0, 3, 6, 9]
    assert s["states"].shape[0] == 5
    assert (s["states"][:4] == f["states"][[0, 3, 6, 9]]).all()
    assert (s["states"][4] == f["states"][10]).all()
    assert (s["actions"] == f["actions"][[0, 3, 6, 9]]).all()


def case_initial_states():
    csv = WORK / "init.csv"
    csv.write_text("x,v\n1.0,2.0\n-0.5,0.25\n")
    out = WORK / "init.h5"
    calf("run", "--policy", "pd", "--agents", 2, "--steps", 3, "--initial-states", csv,
         "--out", out, "--quiet")
    d, _ = datasets(out)
    assert (d["states"][0] == np.array([[1.0, 2.0], [-0.5, 0.25]], dtype=np.float32)).all()


def case_bad_inputs():
    (WORK / "bad.json").write_text("{not json")
    (WORK / "unknown.json").write_text('{"agentz": 3}')
    (WORK / "bad.csv").write_text("1,2\nfoo\n")
    (WORK / "nan.csv").write_text("1,2\n0,nan\n")
    (WORK / "corrupt.pt").write_bytes(b"PK\x03\x04 this is not a TorchScript archive")
    uni = ["--actor", str(WORK / "models/differential_drive/actor.pt"),
           "--critic", str(WORK / "models/differential_drive/critic.pt")]
    cases = [
        (["--agents", 0], "num_agents"),
        (["--steps", -1], "steps"),
        (["--system", "cartpole"], "cartpole"),
        (["--policy", "magic"], "magic"),
        (["--policy", "calf", "--actor", WORK / "missing.pt"], "missing.pt"),
        (["--policy", "calf", *uni], "needs"),
        (["--config", WORK / "bad.json"], "malformed"),
        (["--config", WORK / "unknown.json"], "agentz"),
        (["--initial-states", WORK / "bad.csv", "--agents", 2, "--policy", "pd"], "line 2"),
        (["--agents", "abc"], "agents"),
        (["--agents", -5], "agents"),
        (["--initial-states", WORK / "nan.csv", "--agents", 2, "--policy", "pd"], "not finite"),
        (["--policy", "calf", "--actor", WORK / "corrupt.pt"], "corrupt.pt"),
        (["--policy", "calf", *PM[:2], "--critic", WORK / "corrupt.pt"], "corrupt.pt"),
        (["--no-such-flag"], "no-such-flag"),
    ]
    for extra, needle in cases:
        out = WORK / "never.h5"
        steps = [] if "--steps" in extra else ["--steps", 2]
        r = calf("run", *steps, *extra, "--out", out, expect=2)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert needle in r.stderr, (extra, r.stderr)
        assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists(), extra
        assert len(lines) == 1 and lines[0].startswith("calf run: error:"), (extra, r.stderr)
    r = calf("run", "--policy", "pd", "--out", WORK / "no/such/dir/x.h5", expect=2)
    assert "does not exist" in r.stderr
    # a FIFO or device node at --out stays what it is (a rename would replace it)
    fifo = WORK / "fifo.h5"
    os.mkfifo(fifo)
    r = calf("run", "--policy", "pd", "--steps", 2, "--out", fifo, expect=2)
    assert "not a regular file" in r.stderr and stat.S_ISFIFO(os.lstat(fifo).st_mode), r.stderr
    # an unwritable place (root can write almost anywhere; not into /proc)
    r = calf("run", "--policy", "pd", "--steps", 2, "--out", "/proc/calf_never.h5", expect=2)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("calf run: error:"), r.stderr
    assert not pathlib.Path("/proc/calf_never.h5").exists()
    # a bad input never touches an existing output file
    keep = WORK / "keep.h5"
    calf("run", "--policy", "pd", "--agents", 3, "--steps", 4, "--out", keep, "--quiet")
    before = keep.read_bytes()
    calf("run", "--policy", "calf", "--actor", WORK / "corrupt.pt", "--out", keep, expect=2)
    calf("run", "--agents", 0, "--out", keep, expect=2)
    assert keep.read_bytes() == before


def case_aliases():
    # "unicycle" names differential_drive everywhere, default (shipped) models included;
    # "nominal" resolves to the system's controller in the echoed config
    out = WORK / "uni.h5"
    calf("run", "--system", "unicycle", "--policy", "calf", "--agents", 3, "--steps", 3,
         "--out", out, "--quiet")
    d, attrs = datasets(out)
    assert d["states"].shape == (4, 3, 3)
    cfg = json.loads(attrs["config"])
    assert cfg["system"] == "differential_drive", cfg["system"]
    assert "differential_drive" in cfg["actor"]
    calf("run", "--system", "unicycle", "--policy", "nominal", "--agents", 2, "--steps", 2,
         "--out", out, "--quiet")
    _, attrs = datasets(out)
    assert json.loads(attrs["config"])["policy"] == "move_to_point"
    assert attrs["policy"] in ("move_to_point", b"move_to_point")


def case_interrupt():
    out = WORK / "long.h5"
    p = subprocess.Popen([CALF, "run", "--policy", "pd", "--agents", "20000", "--steps", "1000000",
                          "--out", str(out), "--quiet"], stderr=subprocess.PIPE, text=True)
    # signal once the run is under way (the file exists), however slow the machine is today
    partial = pathlib.Path(str(out) + ".partial")
    deadline = time.time() + 60
    while not partial.exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, (p.returncode, err)
    assert "interrupted" in err
    with h5py.File(out, "r") as f:
        assert f.attrs["complete"] == 0
        t = f["actions"].shape[0]
        assert t > 0 and f["states"].shape[0] == t + 1
        assert f.attrs["steps_recorded"] == t
        assert np.isfinite(f["states"][t]).all()


def case_creature():
    # --system creature --policy nominal: observations and goals beside the usual datasets,
    # goal hits in the --json summary, identical files for 1 and 2 threads
    outs = []
    for threads in (1, 2):
        out = WORK / f"creature{threads}.h5"
        r = calf("run", "--system", "creature", "--policy", "nominal", "--agents", 300,
                 "--steps", 400, "--seed", 4, "--threads", threads, "--out", out, "--json",
                 "--quiet")
        summary = json.loads(r.stdout)
        assert summary["goal_hits"] > 0, summary
        d, attrs = datasets(out)
        outs.append(d)
    d = outs[0]
    for k in outs[0]:
        assert outs[0][k].tobytes() == outs[1][k].tobytes(), f"{k} differs between 1 and 2 threads"
    assert attrs["system"] in ("creature", b"creature") and attrs["policy"] in ("goal_pd", b"goal_pd")
    assert d["states"].shape == (401, 300, 7) and d["actions"].shape == (400, 300, 3)
    assert d["observations"].shape == (401, 300, 7) and d["observations"].dtype == np.float32
    assert d["goals"].shape == (401, 300, 3)
    s, g, o = d["states"], d["goals"], d["observations"]
    lo, hi = np.array([-10, -10, 0.0]), np.array([10, 10, 10.0])
    assert (s[..., :3] >= lo - 1e-6).all() and (s[..., :3] <= hi + 1e-6).all()
    assert (g >= lo - 1e-6).all() and (g <= hi + 1e-6).all()
    assert np.allclose(o[..., :3], (g - s[..., :3]) / (hi - lo), atol=1e-5)
    assert np.allclose(o[..., 3:6], (s[..., :3] - (lo + hi) / 2) / ((hi - lo) / 2), atol=1e-5)
    assert np.allclose(o[..., 6], s[..., 6] / 200.0, atol=1e-6)
    assert (np.abs(o) <= 1.0 + 1e-6).all()
    # a goal moves exactly where the summary counted a hit (no episode ends in 400 steps)
    moved = (np.abs(g[1:] - g[:-1]).sum(axis=2) > 0).sum()
    assert moved == summary["goal_hits"], (moved, summary["goal_hits"])
    assert (d["done"] == 0).all()
    # initial states from a 7-column CSV
    csv = WORK / "creature.csv"
    csv.write_text("x,y,z,vx,vy,vz,stamina\n1,2,0,0,0,0,200\n-3,4,5,0.5,0,0,50\n")
    out = WORK / "creature_init.h5"
    calf("run", "--system", "creature", "--policy", "goal_pd", "--agents", 2, "--steps", 3,
         "--initial-states", csv, "--out", out, "--quiet")
    d, _ = datasets(out)
    assert (d["states"][0] == np.array([[1, 2, 0, 0, 0, 0, 200], [-3, 4, 5, 0.5, 0, 0, 50]],
                                       dtype=np.float32)).all()


def case_creature_bad_inputs():
    # one line, exit 2, nothing written
    bad = {
        "box.json": '{"system": "creature", "creature": {"box_min_x": 3, "box_max_x": 3}}',
        "goal.json": '{"system": "creature", "creature": {"goal_threshold": 50}}',
        "neg.json": '{"system": "creature", "creature": {"goal_threshold": -0.5}}',
        "dt.json": '{"system": "creature", "dt": -0.01}',
        "nan.json": '{"system": "creature", "creature": {"gravity": NaN}}',
        "str.json": '{"system": "creature", "creature": {"max_vel": "fast"}}',
    }
    needles = {"box.json": "creature.box_max_x", "goal.json": "creature.goal_threshold",
               "neg.json": "creature.goal_threshold", "dt.json": "'dt'",
               "nan.json": "malformed JSON", "str.json": "creature.max_vel"}
    (WORK / "six.csv").write_text("1,2,0,0,0,0\n1,2,0,0,0,0\n")
    runs = [(["--config", WORK / name], needles[name]) for name in bad]
    runs.append((["--system", "creature", "--agents", 2, "--initial-states", WORK / "six.csv"],
                 "6 values, the system's state has 7"))
    for name, text in bad.items():
        (WORK / name).write_text(text)
    for extra, needle in runs:
        out = WORK / "never.h5"
        r = calf("run", "--policy", "nominal", "--steps", 2, *extra, "--out", out, expect=2)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert needle in r.stderr, (extra, r.stderr)
        assert len(lines) == 1 and lines[0].startswith("calf run: error:"), (extra, r.stderr)
        assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists(), extra


def case_creature_train():
    # calf train --system creature through the algorithm seam; its models drive calf run
    out = WORK / "train"
    calf("train", "--system", "creature", "--preset", "quick", "--episodes", 2, "--seed", 3,
         "--out-dir", out, "--quiet")
    model = json.loads((out / "model.json").read_text())
    assert model["system"] == "creature" and model["obs_dim"] == 7 and model["action_dim"] == 3
    # the critic also sees the velocity the observation leaves out (docs/training.md)
    assert model["critic_obs_dim"] == 10, model
    r = calf("run", "--system", "creature", "--policy", "calf", "--actor", out / "actor.pt",
             "--critic", out / "critic.pt", "--agents", 20, "--steps", 50,
             "--out", WORK / "trained.h5", "--json", "--quiet")
    summary = json.loads(r.stdout)
    assert summary["agent_steps"] == 1000, summary
    # the shipped model is the default, and its actor reaches goals on its own (data/README.md:
    # ~0.6 per creature in 750 steps; the model before the critic saw the velocity: 0.02)
    calf("run", "--system", "creature", "--policy", "calf", "--agents", 5, "--steps", 5,
         "--out", WORK / "shipped.h5", "--quiet")
    r = calf("run", "--system", "creature", "--policy", "actor", "--agents", 300, "--steps", 750,
             "--seed", 7, "--out", WORK / "shipped_actor.h5", "--json", "--quiet")
    hits = json.loads(r.stdout)["goal_hits"]
    assert hits >= 0.3 * 300, f"the shipped creature actor reached only {hits} goals (300 agents)"


def case_quadruped():
    # --system quadruped --policy nominal: qpos/qvel in `states`, observations, goals and
    # per-step contact counts; identical files for 1 and 2 threads; the PD keeps it standing
    outs = []
    for threads in (1, 2):
        out = WORK / f"quadruped{threads}.h5"
        calf("run", "--system", "quadruped", "--policy", "nominal", "--agents", 40,
             "--steps", 300, "--seed", 4, "--threads", threads, "--out", out, "--quiet")
        d, attrs = datasets(out)
        outs.append(d)
    for k in outs[0]:
        assert outs[0][k].tobytes() == outs[1][k].tobytes(), f"{k} differs between 1 and 2 threads"
    d = outs[0]
    assert attrs["system"] in ("quadruped", b"quadruped")
    assert attrs["policy"] in ("standing_pd", b"standing_pd")
    assert d["states"].shape == (301, 40, 37) and d["actions"].shape == (300, 40, 12)
    assert d["observations"].shape == (301, 40, 37) and d["goals"].shape == (301, 40, 2)
    assert d["contacts"].shape == (300, 40) and d["contacts"].dtype == np.int32
    qpos, qvel, o = d["states"][..., :19], d["states"][..., 19:], d["observations"]
    # the observation's height and joint angles are the state's (float32 both)
    assert (o[..., 0] == qpos[..., 2]).all() and (o[..., 11:23] == qpos[..., 7:19]).all()
    assert (o[..., 23:35] == qvel[..., 6:18]).all()
    assert np.allclose(np.linalg.norm(qpos[..., 3:7], axis=2), 1.0, atol=1e-5)
    # standing: nobody falls, the four feet touch the floor at the end
    assert (d["done"] == 0).all()
    assert (qpos[-1, :, 2] > 0.25).all()
    assert (d["contacts"][-1] == 4).all(), d["contacts"][-1]
    assert (np.abs(d["actions"]) <= 1.0).all()
    # a random actor (make_test_models) and CALF with its critic run too
    m = WORK / "models/quadruped"
    calf("run", "--system", "quadruped", "--policy", "calf", "--actor", m / "actor.pt",
         "--critic", m / "critic.pt", "--agents", 8, "--steps", 30, "--out", WORK / "c.h5",
         "--quiet")
    d, _ = datasets(WORK / "c.h5")
    assert np.isfinite(d["states"]).all() and d["contacts"].shape == (30, 8)
    # the shipped PPO policy (data/models/quadruped/ppo) balances: no falls in 300 steps
    shipped = pathlib.Path(__file__).resolve().parents[2] / "data/models/quadruped/ppo/policy.pt"
    r = calf("run", "--system", "quadruped", "--policy", "actor", "--actor", shipped,
             "--agents", 16, "--steps", 300, "--seed", 9, "--out", WORK / "ppo.h5", "--json",
             "--quiet")
    d, _ = datasets(WORK / "ppo.h5")
    assert (d["done"] == 0).all(), json.loads(r.stdout)["first_episode"]
    assert (d["states"][-1, :, 2] > 0.2).all()


def case_quadruped_bad_inputs():
    # a model that does not load (MuJoCo's message in calf's one line), one that is not the
    # quadruped, a physics step MuJoCo cannot take: exit 2, nothing written
    (WORK / "broken.xml").write_text("<mujoco><worldbody><body></worldbody></mujoco>")
    (WORK / "pendulum.xml").write_text(
        "<mujoco><worldbody><body><joint name='j'/><geom size='0.1'/></body></worldbody>"
        "<actuator><motor joint='j'/></actuator></mujoco>")
    bad = {
        "broken.json": (f'{{"system": "quadruped", "quadruped": {{"model": "{WORK / "broken.xml"}"}}}}',
                        "does not load: XML parse error"),
        "missing.json": ('{"system": "quadruped", "quadruped": {"model": "/nonexistent.xml"}}',
                         "does not load"),
        "pendulum.json": (f'{{"system": "quadruped", "quadruped": {{"model": "{WORK / "pendulum.xml"}"}}}}',
                          "the quadruped needs nq 19, nv 18, nu 12"),
        "substeps.json": ('{"system": "quadruped", "dt": 0.1, "quadruped": {"substeps": 2}}',
                          "quadruped.substeps"),
    }
    for name, (text, needle) in bad.items():
        (WORK / name).write_text(text)
        out = WORK / "never.h5"
        r = calf("run", "--policy", "nominal", "--steps", 2, "--config", WORK / name,
                 "--out", out, expect=2)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert needle in r.stderr, (name, r.stderr)
        assert len(lines) == 1 and lines[0].startswith("calf run: error:"), (name, r.stderr)
        assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists(), name


globals()["case_" + CASE]()
print(f"run_cli_test {CASE}: ok")
