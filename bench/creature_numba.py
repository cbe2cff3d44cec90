#!/usr/bin/python3
"""A numba port of calf's fused creature kernel (core/env/creature/creature_math.h), for the
side-by-side speed comparison: float32 struct-of-arrays, scalar code in one `prange` loop
(physics, reward, goal respawn, observation fused), as a careful numba user would write it.

Usage: creature_numba.py [--agents 100000] [--steps 100] [--repetitions 9] [--json]
Prints the median agent-steps/s on 1 and 2 threads (numba.set_num_threads).

Differences from calf's kernel, both in numba's favour: the respawn draw is a splitmix64
hash, not Philox4x32-10, and the respawn is done inline behind a branch (rare)."""
import argparse
import json
import sys
import time

import numba
import numpy as np
from numba import njit, prange

F = np.float32

# the defaults of docs/creature.md, dt = 0.01; the order of PARAMS' entries is the kernel's
DT = 0.01
LO = (-10.0, -10.0, 0.0)
HI = (10.0, 10.0, 10.0)
PARAMS = np.array([
    LO[0], LO[1], LO[2], HI[0], HI[1], HI[2],                      # 0-5 box
    1 / (HI[0] - LO[0]), 1 / (HI[1] - LO[1]), 1 / (HI[2] - LO[2]),  # 6-8 ext_inv
    (LO[0] + HI[0]) / 2, (LO[1] + HI[1]) / 2, (LO[2] + HI[2]) / 2,  # 9-11 centre
    2 / (HI[0] - LO[0]), 2 / (HI[1] - LO[1]), 2 / (HI[2] - LO[2]),  # 12-14 half_inv
    DT, 8.0, 15.0, 15.0, 6.0,                                       # 15-19 dt, accel xy z, max acc, max vel
    1 - 0.1 * DT, 9.81 * DT, 20.0, 1 - 2.0 * DT, 1 - 0.5 * DT,      # 20-24 damping, g·dt, term, fric
    0.05 * DT, 0.5, 1 / 3.0,                                        # 25-27 drag·dt, goal thr, 1/prox
    1.0, 0.01, 10.0, 0.001, 1.0, 0.1,                               # 28-33 reward scales
    1.0 * DT, 5.0 * DT, 20.0 * DT, 0.05 * 0.05,                     # 34-37 costs, regen, idle²
    HI[0] - LO[0], HI[1] - LO[1], HI[2] - LO[2],                    # 38-40 ext
], dtype=F)


@njit(inline="always")
def _uniform(seed, agent, step, sub):
    # splitmix64 of the key: a uniform float32 in [0, 1)
    z = (seed * np.uint64(0x9E3779B97F4A7C15) + agent * np.uint64(0xBF58476D1CE4E5B9)
         + step * np.uint64(0x94D049BB133111EB) + sub)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return F(z >> np.uint64(40)) * F(1.0 / 16777216.0)


