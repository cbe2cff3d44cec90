#!/usr/bin/env python3
"""TorchScript interoperability between PyTorch and calf, both directions.

usage: torchscript_interop.py <calf_torchscript_eval> <work_dir>

1. PyTorch -> calf: a TD3 actor and twin critic (Fujimoto's architecture) exported with
   torch.jit.script and with torch.jit.trace load in calf and evaluate (Eigen and LibTorch
   paths) to PyTorch's numbers within 1e-5.
2. calf -> PyTorch: modules written by calf (the export path of `calf train`) load with
   torch.jit.load and give calf's numbers within 1e-5.
3. Bad models (corrupt file, not an MLP calf understands, wrong dimensions) exit with 2.
Exit 0 when everything agrees, 1 otherwise.
"""
import os
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# system: (actor input = obs_dim, critic state input = critic_obs_dim, action_dim, max_action);
# the creature's critic also sees the velocity the observation leaves out
SYSTEMS = {
    "point_mass": (2, 2, 1, [5.0]),
    "differential_drive": (3, 3, 2, [1.0, 2.0]),
    "creature": (7, 10, 3, [1.0, 1.0, 1.0]),
}
TOL = 1e-5
failures = []


class Actor(nn.Module):
    def __init__(self, d, m, max_action):
        super().__init__()
        self.l1 = nn.Linear(d, 64)
        self.l2 = nn.Linear(64, 64)
        self.l3 = nn.Linear(64, m)
        self.register_buffer("max_action", torch.tensor(max_action, dtype=torch.float32))

    def forward(self, state):
        a = F.relu(self.l1(state))
        a = F.relu(self.l2(a))
        return self.max_action * torch.tanh(self.l3(a))


class Critic(nn.Module):
    def __init__(self, d, m):
        super().__init__()
        self.l1 = nn.Linear(d + m, 64)
        self.l2 = nn.Linear(64, 64)
        self.l3 = nn.Linear(64, 1)
        self.l4 = nn.Linear(d + m, 64)
        self.l5 = nn.Linear(64, 64)
        self.l6 = nn.Linear(64, 1)

    def forward(self, state, action):
        sa = torch.cat([state, action], 1)
        q1 = F.relu(self.l1(sa))
        q1 = F.relu(self.l2(q1))
        q1 = self.l3(q1)
        q2 = F.relu(self.l4(sa))
        q2 = F.relu(self.l5(q2))
        q2 = self.l6(q2)
        return q1, q2


class NotAnMlp(nn.Module):
    """A residual block: Linear layers, but not a chain calf can turn into an MLP."""

    def __init__(self, d, m):
        super().__init__()
        self.l1 = nn.Linear(d, d)
        self.l2 = nn.Linear(d, m)

    def forward(self, state):
        return self.l2(torch.sigmoid(self.l1(state)) * state + state)


def write_csv(path, t):
    with open(path, "w") as f:
        for row in t.tolist():
            f.write(",".join(repr(float(x)) for x in row) + "\n")


def run(helper, *args, expect=0):
    p = subprocess.run([helper, *args], capture_output=True, text=True)
    if p.returncode != expect:
        failures.append(f"{' '.join(args)}: exit {p.returncode}, expected {expect}: {p.stderr.strip()}")
        return None
    if expect != 0 and "error" not in p.stderr:
        failures.append(f"{' '.join(args)}: exit {expect} without an error message")
    return p.stdout


def parse(out):
    return torch.tensor([[float(x) for x in line.split(",")] for line in out.strip().splitlines()])


def check(name, got, want):
    err = (got - want).abs().max().item()
    status = "ok" if err <= TOL else "FAIL"
    print(f"{status:4} {name}: max |diff| = {err:.3g}")
    if err > TOL:
        failures.append(f"{name}: max diff {err}")


