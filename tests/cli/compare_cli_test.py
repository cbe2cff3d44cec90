#!/usr/bin/env python3
"""End-to-end checks of `calf compare` on synthetic profiles: report files and their numbers,
SVG and HTML well-formedness, the regression gate, mismatches, bad inputs, --json.

Usage: compare_cli_test.py <calf> <write_synthetic_profiles> <scratch dir> <case>.
Exit 0 on success. Expected numbers are recomputed here from the summaries' frame times, not
taken from calf."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

CALF, GEN = sys.argv[1], sys.argv[2]
WORK = pathlib.Path(sys.argv[3])
CASE = sys.argv[4]
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)

ALL_FLAGS = ["vectorized_heights", "stats_cache", "batched_trails", "batched_inference"]
# baseline frame time per N (ms); optimized is twice as fast
BASE_MS = {3: 10.0, 10: 20.0, 20: 30.0, 100: 120.0}


def calf(*args, expect=0, env=None):
    r = subprocess.run([CALF, *map(str, args)], capture_output=True, text=True, env=env)
    assert r.returncode == expect, (
        f"calf {' '.join(map(str, args))}: exit {r.returncode}, expected {expect}\n"
        f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def write(kind, runs, out, system="point_mass", config=None, machine=None):
    spec = {"system": system, "runs": runs}
    if config is not None:
        spec["config"] = config
    if machine is not None:
        spec["machine"] = machine
    spec_path = WORK / f"spec_{pathlib.Path(out).name}.json"
    spec_path.write_text(json.dumps(spec))
    subprocess.run([GEN, kind, str(spec_path), str(out)], check=True)
    return out


def sweep_runs(seed=1, slow=None, ablation=True, repeats=10, frames=100):
    """baseline and optimized at every N of BASE_MS; slow = {(mode, n): factor}."""
    slow = slow or {}
    runs = []
    for n, ms in BASE_MS.items():
        for mode, mean, pct, q, dc in (("baseline", ms, [10, 50, 5, 10, 20, 5], n + 1, 2 * n),
                                       ("optimized", ms / 2, [10, 20, 5, 10, 50, 5], 1, 3)):
            mean *= slow.get((mode, n), 1.0)
            runs.append({"mode": mode, "n_agents": n, "mean_ms": mean, "sd_ms": 0.02 * mean,
                         "frames": frames, "repeats": repeats, "seed": seed, "percents": pct,
                         "gpu_queries": q, "draw_calls": dc})
            seed += 1
    if ablation:
        for flag, mean in (("vectorized_heights", 24.0), ("stats_cache", 28.0),
                           ("batched_trails", 22.0), ("batched_inference", 30.0)):
            runs.append({"mode": "only_" + flag, "flags": [flag], "n_agents": 20,
                         "mean_ms": mean, "sd_ms": 0.6, "frames": frames, "repeats": repeats,
                         "seed": seed})
            seed += 1
    return runs


def frames_of(summary_path):
    return json.loads(pathlib.Path(summary_path).read_text())["frame_times_ms"]


def mean(xs):
    return sum(xs) / len(xs)


def table_row(md, first, occurrence=0):
    """Cells of the Markdown table row whose first cell is `first`."""
    for line in md.splitlines():
        if line.startswith(f"| {first} |"):
            if occurrence == 0:
                return [c.strip() for c in line.strip().strip("|").split("|")]
            occurrence -= 1
    raise AssertionError(f"no table row starting with {first!r}")


def section(md, title_prefix):
    m = re.search(r"^## " + re.escape(title_prefix) + r".*?(?=^## |\Z)", md, re.S | re.M)
    assert m, f"no section {title_prefix!r}"
    return m.group(0)


def one_error_line(r, *needles):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one error line, got: {r.stderr!r}"
    assert lines[0].startswith("calf compare: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def case_help():
    r = calf("compare", "--help")
    for flag in ["--out-dir", "--n", "--fail-on-regression", "--allow-mismatch", "--json",
                 "--quiet", "--seed", "Exit codes"]:
        assert flag in r.stdout, flag
    assert "compare" in calf("--help").stdout


def case_sweep():
    prof = write("sweep", sweep_runs(), WORK / "prof")
    out = WORK / "report"
    calf("compare", prof, "--out-dir", out, "--n", 20, "--quiet")
    names = ["fps_vs_n", "breakdown", "counters_vs_n", "ablation"]
    for name in ["report.md", "report.html"] + [f"{n}.svg" for n in names] + \
            [f"{n}.png" for n in names]:
        assert (out / name).stat().st_size > 0, name
    assert not list(out.rglob("*.partial")), "temporary files left behind"
    for n in names:
        assert (out / f"{n}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", n
    md = (out / "report.md").read_text()

    # per-N table: numbers recomputed from the frame times
    for n, _ in BASE_MS.items():
        b = mean(frames_of(prof / f"baseline_n{n}.json"))
        o = mean(frames_of(prof / f"optimized_n{n}.json"))
        row = table_row(md, str(n))
        assert row[1] == f"{1000 / b:.1f}" and row[2] == f"{1000 / o:.1f}", row
        assert row[5] == f"{b:.2f}" and row[6] == f"{o:.2f}", row
        assert row[9] == f"{100 * (o - b) / b:+.1f}%", row
        assert row[10].startswith(f"{b / o:.2f}x ["), row
        assert row[11] == "<0.001" and row[12] == "faster", row

    # executive summary: headline at N=20, capacity at 30 and 60 FPS
    summary = section(md, "Executive summary")
    assert "Headline at N=20" in summary and "2.00x" in summary, summary
    # baseline: 100, 50, 33, 8 FPS at N = 3, 10, 20, 100; optimized 200, 100, 67, 17: the limit
    # lies between the last N that holds and the first that misses
    assert table_row(summary, "baseline")[1:] == ["between 20 and 100", "between 3 and 10"], summary
    assert table_row(summary, "optimized")[1:] == ["between 20 and 100",
                                                   "between 20 and 100"], summary
    # what the frame time includes is said up front
    assert "Measured at N=20: physics, visuals, ui, heatmap, render, io." in summary, summary

    # breakdown at N=20: section ms = mean * share
    bd = section(md, "Frame-time breakdown at N=20")
    b20 = mean(frames_of(prof / "baseline_n20.json"))
    o20 = mean(frames_of(prof / "optimized_n20.json"))
    visuals = table_row(bd, "visuals")
    assert visuals[1:5] == [f"{0.5 * b20:.2f}", "50.0", f"{0.2 * o20:.2f}", "20.0"], visuals

    # counters per frame
    counters = section(md, "Critic queries and draw calls per frame")
    assert table_row(counters, "100")[1:5] == ["101", "1", "200", "3"], counters

    # ablation: each flag alone against baseline at N=20
    ab = section(md, "Ablation at N=20")
    for flag, ms in (("vectorized_heights", 24.0), ("batched_trails", 22.0)):
        row = table_row(ab, "only_" + flag)
        a = mean(frames_of(prof / f"only_{flag}_n20.json"))
        assert row[1] == flag and row[4].startswith(f"{b20 / a:.2f}x"), row
        assert row[7] == "faster", row
    assert table_row(ab, "only_batched_inference")[7] == "no significant change"

    # bottlenecks before/after and machine
    bn = section(md, "Bottleneck analysis")
    assert table_row(bn, "20")[1:] == ["visuals", "50.0%", "render", "50.0%"], bn
    machine = section(md, "Machine and config")
    assert "Test CPU @ 3.0GHz" in machine and '"dt": 0.01' in machine

    # SVGs: XML with the series in their legends
    series = {"fps_vs_n": ["baseline", "optimized", "30 FPS", "60 FPS", "repeat spread"],
              "breakdown": ["physics", "visuals", "render", "io"],
              "counters_vs_n": ["baseline critic queries", "optimized draw calls"],
              "ablation": ["only_stats_cache", "speed-up"]}
    for name, labels in series.items():
        root = ET.parse(out / f"{name}.svg").getroot()
        assert root.tag.endswith("svg"), root.tag
        text = " ".join(t for t in root.itertext())
        for label in labels:
            assert label in text, f"{label!r} not in {name}.svg"
        paths = [e for e in root.iter() if e.tag.endswith("path")]
        assert len(paths) > 5, f"{name}.svg draws almost nothing"

    # HTML: self-contained, inline SVG, no external references
    html = (out / "report.html").read_text()
    assert html.count("<svg") == 4, html.count("<svg")
    assert "<script" not in html and "<link" not in html and "<img src=\"http" not in html
    for attr in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html):
        assert attr.startswith("#") or attr.startswith("data:"), attr
    for ref in re.findall(r"url\(([^)]*)\)", html):
        assert ref.startswith("#"), ref
    assert "@import" not in html
    # the HTML shows the same per-N numbers as the Markdown
    assert f"{1000 / b20:.1f}" in html

    # FPS spanning 8..200 is drawn on a log axis; the gnuplot script is kept for re-runs
    assert "set logscale y" in (out / "gnuplot" / "fps_vs_n.gp").read_text()
    # ... with relative paths: a moved report (a CI artifact) re-renders from its gnuplot/ dir
    for gp in (out / "gnuplot").glob("*.gp"):
        assert str(WORK) not in gp.read_text() and "'/" not in gp.read_text(), gp
    moved = WORK / "elsewhere" / "moved_report"
    moved.parent.mkdir()
    shutil.copytree(out, moved)
    shutil.rmtree(out / "gnuplot")  # nothing may still point at the old place
    for name in names:
        (moved / f"{name}.svg").unlink()
        subprocess.run(["gnuplot", f"{name}.gp"], cwd=moved / "gnuplot", check=True,
                       capture_output=True)
        assert ET.parse(moved / f"{name}.svg").getroot().tag.endswith("svg"), name

    # the Markdown links the PNG charts next to it
    assert "](fps_vs_n.png)" in md

    # --n picks the breakdown's N; the same seed gives the same report
    out2 = WORK / "report_n10"
    calf("compare", prof, "--out-dir", out2, "--n", 10, "--quiet")
    md2 = (out2 / "report.md").read_text()
    assert "## Frame-time breakdown at N=10" in md2 and "Headline at N=10" in md2
    calf("compare", prof, "--out-dir", out2, "--n", 10, "--quiet")
    assert (out2 / "report.md").read_text() == md2, "report not reproducible"
    # an N that was not measured falls back to the closest one, and says so
    calf("compare", prof, "--out-dir", WORK / "report_n15", "--n", 15, "--quiet")
    md3 = (WORK / "report_n15" / "report.md").read_text()
    assert "N=15 was not measured" in md3


def case_summaries():
    runs = sweep_runs(ablation=False)
    base = write("summary", [r for r in runs if r["mode"] == "baseline" and r["n_agents"] == 20],
                 WORK / "baseline.json")
    opt = write("summary", [r for r in runs if r["mode"] == "optimized" and r["n_agents"] == 20],
                WORK / "optimized.json")
    out = WORK / "report"
    r = calf("compare", base, opt, "--out-dir", out)
    assert "wrote" in r.stderr and "report.md" in r.stderr, r.stderr
    md = (out / "report.md").read_text()
    b, o = mean(frames_of(base)), mean(frames_of(opt))
    row = table_row(md, "20")
    assert row[1] == f"{1000 / b:.1f}" and row[2] == f"{1000 / o:.1f}", row
    assert row[12] == "faster"
    assert "baseline vs optimized" in md
    # 33 to 67 FPS: a linear axis from zero
    assert "set logscale y" not in (out / "gnuplot" / "fps_vs_n.gp").read_text()
    assert "indicative" not in md
    # fewer repeats than --min-repeats: one note in the summary, rows keep plain verdicts
    few = [dict(r, repeats=3) for r in runs if r["n_agents"] == 20]
    fb = write("summary", [few[0]], WORK / "few_base.json")
    fo = write("summary", [few[1]], WORK / "few_opt.json")
    calf("compare", fb, fo, "--out-dir", WORK / "few", "--quiet")
    md = (WORK / "few" / "report.md").read_text()
    assert table_row(md, "20")[12] == "faster"
    assert md.count("Fewer than 9 repeats per run (as few as 3 here)") == 1, md
    assert "verdicts are indicative" in section(md, "Executive summary")
    calf("compare", fb, fo, "--out-dir", WORK / "few", "--quiet", "--min-repeats", 3)
    md = (WORK / "few" / "report.md").read_text()
    assert table_row(md, "20")[12] == "faster" and "indicative" not in md
    # summaries of different N cannot be paired
    other = write("summary", [r for r in runs if r["mode"] == "optimized" and r["n_agents"] == 10],
                  WORK / "optimized10.json")
    one_error_line(calf("compare", base, other, "--out-dir", out, expect=2), "n_agents")


def case_two_sweeps():
    old = write("sweep", sweep_runs(seed=1), WORK / "old_sweep")
    new = write("sweep", sweep_runs(seed=500, slow={("optimized", 3): 0.7}), WORK / "new_sweep")
    out = WORK / "report"
    calf("compare", old, new, "--out-dir", out, "--quiet")
    md = (out / "report.md").read_text()
    for title in ["optimized: old_sweep vs new_sweep", "baseline: old_sweep vs new_sweep"]:
        assert f"**{title}**" in md, title
    # optimized leads: its N=3 row (first table) is faster, others unchanged by construction
    o_old = mean(frames_of(old / "optimized_n3.json"))
    o_new = mean(frames_of(new / "optimized_n3.json"))
    row = table_row(md, "3")
    assert row[5] == f"{o_old:.2f}" and row[6] == f"{o_new:.2f}" and row[12] == "faster", row
    # ablation comes from the newer sweep
    assert "Each mode of new_sweep against baseline" in md

    # the ablation modes profiled separately, at N=20 only (make demo): --ablation
    designs = write("sweep", sweep_runs(seed=1, ablation=False), WORK / "prof")
    only = [r for r in sweep_runs(seed=1) if r["mode"].startswith("only_")]
    abl = write("sweep", only, WORK / "prof_ablation")
    out = WORK / "report_ablation"
    r = calf("compare", designs, "--ablation", abl, "--out-dir", out, "--n", 100, "--json",
             "--quiet")
    j = json.loads(r.stdout)
    assert j["headline"]["n_agents"] == 100
    assert j["ablation"]["n_agents"] == 20 and j["ablation"]["source"] == "prof_ablation", j
    assert j["ablation"]["baseline_source"] == "prof", j
    assert [x["mode"] for x in j["ablation"]["rows"]] == [
        "optimized", "only_batched_inference", "only_batched_trails", "only_stats_cache",
        "only_vectorized_heights"], j["ablation"]
    md = (out / "report.md").read_text()
    ab = section(md, "Ablation at N=20")
    b20 = mean(frames_of(designs / "baseline_n20.json"))
    a = mean(frames_of(abl / "only_batched_trails_n20.json"))
    assert table_row(ab, "only_batched_trails")[4].startswith(f"{b20 / a:.2f}x"), ab
    assert (out / "ablation.svg").is_file()
    assert "| role | sweep | ablation |" in md, section(md, "Machine and config")
    # the same modes in one sweep with different N lists give the same table
    calf("compare", write("sweep", sweep_runs(seed=1), WORK / "one_sweep"), "--out-dir",
         WORK / "report_one", "--n", 100, "--quiet")
    ab_one = section((WORK / "report_one" / "report.md").read_text(), "Ablation at N=20")
    assert table_row(ab_one, "only_batched_trails") == table_row(ab, "only_batched_trails")
    # an ablation directory without ablation modes is a usage error
    one_error_line(calf("compare", designs, "--ablation", designs, "--out-dir", out, expect=2),
                   "--ablation", "--mode ablation")


def case_gate():
    old = write("sweep", sweep_runs(seed=1), WORK / "old")
    noise = write("sweep", sweep_runs(seed=900), WORK / "noise")
    slow = write("sweep", sweep_runs(seed=900, slow={("optimized", 20): 1.2}), WORK / "slow")
    small = write("sweep", sweep_runs(seed=900, slow={("optimized", 20): 1.03}), WORK / "small")

    r = calf("compare", old, noise, "--out-dir", WORK / "r_noise", "--fail-on-regression", "5%")
    assert "gate passed" in r.stderr and "regression:" not in r.stderr, r.stderr
    md = (WORK / "r_noise" / "report.md").read_text()
    assert "Regression gate (5.0%): PASS" in md

    r = calf("compare", old, slow, "--out-dir", WORK / "r_slow", "--fail-on-regression", "5%",
             "--quiet", expect=1)
    lines = [l for l in r.stderr.splitlines() if "regression:" in l]
    assert len(lines) == 1, r.stderr
    assert "optimized at N=20" in lines[0], lines[0]
    pct = float(re.search(r"frame time \+([0-9.]+)%", lines[0]).group(1))
    assert 15 < pct < 25, lines[0]
    md = (WORK / "r_slow" / "report.md").read_text()
    assert "FAIL at 1 point(s)" in md and "optimized at N=20" in md

    # significant but below the threshold: passes at 5%, fails at 1%
    calf("compare", old, small, "--out-dir", WORK / "r_small", "--fail-on-regression", "5%",
         "--quiet")
    r = calf("compare", old, small, "--out-dir", WORK / "r_small", "--fail-on-regression", "1",
             "--quiet", expect=1)
    assert "optimized at N=20" in r.stderr, r.stderr
    # without a gate a slowdown is reported, not fatal
    calf("compare", old, slow, "--out-dir", WORK / "r_nogate", "--quiet")
    one_error_line(calf("compare", old, slow, "--out-dir", WORK / "r_bad",
                        "--fail-on-regression", "five", expect=2), "--fail-on-regression")
    # a gate across machines compares the machines: refused unless --allow-mismatch
    other = write("sweep", sweep_runs(seed=900), WORK / "other_machine",
                  machine={"cpu_model": "Other CPU", "hostname": "laptop"})
    one_error_line(calf("compare", old, other, "--out-dir", WORK / "r_machine",
                        "--fail-on-regression", "5%", expect=2),
                   "different machines", 'machine.cpu_model ("Test CPU @ 3.0GHz" vs "Other CPU")',
                   "machine.hostname", "--allow-mismatch")
    assert not (WORK / "r_machine").exists()
    r = calf("compare", old, other, "--out-dir", WORK / "r_machine", "--fail-on-regression", "5%",
             "--allow-mismatch", "--quiet")
    assert "different machines" in r.stderr, r.stderr


def case_mismatch():
    old = write("sweep", sweep_runs(seed=1, ablation=False), WORK / "old")
    cfg = {"sim": {"dt": 0.02, "steps": 500}, "render": {"width": 1280, "height": 720},
           "frames_measured": 200, "repeats": 10}
    other_cfg = write("sweep", sweep_runs(seed=2, ablation=False), WORK / "other_cfg", config=cfg)
    other_sys = write("sweep", sweep_runs(seed=2, ablation=False), WORK / "other_sys",
                      system="differential_drive")
    out = WORK / "report"
    one_error_line(calf("compare", old, other_cfg, "--out-dir", out, expect=2),
                   "config.sim.dt", "--allow-mismatch")
    one_error_line(calf("compare", old, other_sys, "--out-dir", out, expect=2), "system")
    assert not (out / "report.md").exists(), "a refused comparison must write nothing"
    r = calf("compare", old, other_cfg, "--out-dir", out, "--allow-mismatch")
    assert "config.sim.dt" in r.stderr, r.stderr
    assert "config.sim.dt" in (out / "report.md").read_text()

    # another machine: compared, with one warning line (even with --quiet)
    laptop = write("sweep", sweep_runs(seed=2, ablation=False), WORK / "laptop",
                   machine={"hostname": "laptop", "cores": 8})
    r = calf("compare", old, laptop, "--out-dir", WORK / "r_machine", "--quiet")
    warn = [l for l in r.stderr.splitlines() if "warning" in l]
    assert len(warn) == 1 and "machine.cores" in warn[0] and "machine.hostname" in warn[0], \
        r.stderr
    assert "machine.cpu_model" not in warn[0], warn

    real_profiles()


def real_profiles():
    """Real `calf profile` output: separate runs differ in agents/modes (bookkeeping), not in
    the experiment; a different thread count is refused, naming it."""
    base = ["profile", "--agents", 3, "--frames", 12, "--warmup", 2, "--repeats", 1, "--quiet"]
    calf(*base, "--mode", "baseline", "--out-dir", WORK / "A")
    calf(*base[:2], "3,5", *base[3:], "--mode", "optimized", "--out-dir", WORK / "B")
    out = WORK / "real"
    r = calf("compare", WORK / "A" / "baseline_n3.json", WORK / "B" / "optimized_n3.json",
             "--out-dir", out, "--json", "--quiet")
    j = json.loads(r.stdout)
    assert j["mismatches"] == [] and j["headline"]["n_agents"] == 3, j
    md = (out / "report.md").read_text()
    assert "Render off: FPS and frame times exclude drawing" in section(md, "Executive summary")
    # two sweeps of both designs with different N lists: compared at the common N
    calf(*base, "--mode", "baseline,optimized", "--out-dir", WORK / "A2")
    calf(*base[:2], "3,5", *base[3:], "--mode", "baseline,optimized", "--out-dir", WORK / "B2")
    r = calf("compare", WORK / "A2", WORK / "B2", "--out-dir", WORK / "real2", "--json",
             "--quiet")
    j = json.loads(r.stdout)
    assert [[row["n_agents"] for row in s["rows"]] for s in j["series"]] == [[3], [3]], j
    # the thread count changes timings: refused, naming field and values
    calf(*base, "--mode", "optimized", "--threads", 1, "--out-dir", WORK / "T")
    one_error_line(calf("compare", WORK / "A" / "baseline_n3.json",
                        WORK / "T" / "optimized_n3.json", "--out-dir", WORK / "real3", expect=2),
                   "config.threads (0 vs 1)", "--allow-mismatch")


def case_bad_inputs():
    out = WORK / "report"
    prof = write("sweep", sweep_runs(ablation=False), WORK / "prof")
    one_error_line(calf("compare", WORK / "nope", "--out-dir", out, expect=2), "nope")
    one_error_line(calf("compare", prof, WORK / "nope.json", "--out-dir", out, expect=2),
                   "nope.json")
    # empty sweep
    empty = WORK / "empty"
    shutil.copytree(prof, empty)
    index = json.loads((empty / "index.json").read_text())
    index["runs"] = []
    (empty / "index.json").write_text(json.dumps(index))
    one_error_line(calf("compare", empty, "--out-dir", out, expect=2), "empty")
    # a directory that is not a sweep
    (WORK / "plain").mkdir()
    one_error_line(calf("compare", WORK / "plain", "--out-dir", out, expect=2), "index.json")
    # malformed summary
    broken = WORK / "broken"
    shutil.copytree(prof, broken)
    (broken / "baseline_n20.json").write_text("{ not json")
    one_error_line(calf("compare", broken, "--out-dir", out, expect=2), "baseline_n20.json")
    # a number beyond double range: a bad file too, not an internal error (profile_summary_fuzz)
    (broken / "baseline_n20.json").write_text('{"schema_version": 1, "fps_avg": 29.8e531}')
    r = calf("compare", broken, "--out-dir", out, expect=2)
    assert "internal error" not in r.stderr
    one_error_line(r, "baseline_n20.json", "not valid JSON")
    # a sweep without optimized runs
    only_base = write("sweep", [r for r in sweep_runs(ablation=False) if r["mode"] == "baseline"],
                      WORK / "only_base")
    one_error_line(calf("compare", only_base, "--out-dir", out, expect=2), "optimized")
    # gnuplot absent: by path and by an empty PATH
    one_error_line(calf("compare", prof, "--out-dir", out, "--gnuplot", "/nonexistent/gnuplot",
                        expect=2), "gnuplot")
    env = dict(os.environ, PATH=str(WORK / "plain"))
    one_error_line(calf("compare", prof, "--out-dir", out, expect=2, env=env), "gnuplot-nox")
    # argument errors
    one_error_line(calf("compare", prof, "--out-dir", out, "--n", 0, expect=2), "--n")
    one_error_line(calf("compare", prof / "baseline_n20.json", "--out-dir", out, expect=2),
                   "single summary")
    # bounded work (issue 19, row 9): absurd resamples; a summary of 3 M frame times, whose
    # bootstrap at the default 2000 resamples would take minutes, names the resamples that fit
    one_error_line(calf("compare", prof, "--out-dir", out, "--resamples", 1000000000, expect=2),
                   "--resamples", "1000000")
    big = WORK / "big"
    shutil.copytree(prof, big)
    summary = json.loads((big / "baseline_n20.json").read_text())
    times = summary["frame_times_ms"]
    summary["frame_times_ms"] = (times * (3_000_000 // len(times) + 1))[:3_000_000]
    (big / "baseline_n20.json").write_text(json.dumps(summary))
    start = time.time()
    one_error_line(calf("compare", big, "--out-dir", out, expect=2), "3000000", "--resamples 666")
    assert time.time() - start < 60, f"refusing took {time.time() - start:.0f} s"
    r = calf("compare", prof, prof, prof, "--out-dir", out, expect=2)
    assert r.stderr.strip(), "usage error must say something"
    r = calf("compare", expect=2)
    assert "profiles" in r.stderr, r.stderr
    assert not (out / "report.md").exists()


def case_json():
    old = write("sweep", sweep_runs(seed=1), WORK / "old")
    slow = write("sweep", sweep_runs(seed=900, slow={("optimized", 100): 1.2}), WORK / "slow")
    out = WORK / "report"
    r = calf("compare", old, slow, "--out-dir", out, "--json", "--fail-on-regression", "5%",
             "--seed", 7, expect=1)
    j = json.loads(r.stdout)
    h = j["headline"]
    o_old = mean(frames_of(old / "optimized_n20.json"))
    o_new = mean(frames_of(slow / "optimized_n20.json"))
    assert h["n_agents"] == 20 and h["old"] == "old" and h["new"] == "slow", h
    assert abs(h["speedup"] - o_old / o_new) < 1e-9, (h["speedup"], o_old / o_new)
    assert h["ci_low"] <= h["speedup"] <= h["ci_high"] and 0 <= h["p_value"] <= 1, h
    assert h["confidence"] == 0.95
    assert j["gate"] == {"threshold": 0.05, "passed": False}
    assert [(x["mode"], x["n_agents"]) for x in j["regressions"]] == [("optimized", 100)]
    assert 0.15 < j["regressions"][0]["change"] < 0.25 and j["regressions"][0]["p_value"] < 0.05
    assert j["exit_code"] == 1
    assert pathlib.Path(j["written"]["markdown"]).is_file()
    assert pathlib.Path(j["written"]["html"]).is_file()
    assert sorted(c["name"] for c in j["written"]["charts"]) == \
        ["ablation", "breakdown", "counters_vs_n", "fps_vs_n"]
    for c in j["written"]["charts"]:
        assert pathlib.Path(c["svg"]).is_file() and pathlib.Path(c["png"]).is_file()
    assert [s["title"] for s in j["series"]][0] == "optimized: old vs slow"
    # one sweep: capacity in JSON matches the Markdown
    r = calf("compare", old, "--out-dir", WORK / "one", "--json", "--quiet")
    j = json.loads(r.stdout)
    assert j["capacity"] == {
        "30": {"old": 20, "new": 20, "old_first_miss": 100, "new_first_miss": 100},
        "60": {"old": 3, "new": 20, "old_first_miss": 10, "new_first_miss": 100}}, j
    # the same pair (baseline vs optimized at N=20) has the same interval in both tables
    row20 = [x for x in j["series"][0]["rows"] if x["n_agents"] == 20][0]
    opt = [x for x in j["ablation"]["rows"] if x["mode"] == "optimized"][0]
    assert (opt["ci_low"], opt["ci_high"]) == (row20["ci_low"], row20["ci_high"]), (opt, row20)
    assert j["gate"] is None and j["regressions"] == [] and j["exit_code"] == 0
    assert r.stderr == "", r.stderr



def case_progress():
    """On a terminal (a pseudo-terminal from util-linux's `script`), long bootstrap work shows a
    bar per interval naming the pair; not with --quiet, and never in a pipe."""
    old = write("sweep", sweep_runs(seed=1), WORK / "old")
    cmd = [CALF, "compare", str(old), "--out-dir", str(WORK / "r"), "--resamples", "200000"]
    r = subprocess.run(["script", "-qec", " ".join(cmd), "/dev/null"], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r
    lines = r.stdout.replace("\r", "\n").splitlines()
    bars = [l for l in lines if l.startswith("compare: baseline vs optimized at N=20 [")]
    assert bars and "100% 200000/200000" in bars[-1], lines[-20:]
    quiet = subprocess.run(["script", "-qec", " ".join(cmd + ["--quiet"]), "/dev/null"],
                           capture_output=True, text=True, timeout=600)
    assert quiet.returncode == 0 and "compare: baseline" not in quiet.stdout, quiet.stdout[-500:]
    piped = calf("compare", old, "--out-dir", WORK / "p", "--resamples", 20000)
    assert "[" not in piped.stderr.split("calf compare:")[0], piped.stderr[:500]


globals()["case_" + CASE]()
print(f"compare {CASE}: ok")
