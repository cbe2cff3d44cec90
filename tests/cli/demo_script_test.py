#!/usr/bin/env python3
"""Checks scripts/demo.sh (make demo) against a stand-in calf: `profile` writes a synthetic sweep
(write_synthetic_profiles), `screenshot` writes a PNG or fails like a machine without EGL, and
every other subcommand runs the real calf. Asserts the arguments the script passes, that a
failed screenshot step only warns, and that the report is written where the script says.

Usage: demo_script_test.py <repo> <calf> <write_synthetic_profiles> <scratch dir> <case>
cases: shots (screenshots work), no_egl (screenshot fails),
no_profile (a calf without `profile`, or none: exit 2)."""
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys

REPO, CALF, GEN = sys.argv[1], sys.argv[2], sys.argv[3]
WORK = pathlib.Path(sys.argv[4])
CASE = sys.argv[5]
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)

FAKE = r'''#!/usr/bin/env python3
import json, os, pathlib, subprocess, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
def opt(name):
    return args[args.index(name) + 1]
if args == ["--help"]:
    real = subprocess.run([os.environ["REAL_CALF"], "--help"], capture_output=True, text=True)
    print(real.stdout.rstrip())
    print("  profile                     Profile the frame pipeline (stand-in)")
    print("  screenshot                  Render screenshots (stand-in)")
    sys.exit(0)
if args[:1] == ["profile"]:
    if "--help" in args:
        print("--mode baseline|optimized|ablation")
        sys.exit(0)
    frames, warmup = int(opt("--frames")), int(opt("--warmup"))
    assert frames > warmup and "--force" in args
    runs, seed = [], 1
    modes = opt("--mode").replace("ablation", "only_vectorized_heights,only_stats_cache,"
                                  "only_batched_trails,only_batched_inference")
    for mode in modes.split(","):
        for n in map(int, opt("--agents").split(",")):
            ms = 1.0 + 0.05 * n
            if mode != "baseline":
                ms /= 2 if mode == "optimized" else 1.3
            flags = [] if mode == "baseline" else \
                [mode[5:]] if mode.startswith("only_") else \
                ["vectorized_heights", "stats_cache", "batched_trails", "batched_inference"]
            runs.append({"mode": mode, "flags": flags, "n_agents": n, "mean_ms": ms,
                         "sd_ms": 0.02 * ms, "frames": 30, "repeats": int(opt("--repeats")),
                         "seed": seed})
            seed += 1
    out = pathlib.Path(opt("--out-dir"))
    spec = out.parent / "fake_spec.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({"system": "point_mass", "runs": runs}))
    subprocess.run([os.environ["FAKE_GEN"], "sweep", str(spec), str(out)], check=True)
    sys.exit(0)
if args[:1] == ["screenshot"]:
    if os.environ.get("FAKE_NO_EGL"):
        print("calf screenshot: error: no EGL display", file=sys.stderr)
        sys.exit(3)
    if "--video" in args:
        pathlib.Path(opt("--video")).write_bytes(b"\x00\x00\x00\x18ftypisom")
        sys.exit(0)
    out = pathlib.Path(opt("--out-dir"))
    out.mkdir(parents=True, exist_ok=True)
    for step in opt("--steps-at").split(","):
        (out / f"step_{step}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + step.encode())
    sys.exit(0)
os.execv(os.environ["REAL_CALF"], [os.environ["REAL_CALF"]] + args)
'''