def main():
    helper, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    torch.manual_seed(0)
    for system, (d, c, m, max_action) in SYSTEMS.items():
        n = 257
        critic_states = (torch.rand(n, c) * 2 - 1) * 4.0
        states = critic_states[:, :d].contiguous()  # the actor's observation: the leading d
        actions = (torch.rand(n, m) * 2 - 1) * torch.tensor(max_action)
        s_csv, a_csv = os.path.join(work, f"{system}_s.csv"), os.path.join(work, f"{system}_a.csv")
        cs_csv = os.path.join(work, f"{system}_cs.csv")
        write_csv(s_csv, states)
        write_csv(cs_csv, critic_states)
        write_csv(a_csv, actions)

        # 1. PyTorch -> calf, scripted and traced
        actor, critic = Actor(d, m, max_action).eval(), Critic(c, m).eval()
        with torch.no_grad():
            want_a = actor(states)
            want_q1, want_q2 = critic(critic_states, actions)
        exports = {
            "script": (torch.jit.script(actor), torch.jit.script(critic)),
            "trace": (torch.jit.trace(actor, states[:4]),
                      torch.jit.trace(critic, (critic_states[:4], actions[:4]))),
        }
        for how, (ja, jc) in exports.items():
            pa, pc = os.path.join(work, f"{system}_{how}_actor.pt"), os.path.join(work, f"{system}_{how}_critic.pt")
            ja.save(pa)
            jc.save(pc)
            out = run(helper, "actor", pa, system, s_csv)
            if out is not None:
                got = parse(out)
                check(f"{system} {how} actor (calf eigen)", got[:, :m], want_a)
                check(f"{system} {how} actor (calf libtorch)", got[:, m:], want_a)
            out = run(helper, "critic", pc, system, cs_csv, a_csv)
            if out is not None:
                got = parse(out)
                check(f"{system} {how} critic q1 (calf eigen)", got[:, 0], want_q1[:, 0])
                check(f"{system} {how} critic q2 (calf eigen)", got[:, 1], want_q2[:, 0])
                check(f"{system} {how} critic q1 (calf libtorch)", got[:, 2], want_q1[:, 0])
                check(f"{system} {how} critic q2 (calf libtorch)", got[:, 3], want_q2[:, 0])

        # 2. calf -> PyTorch
        cdir = os.path.join(work, f"{system}_calf")
        os.makedirs(cdir, exist_ok=True)
        if run(helper, "export", cdir, system, "7") is not None:
            ja = torch.jit.load(os.path.join(cdir, "actor.pt"))
            jc = torch.jit.load(os.path.join(cdir, "critic.pt"))
            with torch.no_grad():
                pa = ja(states)
                pq1, pq2 = jc(critic_states, actions)
            out_a = run(helper, "actor", os.path.join(cdir, "actor.pt"), system, s_csv)
            out_c = run(helper, "critic", os.path.join(cdir, "critic.pt"), system, cs_csv, a_csv)
            if out_a is not None and out_c is not None:
                ga, gc = parse(out_a), parse(out_c)
                check(f"{system} calf actor in pytorch", pa, ga[:, :m])
                check(f"{system} calf critic q1 in pytorch", pq1[:, 0], gc[:, 0])
                check(f"{system} calf critic q2 in pytorch", pq2[:, 0], gc[:, 1])
                if pa.abs().max().item() == 0.0:
                    failures.append(f"{system}: calf's exported actor outputs only zeros")

        # 3. bad models: exit 2, one error line
        corrupt = os.path.join(work, f"{system}_corrupt.pt")
        with open(corrupt, "wb") as f:
            f.write(b"PK\x03\x04 this is not a torchscript archive" * 10)
        run(helper, "actor", corrupt, system, s_csv, expect=2)
        weird = os.path.join(work, f"{system}_notmlp.pt")
        torch.jit.script(NotAnMlp(d, m)).save(weird)
        run(helper, "actor", weird, system, s_csv, expect=2)
        # a chain of built-in layers with one calf does not implement (Sigmoid)
        sig = os.path.join(work, f"{system}_sigmoid.pt")
        torch.jit.script(nn.Sequential(nn.Linear(d, 16), nn.Sigmoid(), nn.Linear(16, m),
                                       nn.Tanh())).save(sig)
        run(helper, "actor", sig, system, s_csv, expect=2)
        other = "differential_drive" if system == "point_mass" else "point_mass"
        od, _, om, omax = SYSTEMS[other]
        wrong = os.path.join(work, f"{system}_wrongdims.pt")
        torch.jit.script(Actor(od, om, omax)).save(wrong)
        run(helper, "actor", wrong, system, s_csv, expect=2)
        if c != d:
            # an actor that also sees the extras (TD3's actor_extras) loads and evaluates
            full = os.path.join(work, f"{system}_actor_with_extras.pt")
            fa = Actor(c, m, max_action).eval()
            torch.jit.script(fa).save(full)
            out = run(helper, "actor", full, system, cs_csv)
            if out is not None:
                got = parse(out)
                with torch.no_grad():
                    want = fa(critic_states)
                check(f"{system} actor with extras (calf eigen)", got[:, :m], want)
                check(f"{system} actor with extras (calf libtorch)", got[:, m:], want)
            # a critic on the observation alone (calf before critic extras) is refused
            short = os.path.join(work, f"{system}_critic_without_extras.pt")
            torch.jit.script(Critic(d, m)).save(short)
            run(helper, "critic", short, system, cs_csv, a_csv, expect=2)
        run(helper, "actor", os.path.join(work, "missing.pt"), system, s_csv, expect=2)

    for f in failures:
        print("FAIL", f)
    print(f"torchscript interop: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
