// Writes synthetic `calf profile` output for the `calf compare` CLI tests, from a JSON spec:
//   write_synthetic_profiles sweep <spec.json> <dir>     index.json + one summary per run
//   write_synthetic_profiles summary <spec.json> <file>  the single run of the spec as a summary
// spec: {"system": "point_mass", "config": {...} (default: DefaultConfig()), "runs": [{"mode",
// "flags": ["stats_cache", ...] (default: all for "optimized", none otherwise), "n_agents",
// "mean_ms", "sd_ms", "frames", "repeats", "seed", "percents": [6 numbers], "gpu_queries",
// "draw_calls", "render": true|false}], "machine": {"cpu_model", "cores", "hostname"} (optional,
// every run)}. Frame times are Normal(mean_ms, sd_ms) from std::mt19937(seed).

#include <algorithm>
#include <cstdio>
#include <exception>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/report/synthetic_profiles.h"

namespace {

using calf::report::testing::SyntheticRun;

SyntheticRun RunFromJson(const nlohmann::json& j, const nlohmann::json& machine) {
  SyntheticRun r;
  r.cpu_model = machine.value("cpu_model", r.cpu_model);
  r.cores = machine.value("cores", r.cores);
  r.hostname = machine.value("hostname", r.hostname);
  r.render = j.value("render", r.render);
  r.mode = j.value("mode", r.mode);
  const bool all = r.mode == "optimized";
  std::vector<std::string> flags;
  if (j.contains("flags")) flags = j.at("flags").get<std::vector<std::string>>();
  auto on = [&](const std::string& name) {
    if (!j.contains("flags")) return all;
    return std::find(flags.begin(), flags.end(), name) != flags.end();
  };
  r.vectorized_heights = on("vectorized_heights");
  r.stats_cache = on("stats_cache");
  r.batched_trails = on("batched_trails");
  r.batched_inference = on("batched_inference");
  r.n_agents = j.value("n_agents", r.n_agents);
  r.mean_ms = j.value("mean_ms", r.mean_ms);
  r.sd_ms = j.value("sd_ms", r.sd_ms);
  r.frames = j.value("frames", r.frames);
  r.repeats = j.value("repeats", r.repeats);
  r.seed = j.value("seed", r.seed);
  if (j.contains("percents")) r.percents = j.at("percents").get<std::vector<double>>();
  r.gpu_queries = j.value("gpu_queries", r.gpu_queries);
  r.draw_calls = j.value("draw_calls", r.draw_calls);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s sweep|summary <spec.json> <out>\n", argv[0]);
    return 2;
  }
  try {
    const std::string kind = argv[1];
    std::ifstream in(argv[2]);
    const nlohmann::json spec = nlohmann::json::parse(in);
    const std::string system = spec.value("system", std::string("point_mass"));
    const nlohmann::json config =
        spec.contains("config") ? spec.at("config") : calf::report::testing::DefaultConfig();
    std::vector<SyntheticRun> runs;
    const nlohmann::json machine = spec.value("machine", nlohmann::json::object());
    for (const auto& r : spec.at("runs")) runs.push_back(RunFromJson(r, machine));
    if (kind == "sweep") {
      calf::report::testing::WriteSweep(argv[3], runs, config, system);
    } else if (kind == "summary" && runs.size() == 1) {
      calf::report::testing::WriteSummary(argv[3], runs.front(), config, system);
    } else {
      std::fprintf(stderr, "%s: unknown kind %s or not exactly one run\n", argv[0], argv[1]);
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 2;
  }
  return 0;
}
