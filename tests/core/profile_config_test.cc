#include "core/profile/profile_config.h"

#include <catch2/catch.hpp>
#include <functional>

#include "core/error.h"

using namespace calf::core::profile;
using calf::ConfigError;

TEST_CASE("Profile presets set the issue's parameters", "[profile][config]") {
  ProfileConfig c;
  c.ApplyPreset("low");
  REQUIRE(c.agents == std::vector<int64_t>{3});
  REQUIRE(c.trail_length == 300);
  REQUIRE(c.trail_decimation == 3);
  REQUIRE(c.trail_rebuild_freq == 30);
  REQUIRE(c.grid == 15);
  REQUIRE(c.heatmap_update_freq == 1000);
  c.ApplyPreset("high");
  REQUIRE(c.agents == std::vector<int64_t>{10});
  REQUIRE((c.trail_length == 1000 && c.trail_decimation == 1 && c.trail_rebuild_freq == 10));
  REQUIRE((c.grid == 31 && c.heatmap_update_freq == 250));
  c.ApplyPreset("medium");
  REQUIRE((c.agents[0] == 5 && c.trail_length == 600 && c.grid == 21 &&
           c.heatmap_update_freq == 500 && c.trail_rebuild_freq == 15));
  REQUIRE_THROWS_AS(c.ApplyPreset("ultra"), ConfigError);
}

TEST_CASE("Agent lists parse and reject malformed input", "[profile][config]") {
  REQUIRE(ParseAgentList("3,5, 10") == std::vector<int64_t>{3, 5, 10});
  REQUIRE_THROWS_AS(ParseAgentList(""), ConfigError);
  REQUIRE_THROWS_AS(ParseAgentList("3,,5"), ConfigError);
  REQUIRE_THROWS_AS(ParseAgentList("3,x"), ConfigError);
  REQUIRE_THROWS_AS(ParseAgentList("3,5a"), ConfigError);
  REQUIRE_THROWS_AS(ParseAgentList("0"), ConfigError);
  REQUIRE_THROWS_AS(ParseAgentList("-4"), ConfigError);
  REQUIRE_THROWS_AS(ParseAgentList("3,5,3"), ConfigError);  // each N once
}

TEST_CASE("A file's preset key applies unless an explicit preset outranks it",
          "[profile][config]") {
  const std::string file = R"({"preset": "high", "trail_length": 77})";
  ProfileConfig from_file;
  from_file.ApplyJson(file, "f.json");
  REQUIRE(from_file.preset == "high");
  REQUIRE(from_file.grid == 31);
  REQUIRE(from_file.trail_length == 77);  // the file's own key beats its preset
  ProfileConfig flag_wins;
  flag_wins.ApplyPreset("low");
  flag_wins.ApplyJson(file, "f.json", /*apply_preset=*/false);
  REQUIRE(flag_wins.preset == "low");
  REQUIRE(flag_wins.grid == 15);
  REQUIRE(flag_wins.trail_length == 77);
}

TEST_CASE("Modes expand to flag sets with labels derived from the flags", "[profile][config]") {
  auto runs = ExpandModes({"baseline", "optimized", "ablation"}, {});
  REQUIRE(runs.size() == 6);
  REQUIRE(runs[0].label == "baseline");
  REQUIRE(runs[0].flags == OptimizationFlags::Baseline());
  REQUIRE(runs[1].label == "optimized");
  REQUIRE(runs[2].label == "only_vectorized_heights");
  REQUIRE(runs[2].flags.vectorized_heights);
  REQUIRE_FALSE(runs[2].flags.stats_cache);
  REQUIRE(runs[5].label == "only_batched_inference");
  // overrides apply to every mode; duplicates collapse
  runs = ExpandModes({"baseline", "optimized"}, {{"stats_cache", true}});
  REQUIRE(runs.size() == 2);
  REQUIRE(runs[0].label == "only_stats_cache");
  REQUIRE(runs[1].label == "optimized");
  runs = ExpandModes({"without_batched_trails"}, {});
  REQUIRE(runs[0].label == "without_batched_trails");
  REQUIRE_FALSE(runs[0].flags.batched_trails);
  REQUIRE(runs[0].flags.batched_inference);
  OptimizationFlags f;
  f.vectorized_heights = f.batched_trails = true;
  REQUIRE(LabelOf(f) == "flags_1010");
  REQUIRE_THROWS_AS(ExpandModes({"fast"}, {}), ConfigError);
  REQUIRE_THROWS_AS(ExpandModes({"only_turbo"}, {}), ConfigError);
  REQUIRE_THROWS_AS(ExpandModes({}, {}), ConfigError);
}

