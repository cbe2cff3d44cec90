#!/usr/bin/env python3
"""End-to-end checks of `calf screenshot`: determinism, renderers, run files, sequences,
text chunks and bad inputs.

Usage: screenshot_cli_test.py <calf> <make_test_models> <scratch dir> <case>. Exit 0 on success.
Pixels are compared with `calf screenshot-diff --threshold 0 --include-aa` (exact)."""
import json
import os
import stat
import pathlib
import shutil
import struct
import subprocess
import sys
import zlib

CALF, MAKE_MODELS = sys.argv[1], sys.argv[2]
WORK = pathlib.Path(sys.argv[3])
CASE = sys.argv[4]
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)
subprocess.run([MAKE_MODELS, str(WORK / "models")], check=True)
PM = ["--actor", WORK / "models/point_mass/actor.pt",
      "--critic", WORK / "models/point_mass/critic.pt"]
DD = ["--system", "differential_drive", "--actor", WORK / "models/differential_drive/actor.pt",
      "--critic", WORK / "models/differential_drive/critic.pt"]
SMALL = ["--size", "320x180"]


def calf(*args, expect=0, env=None, timeout=None):
    r = subprocess.run([CALF, *map(str, args)], capture_output=True, text=True,
                       env={**os.environ, **(env or {})}, timeout=timeout)
    assert r.returncode == expect, (
        f"calf {' '.join(map(str, args))}: exit {r.returncode}, expected {expect}\n"
        f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def same_pixels(a, b):
    r = subprocess.run([CALF, "screenshot-diff", "--threshold", "0", "--include-aa", "--quiet",
                        str(a), str(b)])
    return r.returncode == 0


def png_chunks(path):
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a png"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad crc in {path}"
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def png_text(path):
    return {k.decode(): v.decode() for kind, body in png_chunks(path) if kind == b"tEXt"
            for k, v in [body.split(b"\0", 1)]}


def png_size(path):
    ihdr = png_chunks(path)[0][1]
    return struct.unpack(">II", ihdr[:8])


def case_help():
    r = calf("screenshot", "--help")
    for flag in ["--run", "--step", "--trail", "--out", "--system", "--policy", "--agents",
                 "--steps", "--seed", "--steps-at", "--out-dir", "--renderer", "--camera",
                 "--size", "--actor", "--critic", "--quiet", "--json", "--annotate"]:
        assert flag in r.stdout, flag


def case_determinism():
    # same inputs twice, and at another thread count: byte-identical files
    for name, threads in [("a.png", 1), ("b.png", 1), ("c.png", 2)]:
        calf("screenshot", *PM, "--agents", 20, "--steps", 120, "--seed", 1, *SMALL,
             "--threads", threads, "--out", WORK / name, "--quiet")
    a = (WORK / "a.png").read_bytes()
    assert a == (WORK / "b.png").read_bytes()
    assert a == (WORK / "c.png").read_bytes()
    # another seed is another picture
    calf("screenshot", *PM, "--agents", 20, "--steps", 120, "--seed", 2, *SMALL,
         "--out", WORK / "d.png", "--quiet")
    assert not same_pixels(WORK / "a.png", WORK / "d.png")


def case_renderers():
    records = {}
    for renderer in ["batched", "per-agent"]:
        for camera in ["iso", "top"]:
            out = WORK / f"{renderer}_{camera}.png"
            r = calf("screenshot", *PM, "--agents", 30, "--steps", 200, "--trail", 150,
                     "--seed", 4, *SMALL, "--renderer", renderer, "--camera", camera,
                     "--out", out, "--json", "--quiet")
            records[renderer, camera] = json.loads(r.stdout)["files"][0]
    for camera in ["iso", "top"]:
        assert same_pixels(WORK / f"batched_{camera}.png", WORK / f"per-agent_{camera}.png")
        b, p = records["batched", camera], records["per-agent", camera]
        assert 1 <= b["trail_draw_calls"] <= 3, b
        assert p["trail_draw_calls"] >= 30, p
    assert not same_pixels(WORK / "batched_iso.png", WORK / "batched_top.png")


def sim_calf():
    """`--config` giving calf run the simulation's CALF keys: calf run evaluates with its own
    defaults (docs/config.md, "Evaluating a trained agent"), a live screenshot keeps the
    simulation's, and a run compared with a live screenshot must use the same."""
    cfg = WORK / "sim_calf.json"
    cfg.write_text('{"calf": {"nu_bar": 0.01, "lambda_relax": 0.99995}}')
    return ["--config", cfg]


def case_run_file():
    run = WORK / "run.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 25, "--steps", 300, "--seed", 7,
         *sim_calf(), "--out", run, "--quiet")
    for step, trail in [(300, 600), (300, 50), (120, 40), (0, 600)]:
        live, from_run = WORK / f"live_{step}_{trail}.png", WORK / f"run_{step}_{trail}.png"
        calf("screenshot", *PM, "--agents", 25, "--steps", step, "--seed", 7, "--trail", trail,
             *SMALL, "--out", live, "--quiet")
        calf("screenshot", "--run", run, "--step", step, "--trail", trail, *SMALL,
             "--out", from_run, "--quiet")
        assert same_pixels(live, from_run), (step, trail)
    # without --step: the run's last step
    calf("screenshot", "--run", run, *SMALL, "--out", WORK / "last.png", "--quiet")
    assert same_pixels(WORK / "last.png", WORK / "run_300_600.png")
    t = png_text(WORK / "last.png")
    assert t["run"] == str(run) and t["step"] == "300", t
    # the run records the config the live screenshot resolves: same hash
    assert t["config_hash"] == png_text(WORK / "live_300_600.png")["config_hash"]
    # a run made elsewhere with relative model paths: the critic is found beside the run file
    elsewhere = WORK / "elsewhere"
    shutil.copytree(WORK / "models", elsewhere / "models")
    subprocess.run([CALF, "run", "--agents", "3", "--steps", "10", "--quiet", "--out", "r.h5",
                    "--actor", "models/point_mass/actor.pt",
                    "--critic", "models/point_mass/critic.pt"], cwd=elsewhere, check=True)
    calf("screenshot", "--run", elsewhere / "r.h5", *SMALL, "--out", WORK / "rel.png", "-q")
    # a run with record_every 10 has only multiples of 10
    sparse = WORK / "sparse.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 5, "--steps", 100, "--seed", 1,
         "--record-every", 10, "--out", sparse, "--quiet")
    calf("screenshot", "--run", sparse, "--step", 50, *SMALL, "--out", WORK / "s50.png", "-q")
    r = calf("screenshot", "--run", sparse, "--step", 55, *SMALL, "--out", WORK / "s55.png",
             expect=2)
    assert "not recorded" in r.stderr and "record_every 10" in r.stderr, r.stderr


