#include "report/profile_data.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>

#include "core/error.h"
#include "report/comparison.h"
#include "tests/report/synthetic_profiles.h"

using namespace calf::report;
using namespace calf::report::testing;

namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const calf::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("A sweep directory loads every run of its index", "[report][profile]") {
  TempDir tmp;
  SyntheticRun base, opt;
  opt.mode = "optimized";
  opt.vectorized_heights = opt.stats_cache = opt.batched_trails = opt.batched_inference = true;
  opt.mean_ms = 5;
  SyntheticRun base50 = base;
  base50.n_agents = 50;
  WriteSweep(tmp.path() / "prof", {base, opt, base50}, DefaultConfig());
  const Profile p = LoadProfile((tmp.path() / "prof").string());
  CHECK(p.is_sweep);
  CHECK(p.label == "prof");
  CHECK(p.summaries.size() == 3);
  CHECK(p.Modes() == std::vector<std::string>{"baseline", "optimized"});
  CHECK(p.AgentCounts("baseline") == std::vector<int>{20, 50});
  const Summary* s = p.Find("optimized", 20);
  REQUIRE(s != nullptr);
  CHECK(s->flags.batched_trails);
  CHECK(s->frame_times_ms.size() == 200u * 10u);
  CHECK(s->repeat_fps.size() == 10u);
  CHECK(s->fps_avg == Approx(1000.0 / s->frame_time_avg_ms));
  CHECK(s->breakdown.at("visuals").percent == 50.0);
  CHECK(p.machine.cpu_model == "Test CPU @ 3.0GHz");
}

TEST_CASE("A summary missing a field is rejected naming file and field", "[report][profile]") {
  TempDir tmp;
  auto json = MakeSummary(SyntheticRun{}, DefaultConfig());
  json["breakdown"].erase("heatmap");
  const auto file = tmp.path() / "broken.json";
  std::ofstream(file) << json.dump();
  const std::string what = ErrorOf([&] { LoadSummary(file.string()); });
  CHECK_THAT(what, Catch::Contains("broken.json"));
  CHECK_THAT(what, Catch::Contains("breakdown.heatmap"));

  json = MakeSummary(SyntheticRun{}, DefaultConfig());
  json["n_agents"] = "twenty";
  std::ofstream(file) << json.dump();
  CHECK_THAT(ErrorOf([&] { LoadSummary(file.string()); }), Catch::Contains("\"n_agents\""));

  json = MakeSummary(SyntheticRun{}, DefaultConfig());
  json["frame_times_ms"] = nlohmann::json::array();
  std::ofstream(file) << json.dump();
  CHECK_THAT(ErrorOf([&] { LoadSummary(file.string()); }), Catch::Contains("frame_times_ms"));
}

TEST_CASE("Missing files and empty sweeps are clear errors with exit code 2", "[report][profile]") {
  TempDir tmp;
  try {
    LoadProfile((tmp.path() / "nope.json").string());
    FAIL("no error");
  } catch (const calf::Error& e) {
    CHECK(e.code() == calf::ExitCode::kUsage);
    CHECK_THAT(std::string(e.what()), Catch::Contains("nope.json"));
  }
  // a directory without index.json
  CHECK_THAT(ErrorOf([&] { LoadProfile(tmp.path().string()); }), Catch::Contains("index.json"));
  // an index with no runs
  WriteSweep(tmp.path() / "empty", {}, DefaultConfig());
  try {
    LoadSweep((tmp.path() / "empty").string());
    FAIL("no error");
  } catch (const calf::ConfigError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("\"runs\" is empty"));
  }
}

TEST_CASE("JSON diff lists the dotted paths of differing leaves", "[report][profile]") {
  nlohmann::json a = DefaultConfig(), b = DefaultConfig();
  b["sim"]["dt"] = 0.02;
  b["render"].erase("width");
  b["mode"] = "optimized";
  a["repeats"] = 10.0;  // 10 == 10.0
  CHECK(DiffJson(a, b, {"mode"}) == std::vector<std::string>{"render.width", "sim.dt"});
  CHECK(DiffJson(a, b).size() == 3u);
}

TEST_CASE("Comparing profiles of different configs names the differing fields",
          "[report][profile][mismatch]") {
  TempDir tmp;
  auto other = DefaultConfig();
  other["sim"]["dt"] = 0.005;
  SyntheticRun old_run, new_run;
  new_run.seed = 2;
  WriteSummary(tmp.path() / "a.json", old_run, DefaultConfig());
  WriteSummary(tmp.path() / "b.json", new_run, other, "cartpole");
  const std::vector<Profile> profiles = {LoadProfile((tmp.path() / "a.json").string()),
                                         LoadProfile((tmp.path() / "b.json").string())};
  CompareOptions options;
  options.bootstrap_resamples = 50;
  try {
    Compare(profiles, options);
    FAIL("no error");
  } catch (const calf::ConfigError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("config.sim.dt"));
    CHECK_THAT(what, Catch::Contains("system"));
    CHECK_THAT(what, Catch::Contains("--allow-mismatch"));
    CHECK(e.code() == calf::ExitCode::kUsage);
  }
  options.allow_mismatch = true;
  const Comparison c = Compare(profiles, options);
  CHECK(c.mismatches == std::vector<std::string>{"system", "config.sim.dt"});
}
