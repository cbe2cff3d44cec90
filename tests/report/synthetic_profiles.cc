#include "tests/report/synthetic_profiles.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <random>
#include <sstream>

#include "report/profile_data.h"
#include "report/statistics.h"

namespace calf::report::testing {
namespace fs = std::filesystem;

nlohmann::json DefaultConfig() {
  return {{"sim", {{"dt", 0.01}, {"steps", 500}}},
          {"render", {{"width", 1280}, {"height", 720}}},
          {"frames_measured", 200},
          {"repeats", 10}};
}

nlohmann::json MakeSummary(const SyntheticRun& run, const nlohmann::json& config,
                           const std::string& system) {
  std::mt19937 engine(run.seed);
  std::normal_distribution<double> dist(run.mean_ms, run.sd_ms);
  std::vector<double> frames;
  std::vector<double> repeat_fps;
  for (int r = 0; r < run.repeats; ++r) {
    double sum = 0;
    for (int f = 0; f < run.frames; ++f) {
      const double t = std::max(0.05, dist(engine));
      frames.push_back(t);
      sum += t;
    }
    repeat_fps.push_back(1000.0 / (sum / run.frames));
  }
  const double avg = Mean(frames);
  double worst = 0;
  for (double t : frames) worst = std::max(worst, t);
  nlohmann::json breakdown = nlohmann::json::object();
  const auto& names = SectionNames();
  for (std::size_t i = 0; i < names.size(); ++i) {
    breakdown[names[i]] = {{"avg_ms", avg * run.percents[i] / 100.0}, {"percent", run.percents[i]}};
  }
  return {{"schema_version", 1},
          {"date", "2026-11-22T00:00:00Z"},
          {"mode", run.mode},
          {"flags",
           {{"vectorized_heights", run.vectorized_heights},
            {"stats_cache", run.stats_cache},
            {"batched_trails", run.batched_trails},
            {"batched_inference", run.batched_inference}}},
          {"system", system},
          {"n_agents", run.n_agents},
          {"frames_measured", run.frames},
          {"repeats", run.repeats},
          {"render", run.render},
          {"fps_avg", 1000.0 / avg},
          {"fps_min", 1000.0 / worst},
          {"fps_median", 1000.0 / Median(frames)},
          {"frame_time_avg_ms", avg},
          {"frame_time_p95_ms", Percentile(frames, 95)},
          {"frame_time_median_ms", Median(frames)},
          {"frame_time_stddev_ms", StdDev(frames)},
          {"repeat_fps", repeat_fps},
          {"breakdown", breakdown},
          {"resources", {{"cpu_percent", 180.0}, {"memory_mb", 512.0}}},
          {"gpu_queries", run.gpu_queries},
          {"draw_calls", run.draw_calls},
          {"mesh_updates", 3},
          {"bytes_uploaded", 65536},
          {"frame_times_ms", frames},
          {"config", config},
          {"machine",
           {{"cpu_model", run.cpu_model}, {"cores", run.cores}, {"hostname", run.hostname}}}};
}

void WriteSummary(const fs::path& file, const SyntheticRun& run, const nlohmann::json& config,
                  const std::string& system) {
  std::ofstream(file) << MakeSummary(run, config, system).dump();
}

void WriteSweep(const fs::path& dir, const std::vector<SyntheticRun>& runs,
                const nlohmann::json& config, const std::string& system) {
  fs::create_directories(dir);
  nlohmann::json index_runs = nlohmann::json::array();
  for (const auto& run : runs) {
    const std::string name = run.mode + "_n" + std::to_string(run.n_agents);
    WriteSummary(dir / (name + ".json"), run, config, system);
    nlohmann::json repeats = nlohmann::json::array();
    for (int r = 0; r < run.repeats; ++r)
      repeats.push_back(name + "_r" + std::to_string(r) + ".h5");
    index_runs.push_back({{"mode", run.mode},
                          {"flags",
                           {{"vectorized_heights", run.vectorized_heights},
                            {"stats_cache", run.stats_cache},
                            {"batched_trails", run.batched_trails},
                            {"batched_inference", run.batched_inference}}},
                          {"n_agents", run.n_agents},
                          {"summary", name + ".json"},
                          {"repeats", repeats}});
  }
  nlohmann::json index = {{"schema_version", 1},
                          {"calf_version", "0.1.0"},
                          {"git_revision", "abc123def456"},
                          {"created", "2026-11-22T00:00:00Z"},
                          {"machine",
                           {{"cpu_model", runs.empty() ? std::string() : runs.front().cpu_model},
                            {"cores", runs.empty() ? 1 : runs.front().cores},
                            {"hostname", runs.empty() ? std::string() : runs.front().hostname}}},
                          {"config", config},
                          {"system", system},
                          {"runs", index_runs}};
  std::ofstream(dir / "index.json") << index.dump(2);
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("calf_report_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace calf::report::testing
