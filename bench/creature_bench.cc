// Agent-steps per second of the creature's step kernel alone (no policy), N = 100,000 on one
// and two threads: the fused kernel, the unfused passes and the per-creature baseline side by
// side (core/env/creature/creature_kernel.h; the same bits from all three). Actions are fixed
// pseudo-random commands (one creature in seven idle); goals respawn as in a run; there is no
// time limit (resets belong to the simulator). Each iteration is one step of all N creatures.
// scripts/bench_creature.sh runs this beside the numba port (bench/creature_numba.py).
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "core/env/creature/creature_kernel.h"

using namespace calf::core;
namespace cr = calf::core::env::creature;

namespace {

constexpr uint64_t kSeed = 1;

struct World {
  cr::KernelParams P;
  cr::CreaturePopulation pop;
  cr::CreatureStepBuffers io;
  std::vector<cr::Creature> aos;  // the per-creature baseline's own layout
  std::vector<float> aos_reward, aos_obs;
  std::vector<uint8_t> aos_hit;

  explicit World(int64_t n) {
    env::EnvParams params;
    P = cr::MakeKernelParams(params);
    pop.Resize(n);
    io.Resize(n);
    aos.resize(n);
    aos_reward.resize(n);
    aos_obs.resize(n * cr::kObsDim);
    aos_hit.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      cr::CreatureReset(P, aos[i], kSeed, static_cast<uint64_t>(i), 0);
      cr::Store(pop.arrays, i, aos[i]);
      for (int j = 0; j < 3; ++j) {
        io.u[j * n + i] = (i % 7 == 0) ? 0.0f : std::sin(0.37f * float(i) + 1.3f * float(j));
      }
    }
  }
};

void Report(benchmark::State& st, int64_t n) {
  st.SetItemsProcessed(st.iterations() * n);
  st.counters["agent_steps_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations() * n), benchmark::Counter::kIsRate);
  st.SetLabel(cr::KernelName());
}

// args: N, threads
void BM_CreatureFused(benchmark::State& st) {
  const int64_t n = st.range(0);
  const int threads = static_cast<int>(st.range(1));
  World w(n);
  uint64_t step = 0;
  for (auto _ : st) {
    cr::StepAll(w.P, w.pop.arrays, n, w.io.io, kSeed, step++, true, threads);
    benchmark::ClobberMemory();
  }
  Report(st, n);
}

void BM_CreatureUnfused(benchmark::State& st) {
  const int64_t n = st.range(0);
  const int threads = static_cast<int>(st.range(1));
  World w(n);
  uint64_t step = 0;
  for (auto _ : st) {
    cr::StepAll(w.P, w.pop.arrays, n, w.io.io, kSeed, step++, false, threads);
    benchmark::ClobberMemory();
  }
  Report(st, n);
}

void BM_CreaturePerCreature(benchmark::State& st) {
  const int64_t n = st.range(0);
  const int threads = static_cast<int>(st.range(1));
  World w(n);
  uint64_t step = 0;
  for (auto _ : st) {
    // one creature at a time through the separate functions, array-of-structs
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t i = 0; i < n; ++i) {
      cr::Creature& c = w.aos[i];
      const float u[3] = {w.io.u[i], w.io.u[n + i], w.io.u[2 * n + i]};
      cr::StepTerms t;
      bool hit = false;
      cr::CreaturePhysics(w.P, c, u, t);
      w.aos_reward[i] = cr::CreatureReward(w.P, c, t, hit);
      if (hit) cr::CreatureRespawn(w.P, c, kSeed, static_cast<uint64_t>(i), step);
      w.aos_hit[i] = hit;
      cr::CreatureObserve(w.P, c, &w.aos_obs[i * cr::kObsDim]);
    }
    ++step;
    benchmark::ClobberMemory();
  }
  Report(st, n);
}

void Args(benchmark::internal::Benchmark* b) {
  b->Args({100000, 1})->Args({100000, 2})->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_CreatureFused)->Apply(Args);
BENCHMARK(BM_CreatureUnfused)->Apply(Args);
BENCHMARK(BM_CreaturePerCreature)->Apply(Args);

BENCHMARK_MAIN();
