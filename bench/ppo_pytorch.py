#!/usr/bin/python3
"""PPO on the 3-D creature environment "the usual way in PyTorch", for the side-by-side
comparison with calf's C++/LibTorch PPO (core/train/ppo/).

What it is: a self-contained recurrent PPO in plain PyTorch (torch.nn modules, autograd,
torch.optim.Adam) with calf's default PPO configuration (core/train/ppo/ppo_config.h) and
network (core/train/ppo/recurrent_policy.cc), training on the creature environment of
docs/creature.md (default parameters, dt = 0.01, episodes truncated at 1000 steps) stepped as
NumPy float32 arrays over all environments at once (the math of bench/creature_numba.py,
vectorised, no numba, no Python loop over environments).

- network: encoder Linear(7,256)-ReLU-Linear(256,64)-ReLU; attention "self only", i.e.
  ELU(Linear(64,128, bias=False)(x)) (4 heads x 32: an agent alone attends to itself with
  weight 1, so the softmax is skipped as calf does); LSTMCell(128,128) stepped in a Python
  loop, its state zeroed where an episode starts; policy head Linear(128,64)-ReLU-Linear(64,3)
  -> mu (last layer's initial weights and bias scaled by 0.01, as calf); a global
  state-independent log_std (init -0.5, clamped to [-5, 1]); value head
  Linear(128,64)-ReLU-Linear(64,1).
- action a = tanh(mu + sigma*eps); log-prob logN(u) - sum 2 (log 2 - u - softplus(-2u));
  entropy of the pre-squash Gaussian.
- E=64 environments x T=128 steps per rollout (batched inference under torch.no_grad),
  auto-reset at the time limit; GAE(0.99, 0.95), a truncation bootstraps from the value of
  the real final observation (seen with the recurrent state the episode would have gone on
  with); PPO clip 0.2, no value clipping (calf's default), entropy 0.01, vf 0.5, grad-norm clip 1.0, Adam
  lr 3e-4, 4 epochs over minibatches of 2048 samples = 128 whole sequences of 16 steps whose
  LSTM state at the sequence start is the one recorded in the rollout; advantages normalised
  over the whole batch.

Differences from calf's implementation (none in the algorithm or the network shape):
- random numbers: exploration noise, resets, goal respawns and minibatch shuffles come from
  torch's / NumPy's generators, not calf's counter-based Philox streams, so the runs are not
  bit-comparable with calf's (same distributions);
- calf's attention module also owns two per-head vectors (att_src, att_dst) that the
  "self only" neighbourhood never uses (no gradient); they are left out here;
- the environment is computed from float32 arrays only (calf keeps the state in doubles that
  hold float32 values: the same numbers), and per-step statistics are NumPy reductions;
- OPENBLAS_NUM_THREADS is set to --threads (unless already set) before torch is imported:
  Debian's torch calls the system libblas.so.3 (OpenBLAS here, with its own thread pool),
  which torch.set_num_threads (OpenMP) does not size.
- the environment's float32 arithmetic is NumPy's, one rounding per operation (no FMA), as
  calf's kernel; the numba port contracts some multiply-adds (1-ulp differences).

Run (2 threads, 10 updates, a human-readable line per update and a summary):
    /usr/bin/python3 bench/ppo_pytorch.py
    /usr/bin/python3 bench/ppo_pytorch.py --updates 20 --threads 1 --seed 3 --json
--json prints one JSON object: samples_per_s (environment steps trained per second: T*E over
the wall time of rollout + GAE + update, median over the updates after the first), the
median seconds per update of each phase (rollout_s, gae_s, update_s), the torch and NumPy
versions and the BLAS actually loaded.
"""
import argparse
import json
import math
import os
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--updates", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.updates < 1 or a.threads < 1:
        ap.error("--updates and --threads must be at least 1")
    return a


ARGS = parse_args()
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as Fn  # noqa: E402

F = np.float32

