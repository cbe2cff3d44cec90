// The quadruped on MuJoCo (docs/quadruped.md#speed): env-steps/s of 256 agents on one and two
// threads through the Environment interface (core/env/quadruped), the same through the
// Simulator (calf run's loop), and the ceiling: one mjModel + one mjData stepped by mj_step in
// a plain loop with the same controls. Two control regimes: "pd" (standing_pd holds the
// standing pose, 4 foot contacts) and "zero" (zero torque: the body collapses and lies on the
// floor, as in mujoco-testspeed's passive roll-out). No resets: a fallen body keeps being
// stepped. Per-mj_step figures divide by the sub-steps (5). scripts/bench_quadruped.sh runs
// this beside mujoco-testspeed on the same model file. Also: resident memory per agent.
#include <benchmark/benchmark.h>
#include <mujoco/mujoco.h>
#include <omp.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "core/env/quadruped/quadruped.h"
#include "core/env/registry.h"
#include "core/sim/simulator.h"

using namespace calf::core;

namespace {

constexpr int kD = 37, kE = env::quadruped::kEnvDim, kM = 12;
constexpr int kSubsteps = 5;
// agents per block of the interface calls: 8 blocks at N = 256, so two threads share them
constexpr int64_t kBlock = 32;

struct Population {
  std::unique_ptr<env::Environment> env;
  int64_t n;
  std::vector<double> s, e, a, reward;
  std::vector<int64_t> episode_step;
  std::vector<DoneReason> done;

  explicit Population(int64_t agents) : n(agents) {
    env::EnvParams p;
    p.max_steps_per_episode = 1LL << 40;
    env = env::MakeEnvironment("quadruped", p);
    s.resize(n * kD);
    e.resize(n * kE);
    a.resize(n * kM);
    reward.resize(n);
    episode_step.assign(n, 0);
    done.resize(n);
    std::vector<uint64_t> counters(n, 0);
    env->Reset(Block(0, n), 1, counters.data(), nullptr);
  }
  env::AgentBlock Block(int64_t first, int64_t count) {
    return env::AgentBlock{first, count, &s[first * kD], &e[first * kE], &episode_step[first],
                           1,     0};
  }
  // one control step of every agent: the nominal PD's actions (or zero), then Step
  void Step(bool pd, int threads) {
    const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t first = b * kBlock, count = std::min(kBlock, n - first);
      const env::AgentBlock blk = Block(first, count);
      if (pd) {
        env->Nominal(blk, &a[first * kM]);
      } else {
        std::fill(&a[first * kM], &a[(first + count) * kM], 0.0);
      }
      env->Step(blk, &a[first * kM], env::StepOutput{&reward[first], &done[first], nullptr});
    }
  }
  double MeanContacts() const {
    double c = 0.0;
    for (int64_t k = 0; k < n; ++k) c += e[k * kE + env::quadruped::kContacts];
    return c / static_cast<double>(n);
  }
};

void Report(benchmark::State& st, int64_t agent_steps, double contacts) {
  st.counters["env_steps_per_s"] =
      benchmark::Counter(static_cast<double>(agent_steps), benchmark::Counter::kIsRate);
  st.counters["mj_steps_per_s"] =
      benchmark::Counter(static_cast<double>(agent_steps * kSubsteps), benchmark::Counter::kIsRate);
  st.counters["contacts"] = contacts;
}

// args: pd (1) or zero torque (0), threads
void BM_QuadrupedEnv(benchmark::State& st) {
  const bool pd = st.range(0) != 0;
  const int threads = static_cast<int>(st.range(1));
  Population pop(256);
  for (int i = 0; i < 300; ++i) pop.Step(pd, threads);  // settle (standing, or lying)
  for (auto _ : st) {
    pop.Step(pd, threads);
    benchmark::ClobberMemory();
  }
  Report(st, st.iterations() * pop.n, pop.MeanContacts());
}

