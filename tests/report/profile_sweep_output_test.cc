// `calf profile` output (core::profile::RunSweep) read back with the report loader and HDF5.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/io/h5_file.h"
#include "core/profile/sweep.h"
#include "report/profile_data.h"
#include "tests/testutil/profile_models.h"
#include "tests/testutil/temp_dir.h"

using namespace calf::core::profile;
namespace fs = std::filesystem;

namespace {
ProfileConfig TinySweep() {
  ProfileConfig c;
  c.ApplyPreset("low");
  c.agents = {3, 7};
  c.modes = {"baseline", "optimized", "ablation"};
  c.frames = 6;
  c.warmup = 2;
  c.repeats = 2;
  c.grid = 5;
  c.heatmap_update_freq = 3;
  c.record_agents = 4;
  return c;
}
}  // namespace

TEST_CASE("A profile sweep is loaded by the report loader", "[report][profile_output]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  const std::string out = dir.path("prof");
  PrepareOutputDir(out, false);
  const SweepResult result = RunSweep(TinySweep(), models.models(), out);
  REQUIRE(result.summaries.size() == 12);  // 2 N x 6 modes

  const calf::report::Profile p = calf::report::LoadSweep(out);
  REQUIRE(p.summaries.size() == 12);
  REQUIRE(p.system == "point_mass");
  const auto modes = p.Modes();
  REQUIRE(modes[0] == "baseline");
  REQUIRE(modes[1] == "optimized");
  REQUIRE(p.AgentCounts("only_stats_cache") == std::vector<int>{3, 7});
  const calf::report::Summary* s = p.Find("optimized", 7);
  REQUIRE(s != nullptr);
  REQUIRE(s->frames_measured == 4);
  REQUIRE(s->repeats == 2);
  REQUIRE(s->repeat_fps.size() == 2);
  REQUIRE(s->frame_times_ms.size() == 8);
  REQUIRE_FALSE(s->render);
  REQUIRE(s->flags.batched_trails);
  REQUIRE(s->breakdown.at("render").avg_ms == 0.0);
  REQUIRE(s->breakdown.at("physics").avg_ms > 0.0);
  REQUIRE(p.Find("only_batched_inference", 3)->flags.batched_inference);
  REQUIRE_FALSE(p.Find("only_batched_inference", 3)->flags.stats_cache);
}

TEST_CASE("Each repeat's HDF5 file holds per-frame timings and counters",
          "[report][profile_output]") {
  calf::testutil::TempDir dir;
  calf::testutil::ProfileModels models(dir.path());
  const std::string out = dir.path("prof");
  ProfileConfig c = TinySweep();
  c.agents = {7};
  c.modes = {"baseline"};
  PrepareOutputDir(out, false);
  const SweepResult result = RunSweep(c, models.models(), out);
  const auto& summary = result.summaries.at(0);
  double queries = 0;
  for (int r = 0; r < 2; ++r) {
    const auto f =
        calf::core::H5File::Open(out + "/baseline_n7_r" + std::to_string(r) + ".h5", true);
    for (const char* name :
         {"physics", "visuals", "ui", "heatmap", "render", "io", "frame_total"}) {
      const auto t = f.ReadDataset<double>(std::string("timings/") + name);
      REQUIRE(t.dims == std::vector<int64_t>{4});
    }
    const auto total = f.ReadDataset<double>("timings/frame_total");
    for (size_t k = 0; k < 4; ++k) {
      REQUIRE(total.values[k] == summary["frame_times_ms"][r * 4 + k].get<double>());
    }
    const auto q = f.ReadDataset<int64_t>("counters/critic_queries");
    for (int64_t v : q.values) queries += static_cast<double>(v);
    // measured frames 2..5: 7 agents + 1 UI query each; the heat map updates every 3 frames
    // counted from the first measured one (frames 2 and 5), baseline in one call over the grid
    REQUIRE(q.values == std::vector<int64_t>{8 + 1, 8, 8, 8 + 1});
    REQUIRE(f.ReadDataset<int64_t>("counters/draw_calls").dims == std::vector<int64_t>{4});
    REQUIRE(f.ReadDataset<float>("trajectory/states").dims == std::vector<int64_t>{6, 4, 2});
    REQUIRE(f.ReadStringAttribute("/", "mode") == "baseline");
    REQUIRE(f.ReadStringAttribute("/", "flags").find("\"stats_cache\":false") != std::string::npos);
    REQUIRE(!f.ReadStringAttribute("/", "cpu_model").empty());
    REQUIRE(f.ReadInt64Attribute("/", "warmup_frames") == 2);
  }
  REQUIRE(summary["gpu_queries"].get<double>() == Approx(queries / 8.0));
  REQUIRE_FALSE(fs::exists(out + "/baseline_n7_r0.h5.partial"));
}

TEST_CASE("An output directory with results is refused unless forced", "[report][profile_output]") {
  calf::testutil::TempDir dir;
  const std::string out = dir.path("prof");
  PrepareOutputDir(out, false);  // creates it
  PrepareOutputDir(out, false);  // empty: fine
  std::ofstream(out + "/index.json") << "{}";
  std::ofstream(out + "/notes.txt") << "keep";
  REQUIRE_THROWS_AS(PrepareOutputDir(out, false), calf::ConfigError);
  PrepareOutputDir(out, true);
  REQUIRE_FALSE(fs::exists(out + "/index.json"));
  REQUIRE(fs::exists(out + "/notes.txt"));
}