TEST_CASE("On/off values parse and unknown values are refused", "[profile][config]") {
  REQUIRE(ParseOnOff("on", "--x"));
  REQUIRE_FALSE(ParseOnOff("off", "--x"));
  REQUIRE_THROWS_WITH(ParseOnOff("maybe", "--stats-cache"),
                      "--stats-cache is \"maybe\"; use on or off");
}

TEST_CASE("Profile config round-trips through JSON", "[profile][config]") {
  ProfileConfig a;
  a.ApplyPreset("high");
  a.agents = {3, 20};
  a.modes = {"ablation"};
  a.flag_overrides = {{"batched_trails", false}};
  a.frames = 40;
  a.warmup = 4;
  a.render = true;
  a.seed = 9;
  ProfileConfig b;
  b.ApplyJson(a.ToJson(), "a.json");
  REQUIRE(b.ToJson() == a.ToJson());
  b.Validate();
}

TEST_CASE("The echoed profile config keeps its keys and values", "[profile][config]") {
  // profile outputs echo this object (index.json, summaries, HDF5 attributes); the keys are
  // the ones docs/profile-format.md lists
  REQUIRE(ProfileConfig().ToJson() ==
          R"({"actor":"","agents":[5],"critic":"","epsilon":0.01,"flag_overrides":{},)"
          R"("frames":300,"fused_step":"auto","grid":21,"heatmap_update_freq":500,)"
          R"("height":360,"height_scale":3.0,)"
          R"("modes":["baseline","optimized"],"preset":"medium","record_agents":1000,)"
          R"("render":false,"repeats":3,"seed":0,"system":"point_mass","threads":0,)"
          R"("trail_decimation":1,"trail_length":600,"trail_rebuild_freq":15,"train":false,)"
          R"("warmup":50,"width":640})");
  ProfileConfig c;
  c.ApplyPreset("low");
  c.seed = 18446744073709551615ULL;
  c.flag_overrides = {{"stats_cache", true}, {"batched_trails", false}};
  c.actor_path = "a.pt";
  c.epsilon = -0.5;
  const std::string echo = c.ToJson();
  REQUIRE(echo.find(R"("seed":18446744073709551615)") != std::string::npos);
  REQUIRE(echo.find(R"("flag_overrides":{"batched_trails":false,"stats_cache":true})") !=
          std::string::npos);
  REQUIRE(echo.find(R"("actor":"a.pt")") != std::string::npos);
  REQUIRE(echo.find(R"("epsilon":-0.5)") != std::string::npos);
  REQUIRE(echo.find(R"("preset":"low")") != std::string::npos);
}

TEST_CASE("Profile config refuses unknown keys, wrong types and bad ranges", "[profile][config]") {
  ProfileConfig c;
  REQUIRE_THROWS_WITH(c.ApplyJson(R"({"framez": 3})", "c.json"),
                      Catch::Contains("c.json") && Catch::Contains("framez"));
  REQUIRE_THROWS_AS(c.ApplyJson(R"({"frames": "many"})", "c.json"), ConfigError);
  REQUIRE_THROWS_AS(c.ApplyJson(R"({"flag_overrides": {"turbo": true}})", "c.json"), ConfigError);
  REQUIRE_THROWS_AS(c.ApplyJson("[1]", "c.json"), ConfigError);
  ProfileConfig d;
  d.frames = 50;
  d.warmup = 50;
  REQUIRE_THROWS_WITH(d.Validate(), Catch::Contains("must exceed warmup"));
  ProfileConfig e;
  e.grid = 1;
  REQUIRE_THROWS_AS(e.Validate(), ConfigError);
  ProfileConfig g;
  g.system = "rocket";
  REQUIRE_THROWS_AS(g.Validate(), ConfigError);
}

