// Training throughput: one TD3 update (batch 64, 64-64 MLPs) in calf's Eigen implementation
// and in the LibTorch reference, and whole training steps of the quick preset (CALF action,
// environment step, replay store and one TD3 update each; items/s = environment steps/s).
// PPO: the rollout alone (64 creatures, LSTM policy; items/s = env-steps/s, target >= 50,000)
// and whole updates of the creature's quick preset (rollout + GAE + 4 epochs; items/s =
// samples/s, target >= 5,000), on 1 and 2 threads (wall-clock time).
// Run: build/bench/calf_bench_train --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <omp.h>

#include "core/train/ppo/ppo_algorithm.h"
#include "core/train/td3/replay_buffer.h"
#include "core/train/td3/td3.h"
#include "core/train/td3/td3_algorithm.h"
#include "core/train/td3/td3_reference.h"
#include "core/train/trainer.h"

namespace {

using namespace calf::core::train;

// a replay buffer of n point-mass-like transitions
ReplayBuffer FilledBuffer(int64_t n) {
  ReplayBuffer rb(100000, 2, 1);
  for (int64_t t = 0; t < n; ++t) {
    const double s[2] = {std::sin(0.01 * t) * 3.0, std::cos(0.013 * t)};
    const double a[1] = {std::sin(0.07 * t) * 5.0};
    const double s2[2] = {s[0] + 0.01 * s[1], s[1] + 0.01 * a[0]};
    rb.Add(s, a, -std::hypot(s[0], s[1]) * 10.0, s2, false);
  }
  return rb;
}

void BM_Td3UpdateEigen(benchmark::State& state) {
  Td3Params p;
  Td3 td3(2, 1, {5.0}, p, 0);
  const ReplayBuffer rb = FilledBuffer(10000);
  for (auto _ : state) benchmark::DoNotOptimize(td3.Train(rb, 0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Td3UpdateEigen)->Unit(benchmark::kMicrosecond);

void BM_Td3UpdateLibTorch(benchmark::State& state) {
  Td3Params p;
  Td3 td3(2, 1, {5.0}, p, 0);
  TorchTd3Reference ref(td3);
  const ReplayBuffer rb = FilledBuffer(10000);
  std::vector<int64_t> idx(64);
  Batch batch;
  Eigen::MatrixXf normal = Eigen::MatrixXf::Random(1, 64);
  int64_t it = 0;
  for (auto _ : state) {
    for (int k = 0; k < 64; ++k) idx[k] = (it * 7919 + k * 104729) % rb.size();
    rb.Gather(idx, batch);
    benchmark::DoNotOptimize(ref.TrainOnBatch(batch, normal));
    ++it;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Td3UpdateLibTorch)->Unit(benchmark::kMicrosecond);

// Td3Algorithm::Step after the nominal warm-up of the quick preset, so every step is a CALF step
// with one TD3 update (the throughput `calf train` reports). Args: system (0 point mass,
// 1 unicycle), backend (0 eigen, 1 libtorch).
void BM_TrainerStepQuick(benchmark::State& state) {
  TrainConfig c;
  c.ApplyPreset("quick");
  c.system = state.range(0) == 0 ? "point_mass" : "differential_drive";
  Td3Config& p = c.As<Td3Config>();
  p.backend = state.range(1) == 0 ? "eigen" : "libtorch";
  Trainer trainer(c);
  Td3Algorithm& td3 = trainer.As<Td3Algorithm>();
  for (int64_t k = 0; k < p.start_training_step; ++k) td3.Step();
  for (auto _ : state) benchmark::DoNotOptimize(td3.Step());
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(c.system + " " + p.backend);
}
BENCHMARK(BM_TrainerStepQuick)
    ->ArgNames({"unicycle", "libtorch"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Unit(benchmark::kMicrosecond);

TrainConfig PpoCreatureQuick() {
  TrainOverrides o;
  o.algo = "ppo";
  o.system = "creature";
  o.preset = "quick";
  return ResolveNewConfig(o);
}

// Arg: threads.
void BM_PpoRollout(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  Trainer trainer(PpoCreatureQuick());
  PpoAlgorithm& ppo = trainer.As<PpoAlgorithm>();
  int64_t steps = 0;
  for (auto _ : state) steps += ppo.RolloutOnly();
  state.SetItemsProcessed(steps);
  state.SetLabel("creature, 64 envs x 128 steps");
}
BENCHMARK(BM_PpoRollout)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_PpoUpdate(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(0)));
  Trainer trainer(PpoCreatureQuick());
  PpoAlgorithm& ppo = trainer.As<PpoAlgorithm>();
  int64_t samples = 0;
  for (auto _ : state) {
    ppo.RunEpisode();
    samples += 64 * 128;
  }
  state.SetItemsProcessed(samples);
  state.SetLabel("creature quick: rollout + GAE + 4 epochs");
}
BENCHMARK(BM_PpoUpdate)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
