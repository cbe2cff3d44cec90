#!/usr/bin/env python3
"""The `calf compare` report opened in a real browser (headless Chromium through
chromedriver): no console error, every image and inline SVG drawn, the embedded H.264 video
decoded (ready, with a size, no media error). A full-page screenshot is saved next to the
report (report_browser.png) for a person to look at.

Usage: report_browser_test.py <calf> <write_synthetic_profiles> <make_test_models> <scratch>
Exits 0 when the page is clean."""
import json
import pathlib
import shutil
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CALF, GEN, MAKE_MODELS = sys.argv[1:4]
WORK = pathlib.Path(sys.argv[4])
shutil.rmtree(WORK, ignore_errors=True)
WORK.mkdir(parents=True)


def run(*args):
    subprocess.run(list(map(str, args)), check=True, capture_output=True, timeout=300)


# a sweep (synthetic timings: the page is under test, not the machine), real renders
runs, seed = [], 1
for mode in ["baseline", "optimized"]:
    for n in [3, 20, 1000]:
        ms = (1.0 + 0.05 * n) / (1 if mode == "baseline" else 2)
        flags = [] if mode == "baseline" else ["vectorized_heights", "stats_cache",
                                               "batched_trails", "batched_inference"]
        runs.append({"mode": mode, "flags": flags, "n_agents": n, "mean_ms": ms,
                     "sd_ms": 0.02 * ms, "frames": 30, "repeats": 3, "seed": seed})
        seed += 1
spec = WORK / "spec.json"
spec.write_text(json.dumps({"system": "point_mass", "runs": runs}))
run(GEN, "sweep", spec, WORK / "prof")
run(MAKE_MODELS, WORK / "models")
pm = ["--system", "point_mass", "--policy", "calf", "--agents", 10, "--size", "320x180",
      "--actor", WORK / "models/point_mass/actor.pt",
      "--critic", WORK / "models/point_mass/critic.pt", "--quiet"]
run(CALF, "screenshot", *pm, "--steps-at", "50,100", "--out-dir", WORK / "shots")
run(CALF, "screenshot", *pm, "--steps-range", "0:60", "--video", WORK / "shots/video.mp4")
report = WORK / "report"
run(CALF, "compare", WORK / "prof", "--out-dir", report, "--n", 20, "--screenshots",
    WORK / "shots", "--quiet")

options = Options()
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--window-size=1280,900"]:
    options.add_argument(a)
options.binary_location = "/usr/bin/chromium"
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get((report / "report.html").resolve().as_uri())
    deadline = time.time() + 60
    state = None
    while time.time() < deadline:
        state = driver.execute_script("""
          const imgs = [...document.images].map(i => [i.alt, i.complete, i.naturalWidth]);
          const svgs = [...document.querySelectorAll('svg')].map(s => {
            const r = s.getBoundingClientRect(); return [r.width, r.height]; });
          const vids = [...document.querySelectorAll('video')].map(v =>
            [v.title, v.readyState, v.videoWidth, v.error ? v.error.code : 0]);
          return {imgs, svgs, vids};""")
        if all(v[1] >= 2 for v in state["vids"]) and all(i[1] for i in state["imgs"]):
            break
        time.sleep(0.5)
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(max(height, 900), 16000))
    driver.save_screenshot(str(report / "report_browser.png"))
finally:
    driver.quit()

assert not errors, f"console errors: {errors}"
assert len(state["imgs"]) >= 2, state  # the two screenshots (charts are inline SVG)
for alt, complete, width in state["imgs"]:
    assert complete and width > 0, f"image {alt} did not load: {state['imgs']}"
assert len(state["svgs"]) >= 3, state
for w, h in state["svgs"]:
    assert w > 0 and h > 0, f"an SVG chart is not drawn: {state['svgs']}"
assert len(state["vids"]) == 1, state
title, ready, width, error = state["vids"][0]
assert error == 0 and ready >= 2 and width == 320, f"the video does not play: {state['vids']}"
print(f"report_browser: ok ({len(state['imgs'])} images, {len(state['svgs'])} SVG charts, "
      f"1 video decoded); screenshot {report / 'report_browser.png'}")
