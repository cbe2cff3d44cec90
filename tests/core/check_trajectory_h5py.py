#!/usr/bin/env python3
"""Reads the sample trajectory written by calf_write_sample_trajectory with h5py and checks
the layout of docs/formats.md: shapes, dtypes, enum names, attributes. Exit 1 on a mismatch."""
import json
import math
import sys

import h5py
import numpy as np

N, D, M, T, EVERY = 4, 3, 2, 5, 2
errors = []


def check(cond, what):
    if not cond:
        errors.append(what)


with h5py.File(sys.argv[1], "r") as f:
    shapes = {
        "states": ((T + 1, N, D), np.float32),
        "actions": ((T, N, M), np.float32),
        "rewards": ((T, N), np.float32),
        "q_values": ((T, N), np.float32),
        "modes": ((T, N), np.uint8),
        "episode": ((T, N), np.int32),
        "done": ((T, N), np.uint8),
        "step": ((T,), np.int64),
    }
    for name, (shape, dtype) in shapes.items():
        check(name in f, f"dataset {name} missing")
        if name not in f:
            continue
        ds = f[name]
        check(ds.shape == shape, f"{name} shape {ds.shape} != {shape}")
        check(ds.dtype == dtype, f"{name} dtype {ds.dtype} != {dtype}")
        check(ds.maxshape[0] is None, f"{name} dim 0 is not unlimited")
    modes = h5py.check_enum_dtype(f["modes"].dtype)
    check(modes == {"certified": 0, "relax": 1, "fallback": 2, "nominal": 3}, f"modes enum {modes}")
    done = h5py.check_enum_dtype(f["done"].dtype)
    check(done == {"none": 0, "goal": 1, "out_of_bounds": 2, "time_limit": 3}, f"done enum {done}")
    check(list(f["step"][:]) == [i * EVERY for i in range(T)], "step values")
    # same formulas as tests/core/synthetic_trajectory.h
    expect_s = np.float32(math.sin(0.1 * 2 + 0.37 * 1 + 2) * (1.0 + 1e-9) + 0.2)
    check(f["states"][2, 1, 2] == expect_s, "states[2,1,2] value")
    check(np.isnan(f["q_values"][0, 1]), "q_values of odd agents are NaN")
    a = f.attrs
    # strings are fixed-length (no global heap, issue 19): h5py reads them as bytes
    for key in ("config", "system", "policy", "calf_version", "git_revision", "created"):
        info = h5py.check_string_dtype(a.get_id(key).dtype)
        check(info is not None and info.length is not None, f"{key} is a fixed-length string")
    a = {k: v.decode() if isinstance(v, bytes) else v for k, v in a.items()}
    check(json.loads(a["config"])["num_agents"] == N, "config attribute")
    check(int(a["seed"]) == 42, "seed attribute")
    check(a["system"] == "point_mass" and a["policy"] == "calf", "system/policy attributes")
    check(int(a["schema_version"]) == 1, "schema_version")
    check(int(a["complete"]) == 1, "complete")
    check(int(a["steps_recorded"]) == T, "steps_recorded")
    for key in ("calf_version", "git_revision", "created"):
        check(isinstance(a[key], str) and a[key], f"{key} is a non-empty str")

for e in errors:
    print("h5py check failed:", e)
print(f"h5py: {len(errors)} problem(s)")
sys.exit(1 if errors else 0)
