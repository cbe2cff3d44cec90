#include "report/comparison.h"

#include <catch2/catch.hpp>

#include "core/error.h"
#include "report/report.h"
#include "report/sections.h"
#include "tests/report/synthetic_profiles.h"

using namespace calf::report;
using namespace calf::report::testing;
namespace fs = std::filesystem;

namespace {

// A config shaped like the one `calf profile` writes (ProfileConfig::ToJson).
nlohmann::json ProfileShapedConfig(const std::vector<int>& agents,
                                   const std::vector<std::string>& modes, int threads = 0,
                                   int repeats = 3) {
  return {{"preset", "medium"},
          {"system", "point_mass"},
          {"seed", 0},
          {"agents", agents},
          {"modes", modes},
          {"flag_overrides", nlohmann::json::object()},
          {"frames", 30},
          {"warmup", 5},
          {"repeats", repeats},
          {"trail_length", 600},
          {"trail_decimation", 1},
          {"trail_rebuild_freq", 15},
          {"grid", 21},
          {"heatmap_update_freq", 500},
          {"height_scale", 3.0},
          {"epsilon", 0.01},
          {"record_agents", 0},
          {"render", false},
          {"width", 640},
          {"height", 360},
          {"train", false},
          {"threads", threads},
          {"actor", ""},
          {"critic", ""}};
}

SyntheticRun Run(const std::string& mode, int n_agents, double mean_ms, std::uint32_t seed) {
  SyntheticRun r;
  r.mode = mode;
  const bool all = mode == "optimized";
  r.vectorized_heights = all || mode == "only_vectorized_heights";
  r.stats_cache = all || mode == "only_stats_cache";
  r.batched_trails = all || mode == "only_batched_trails";
  r.batched_inference = all || mode == "only_batched_inference";
  r.n_agents = n_agents;
  r.mean_ms = mean_ms;
  r.sd_ms = 0.03 * mean_ms;
  r.frames = 100;
  r.seed = seed;
  return r;
}

// baseline and optimized (twice as fast) at N = 10, 20, 50, 100.
std::vector<SyntheticRun> Designs(std::uint32_t seed = 1) {
  std::vector<SyntheticRun> runs;
  for (const auto& [n, ms] :
       std::vector<std::pair<int, double>>{{10, 10.0}, {20, 20.0}, {50, 40.0}, {100, 80.0}}) {
    runs.push_back(Run("baseline", n, ms, seed++));
    runs.push_back(Run("optimized", n, ms / 2, seed++));
  }
  return runs;
}

// The four flags alone at one N.
std::vector<SyntheticRun> AblationModes(int n_agents, std::uint32_t seed = 500) {
  return {Run("only_vectorized_heights", n_agents, 15.0, seed),
          Run("only_stats_cache", n_agents, 19.0, seed + 1),
          Run("only_batched_trails", n_agents, 14.0, seed + 2),
          Run("only_batched_inference", n_agents, 20.0, seed + 3)};
}

Design DesignWithFps(const std::vector<std::pair<int, double>>& points) {
  Design d;
  d.label = d.mode = "baseline";
  for (const auto& [n, fps] : points) {
    Summary s;
    s.n_agents = n;
    s.fps_avg = fps;
    d.runs.push_back(s);
  }
  return d;
}

CompareOptions Fast() {
  CompareOptions o;
  o.bootstrap_resamples = 300;
  return o;
}

const AblationRow* FindAblation(const Comparison& c, const std::string& mode) {
  for (const auto& row : c.ablation) {
    if (row.mode == mode) return &row;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("Capacity stops at the first N that misses the rate", "[report][capacity]") {
  // 3 holds 30 FPS, 10 misses, 20 holds again (noise): capacity is 3, not 20
  const Design bumpy = DesignWithFps({{20, 40}, {3, 50}, {10, 20}, {100, 10}});
  const Capacity c = CapacityAt(bumpy, 30.0);
  REQUIRE(c.max_n);
  CHECK(*c.max_n == 3);
  REQUIRE(c.first_miss_n);
  CHECK(*c.first_miss_n == 10);
  CHECK_FALSE(c.holds_all);
  CHECK(FormatCapacity(c) == "between 3 and 10");

  const Capacity all = CapacityAt(bumpy, 5.0);
  CHECK(all.holds_all);
  CHECK_FALSE(all.first_miss_n);
  CHECK(FormatCapacity(all) == ">= 100");

  const Capacity none = CapacityAt(bumpy, 60.0);
  CHECK_FALSE(none.max_n);
  CHECK(FormatCapacity(none) == "below 3");
}

TEST_CASE("Sweep bookkeeping in the config (agents, modes, repeats) does not block a comparison",
          "[report][mismatch]") {
  TempDir tmp;
  // two separate `calf profile` runs: different N lists, mode sets and repeats
  WriteSweep(tmp.path() / "A", {Run("baseline", 20, 20.0, 1)},
             ProfileShapedConfig({20}, {"baseline"}, 0, 3));
  WriteSweep(tmp.path() / "B", {Run("optimized", 3, 5.0, 2), Run("optimized", 20, 10.0, 3)},
             ProfileShapedConfig({3, 20}, {"optimized"}, 0, 5));
  const Profile a = LoadProfile((tmp.path() / "A" / "baseline_n20.json").string());
  const Profile b = LoadProfile((tmp.path() / "B" / "optimized_n20.json").string());
  const Comparison c = Compare({a, b}, Fast());
  CHECK(c.mismatches.empty());
  CHECK(c.headline.verdict == Verdict::kFaster);

  // the thread count changes timings: still refused, naming both values
  WriteSweep(tmp.path() / "T", {Run("optimized", 20, 10.0, 4)},
             ProfileShapedConfig({20}, {"optimized"}, 2));
  const Profile t = LoadProfile((tmp.path() / "T" / "optimized_n20.json").string());
  CHECK_THROWS_WITH(Compare({a, t}, Fast()), Catch::Contains("config.threads (0 vs 2)") &&
                                                 Catch::Contains("--allow-mismatch") &&
                                                 !Catch::Contains("config.agents"));
}

TEST_CASE("The same pair gets the same bootstrap interval in the per-N and ablation tables",
          "[report][determinism]") {
  TempDir tmp;
  auto runs = Designs();
  for (const auto& r : AblationModes(20)) runs.push_back(r);
  WriteSweep(tmp.path() / "prof", runs, DefaultConfig());
  const Comparison c = Compare({LoadProfile((tmp.path() / "prof").string())}, Fast());
  REQUIRE(c.ablation_n == 20);
  const AblationRow* opt = FindAblation(c, "optimized");
  REQUIRE(opt != nullptr);
  const NRow* per_n = nullptr;
  for (const auto& row : c.series.front().rows) {
    if (row.n_agents == 20) per_n = &row;
  }
  REQUIRE(per_n != nullptr);
  CHECK(opt->vs_baseline.speedup.low == per_n->change.speedup.low);
  CHECK(opt->vs_baseline.speedup.high == per_n->change.speedup.high);
  CHECK(FormatSpeedup(opt->vs_baseline.speedup) == FormatSpeedup(per_n->change.speedup));
  // other pairs get other streams
  CHECK(PairSeed(7, 20, "baseline", "optimized") == PairSeed(7, 20, "baseline", "optimized"));
  CHECK(PairSeed(7, 20, "baseline", "optimized") != PairSeed(7, 50, "baseline", "optimized"));
  CHECK(PairSeed(7, 20, "baseline", "optimized") != PairSeed(7, 20, "optimized", "baseline"));
  CHECK(PairSeed(7, 20, "baseline", "optimized") != PairSeed(8, 20, "baseline", "optimized"));
}

TEST_CASE("Ablation modes measured only at one N are used whatever the focus N",
          "[report][ablation]") {
  TempDir tmp;
  auto runs = Designs();
  for (const auto& r : AblationModes(20)) runs.push_back(r);
  WriteSweep(tmp.path() / "prof", runs, DefaultConfig());
  CompareOptions o = Fast();
  o.focus_n = 50;  // the designs were measured at 50, the ablation modes were not
  const Comparison c = Compare({LoadProfile((tmp.path() / "prof").string())}, o);
  CHECK(c.focus_n == 50);
  CHECK(c.ablation_n == 20);
  CHECK(c.ablation.size() == 5u);  // optimized and the four flags alone
  REQUIRE(FindAblation(c, "only_batched_trails") != nullptr);
  CHECK(FindAblation(c, "only_batched_trails")->vs_baseline.verdict == Verdict::kFaster);
}

TEST_CASE("A separate ablation profile supplies the ablation table", "[report][ablation]") {
  TempDir tmp;
  WriteSweep(tmp.path() / "prof", Designs(),
             ProfileShapedConfig({10, 20, 50, 100}, {"baseline", "optimized"}));
  WriteSweep(tmp.path() / "prof_ablation", AblationModes(20),
             ProfileShapedConfig({20}, {"ablation"}));
  const Profile main = LoadProfile((tmp.path() / "prof").string());
  const Profile ablation = LoadProfile((tmp.path() / "prof_ablation").string());
  const Comparison c = Compare({main}, Fast(), &ablation);
  CHECK(c.mismatches.empty());
  CHECK(c.ablation_n == 20);
  CHECK(c.ablation_source == "prof_ablation");
  CHECK(c.ablation_baseline_source == "prof");
  CHECK(c.ablation.size() == 5u);
  REQUIRE(FindAblation(c, "only_stats_cache") != nullptr);
  CHECK(FindAblation(c, "only_stats_cache")->vs_baseline.speedup.ratio ==
        Approx(20.0 / 19.0).epsilon(0.02));
  CHECK(c.has_ablation_profile);
  CHECK(c.sources.size() == 2u);
  const auto sections = BuildSections(c, std::nullopt);
  bool said = false;
  for (const auto& s : sections) {
    for (const auto& p : s.paragraphs) {
      said = said ||
             p.find(
                 "Each mode of prof_ablation against baseline at the same N "
                 "(baseline and modes it did not measure taken from prof)") != std::string::npos;
    }
  }
  CHECK(said);

  // an ablation profile of another experiment is refused like any other input
  WriteSweep(tmp.path() / "other", AblationModes(20), ProfileShapedConfig({20}, {"ablation"}, 4));
  const Profile other = LoadProfile((tmp.path() / "other").string());
  CHECK_THROWS_WITH(Compare({main}, Fast(), &other), Catch::Contains("config.threads (0 vs 4)"));
  // ... and one measured at an N where nobody measured the baseline is named
  WriteSweep(tmp.path() / "at7", AblationModes(7), ProfileShapedConfig({7}, {"ablation"}));
  const Profile at7 = LoadProfile((tmp.path() / "at7").string());
  CHECK_THROWS_WITH(Compare({main}, Fast(), &at7), Catch::Contains("no \"baseline\" runs at N=7"));
}

TEST_CASE("Profiles from different machines are refused under the gate unless allowed",
          "[report][machine]") {
  TempDir tmp;
  SyntheticRun before = Run("optimized", 20, 10.0, 1);
  SyntheticRun after = Run("optimized", 20, 10.0, 2);
  after.hostname = "laptop";
  after.cpu_model = "Other CPU";
  WriteSummary(tmp.path() / "before.json", before, DefaultConfig());
  WriteSummary(tmp.path() / "after.json", after, DefaultConfig());
  const ReportInputs inputs{
      {(tmp.path() / "before.json").string(), (tmp.path() / "after.json").string()}, ""};
  ReportOptions o;
  o.out_dir = (tmp.path() / "out").string();
  o.charts = false;
  o.compare.bootstrap_resamples = 300;

  // without a gate: compared, and the report says so
  const ReportResult plain = WriteReport(inputs, o);
  CHECK(plain.comparison.machine_differences ==
        std::vector<std::string>{"machine.cpu_model", "machine.hostname"});
  CHECK_THAT(ReadFile(plain.markdown_path),
             Catch::Contains("The profiles ran on different machines (machine.cpu_model, "
                             "machine.hostname): absolute numbers are not comparable."));

  // with a gate: refused before anything is written, unless --allow-mismatch
  o.out_dir = (tmp.path() / "gated").string();
  o.fail_on_regression = 0.05;
  try {
    WriteReport(inputs, o);
    FAIL("no error");
  } catch (const calf::ConfigError& e) {
    CHECK(e.code() == calf::ExitCode::kUsage);
    CHECK_THAT(std::string(e.what()),
               Catch::Contains("different machines") &&
                   Catch::Contains("machine.hostname (\"ci\" vs \"laptop\")") &&
                   Catch::Contains("--allow-mismatch"));
  }
  CHECK_FALSE(fs::exists(tmp.path() / "gated" / "report.md"));
  o.compare.allow_mismatch = true;
  CHECK(WriteReport(inputs, o).exit_code == 0);
}

TEST_CASE("The summary says what was measured: render off, a heat map without updates",
          "[report][writer]") {
  TempDir tmp;
  auto runs = Designs();
  for (auto& r : runs) {
    r.render = false;
    r.percents = {20, 60, 10, 0, 0, 10};  // no heat-map update, no render
  }
  WriteSweep(tmp.path() / "prof", runs, DefaultConfig());
  ReportOptions o;
  o.out_dir = (tmp.path() / "out").string();
  o.charts = false;
  o.compare.bootstrap_resamples = 300;
  const std::string md = ReadFile(WriteReport({{(tmp.path() / "prof").string()}}, o).markdown_path);
  const std::string summary = md.substr(0, md.find("\n## ", md.find("## Executive summary") + 1));
  CHECK_THAT(summary, Catch::Contains("Measured at N=20: physics, visuals, ui, io."));
  CHECK_THAT(summary, Catch::Contains("Render off: FPS and frame times exclude drawing"));
  CHECK_THAT(summary, Catch::Contains("Heatmap 0 ms: no heat-map update fell inside the measured "
                                      "frames"));

  // with render and heat map measured, the summary just lists the sections
  TempDir tmp2;
  WriteSweep(tmp2.path() / "prof", Designs(), DefaultConfig());
  o.out_dir = (tmp2.path() / "out").string();
  const std::string md2 =
      ReadFile(WriteReport({{(tmp2.path() / "prof").string()}}, o).markdown_path);
  CHECK_THAT(md2, Catch::Contains("Measured at N=20: physics, visuals, ui, heatmap, render, io."));
  CHECK_THAT(md2, !Catch::Contains("Render off") && !Catch::Contains("Heatmap 0 ms"));
}
