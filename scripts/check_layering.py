#!/usr/bin/env python3
"""Checks calf's layering: core includes nothing above it; report and render_offscreen
include core but not each other; only cli may include everything. Exit 1 on a violation."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
allowed = {
    "core": {"core"},
    "render_offscreen": {"core", "render_offscreen"},
    "report": {"core", "report"},
    "cli": {"core", "render_offscreen", "report", "cli"},
}
include_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
bad = []
for folder, ok in allowed.items():
    for path in sorted((root / folder).rglob("*")):
        if path.suffix not in {".h", ".cc", ".cpp", ".hpp", ".in"}:
            continue
        for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = include_re.match(line)
            if not m:
                continue
            top = m.group(1).split("/")[0]
            if top in allowed and top not in ok:
                bad.append(f"{path.relative_to(root)}:{lineno}: {folder}/ must not include {m.group(1)}")
for b in bad:
    print(b)
print(f"layering: {len(bad)} violation(s)")
sys.exit(1 if bad else 0)