def case_steps_at():
    out_dir = WORK / "shots" / "nested"
    r = calf("screenshot", *PM, "--agents", 10, "--steps-at", "200,50,100", "--seed", 3, *SMALL,
             "--out-dir", out_dir, "--json", "--quiet")
    files = json.loads(r.stdout)["files"]
    assert [f["step"] for f in files] == [50, 100, 200]
    assert [pathlib.Path(f["path"]).name for f in files] == [
        "step_000050.png", "step_000100.png", "step_000200.png"]
    for f in files:
        assert png_size(f["path"]) == (320, 180)
    # each frame of the sequence equals a single shot at that step
    calf("screenshot", *PM, "--agents", 10, "--steps", 100, "--seed", 3, *SMALL,
         "--out", WORK / "single.png", "--quiet")
    assert same_pixels(WORK / "single.png", out_dir / "step_000100.png")
    # the sequence from a run file equals the live one
    run = WORK / "run.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 10, "--steps", 200, "--seed", 3,
         *sim_calf(), "--out", run, "--quiet")
    calf("screenshot", "--run", run, "--steps-at", "50,100,200", *SMALL,
         "--out-dir", WORK / "from_run", "--quiet")
    r = subprocess.run([CALF, "screenshot-diff", "--dir", out_dir, WORK / "from_run",
                        "--threshold", "0", "--include-aa"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def case_text_chunks():
    out = WORK / "shot.png"
    r = calf("screenshot", *PM, "--agents", 5, "--steps", 30, *SMALL, "--out", out)
    assert "shot.png" in r.stderr  # not quiet: one line per file
    t = png_text(out)
    version = calf("--version").stdout.split()[1]
    assert t["run"] == "live" and t["step"] == "30" and t["calf_version"] == version, t
    assert len(t["config_hash"]) == 16 and int(t["config_hash"], 16) >= 0
    assert png_size(out) == (320, 180)
    assert not list(WORK.glob("*.partial")), "temporary files left behind"
    # quiet prints nothing
    r = calf("screenshot", *PM, "--agents", 5, "--steps", 30, *SMALL, "--out", out, "--quiet")
    assert r.stderr == "" and r.stdout == ""


def case_unicycle():
    out = WORK / "dd.png"
    calf("screenshot", *DD, "--agents", 10, "--steps", 150, *SMALL, "--out", out, "--quiet")
    calf("screenshot", *DD, "--agents", 10, "--steps", 150, *SMALL, "--renderer", "per-agent",
         "--out", WORK / "dd_pa.png", "--quiet")
    assert same_pixels(out, WORK / "dd_pa.png")
    # nominal policy: no critic, no surface, still a picture
    calf("screenshot", "--system", "differential_drive", "--policy", "move_to_point",
         "--agents", 10, "--steps", 150, *SMALL, "--out", WORK / "nominal.png", "--quiet")
    assert not same_pixels(out, WORK / "nominal.png")


def case_bad_inputs():
    run = WORK / "run.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 3, "--steps", 20, "--out", run, "--quiet")
    out = WORK / "x.png"
    cases = [
        (["--run", run, "--step", 21], "beyond the run"),
        (["--run", run, "--step", 500], "beyond the run"),
        (["--run", WORK / "missing.h5"], "missing.h5"),
        ([*PM, "--size", "0x100"], "--size"),
        ([*PM, "--size", "16385x100"], "--size"),
        ([*PM, "--size", "wide"], "--size"),
        ([*PM, "--camera", "side"], "side"),
        ([*PM, "--renderer", "fast"], "use batched or per-agent"),
        ([*PM, "--trail", 1], "--trail"),
        (["--critic", WORK / "nope.pt", "--actor", PM[1]], "nope.pt"),
    ]
    for args, needle in cases:
        r = calf("screenshot", *args, "--out", out, expect=2)
        assert needle in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = calf("screenshot", *PM, "--steps-at", "10,x", "--out-dir", WORK / "d", expect=2)
    assert "--steps-at" in r.stderr and "'x'" in r.stderr, r.stderr
    # an empty --steps-at is one line, not a crash; a given --step -1 is not "the last"
    r = calf("screenshot", "--run", run, "--steps-at", "", "--out-dir", WORK / "e", expect=2)
    assert "--steps-at is empty" in r.stderr, r.stderr
    r = calf("screenshot", "--run", run, "--step", -1, "--out", out, expect=2)
    assert "negative" in r.stderr, r.stderr
    # a FIFO (as a device node) is never replaced by a regular file
    fifo = WORK / "fifo.png"
    os.mkfifo(fifo)
    r = calf("screenshot", *PM, "--steps", 5, "--out", fifo, expect=2)
    assert "not a regular file" in r.stderr and stat.S_ISFIFO(os.lstat(fifo).st_mode), r.stderr
    # flag conflicts are usage errors (CLI11 adds a --help hint line)
    for args in [["--run", run, "--system", "point_mass"], ["--run", run, "--steps", 3],
                 ["--steps-at", "1,2"], ["--out", out, "--out-dir", WORK / "d"]]:
        r = calf("screenshot", *args, expect=2)
        assert "--" in r.stderr.splitlines()[0], r.stderr
    r = calf("screenshot", *PM, "--steps", 5, "--out", WORK / "no/such/dir/x.png", expect=2)
    assert "does not exist" in r.stderr, r.stderr
    ro = WORK / "readonly"
    ro.mkdir()
    ro.chmod(0o555)
    if not os.access(ro, os.W_OK):  # root ignores the mode
        r = calf("screenshot", *PM, "--steps", 5, "--out", ro / "x.png", expect=2)
        assert "not writable" in r.stderr, r.stderr
    # root too cannot create files in /proc: found before the simulation, which would take
    # hours for these steps (the timeout fails the test if calf simulates first)
    for target in ["/proc/calf_screenshot_test.png", "/proc/version"]:
        r = calf("screenshot", *PM, "--steps", 100_000_000, "--out", target, expect=2,
                 timeout=120)
        assert "not writable" in r.stderr and target in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and r.stdout == "", r.stderr
    assert not pathlib.Path("/proc/calf_screenshot_test.png").exists()
    r = calf("screenshot", *PM, "--steps-at", "100000000", "--out-dir", "/proc/calf_shots",
             expect=2, timeout=120)
    assert "/proc/calf_shots" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = calf("screenshot", *PM, "--steps-at", "100000000", "--out-dir", "/proc/self", expect=2,
             timeout=120)
    assert "not writable" in r.stderr, r.stderr
    # the probe leaves nothing behind in a writable directory
    calf("screenshot", *PM, "--steps", 5, *SMALL, "--out", WORK / "probe.png", "--quiet")
    assert sorted(p.name for p in WORK.glob("probe*")) == ["probe.png"]
    assert not list(WORK.glob("*.partial")) and not list(WORK.glob(".calf-probe*"))
    # no EGL vendor at all (glvnd finds no driver): one line naming the problem, exit 2
    r = calf("screenshot", *PM, "--steps", 5, "--out", out, expect=2,
             env={"__EGL_VENDOR_LIBRARY_FILENAMES": str(WORK / "none.json"),
                  "__EGL_VENDOR_LIBRARY_DIRS": str(WORK / "none")})
    assert "OpenGL 3.3" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def case_creature():
    # the 3-D scene: live and from a run file (goals from its `goals` dataset) give the same
    # pixels, both cameras, and the scene differs from the one 20 steps earlier
    cr = ["--actor", WORK / "models/creature/actor.pt",
          "--critic", WORK / "models/creature/critic.pt"]
    run = WORK / "creature.h5"
    calf("run", "--system", "creature", "--policy", "calf", *cr, "--agents", 12, "--steps", 200,
         "--seed", 3, *sim_calf(), "--out", run, "--quiet")
    for camera in ("iso", "top"):
        live, from_run = WORK / f"live_{camera}.png", WORK / f"run_{camera}.png"
        calf("screenshot", "--system", "creature", "--policy", "calf", *cr, "--agents", 12,
             "--steps", 200, "--seed", 3, "--camera", camera, *SMALL, "--out", live, "--quiet")
        calf("screenshot", "--run", run, "--camera", camera, *SMALL, "--out", from_run, "--quiet")
        assert same_pixels(live, from_run), camera
    calf("screenshot", "--run", run, "--step", 180, *SMALL, "--out", WORK / "earlier.png", "-q")
    assert not same_pixels(WORK / "earlier.png", WORK / "run_iso.png")


def case_quadruped():
    # the bodies from MuJoCo's geoms: live and from a run file (its qpos in `states`) give the
    # same pixels, both cameras, annotated and bare; the bodies move between steps; the
    # cached/dirty-rectangle path is checked in tests/render_offscreen
    run = WORK / "quadruped.h5"
    base = ["--policy", "nominal", "--agents", 3, "--seed", 4]
    calf("run", "--system", "quadruped", *base, "--steps", 60, "--out", run, "--quiet")
    for camera in ("iso", "top"):
        for annotate in ("on", "off"):
            live = WORK / f"live_{camera}_{annotate}.png"
            from_run = WORK / f"run_{camera}_{annotate}.png"
            view = ["--camera", camera, "--annotate", annotate, *SMALL, "--quiet"]
            calf("screenshot", "--system", "quadruped", *base, "--steps", 60, *view, "--out", live)
            calf("screenshot", "--run", run, *view, "--out", from_run)
            assert same_pixels(live, from_run), (camera, annotate)
    calf("screenshot", "--run", run, "--step", 0, "--annotate", "off", *SMALL, "--out",
         WORK / "start.png", "-q")
    assert not same_pixels(WORK / "start.png", WORK / "run_iso_off.png")


def case_annotate():
    # annotated by default (a text chunk says so), bare with --annotate off; the two differ,
    # and each is deterministic; from a run file the annotated frame is the live one
    base = [*PM, "--agents", 10, "--steps", 80, "--seed", 2, *SMALL, "--quiet"]
    calf("screenshot", *base, "--out", WORK / "on.png")
    calf("screenshot", *base, "--annotate", "on", "--out", WORK / "on2.png")
    calf("screenshot", *base, "--annotate", "off", "--out", WORK / "off.png")
    assert (WORK / "on.png").read_bytes() == (WORK / "on2.png").read_bytes()
    assert png_text(WORK / "on.png").get("annotated") == "1"
    assert "annotated" not in png_text(WORK / "off.png")
    assert not same_pixels(WORK / "on.png", WORK / "off.png")
    run = WORK / "run.h5"
    calf("run", "--policy", "calf", *PM, "--agents", 10, "--steps", 80, "--seed", 2,
         *sim_calf(), "--out", run, "--quiet")
    calf("screenshot", "--run", run, *SMALL, "--out", WORK / "run_on.png", "--quiet")
    assert same_pixels(WORK / "on.png", WORK / "run_on.png")
    # the caption says the step: another step gives other pixels in the caption band alone
    # is not checkable without OCR, but the frame must change
    calf("screenshot", "--run", run, "--step", 79, *SMALL, "--out", WORK / "run_79.png", "-q")
    assert not same_pixels(WORK / "run_79.png", WORK / "run_on.png")
    # a 3-D world without a surface and the top camera annotate too
    cr = ["--actor", WORK / "models/creature/actor.pt",
          "--critic", WORK / "models/creature/critic.pt"]
    calf("screenshot", "--system", "creature", "--policy", "calf", *cr, "--agents", 5,
         "--steps", 30, "--camera", "top", *SMALL, "--out", WORK / "creature.png", "-q")
    assert png_text(WORK / "creature.png").get("annotated") == "1"
    # bad values: one line, exit 2, nothing written
    for value in ("maybe", "", "ON "):
        r = calf("screenshot", *base, "--annotate", value, "--out", WORK / "bad.png", expect=2)
        assert "--annotate" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert not (WORK / "bad.png").exists()
        assert not (WORK / "bad.png.partial").exists()
    # a font that cannot be loaded ($CALF_FONT) is exit 2 naming it, before any file
    r = calf("screenshot", *base, "--out", WORK / "nofont.png", expect=2,
             env={"CALF_FONT": str(WORK / "missing.ttf")})
    assert "missing.ttf" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (WORK / "nofont.png").exists()
    r = calf("screenshot", *base, "--annotate", "off", "--out", WORK / "nofont_off.png",
             env={"CALF_FONT": str(WORK / "missing.ttf")})


globals()["case_" + CASE]()
print(f"screenshot {CASE}: ok")