// calf run's loop: Simulator::Step with the nominal policy (blocks of kAgentBlock = 256)
void BM_QuadrupedSimulator(benchmark::State& st) {
  const int threads = static_cast<int>(st.range(0));
  SimConfig c;
  c.system = "quadruped";
  c.policy = "nominal";
  c.num_agents = 256;
  c.env.max_steps_per_episode = 1LL << 40;
  Simulator sim(c, {});
  SimState s;
  sim.Reset(s);
  for (int i = 0; i < 300; ++i) sim.Step(s, threads);
  for (auto _ : st) {
    sim.Step(s, threads);
    benchmark::ClobberMemory();
  }
  double contacts = 0.0;
  for (int64_t k = 0; k < c.num_agents; ++k)
    contacts += s.env_states[k * kE + env::quadruped::kContacts];
  Report(st, st.iterations() * c.num_agents, contacts / c.num_agents);
}

// the ceiling: one model + data, mj_step x 5 per control step, ctrl from the same PD (or 0)
void BM_MjStepLoop(benchmark::State& st) {
  const bool pd = st.range(0) != 0;
  char error[500] = "";
  mjModel* m = mj_loadXML(env::quadruped::DefaultModelPath().c_str(), nullptr, error, sizeof error);
  if (m == nullptr) {
    st.SkipWithError(error);
    return;
  }
  m->opt.timestep = 0.01 / kSubsteps;
  mjData* d = mj_makeData(m);
  // start from the environment's reset of agent 0 (standing on the floor)
  Population one(1);
  std::copy(&one.s[0], &one.s[19], d->qpos);
  const double stand[3] = {0.0, 0.7, -1.4};
  auto control = [&] {
    for (int j = 0; j < kM; ++j) {
      const double tau = 100.0 * (stand[j % 3] - d->qpos[7 + j]) - 2.0 * d->qvel[6 + j];
      d->ctrl[j] = pd ? std::clamp(tau / m->actuator_gear[6 * j], -1.0, 1.0) : 0.0;
    }
  };
  for (int i = 0; i < 300; ++i) {
    control();
    for (int k = 0; k < kSubsteps; ++k) mj_step(m, d);
  }
  for (auto _ : st) {
    control();
    for (int k = 0; k < kSubsteps; ++k) mj_step(m, d);
    benchmark::ClobberMemory();
  }
  Report(st, st.iterations(), d->ncon);
  mj_deleteData(d);
  mj_deleteModel(m);
}

long ResidentKb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4;  // 4 KiB pages
}

// resident memory per agent of a Simulator at N = 1,000 after 20 steps on two threads
// (the population's arrays + the scratch mjData pool), beside one mjData's arena
void BM_QuadrupedMemory(benchmark::State& st) {
  const int64_t n = st.range(0);
  double per_agent_kb = 0.0;
  for (auto _ : st) {
    const long before = ResidentKb();
    SimConfig c;
    c.system = "quadruped";
    c.policy = "nominal";
    c.num_agents = n;
    Simulator sim(c, {});
    SimState s;
    sim.Reset(s);
    for (int i = 0; i < 20; ++i) sim.Step(s, 2);
    per_agent_kb = static_cast<double>(ResidentKb() - before) / static_cast<double>(n);
  }
  char error[500] = "";
  mjModel* m = mj_loadXML(env::quadruped::DefaultModelPath().c_str(), nullptr, error, sizeof error);
  st.counters["rss_kb_per_agent"] = per_agent_kb;
  st.counters["mjdata_kb"] =
      m ? (static_cast<double>(m->nbuffer) + 8.0 * static_cast<double>(m->nstack)) / 1024.0 : 0.0;
  if (m) mj_deleteModel(m);
}

}  // namespace

BENCHMARK(BM_QuadrupedEnv)
    ->ArgNames({"pd", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_QuadrupedSimulator)
    ->ArgNames({"threads"})
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_MjStepLoop)
    ->ArgNames({"pd"})
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_QuadrupedMemory)
    ->ArgNames({"agents"})
    ->Arg(1000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
