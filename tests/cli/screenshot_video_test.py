#!/usr/bin/env python3
"""`calf screenshot --video`: MP4 (H.264), WebP and GIF from a live simulation or a run file,
byte-identical for the same frames, the frame count and size checked with ffprobe, and bad
input (one line, exit 2, nothing left at the output).

Usage: screenshot_video_test.py <calf> <make_test_models> <scratch dir> <case>"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

CALF, MAKE_MODELS = sys.argv[1], sys.argv[2]
WORK = pathlib.Path(sys.argv[3])
CASE = sys.argv[4]
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
subprocess.run([MAKE_MODELS, str(WORK / "models")], check=True)
PM = ["--system", "point_mass", "--policy", "calf",
      "--actor", str(WORK / "models/point_mass/actor.pt"),
      "--critic", str(WORK / "models/point_mass/critic.pt")]
SMALL = ["--size", "160x90", "--agents", 8]


def calf(*args, expect=0, env=None):
    r = subprocess.run([CALF, *map(str, args)], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == expect, f"calf {args}: exit {r.returncode}, expected {expect}\n{r.stderr}"
    return r


def probe(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=codec_name,width,height,nb_read_frames,pix_fmt",
                        "-of", "json", str(path)], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["streams"][0]


def case_formats():
    for ext, codec in [("mp4", "h264"), ("webp", None), ("gif", "gif")]:
        a, b = WORK / f"a.{ext}", WORK / f"b.{ext}"
        r = calf("screenshot", *PM, *SMALL, "--steps", 24, "--video", a, "--fps", 12, "--json")
        j = json.loads(r.stdout)
        assert j["frames"] == 25 and j["first_step"] == 0 and j["last_step"] == 24, j
        calf("screenshot", *PM, *SMALL, "--steps", 24, "--video", b, "--fps", 12, "--quiet",
             "--threads", 1)
        assert a.read_bytes() == b.read_bytes(), f"{ext}: the same frames gave other bytes"
        if codec:  # ffprobe reads mp4 and gif frame by frame (animated webp it cannot decode)
            s = probe(a)
            assert s["codec_name"] == codec and (s["width"], s["height"]) == (160, 90), s
            assert int(s["nb_read_frames"]) == 25, s
        else:
            data = a.read_bytes()
            assert data[:4] == b"RIFF" and data[8:12] == b"WEBP" and b"ANIM" in data[:64]
        assert not list(WORK.glob("*.partial*")), list(WORK.iterdir())
    assert probe(WORK / "a.mp4")["pix_fmt"] == "yuv420p"  # what browsers play


def case_run_file():
    run = WORK / "run.h5"
    calf("run", *PM, "--agents", 6, "--steps", 40, "--record-every", 2, "--out", run, "--quiet")
    out = WORK / "r.mp4"
    r = calf("screenshot", "--run", run, "--steps-range", "0:40:4", "--size", "160x90",
             "--video", out, "--json")
    assert json.loads(r.stdout)["frames"] == 11
    assert int(probe(out)["nb_read_frames"]) == 11
    # a step the run did not record, or beyond its end: one line, exit 2, nothing written
    for rng, needle in [("0:40:3", "not recorded"), ("0:80:4", "beyond the run")]:
        bad = WORK / "bad.mp4"
        r = calf("screenshot", "--run", run, "--steps-range", rng, "--size", "160x90",
                 "--video", bad, expect=2)
        assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert not bad.exists() and not list(WORK.glob("bad*")), list(WORK.iterdir())
    r = calf("screenshot", "--run", run, "--video", WORK / "n.mp4", expect=2)
    assert "--steps-range" in r.stderr


def case_bad_inputs():
    out = WORK / "x.mp4"
    cases = [
        (["--video", WORK / "x.avi"], ".mp4 (H.264), .webp or .gif"),
        (["--video", out, "--fps", 0], "--fps 0 must be in (0, 240]"),
        (["--video", out, "--fps", "nan"], "--fps"),
        (["--video", out, "--steps-range", "10:5"], "is empty"),
        (["--video", out, "--steps-range", "a:b"], "START:STOP"),
        (["--video", out, "--steps-range", "0:10:0"], "START:STOP"),
        (["--video", WORK / "no/such/dir/x.mp4"], "does not exist"),
    ]
    for args, needle in cases:
        r = calf("screenshot", *PM, *SMALL, "--steps", 5, *args, expect=2)
        assert needle in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    # FFmpeg missing at run time: named, with how to install it
    env = dict(os.environ, PATH="/nonexistent")
    r = calf("screenshot", *PM, *SMALL, "--steps", 5, "--video", out, expect=2, env=env)
    assert "apt install ffmpeg" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    # flag conflicts are usage errors
    for extra in [["--out", WORK / "y.png"], ["--steps-at", "1,2", "--out-dir", WORK / "d"]]:
        calf("screenshot", *PM, "--video", out, *extra, expect=2)
    calf("screenshot", *PM, "--steps-range", "0:5", expect=2)  # needs --video
    assert not out.exists() and not list(WORK.glob("*.partial*")), list(WORK.iterdir())


{"formats": case_formats, "run_file": case_run_file, "bad_inputs": case_bad_inputs}[CASE]()