@njit(parallel=True, fastmath=False, cache=False)
def step_fused(P, px, py, pz, vx, vy, vz, st, gx, gy, gz, pd, ux, uy, uz, reward, hit, obs,
               seed, step):
    n = px.shape[0]
    zero, one = F(0.0), F(1.0)
    for i in prange(n):
        x, y, z, u, v, w, e = px[i], py[i], pz[i], vx[i], vy[i], vz[i], st[i]
        # acceleration clamped in norm, none without stamina
        ax, ay, az = ux[i] * P[16], uy[i] * P[16], uz[i] * P[17]
        a2 = ax * ax + ay * ay + az * az
        has = one if e > zero else zero
        s = min(P[18] / np.sqrt(a2 + F(1e-30)), one) * has
        ax, ay, az = ax * s, ay * s, az * s
        # stamina
        on_ground = z <= P[2]
        u2 = ux[i] * ux[i] + uy[i] * uy[i] + uz[i] * uz[i]
        effort = np.sqrt(u2)
        idle = one if u2 < P[37] else zero
        cost = P[34] if (on_ground and uz[i] <= zero) else P[35]
        e = e + P[36] if idle > zero else e - cost * effort
        e = min(max(e, zero), F(200.0))
        exhausted = (one - has) * (one - idle)
        # velocity
        u = (u + ax * P[15]) * P[20]
        v = (v + ay * P[15]) * P[20]
        w = (w + az * P[15] - P[21]) * P[20]
        fr = P[23] if on_ground else P[24]
        u, v = u * fr, v * fr
        sp = np.sqrt(u * u + v * v + w * w)
        drag = one if on_ground else one / (one + P[25] * sp)
        u, v, w = u * drag, v * drag, w * drag
        w = max(w, -P[22])
        vs = min(P[19] / np.sqrt(u * u + v * v + w * w + F(1e-30)), one)
        u, v, w = u * vs, v * vs, w * vs
        # position, penetration, clamp
        nx, ny, nz = x + u * P[15], y + v * P[15], z + w * P[15]
        pen = (max(P[0] - nx, zero) + max(nx - P[3], zero) + max(P[1] - ny, zero)
               + max(ny - P[4], zero) + max(nz - P[5], zero))
        x = min(max(nx, P[0]), P[3])
        y = min(max(ny, P[1]), P[4])
        z = min(max(nz, P[2]), P[5])
        u = zero if x != nx else u
        v = zero if y != ny else v
        w = zero if z != nz else w
        # reward
        dx, dy, dz = gx[i] - x, gy[i] - y, gz[i] - z
        d = np.sqrt(dx * dx + dy * dy + dz * dz)
        prox = max(one - d * P[27], zero)
        reached = d < P[26]
        bonus = P[30] if reached else zero
        reward[i] = (P[28] * (pd[i] - d) + P[29] * prox + bonus + P[31] * idle - P[32] * pen
                     - P[33] * exhausted)
        hit[i] = reached
        if reached:  # respawn (rare)
            for j, g in ((0, gx), (1, gy), (2, gz)):
                g[i] = min(P[j] + P[38 + j] * _uniform(seed, np.uint64(i), step, np.uint64(j)),
                           P[3 + j])
            dx, dy, dz = gx[i] - x, gy[i] - y, gz[i] - z
            d = np.sqrt(dx * dx + dy * dy + dz * dz)
        pd[i] = d
        px[i], py[i], pz[i], vx[i], vy[i], vz[i], st[i] = x, y, z, u, v, w, e
        # observation
        obs[0, i] = dx * P[6]
        obs[1, i] = dy * P[7]
        obs[2, i] = dz * P[8]
        obs[3, i] = (x - P[9]) * P[12]
        obs[4, i] = (y - P[10]) * P[13]
        obs[5, i] = (z - P[11]) * P[14]
        obs[6, i] = e * F(1.0 / 200.0)


def make_world(n):
    rng = np.random.default_rng(1)
    px = rng.uniform(LO[0], HI[0], n).astype(F)
    py = rng.uniform(LO[1], HI[1], n).astype(F)
    pz = np.zeros(n, F)
    vel = [np.zeros(n, F) for _ in range(3)]
    st = np.full(n, 200.0, F)
    gx = rng.uniform(LO[0], HI[0], n).astype(F)
    gy = rng.uniform(LO[1], HI[1], n).astype(F)
    gz = rng.uniform(LO[2], HI[2], n).astype(F)
    pd = np.sqrt((gx - px) ** 2 + (gy - py) ** 2 + (gz - pz) ** 2).astype(F)
    # the same fixed commands as bench/creature_bench.cc: one creature in seven idle
    i = np.arange(n, dtype=F)
    u = [np.where(np.arange(n) % 7 == 0, F(0), np.sin(F(0.37) * i + F(1.3) * F(j))).astype(F)
         for j in range(3)]
    return [px, py, pz, *vel, st, gx, gy, gz, pd, *u, np.zeros(n, F), np.zeros(n, np.bool_),
            np.zeros((7, n), F)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repetitions", type=int, default=9)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    world = make_world(a.agents)
    step_fused(PARAMS, *world, np.uint64(1), np.uint64(0))  # compile
    results = {}
    for threads in (1, 2):
        if threads > numba.config.NUMBA_NUM_THREADS:
            continue
        numba.set_num_threads(threads)
        rates = []
        step = 1
        for _ in range(a.repetitions):
            t0 = time.perf_counter()
            for _ in range(a.steps):
                step_fused(PARAMS, *world, np.uint64(1), np.uint64(step))
                step += 1
            rates.append(a.agents * a.steps / (time.perf_counter() - t0))
        results[threads] = float(np.median(rates))
    if a.json:
        print(json.dumps({"numba": numba.__version__, "agents": a.agents,
                          "agent_steps_per_s": results}))
    else:
        for t, r in results.items():
            print(f"numba {numba.__version__} fused prange, N={a.agents}, {t} thread(s): "
                  f"median {r / 1e6:.1f} M agent-steps/s ({a.repetitions} x {a.steps} steps)")


if __name__ == "__main__":
    sys.exit(main())