TEST_CASE("Profile config errors have the config layer's one phrasing", "[profile][config]") {
  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  ProfileConfig c;
  // a file's out-of-range value names the file and the key
  CHECK(error_of([&] { c.ApplyJson(R"({"grid": 1})", "prof.json"); }) ==
        "prof.json: key 'grid' = 1 is out of range; it must be in [2, 1024]");
  CHECK(error_of([&] { c.ApplyJson(R"({"agents": [3, 0]})", "prof.json"); }) ==
        "prof.json: key 'agents' must be an array of integers, each in [1, 100000000] (got 0)");
  CHECK(error_of([&] { c.ApplyJson(R"({"frames": "many"})", "prof.json"); }) ==
        "prof.json: key 'frames' must be an integer (got \"many\")");
  CHECK(error_of([&] {
          c.ApplyJson(R"({"flag_overrides": {"turbo": true}})", "prof.json");
        }).find("prof.json: unknown key 'flag_overrides.turbo'") == 0);
  CHECK(error_of([&] {
          c.ApplyJson(R"({"framez": 3})", "prof.json");
        }).find("prof.json: unknown key 'framez'; known keys: actor, agents,") == 0);
  CHECK(error_of([&] { c.ApplyJson(R"({"agents": [3, 5, 3]})", "prof.json"); }) ==
        "prof.json: key 'agents' lists 3 twice; give each N once");
  CHECK(error_of([&] {
          c.ApplyJson(R"({"modes": ["baseline", "fastest"]})", "prof.json");
        }).find("prof.json: key 'modes' has unknown mode \"fastest\"; use baseline,") == 0);
  // the file's preset is checked even when an explicit --preset outranks it
  CHECK(error_of([&] { c.ApplyJson(R"({"preset": "ultra"})", "prof.json", false); }) ==
        "prof.json: key 'preset' = \"ultra\" is unknown; use low, medium or high");
  // values from flags and cross-field checks: "config"
  ProfileConfig d;
  d.agents = {3, 0};
  CHECK(error_of([&] { d.Validate(); }) ==
        "config: key 'agents' = 0 is out of range; it must be in [1, 100000000]");
  d.agents = {3, 5, 3};
  CHECK(error_of([&] { d.Validate(); }) == "config: key 'agents' lists 3 twice; give each N once");
  d.agents = {};
  CHECK(error_of([&] { d.Validate(); }) == "config: key 'agents' must hold at least 1 value(s)");
  d.agents = {3};
  d.modes = {"baseline", "only_turbo"};
  CHECK(error_of([&] {
          d.Validate();
        }).find("config: key 'modes' has unknown mode \"only_turbo\"; the flag after") == 0);
  d.modes = {"baseline"};
  d.flag_overrides = {{"turbo", true}};
  CHECK(error_of([&] {
          d.Validate();
        }).find("config: key 'flag_overrides' has unknown flag \"turbo\"") == 0);
  d.flag_overrides = {};
  d.width = 20000;
  CHECK(error_of([&] { d.Validate(); }) ==
        "config: key 'width' = 20000 is out of range; it must be in [1, 16384]");
  d.width = 640;
  d.frames = 10;
  d.warmup = 20;
  CHECK(error_of([&] { d.Validate(); })
            .find("config: key 'frames' = 10 is out of range; it must "
                  "exceed warmup (20)") == 0);
  d.warmup = 2;
  d.Validate();
}
