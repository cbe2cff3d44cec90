// `calf profile` costs: the profiler's own overhead per frame (BeginFrame, one lap per
// section, EndFrame; and the ScopedTimer variant) against the frame time at N = 20 (target < 1%),
// and the frame time of the baseline and optimized designs at a few N (no render, no io).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "core/env/registry.h"
#include "core/policy/torch_model.h"
#include "core/profile/frame_pipeline.h"

using namespace calf::core;
using namespace calf::core::profile;

namespace {

// 64-unit actor and twin critic, saved as TorchScript for the LibTorch path
struct Models {
  Mlp actor, q1, q2;
  std::unique_ptr<TorchModel> torch_actor, torch_critic;
  PipelineModels pipeline;
  std::string dir;
  Models() {
    Eigen::VectorXf scale(1);
    scale << 5.0F;
    actor = MakeRandomMlp({2, 64, 64, 1}, Activation::kRelu, Activation::kTanh, scale, 1);
    q1 = MakeRandomMlp({3, 64, 64, 1}, Activation::kRelu, Activation::kIdentity, {}, 2);
    q2 = MakeRandomMlp({3, 64, 64, 1}, Activation::kRelu, Activation::kIdentity, {}, 3);
    dir = (std::filesystem::temp_directory_path() /
           ("calf_bench_profile_" + std::to_string(getpid())))
              .string();
    std::filesystem::create_directories(dir);
    SaveActorTorchScript(actor, dir + "/actor.pt");
    SaveCriticTorchScript(q1, q2, 2, dir + "/critic.pt");
    const auto& spec = env::FindSpec("point_mass");
    torch_actor = TorchModel::Load(dir + "/actor.pt", TorchModel::Role::kActor, spec);
    torch_critic = TorchModel::Load(dir + "/critic.pt", TorchModel::Role::kCritic, spec);
    pipeline = {&torch_actor->heads()[0], &torch_critic->heads()[0], &torch_critic->heads()[1],
                torch_actor.get(), torch_critic.get()};
  }
  ~Models() { std::filesystem::remove_all(dir); }
};

Models& SharedModels() {
  static Models m;
  return m;
}

ProfileConfig MediumConfig() {
  ProfileConfig c;
  c.ApplyPreset("medium");
  c.frames = 1000000;
  c.warmup = 0;
  return c;
}

// one frame's worth of profiler work as FramePipeline does it: BeginFrame, a lap per
// section (all six: the worst case), EndFrame
void ProfilerFrame(FrameProfiler& p) {
  p.BeginFrame();
  for (int s = 0; s < kNumSections; ++s) {
    benchmark::ClobberMemory();
    p.Lap(static_cast<Section>(s));
  }
  benchmark::DoNotOptimize(p.EndFrame(false));
}

// the same with a ScopedTimer per section (two clock reads each)
void ScopedTimerFrame(FrameProfiler& p) {
  p.BeginFrame();
  for (int s = 0; s < kNumSections; ++s) {
    ScopedTimer t(&p, static_cast<Section>(s));
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(p.EndFrame(false));
}

void BM_ScopedTimersPerFrame(benchmark::State& state) {
  FrameProfiler p(0);
  for (auto _ : state) ScopedTimerFrame(p);
}
BENCHMARK(BM_ScopedTimersPerFrame);

// mean frame time of a design at N (ms), measured outside the benchmark loop
double MeanFrameMs(const OptimizationFlags& flags, int64_t n, int frames) {
  FramePipeline pipe(MediumConfig(), flags, n, SharedModels().pipeline, nullptr, nullptr);
  for (int f = 0; f < 20; ++f) pipe.RunFrame(false);
  const auto t0 = std::chrono::steady_clock::now();
  for (int f = 0; f < frames; ++f) pipe.RunFrame(false);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
         frames;
}

void BM_ProfilerOverheadPerFrame(benchmark::State& state) {
  FrameProfiler p(0);
  for (auto _ : state) ProfilerFrame(p);
  // overhead share of the N = 20 frames of both designs
  const auto t0 = std::chrono::steady_clock::now();
  const int reps = 100000;
  for (int i = 0; i < reps; ++i) ProfilerFrame(p);
  const double overhead_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
      reps;
  const double base_ms = MeanFrameMs(OptimizationFlags::Baseline(), 20, 300);
  const double opt_ms = MeanFrameMs(OptimizationFlags::Optimized(), 20, 3000);
  state.counters["overhead_us"] = overhead_ms * 1e3;
  state.counters["baseline_frame_us"] = base_ms * 1e3;
  state.counters["optimized_frame_us"] = opt_ms * 1e3;
  state.counters["pct_of_baseline_frame"] = 100.0 * overhead_ms / base_ms;
  state.counters["pct_of_optimized_frame"] = 100.0 * overhead_ms / opt_ms;
}
BENCHMARK(BM_ProfilerOverheadPerFrame);

void BM_Frame(benchmark::State& state, bool optimized) {
  const int64_t n = state.range(0);
  const OptimizationFlags flags =
      optimized ? OptimizationFlags::Optimized() : OptimizationFlags::Baseline();
  FramePipeline pipe(MediumConfig(), flags, n, SharedModels().pipeline, nullptr, nullptr);
  for (int f = 0; f < 5; ++f) pipe.RunFrame(false);
  for (auto _ : state) pipe.RunFrame(false);
  state.counters["fps"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_Frame, baseline, false)
    ->Arg(20)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Frame, optimized, true)
    ->Arg(20)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
