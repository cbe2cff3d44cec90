// Trajectory write throughput: MB/s of uncompressed payload (states, actions, rewards,
// q_values, modes, episode, done, step) for N = 100000 agents, d = 2, m = 1, written through
// TrajectoryWriter to a file under $CALF_BENCH_DIR (default /tmp), Finish included.
// Arg 0: compress (0/1). Data is a random walk, like real point-mass trajectories.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/io/trajectory_writer.h"

namespace {

constexpr int64_t kAgents = 100000;
constexpr int kStateDim = 2;
constexpr int kActionDim = 1;
constexpr int64_t kSteps = 32;

struct Data {
  std::vector<double> states;  // [(kSteps + 1) * N * d]
  std::vector<double> actions, rewards;
  std::vector<float> q_values;
  std::vector<uint8_t> modes, done;
  std::vector<int32_t> episode;

  Data() {
    std::mt19937_64 rng(1);
    std::normal_distribution<double> noise(0.0, 0.01);
    states.resize((kSteps + 1) * kAgents * kStateDim);
    for (int64_t i = 0; i < kAgents * kStateDim; ++i) states[i] = noise(rng) * 100.0;
    for (int64_t t = 1; t <= kSteps; ++t) {
      for (int64_t i = 0; i < kAgents * kStateDim; ++i) {
        const int64_t k = t * kAgents * kStateDim + i;
        states[k] = states[k - kAgents * kStateDim] + noise(rng);
      }
    }
    for (int64_t i = 0; i < kAgents; ++i) {
      actions.push_back(noise(rng) * 10.0);
      rewards.push_back(-std::abs(states[2 * i]) - std::abs(states[2 * i + 1]));
      q_values.push_back(static_cast<float>(rewards.back() * 3.0));
      modes.push_back(static_cast<uint8_t>(rng() % 4 == 0 ? 1 : 0));
      done.push_back(static_cast<uint8_t>(rng() % 1000 == 0 ? 1 : 0));
      episode.push_back(static_cast<int32_t>(i % 3));
    }
  }
};

int64_t BytesPerRun() {
  const int64_t per_step = kAgents * (kStateDim * 4 + kActionDim * 4 + 4 + 4 + 1 + 4 + 1) + 8;
  return kAgents * kStateDim * 4 + kSteps * per_step;
}

void BM_TrajectoryWrite(benchmark::State& state) {
  static const Data data;
  const bool compress = state.range(0) != 0;
  const char* dir = std::getenv("CALF_BENCH_DIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/calf_bench_traj_" +
                           std::to_string(compress) + ".h5";
  calf::core::TrajectoryMeta meta;
  meta.config_json = "{}";
  meta.system = "point_mass";
  meta.policy = "calf";
  calf::core::TrajectoryWriterOptions options;
  options.compress = compress;
  for (auto _ : state) {
    calf::core::TrajectoryWriter writer(path, kAgents, kStateDim, kActionDim, meta, options);
    writer.WriteInitialStates(data.states.data());
    for (int64_t t = 0; t < kSteps; ++t) {
      calf::core::StepRecord r;
      r.step = t;
      r.actions = data.actions.data();
      r.rewards = data.rewards.data();
      r.q_values = data.q_values.data();
      r.modes = data.modes.data();
      r.episode = data.episode.data();
      r.done = data.done.data();
      r.next_states = data.states.data() + (t + 1) * kAgents * kStateDim;
      writer.Append(r);
    }
    writer.Finish(true);
  }
  state.SetBytesProcessed(state.iterations() * BytesPerRun());
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations() * kSteps),
                                                 benchmark::Counter::kIsRate);
  std::remove(path.c_str());
}

}  // namespace

BENCHMARK(BM_TrajectoryWrite)
    ->ArgName("compress")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