# ---- configuration (calf's PpoConfig defaults; E, T per the comparison) -----------------
E = 64            # environments
T = 128           # rollout steps per environment per update
L = 16            # sequence length of the recurrent training
MINIBATCH = 2048  # samples per minibatch = 128 sequences
EPOCHS = 4
LR = 3e-4
GAMMA, LAMBDA = 0.99, 0.95
CLIP = 0.2
ENT_COEF, VF_COEF = 0.01, 0.5
MAX_GRAD_NORM = 1.0
LOG_STD_INIT, LOG_STD_MIN, LOG_STD_MAX = -0.5, -5.0, 1.0
MAX_STEPS = 1000  # episode time limit (truncation)
OBS, ACT, HID = 7, 3, 128


# ---- the creature environment (docs/creature.md defaults), vectorised in NumPy ----------
class Creatures:
    """E creatures as float32 struct-of-arrays; step() is one fused physics + reward +
    respawn step for all of them (the math of bench/creature_numba.py's step_fused)."""

    DT = F(0.01)
    LO = np.array([-10.0, -10.0, 0.0], F)
    HI = np.array([10.0, 10.0, 10.0], F)

    def __init__(self, n, rng):
        self.n, self.rng = n, rng
        z = lambda: np.zeros(n, F)  # noqa: E731
        self.px, self.py, self.pz = z(), z(), z()
        self.vx, self.vy, self.vz = z(), z(), z()
        self.st, self.gx, self.gy, self.gz, self.pd = z(), z(), z(), z(), z()
        self.ep_step = np.zeros(n, np.int64)
        lo, hi, dt = self.LO, self.HI, self.DT
        self.ext = hi - lo
        self.ext_inv = (F(1) / self.ext).astype(F)
        self.centre = ((lo + hi) / F(2)).astype(F)
        self.half_inv = (F(2) / self.ext).astype(F)
        self.damp = F(1 - 0.1 * dt)
        self.g_dt = F(9.81 * dt)
        self.fric_ground, self.fric_air = F(1 - 2.0 * dt), F(1 - 0.5 * dt)
        self.drag_dt = F(0.05 * dt)
        self.walk_cost, self.fly_cost, self.regen = F(1.0 * dt), F(5.0 * dt), F(20.0 * dt)
        self.reset(np.ones(n, bool))

    def _uniform_goal(self, k):
        lo, ext, hi = self.LO, self.ext, self.HI
        u = self.rng.random((3, k), dtype=F)
        return [np.minimum(lo[j] + ext[j] * u[j], hi[j]) for j in range(3)]

    def reset(self, which):
        """New episodes where `which`: on the ground at a uniform x, y, at rest, stamina 200,
        a goal uniform in the box."""
        k = int(which.sum())
        if k == 0:
            return
        lo, ext = self.LO, self.ext
        u = self.rng.random((2, k), dtype=F)
        self.px[which] = lo[0] + ext[0] * u[0]
        self.py[which] = lo[1] + ext[1] * u[1]
        self.pz[which] = lo[2]
        for v in (self.vx, self.vy, self.vz):
            v[which] = 0
        self.st[which] = 200
        g = self._uniform_goal(k)
        self.gx[which], self.gy[which], self.gz[which] = g
        self.pd[which] = np.sqrt((self.gx[which] - self.px[which]) ** 2
                                 + (self.gy[which] - self.py[which]) ** 2
                                 + (self.gz[which] - self.pz[which]) ** 2)
        self.ep_step[which] = 0

    def observe(self):
        """[n, 7] float32: goal offset / extent, position about the centre / half extent,
        stamina / 200."""
        o = np.empty((self.n, OBS), F)
        o[:, 0] = (self.gx - self.px) * self.ext_inv[0]
        o[:, 1] = (self.gy - self.py) * self.ext_inv[1]
        o[:, 2] = (self.gz - self.pz) * self.ext_inv[2]
        o[:, 3] = (self.px - self.centre[0]) * self.half_inv[0]
        o[:, 4] = (self.py - self.centre[1]) * self.half_inv[1]
        o[:, 5] = (self.pz - self.centre[2]) * self.half_inv[2]
        o[:, 6] = self.st * F(1.0 / 200.0)
        return o

    def step(self, action):
        """action [n, 3] in [-1, 1] -> (reward [n], goal hits [n], truncated [n])."""
        one, zero = F(1), F(0)
        act = np.clip(np.nan_to_num(action.astype(F), nan=0.0), -1, 1)
        ux, uy, uz = act[:, 0], act[:, 1], act[:, 2]
        lo, hi, dt = self.LO, self.HI, self.DT
        x, y, z, e = self.px, self.py, self.pz, self.st
        # acceleration, its norm clamped; none without stamina
        ax, ay, az = ux * F(8), uy * F(8), uz * F(15)
        has = (e > zero).astype(F)
        s = np.minimum(F(15) / np.sqrt(ax * ax + ay * ay + az * az + F(1e-30)), one) * has
        ax, ay, az = ax * s, ay * s, az * s
        # stamina
        on_ground = z <= lo[2]
        u2 = ux * ux + uy * uy + uz * uz
        effort = np.sqrt(u2)
        idle_b = u2 < F(0.05 * 0.05)
        idle = idle_b.astype(F)
        cost = np.where(on_ground & (uz <= zero), self.walk_cost, self.fly_cost)
        e = np.where(idle_b, e + self.regen, e - cost * effort)
        e = np.clip(e, zero, F(200))
        exhausted = (one - has) * (one - idle)
        # velocity
        u = (self.vx + ax * dt) * self.damp
        v = (self.vy + ay * dt) * self.damp
        w = (self.vz + az * dt - self.g_dt) * self.damp
        fr = np.where(on_ground, self.fric_ground, self.fric_air)
        u, v = u * fr, v * fr
        sp = np.sqrt(u * u + v * v + w * w)
        drag = np.where(on_ground, one, one / (one + self.drag_dt * sp))
        u, v, w = u * drag, v * drag, w * drag
        w = np.maximum(w, F(-20))
        vs = np.minimum(F(6) / np.sqrt(u * u + v * v + w * w + F(1e-30)), one)
        u, v, w = u * vs, v * vs, w * vs
        # position, penetration of the walls and the ceiling, clamp
        nx, ny, nz = x + u * dt, y + v * dt, z + w * dt
        pen = (np.maximum(lo[0] - nx, zero) + np.maximum(nx - hi[0], zero)
               + np.maximum(lo[1] - ny, zero) + np.maximum(ny - hi[1], zero)
               + np.maximum(nz - hi[2], zero))
        x = np.clip(nx, lo[0], hi[0])
        y = np.clip(ny, lo[1], hi[1])
        z = np.clip(nz, lo[2], hi[2])
        u = np.where(x != nx, zero, u)
        v = np.where(y != ny, zero, v)
        w = np.where(z != nz, zero, w)
        # reward
        dx, dy, dz = self.gx - x, self.gy - y, self.gz - z
        d = np.sqrt(dx * dx + dy * dy + dz * dz)
        prox = np.maximum(one - d * F(1 / 3.0), zero)
        hit = d < F(0.5)
        reward = ((self.pd - d) + F(0.01) * prox + np.where(hit, F(10), zero)
                  + F(0.001) * idle - pen - F(0.1) * exhausted)
        self.px, self.py, self.pz, self.vx, self.vy, self.vz, self.st = x, y, z, u, v, w, e
        # goal respawn (rare): d_prev becomes the new goal's distance
        if hit.any():
            k = int(hit.sum())
            g = self._uniform_goal(k)
            self.gx[hit], self.gy[hit], self.gz[hit] = g
            d[hit] = np.sqrt((self.gx[hit] - x[hit]) ** 2 + (self.gy[hit] - y[hit]) ** 2
                             + (self.gz[hit] - z[hit]) ** 2)
        self.pd = d
        self.ep_step += 1
        return reward.astype(F), hit, self.ep_step >= MAX_STEPS


