#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/profile/frame_pipeline.h"
#include "core/train/td3/td3_algorithm.h"
#include "core/train/trainer.h"
#include "tests/testutil/profile_models.h"
#include "tests/testutil/temp_dir.h"

using namespace calf::core::profile;
using calf::core::Mode;

namespace {

ProfileConfig SmallConfig() {
  ProfileConfig c;
  c.ApplyPreset("medium");
  c.grid = 9;
  c.heatmap_update_freq = 7;  // several surface updates within the horizon
  c.trail_length = 16;
  c.trail_rebuild_freq = 3;
  c.frames = 60;
  c.warmup = 0;
  c.seed = 5;
  c.threads = 2;
  return c;
}

OptimizationFlags BaselineWithBatchedInference() {
  OptimizationFlags f;
  f.batched_inference = true;
  return f;
}

}  // namespace

TEST_CASE("Baseline with batched inference and optimized run bit-identical simulations",
          "[profile][pipeline]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  const ProfileConfig c = SmallConfig();
  const int64_t n = 37;
  FramePipeline base(c, BaselineWithBatchedInference(), n, models.models(), nullptr, nullptr);
  FramePipeline opt(c, OptimizationFlags::Optimized(), n, models.models(), nullptr, nullptr);
  for (int f = 0; f < 60; ++f) {
    base.RunFrame(true);
    opt.RunFrame(true);
    REQUIRE(base.state().states == opt.state().states);
    REQUIRE(base.state().modes == opt.state().modes);
    REQUIRE(base.state().episode == opt.state().episode);
    for (size_t k = 0; k < base.agent_positions().size(); ++k) {
      REQUIRE(std::fabs(base.agent_positions()[k] - opt.agent_positions()[k]) <= 1e-6F);
    }
  }
  REQUIRE(base.surface().heights() == opt.surface().heights());
  REQUIRE(base.episodes_finished() == opt.episodes_finished());
}

TEST_CASE("Full baseline (LibTorch per agent) and optimized agree on modes, states and heights",
          "[profile][pipeline]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  ProfileConfig c = SmallConfig();
  c.frames = 300;
  const int64_t n = 12;
  FramePipeline base(c, OptimizationFlags::Baseline(), n, models.models(), nullptr, nullptr);
  FramePipeline opt(c, OptimizationFlags::Optimized(), n, models.models(), nullptr, nullptr);
  // the default horizon: 300 frames, so that LibTorch's rounding differences have
  // time to accumulate through the dynamics and through several episode resets
  for (int f = 0; f < 300; ++f) {
    base.RunFrame(true);
    opt.RunFrame(true);
    REQUIRE(base.state().modes == opt.state().modes);
    for (size_t k = 0; k < base.state().states.size(); ++k) {
      REQUIRE(std::fabs(base.state().states[k] - opt.state().states[k]) <= 1e-5);
    }
  }
  for (size_t k = 0; k < base.surface().heights().size(); ++k) {
    // LibTorch and calf's kernel sum the critic in different orders (q agrees to ~1e-6
    // relative); normalising q² by its range amplifies that, so the bound here is the
    // inference paths' own 1e-5. Same-critic designs are bit-identical (test above).
    INFO("grid point " << k << ": " << base.surface().heights()[k] << " vs "
                       << opt.surface().heights()[k]);
    REQUIRE(std::fabs(base.surface().heights()[k] - opt.surface().heights()[k]) <= 1e-5F);
  }
  for (size_t k = 0; k < base.agent_positions().size(); k += 3) {
    REQUIRE(std::fabs(base.agent_positions()[k + 1] - opt.agent_positions()[k + 1]) <= 1e-5F);
  }
}

TEST_CASE("Critic queries per frame follow each design", "[profile][pipeline]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  ProfileConfig c = SmallConfig();
  const int64_t n = 20;
  FramePipeline base(c, OptimizationFlags::Baseline(), n, models.models(), nullptr, nullptr);
  FramePipeline opt(c, OptimizationFlags::Optimized(), n, models.models(), nullptr, nullptr);
  for (int f = 0; f < 21; ++f) {
    base.RunFrame(true);
    opt.RunFrame(true);
  }
  for (int f = 0; f < 21; ++f) {
    const bool heatmap = f % 7 == 0;
    // baseline: one per agent, one UI query, one LibTorch call over the grid on heat-map frames
    REQUIRE(base.counts()[f].critic_queries == n + 1 + (heatmap ? 1 : 0));
    // optimized: one batched physics call, the UI query every 10 frames, one grid call
    REQUIRE(opt.counts()[f].critic_queries == 1 + (f % 10 == 0 ? 1 : 0) + (heatmap ? 1 : 0));
  }
}

TEST_CASE("Optimized trails need a constant number of draw calls, baseline one per agent",
          "[profile][pipeline]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  ProfileConfig c = SmallConfig();
  for (int64_t n : {5, 40}) {
    FramePipeline base(c, OptimizationFlags::Baseline(), n, models.models(), nullptr, nullptr);
    FramePipeline opt(c, OptimizationFlags::Optimized(), n, models.models(), nullptr, nullptr);
    for (int f = 0; f < 10; ++f) {
      base.RunFrame(true);
      opt.RunFrame(true);
    }
    REQUIRE(opt.last_counts().draw_calls == 3);
    REQUIRE(base.last_counts().draw_calls >= n + 2);
  }
}

