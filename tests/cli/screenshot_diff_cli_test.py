#!/usr/bin/env python3
"""End-to-end checks of `calf screenshot-diff`: exit codes, JSON, diff images, --dir mode.

Usage: screenshot_diff_cli_test.py <calf executable> <scratch dir> <case>
Writes its own PNG fixtures with zlib (no third-party modules). Exit 0 on success."""
import json
import pathlib
import shutil
import struct
import subprocess
import sys
import zlib

CALF = sys.argv[1]
WORK = pathlib.Path(sys.argv[2])
CASE = sys.argv[3]


def write_png(path, width, height, pixel):
    """Writes an 8-bit RGBA PNG; pixel(x, y) -> (r, g, b, a)."""
    raw = b"".join(
        b"\0" + bytes(c for x in range(width) for c in pixel(x, y)) for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" +
                     chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)) +
                     chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def read_png(path):
    """Decodes an 8-bit RGBA non-interlaced PNG (what calf writes) -> (w, h, rows of bytes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a png"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert (depth, ctype) == (8, 6), "expected 8-bit RGBA"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, bpp = zlib.decompress(idat), width * 4, 4
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def pixel_at(rows, x, y):
    return tuple(rows[y][4 * x:4 * x + 4])


def run(*args):
    proc = subprocess.run([CALF, "screenshot-diff", *map(str, args)], capture_output=True,
                          text=True, cwd=WORK)
    return proc.returncode, proc.stdout, proc.stderr


def expect(cond, what, proc_out=None):
    if not cond:
        print(f"FAILED: {what}")
        if proc_out is not None:
            print("rc/stdout/stderr:", proc_out)
        sys.exit(1)


BASE = (200, 100, 50, 255)


def fixtures():
    write_png(WORK / "a.png", 20, 10, lambda x, y: BASE)
    # one pixel changed at (3, 4), far beyond the default threshold
    write_png(WORK / "b.png", 20, 10, lambda x, y: (0, 0, 0, 255) if (x, y) == (3, 4) else BASE)
    write_png(WORK / "wide.png", 21, 10, lambda x, y: BASE)
    (WORK / "text.png").write_text("this is not a png\n")


def case_identical():
    r = run("a.png", "a.png")
    expect(r[0] == 0, "identical images exit 0", r)
    expect(r[1].strip() == "0 of 200 pixels differ (0.000%), 0 anti-aliased", "summary line", r)


def case_difference():
    r = run("a.png", "b.png", "--out", "diff.png")
    expect(r[0] == 1, "one differing pixel exits 1 at the default tolerance", r)
    expect(r[1].startswith("1 of 200 pixels differ (0.500%), 0 anti-aliased"), "summary", r)
    width, height, rows = read_png(WORK / "diff.png")
    expect((width, height) == (20, 10), "diff image size")
    expect(pixel_at(rows, 3, 4) == (255, 0, 0, 255), "difference drawn red")
    # unchanged: luminance of BASE faded to white with alpha 0.1, truncated
    lum = 200 * 0.29889531 + 100 * 0.58662247 + 50 * 0.11448223
    grey = int(255 + (lum - 255) * 0.1)
    expect(pixel_at(rows, 0, 0) == (grey, grey, grey, 255), f"unchanged grey {grey}")


def case_tolerance():
    expect(run("a.png", "b.png", "--max-diff-pixels", 1)[0] == 0, "1 pixel within --max-diff-pixels 1")
    expect(run("a.png", "b.png", "--max-diff-ratio", 0.004)[0] == 1, "0.005 > ratio 0.004")
    expect(run("a.png", "b.png", "--max-diff-ratio", 0.005)[0] == 0, "0.005 <= ratio 0.005")
    # a huge threshold hides the change; the default does not
    expect(run("a.png", "b.png", "--threshold", 1)[0] == 0, "threshold 1 accepts the change")


def case_json():
    r = run("a.png", "b.png", "--json")
    expect(r[0] == 1, "json run still exits 1", r)
    j = json.loads(r[1])
    for key, value in {"diff_pixels": 1, "aa_pixels": 0, "total_pixels": 200, "width": 20,
                       "height": 10, "passed": False}.items():
        expect(j.get(key) == value, f"json {key} == {value}", r)
    expect(abs(j["ratio"] - 0.005) < 1e-12, "json ratio", r)


def case_size_mismatch():
    r = run("a.png", "wide.png", "--json")
    expect(r[0] == 1, "size mismatch exits 1", r)
    j = json.loads(r[1])
    expect(j["size_mismatch"] is True and j["passed"] is False, "json size_mismatch", r)
    r = run("a.png", "wide.png")
    expect("size mismatch" in r[1] and "21x10" in r[1], "human size mismatch message", r)


def case_usage_errors():
    for args, needle in [
        (("a.png", "b.png", "--threshold", "1.5"), "--threshold"),
        (("a.png", "b.png", "--threshold", "-0.1"), "--threshold"),
        (("a.png", "b.png", "--max-diff-pixels", "1", "--max-diff-ratio", "0.1"), "excludes"),
        (("--dir", "x"), "--dir expects exactly two directories"),
        (("--dir", "x", "y", "z"), "--dir expects exactly two directories"),
        (("--dir", "a.png", "b.png"), "not a directory"),
        (("a.png",), "expected two png files"),
        (("a.png", "missing.png"), "missing.png"),
        (("text.png", "a.png"), "text.png"),
        (("a.png", "b.png", "--json", "--quiet"), "excludes"),
        # an unwritable diff image, even for root: /proc takes no new files
        (("a.png", "b.png", "--out", "/proc/calf_diff_test.png"), "/proc/calf_diff_test.png"),
        (("a.png", "a.png", "--out", "/proc/version"), "/proc/version"),
    ]:
        r = run(*args)
        expect(r[0] == 2, f"{args} exits 2", r)
        expect(needle in r[2], f"{args}: stderr mentions '{needle}'", r)
        expect(r[1] == "", f"{args}: nothing on stdout", r)
        expect(len(r[2].strip().splitlines()) == 1, f"{args}: one line on stderr", r)
    expect(not pathlib.Path("/proc/calf_diff_test.png").exists(), "nothing left in /proc")


def case_quiet():
    r = run("a.png", "b.png", "--quiet")
    expect(r[0] == 1 and r[1] == "", "quiet prints nothing and keeps the exit code", r)


def case_help():
    r = run("--help")
    expect(r[0] == 0, "help exits 0", r)
    for needle in ["--threshold", "--max-diff-ratio", "--dir", "Exit codes"]:
        expect(needle in r[1], f"help mentions {needle}", r)


def case_dir():
    exp, act = WORK / "exp", WORK / "act"
    for d in (exp, act, WORK / "diffs"):
        shutil.rmtree(d, ignore_errors=True)
    exp.mkdir()
    act.mkdir()
    # the extension in any letter case counts (files are still matched by their exact name)
    for name in ("one.png", "two.png", "three.PNG"):
        shutil.copy(WORK / "a.png", exp / name)
        shutil.copy(WORK / "a.png", act / name)
    (exp / "notes.txt").write_text("ignored: not a png\n")
    r = run("--dir", "exp", "act", "--out-dir", "diffs", "--json")
    expect(r[0] == 0, "matching directories exit 0", r)
    j = json.loads(r[1])
    expect([f["name"] for f in j["files"]] == ["one.png", "three.PNG", "two.png"],
           "files sorted by name, upper-case .PNG included", r)
    expect(j["passed"] is True and j["missing"] == [] and j["extra"] == [], "passed", r)

    # an upper-case file only on one side is missing, not silently ignored
    shutil.copy(WORK / "a.png", exp / "upper.Png")
    r = run("--dir", "exp", "act", "--json")
    expect(r[0] == 1, "a .Png file only in expected fails", r)
    expect(json.loads(r[1])["missing"] == ["upper.Png"], "upper.Png listed as missing", r)
    (exp / "upper.Png").unlink()

    # the diff directory cannot be created (even as root): one line, exit 2
    r = run("--dir", "exp", "act", "--out-dir", "/proc/calf_diffs_test")
    expect(r[0] == 2 and "/proc/calf_diffs_test" in r[2], "unwritable --out-dir exits 2", r)
    expect(len(r[2].strip().splitlines()) == 1 and r[1] == "", "one line on stderr", r)

    shutil.copy(WORK / "b.png", act / "two.png")
    shutil.copy(WORK / "a.png", exp / "gone.png")
    shutil.copy(WORK / "a.png", act / "new.png")
    r = run("--dir", "exp", "act", "--out-dir", "diffs", "--json")
    expect(r[0] == 1, "missing, extra and differing files exit 1", r)
    j = json.loads(r[1])
    expect(j["missing"] == ["gone.png"] and j["extra"] == ["new.png"], "missing/extra listed", r)
    expect(j["passed"] is False, "dir json passed false", r)
    by_name = {f["name"]: f for f in j["files"]}
    expect(by_name["two.png"]["diff_pixels"] == 1 and not by_name["two.png"]["passed"], "two", r)
    expect(by_name["one.png"]["passed"], "one passes", r)
    # diff images are written only for failing files
    expect(sorted(p.name for p in (WORK / "diffs").iterdir()) == ["two.png"], "diffs/ content")

    r = run("--dir", "exp", "act")
    expect(r[0] == 1, "human dir mode exits 1", r)
    lines = r[1].splitlines()
    expect(any(l.startswith("MISSING gone.png") for l in lines), "missing line", r)
    expect(any(l.startswith("EXTRA   new.png") for l in lines), "extra line", r)
    expect(lines[-1] == "3 compared, 1 failed, 1 missing, 1 extra: FAILED", "total line", r)


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    fixtures()
    cases = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}
    if CASE not in cases:
        print(f"unknown case {CASE}; known: {sorted(cases)}")
        return 2
    cases[CASE]()
    print(f"{CASE}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