def run_demo(env_extra):
    fake = WORK / "bin" / "calf"
    fake.parent.mkdir()
    fake.write_text(FAKE)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    log = WORK / "calls.log"
    env = dict(os.environ, FAKE_LOG=str(log), FAKE_GEN=GEN, REAL_CALF=CALF, **env_extra)
    out = WORK / "out" / "demo"
    r = subprocess.run(["bash", f"{REPO}/scripts/demo.sh", str(fake), str(out)], cwd=WORK,
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, f"demo.sh exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return r, out, calls


def call(calls, sub, count=1, index=0):
    found = [c for c in calls if c[:1] == [sub] and "--help" not in c]
    assert len(found) == count, (sub, calls)
    c = found[index]
    return {c[i]: c[i + 1] for i in range(1, len(c) - 1) if c[i].startswith("--")}, c


def check_common(r, out, calls):
    # both designs over the N range, then each flag alone at the focus N only
    prof, raw = call(calls, "profile", count=3, index=0)
    assert prof["--agents"] == "3,10,20,100,1000,10000", prof
    assert prof["--mode"] == "baseline,optimized", prof
    assert prof["--repeats"] == "3" and prof["--out-dir"] == str(out / "prof"), prof
    assert int(prof["--frames"]) > int(prof["--warmup"]) > 0 and "--force" in raw
    abl, raw = call(calls, "profile", count=3, index=1)
    assert abl["--agents"] == "20" and abl["--mode"] == "ablation", abl
    assert abl["--out-dir"] == str(out / "prof_ablation") and "--force" in raw
    for k in ("--frames", "--warmup", "--repeats"):
        assert abl[k] == prof[k], k  # compare refuses profiles of different configs
    # the headline with drawing: both designs at one size, N = 20 and 1,000
    ren, raw = call(calls, "profile", count=3, index=2)
    assert ren["--render"] == "on" and ren["--size"] == "1280x720", ren
    assert ren["--mode"] == "baseline,optimized" and ren["--agents"] == "20,1000", ren
    assert ren["--out-dir"] == str(out / "prof_render") and "--force" in raw
    assert int(ren["--frames"]) > int(ren["--warmup"]) > 0
    shots = [c for c in calls if c[:1] == ["screenshot"] and "--help" not in c]
    shot, _ = call(calls, "screenshot", count=len(shots), index=0)
    assert shot == {"--system": "point_mass", "--policy": "calf", "--agents": "20",
                    "--steps-at": "100,500", "--out-dir": str(out / "shots"),
                    "--size": "640x360", "--annotate": "on"}, shot
    if len(shots) == 2:  # the video, only after the screenshots worked
        video, _ = call(calls, "screenshot", count=2, index=1)
        assert video["--video"] == str(out / "shots" / "video.mp4"), video
        assert video["--steps-range"] == "0:300:2" and video["--fps"] == "30", video
    comp, raw = call(calls, "compare")
    assert raw[1] == str(out / "prof") and comp["--out-dir"] == str(out), raw
    assert comp["--ablation"] == str(out / "prof_ablation") and comp["--n"] == "20", comp
    assert comp["--render-profile"] == str(out / "prof_render"), comp
    md = (out / "report.md").read_text()
    summary = md[md.index("## Executive summary"):]
    first, second = summary.split("\n- ")[1:3]
    assert first.startswith("With drawing (--render on"), first
    assert second.startswith("Without drawing (--render off"), second
    assert "at N=20" in first and "at N=1000" in first, first
    for name in ("report.html", "report.md", "fps_vs_n.svg", "fps_vs_n.png"):
        assert (out / name).is_file(), name
    assert str(out / "report.html") in r.stdout and str(out / "report.md") in r.stdout, r.stdout
    return comp


def case_shots():
    r, out, calls = run_demo({})
    comp = check_common(r, out, calls)
    assert comp.get("--screenshots") == str(out / "shots"), comp
    md = (out / "report.md").read_text()
    assert "## Screenshots" in md and "](shots/step_500.png)" in md
    assert "[Video: video.mp4](shots/video.mp4)" in md, md
    assert 'src="data:video/mp4;base64,' in (out / "report.html").read_text()
    assert len([c for c in calls if c[:1] == ["screenshot"]]) == 2
    assert "## Ablation at N=20" in md
    assert "warning" not in r.stderr, r.stderr


def case_no_egl():
    r, out, calls = run_demo({"FAKE_NO_EGL": "1"})
    comp = check_common(r, out, calls)
    assert "--screenshots" not in comp, comp
    assert len([c for c in calls if c[:1] == ["screenshot"]]) == 1  # no video attempted
    assert "demo: warning: calf screenshot failed" in r.stderr, r.stderr
    assert "## Screenshots" not in (out / "report.md").read_text()


def case_no_profile():
    # a calf without the profile command (or no calf at all): one clear line, exit 2
    old_calf = WORK / "bin" / "calf"
    old_calf.parent.mkdir()
    old_calf.write_text("#!/bin/sh\nprintf 'Subcommands:\\n  compare   Report\\n"
                        "  profile-old   Not it\\n'\n")
    old_calf.chmod(0o755)
    for calf_path, needle in ((WORK / "missing" / "calf", "no calf binary"),
                              (old_calf, "has no 'profile' command")):
        r = subprocess.run(["bash", f"{REPO}/scripts/demo.sh", str(calf_path),
                            str(WORK / "out")], cwd=WORK, capture_output=True, text=True)
        assert r.returncode == 2 and needle in r.stderr, (r.returncode, r.stderr)
        assert not (WORK / "out").exists()


globals()["case_" + CASE]()
print(f"demo {CASE}: ok")