TEST_CASE("The UI text shows the same statistics in both designs when the cache refreshes",
          "[profile][pipeline]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  ProfileConfig c = SmallConfig();
  OptimizationFlags cached = BaselineWithBatchedInference();
  cached.stats_cache = true;
  FramePipeline base(c, BaselineWithBatchedInference(), 8, models.models(), nullptr, nullptr);
  FramePipeline opt(c, cached, 8, models.models(), nullptr, nullptr);
  base.RunFrame(true);
  opt.RunFrame(true);
  // frame 0: every key is due; the texts differ only in the FPS field
  auto strip_fps = [](const std::string& s) { return s.substr(0, s.rfind('|')); };
  REQUIRE(!opt.ui_text().empty());
  REQUIRE(strip_fps(base.ui_text()) == strip_fps(opt.ui_text()));
}

TEST_CASE("Heat-map updates are counted from the first measured frame", "[profile][pipeline]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  ProfileConfig c = SmallConfig();
  c.warmup = 13;
  c.frames = 13 + 25;
  c.heatmap_update_freq = 500;  // longer than the measured window
  for (const OptimizationFlags& flags :
       {OptimizationFlags::Baseline(), OptimizationFlags::Optimized()}) {
    FramePipeline p(c, flags, 6, models.models(), nullptr, nullptr);
    for (int64_t f = 0; f < c.frames; ++f) p.RunFrame(f >= c.warmup);
    const auto& frames = p.profiler().frames();
    REQUIRE(frames.size() == 25);
    const int heat = static_cast<int>(Section::kHeatmap);
    // the first measured frame updates the surface, the other measured frames do not
    REQUIRE(frames[0].section_ms[heat] > 0.0);
    for (size_t k = 1; k < frames.size(); ++k) REQUIRE(frames[k].section_ms[heat] == 0.0);
  }
  // with a short period: frame 0, then warmup, warmup + freq, ...
  c.heatmap_update_freq = 10;
  FramePipeline p(c, OptimizationFlags::Optimized(), 6, models.models(), nullptr, nullptr);
  for (int64_t f = 0; f < c.frames; ++f) p.RunFrame(f >= c.warmup);
  const auto& frames = p.profiler().frames();
  for (size_t k = 0; k < frames.size(); ++k) {
    INFO("measured frame " << k);
    REQUIRE((frames[k].section_ms[static_cast<int>(Section::kHeatmap)] > 0.0) == (k % 10 == 0));
  }
}

TEST_CASE("With --train every frame carries one TD3 update", "[profile][pipeline]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  ProfileConfig c = SmallConfig();
  c.train = true;
  FramePipeline p(c, OptimizationFlags::Optimized(), 4, models.models(), nullptr, nullptr);
  REQUIRE(p.trainer() != nullptr);
  const int64_t start =
      p.trainer()->config().As<calf::core::train::Td3Config>().start_training_step;
  // the nominal-only steps ran before the first frame
  REQUIRE(p.trainer()->total_steps() == start);
  for (int f = 0; f < 5; ++f) {
    p.RunFrame(true);
    REQUIRE(p.last_counts().critic_queries >= 2);
  }
  REQUIRE(p.trainer()->total_steps() == start + 5);
  REQUIRE(p.trainer()->As<calf::core::train::Td3Algorithm>().td3().iterations() == 5);
}

TEST_CASE("The creature's fused kernel and per-creature functions give the same profile run",
          "[profile][pipeline][creature][determinism]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path(), "creature");
  ProfileConfig c = SmallConfig();
  c.system = "creature";
  const int64_t n = 300;
  // the optimized design with the per-creature step (--fused-step off) and the baseline
  // design with batched inference and the fused step: the kernel alone changes nothing
  ProfileConfig off = c, on = c;
  off.fused_step = "off";
  on.fused_step = "on";
  CHECK_FALSE(FusedStep(c, OptimizationFlags::Baseline()));
  CHECK(FusedStep(c, OptimizationFlags::Optimized()));
  FramePipeline fused(on, BaselineWithBatchedInference(), n, models.models(), nullptr, nullptr);
  FramePipeline per(off, OptimizationFlags::Optimized(), n, models.models(), nullptr, nullptr);
  FramePipeline opt(c, OptimizationFlags::Optimized(), n, models.models(), nullptr, nullptr);
  for (int f = 0; f < 60; ++f) {
    fused.RunFrame(true);
    per.RunFrame(true);
    opt.RunFrame(true);
    REQUIRE(fused.state().states == per.state().states);
    REQUIRE(fused.state().env_states == per.state().env_states);
    REQUIRE(fused.state().rewards == per.state().rewards);
    REQUIRE(fused.state().modes == per.state().modes);
    REQUIRE(opt.state().states == per.state().states);
  }
}

TEST_CASE("The creature's full baseline (per creature, LibTorch per agent) tracks optimized",
          "[profile][pipeline][creature]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path(), "creature");
  ProfileConfig c = SmallConfig();
  c.system = "creature";
  const int64_t n = 20;
  FramePipeline base(c, OptimizationFlags::Baseline(), n, models.models(), nullptr, nullptr);
  FramePipeline opt(c, OptimizationFlags::Optimized(), n, models.models(), nullptr, nullptr);
  // LibTorch and calf's kernel round the networks differently (~1e-6); the float32 physics
  // carries that along, so the trajectories agree closely rather than bit for bit
  for (int f = 0; f < 60; ++f) {
    base.RunFrame(true);
    opt.RunFrame(true);
    for (size_t k = 0; k < base.state().states.size(); ++k) {
      REQUIRE(std::fabs(base.state().states[k] - opt.state().states[k]) <= 1e-3);
    }
  }
}