# ---- the network ------------------------------------------------------------------------
class RecurrentPolicy(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(OBS, 256), nn.ReLU(), nn.Linear(256, 64),
                                     nn.ReLU())
        self.att = nn.Linear(64, 4 * 32, bias=False)  # 4 heads x 32, self only
        self.lstm = nn.LSTMCell(4 * 32, HID)
        self.pi = nn.Sequential(nn.Linear(HID, 64), nn.ReLU(), nn.Linear(64, ACT))
        self.v = nn.Sequential(nn.Linear(HID, 64), nn.ReLU(), nn.Linear(64, 1))
        self.log_std = nn.Parameter(torch.full((ACT,), LOG_STD_INIT))
        with torch.no_grad():  # a near-zero initial mean, as calf
            self.pi[2].weight.mul_(0.01)
            self.pi[2].bias.mul_(0.01)

    def clamped_log_std(self):
        return self.log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)

    def features(self, obs):
        # an agent alone in its neighbourhood attends to itself with weight 1
        return Fn.elu(self.att(self.encoder(obs)))

    def heads(self, h):
        return self.pi(h), self.v(h).squeeze(-1)

    def step(self, obs, h, c):
        """One step of B agents: obs [B, 7] -> mu [B, 3], value [B], h, c [B, 128]."""
        h, c = self.lstm(self.features(obs), (h, c))
        mu, value = self.heads(h)
        return mu, value, h, c

    def unroll(self, obs, starts, h, c):
        """obs [L, B, 7], starts [L, B] (1: zero the state before that step), h, c [B, 128]
        -> mu [L, B, 3], value [L, B]."""
        n, b = obs.shape[0], obs.shape[1]
        g = self.features(obs.reshape(n * b, OBS)).view(n, b, -1)
        keep = (1.0 - starts).unsqueeze(-1)
        hs = []
        for t in range(n):
            h, c = self.lstm(g[t], (h * keep[t], c * keep[t]))
            hs.append(h)
        mu, value = self.heads(torch.stack(hs))
        return mu, value


HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
LOG2 = math.log(2.0)


def squashed_log_prob(u, mu, log_std):
    z = (u - mu) * torch.exp(-log_std)
    gauss = -0.5 * z * z - log_std - HALF_LOG_2PI
    log_det = 2.0 * (LOG2 - u - Fn.softplus(-2.0 * u))  # log(1 - tanh(u)^2), stably
    return (gauss - log_det).sum(-1)


def gaussian_entropy(log_std):
    return (log_std + 0.5 + HALF_LOG_2PI).sum()


# ---- PPO --------------------------------------------------------------------------------
class Ppo:
    def __init__(self, seed):
        torch.manual_seed(seed)
        self.gen = torch.Generator().manual_seed(seed + 1)
        self.env = Creatures(E, np.random.default_rng(seed))
        self.net = RecurrentPolicy()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=LR)
        self.h = torch.zeros(E, HID)
        self.c = torch.zeros(E, HID)
        self.starting = np.ones(E, F)
        self.episodes = 0

    def rollout(self):
        net, env = self.net, self.env
        self.obs = np.empty((T, E, OBS), F)
        self.u = torch.empty(T, E, ACT)
        self.logp = torch.empty(T, E)
        self.values = np.empty((T, E), F)
        self.next_values = np.zeros((T, E), F)
        self.rewards = np.empty((T, E), F)
        self.truncated = np.zeros((T, E), bool)
        self.starts = np.empty((T, E), F)
        self.h_start = torch.empty(T // L, E, HID)
        self.c_start = torch.empty(T // L, E, HID)
        hits = 0
        with torch.no_grad():
            log_std = net.clamped_log_std()
            sigma = log_std.exp()
            h, c = self.h, self.c
            obs = env.observe()
            for t in range(T):
                if t % L == 0:
                    self.h_start[t // L] = h
                    self.c_start[t // L] = c
                self.obs[t] = obs
                self.starts[t] = self.starting
                mu, value, h1, c1 = net.step(torch.from_numpy(obs), h, c)
                u = mu + sigma * torch.randn(E, ACT, generator=self.gen)
                self.u[t] = u
                self.logp[t] = squashed_log_prob(u, mu, log_std)
                self.values[t] = value.numpy()
                reward, hit, trunc = env.step(torch.tanh(u).numpy())
                hits += int(hit.sum())
                self.rewards[t] = reward
                self.truncated[t] = trunc
                obs = env.observe()
                if trunc.any():
                    # bootstrap from the real final observation, with the state the episode
                    # would have gone on with
                    v_fin = net.step(torch.from_numpy(obs), h1, c1)[1].numpy()
                    self.next_values[t, trunc] = v_fin[trunc]
                    self.episodes += int(trunc.sum())
                    env.reset(trunc)
                    obs = env.observe()
                self.starting = trunc.astype(F)
                keep = torch.from_numpy(1 - self.starting).unsqueeze(1)
                h, c = h1 * keep, c1 * keep
            self.h, self.c = h, c
            v_boot = net.step(torch.from_numpy(obs), h, c)[1].numpy()
        # next values of the steps that were not truncated
        nv = np.concatenate([self.values[1:], v_boot[None]], 0)
        self.next_values = np.where(self.truncated, self.next_values, nv)
        return float(self.rewards.mean()), hits

    def gae(self):
        # no terminal states in the creature world: only truncations cut the trace
        adv = np.zeros((T, E))
        nxt = np.zeros(E)
        cont = 1.0 - self.truncated
        values = self.values.astype(np.float64)
        delta = self.rewards + GAMMA * self.next_values.astype(np.float64) - values
        for t in range(T - 1, -1, -1):
            nxt = delta[t] + GAMMA * LAMBDA * cont[t] * nxt
            adv[t] = nxt
        self.adv = adv.astype(F)
        self.ret = (adv + values).astype(F)

    def update(self):
        net, opt = self.net, self.opt
        obs = torch.from_numpy(self.obs)
        starts = torch.from_numpy(self.starts)
        v_old = torch.from_numpy(self.values)
        ret = torch.from_numpy(self.ret)
        adv = torch.from_numpy(self.adv)
        adv = (adv - adv.mean()) / (adv.std(unbiased=False) + 1e-8)
        chunks = T // L
        units = chunks * E
        per_mb = MINIBATCH // L
        ar = torch.arange(L).unsqueeze(1)
        params = list(net.parameters())
        stats = []
        for _ in range(EPOCHS):
            perm = torch.randperm(units, generator=self.gen)
            for first in range(0, units, per_mb):
                q = perm[first:first + per_mb]
                chunk_i, env_i = q // E, q % E
                t_i = chunk_i.unsqueeze(0) * L + ar           # [L, M]
                e_i = env_i.unsqueeze(0).expand_as(t_i)
                mu, value = net.unroll(obs[t_i, e_i], starts[t_i, e_i],
                                       self.h_start[chunk_i, env_i], self.c_start[chunk_i, env_i])
                log_std = net.clamped_log_std()
                logp = squashed_log_prob(self.u[t_i, e_i], mu, log_std)
                log_ratio = logp - self.logp[t_i, e_i]
                ratio = log_ratio.exp()
                a = adv[t_i, e_i]
                pg = -torch.min(ratio * a, ratio.clamp(1 - CLIP, 1 + CLIP) * a).mean()
                vo, r = v_old[t_i, e_i], ret[t_i, e_i]
                vf = 0.5 * ((value - r) ** 2).mean()  # calf's default: no value clipping
                ent = gaussian_entropy(log_std)
                loss = pg + VF_COEF * vf - ENT_COEF * ent
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
                opt.step()
                with torch.no_grad():
                    kl = ((ratio - 1) - log_ratio).mean()
                    stats.append((pg.item(), vf.item(), ent.item(), kl.item()))
        return np.mean(stats, axis=0)


def blas_in_use():
    """The BLAS named by torch's build config, NumPy's config and the shared libraries
    actually mapped into this process (Debian's torch says BLAS_INFO=generic: libblas.so.3,
    whatever the alternatives system points it at)."""
    cfg = torch.__config__.show()
    torch_blas = next((p.split("=", 1)[1] for p in cfg.replace(",", " ").split()
                       if p.startswith("BLAS_INFO=")), "?")
    try:
        libs = np.__config__.get_info("blas_opt_info").get("libraries", [])
        numpy_blas = ",".join(dict.fromkeys(libs)) or "?"
    except Exception:  # pragma: no cover
        numpy_blas = "?"
    loaded = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                name = os.path.basename(path).lower()
                if "blas" in name and path.startswith("/"):
                    loaded.add(os.path.realpath(path))
    except OSError:
        pass
    names = " ".join(sorted(loaded)).lower()
    kind = ("OpenBLAS" if "openblas" in names else "MKL" if "mkl" in names
            else "BLIS" if "blis" in names else "reference BLAS" if "libblas" in names else "?")
    return {"blas": kind, "torch_blas_info": torch_blas, "numpy_blas_libraries": numpy_blas,
            "blas_loaded": sorted(loaded)}


def main():
    a = ARGS
    torch.set_num_threads(a.threads)
    ppo = Ppo(a.seed)
    times = {"rollout": [], "gae": [], "update": []}
    rates, mean_rewards = [], []
    for k in range(a.updates):
        t0 = time.perf_counter()
        mean_reward, hits = ppo.rollout()
        t1 = time.perf_counter()
        ppo.gae()
        t2 = time.perf_counter()
        pg, vf, ent, kl = ppo.update()
        t3 = time.perf_counter()
        for name, dt in (("rollout", t1 - t0), ("gae", t2 - t1), ("update", t3 - t2)):
            times[name].append(dt)
        rates.append(T * E / (t3 - t0))
        mean_rewards.append(mean_reward)
        line = (f"update {k + 1}: mean reward/step {mean_reward:.5f}, goals {hits}, "
                f"pg {pg:.4f} vf {vf:.4f} ent {ent:.3f} kl {kl:.5f}, "
                f"rollout {t1 - t0:.3f}s gae {t2 - t1:.4f}s update {t3 - t2:.3f}s")
        print(line, file=sys.stderr if a.json else sys.stdout, flush=True)
    later = slice(1, None) if a.updates > 1 else slice(None)
    med = {name: float(np.median(v[later])) for name, v in times.items()}
    sps = float(np.median(rates[later]))
    ok = not any(math.isnan(r) for r in mean_rewards)
    if a.json:
        out = {"implementation": "pytorch", "torch": torch.__version__, "numpy": np.__version__,
               **blas_in_use(), "threads": a.threads, "updates": a.updates, "envs": E,
               "rollout_steps": T, "samples_per_update": T * E,
               "samples_per_s": sps, "rollout_s": med["rollout"], "gae_s": med["gae"],
               "update_s": med["update"], "mean_reward_per_step": mean_rewards,
               "episodes": ppo.episodes, "reward_finite": ok}
        print(json.dumps(out))
    else:
        print(f"PyTorch {torch.__version__} PPO, creature, E={E} T={T}, {a.threads} thread(s): "
              f"median {sps:.0f} samples/s (rollout {med['rollout']:.3f}s, gae "
              f"{med['gae']:.4f}s, update {med['update']:.3f}s per update), "
              f"mean reward/step first {mean_rewards[0]:.5f} last {mean_rewards[-1]:.5f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
