#!/usr/bin/python3
"""Learning curve of a `calf train --algo ppo` run as an SVG (gnuplot).

usage: plot_train_log.py <train_log.h5> <out.svg> [title]

Plots, against environment steps, the mean episode return of each update (points) with
its moving average over 10 updates (line), and the goals reached per 1,000 environment steps
(right axis, moving average over 10 updates). Needs h5py and gnuplot (both installed by
scripts/install_deps.sh)."""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def moving(x, n=10):
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        w = x[max(0, i - n + 1):i + 1]
        w = w[~np.isnan(w)]
        if len(w):
            out[i] = w.mean()
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    log, svg = sys.argv[1], sys.argv[2]
    with h5py.File(log, "r") as f:
        # calf's string attributes are fixed-length: h5py gives bytes
        text = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        title = sys.argv[3] if len(sys.argv) > 3 else f"{text['system']}, {text['algo']}"
        g = f["update"]
        steps = g["env_steps"][:].astype(float)
        ret = g["mean_return"][:]
        hits = g["goal_hits"][:].astype(float)
    per_update = np.diff(np.concatenate([[0.0], steps]))
    rate = moving(hits) / moving(per_update) * 1000.0
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "curve.dat")
        np.savetxt(data, np.column_stack([steps / 1e6, ret, moving(ret), rate]))
        script = f"""
set terminal svg size 800,420 dynamic font 'sans,12'
set output '{svg}.partial'
set title '{title}'
set xlabel 'environment steps [millions]'
set ylabel 'mean episode return'
set y2label 'goals per 1,000 steps'
set ytics nomirror
set y2tics
set key left top
set grid
set datafile missing 'nan'
plot '{data}' using 1:2 with points pt 7 ps 0.3 lc rgb '#9ecae1' title 'return (each update)', \\
     '{data}' using 1:3 with lines lw 2 lc rgb '#08519c' title 'return (10-update mean)', \\
     '{data}' using 1:4 axes x1y2 with lines lw 2 lc rgb '#d94801' title 'goals / 1,000 steps'
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.replace(svg + ".partial", svg)


if __name__ == "__main__":
    main()
