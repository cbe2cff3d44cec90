#!/usr/bin/env python3
"""Checks calf's layering (docs/design.md, "Layers") from the #include lines.

Top-level folders (TOP_RULES): core includes nothing above it; report and render_offscreen
include core but not each other; mpi (the optional MPI engine) includes core only; only cli
may include everything.

Core's sub-folders (CORE_RULES): a sub-folder may include itself, the files directly in
core/ (error.h, version.h, git_revision) and the sub-folders its row lists. Files directly in
core/ include only each other. A sub-folder the table does not list yet
is not checked; a note says so (add a row for every new sub-folder). A folder listed but
missing is simply empty.

Usage: check_layering.py [--no-exceptions] [root]     (root defaults to ".")
Prints each violation as `path:line: ...` and exits 1 if there is any, 0 otherwise (2 for a
bad root or a broken table).
"""
import argparse
import fnmatch
import pathlib
import re
import sys


def fail_usage(message):
    """A broken table or a bad argument: exit 2, so it cannot pass for a layering violation."""
    print(f"check_layering.py: {message}", file=sys.stderr)
    sys.exit(2)


# folder -> the top-level folders it may include
TOP_RULES = {
    "core": {"core"},
    "render_offscreen": {"core", "render_offscreen"},
    "report": {"core", "report"},
    "mpi": {"core", "mpi"},
    "cli": {"core", "render_offscreen", "report", "mpi", "cli"},
}

ALL_OF_CORE = "*"
# core sub-folder -> the other core sub-folders it may include (itself and core/*.h always)
CORE_RULES = {
    "config": set(),
    "random": set(),
    "io": {"config"},
    "env": {"config", "random"},
    "visual": {"config"},
    "policy": {"env", "config", "io", "random"},
    "sim": {"env", "policy", "config", "io", "random"},
    "train": {"env", "policy", "config", "io", "random", "sim"},
    "profile": ALL_OF_CORE,
}

# ---------------------------------------------------------------------------------------
# TEMPORARY_EXCEPTIONS: known violations on this branch whose fix is under way elsewhere
# (empty: keep it so).
# Each entry: (glob of the including file, glob of the included path), both from the root.
TEMPORARY_EXCEPTIONS = []
# ---------------------------------------------------------------------------------------

SOURCE_SUFFIXES = {".h", ".cc", ".cpp", ".hpp", ".in", ".inc"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+["<]([^">]+)[">]')


def check_table_is_acyclic():
    """A cycle in CORE_RULES (e.g. sim <-> policy) would let two folders include each other."""
    edges = {f: (set() if deps == ALL_OF_CORE else deps) for f, deps in CORE_RULES.items()}
    edges["profile"] = set()  # profile sits on top: nothing in the table includes it
    for f, deps in CORE_RULES.items():
        if deps != ALL_OF_CORE and "profile" in deps:
            fail_usage(f"CORE_RULES lets {f} include profile, which is on top")
    state = {}

    def visit(folder, path):
        if state.get(folder) == "done":
            return
        if state.get(folder) == "open":
            fail_usage("CORE_RULES has a cycle: " + " -> ".join(path + [folder]))
        state[folder] = "open"
        for dep in sorted(edges.get(folder, ())):
            visit(dep, path + [folder])
        state[folder] = "done"

    for folder in sorted(edges):
        visit(folder, [])


def core_problem(src_parts, inc_parts):
    """Why core file `src_parts` must not include core path `inc_parts` (None when it may).
    Both are path parts starting with "core"."""
    if len(inc_parts) == 2:  # core/error.h, core/version.h: anyone may include these
        return None
    target = inc_parts[1]
    if len(src_parts) == 2:  # everyone includes core/*.h, so they include nothing else
        return "files directly in core/ may include only each other"
    folder = src_parts[1]
    if folder == target or folder not in CORE_RULES or target not in CORE_RULES:
        return None  # unknown folders are reported as notes
    allowed = CORE_RULES[folder]
    if allowed == ALL_OF_CORE or target in allowed:
        return None
    names = ", ".join(sorted(allowed)) if allowed else "nothing else in core"
    return f"core/{folder}/ may include only {names} (and core/*.h)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".", help="the source tree (default: .)")
    parser.add_argument("--no-exceptions", action="store_true",
                        help="ignore TEMPORARY_EXCEPTIONS (list every violation)")
    args = parser.parse_args()
    root = pathlib.Path(args.root)
    if not root.is_dir():
        fail_usage(f"root '{root}' is not a directory")
    check_table_is_acyclic()
    exceptions = [] if args.no_exceptions else TEMPORARY_EXCEPTIONS
    used = set()
    bad, excepted = [], []
    unknown_src, unknown_target = set(), {}
    for folder, ok in TOP_RULES.items():
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            src_parts = rel.split("/")
            if folder == "core" and len(src_parts) > 2 and src_parts[1] not in CORE_RULES:
                unknown_src.add(src_parts[1])
            for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                inc_parts = inc.split("/")
                top = inc_parts[0]
                problem = None
                if top in TOP_RULES and top not in ok:
                    problem = f"{folder}/ must not include {top}/"
                elif folder == "core" and top == "core":
                    problem = core_problem(src_parts, inc_parts)
                    if (problem is None and len(src_parts) > 2 and len(inc_parts) > 2
                            and src_parts[1] in CORE_RULES and inc_parts[1] not in CORE_RULES):
                        unknown_target[inc_parts[1]] = unknown_target.get(inc_parts[1], 0) + 1
                if problem is None:
                    continue
                message = f"{rel}:{lineno}: {problem}; not {inc}"
                hit = [i for i, (src, dst) in enumerate(exceptions)
                       if fnmatch.fnmatch(rel, src) and fnmatch.fnmatch(inc, dst)]
                if hit:
                    used.update(hit)
                    excepted.append(message)
                else:
                    bad.append(message)
    for folder in sorted(unknown_src | set(unknown_target)):
        count = unknown_target.get(folder, 0)
        print(f"note: core/{folder}/ is not in CORE_RULES yet: its includes are not checked"
              + (f", and {count} include(s) of it are allowed for now" if count else ""))
    for message in excepted:
        print(f"note: TEMPORARY_EXCEPTIONS allows {message}")
    for i, entry in enumerate(exceptions):
        if i not in used:
            print(f"note: TEMPORARY_EXCEPTIONS entry {entry} matches nothing; remove it")
    for message in bad:
        print(message)
    print(f"layering: {len(bad)} violation(s)"
          + (f", {len(excepted)} temporarily excepted" if excepted else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
