#pragma once
// Writes synthetic `calf profile` output (docs/profile-format.md) for the report tests.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace calf::report::testing {

/// One synthetic (mode, N) run: frame times ~ Normal(mean_ms, sd_ms) from std::mt19937(seed).
struct SyntheticRun {
  std::string mode = "baseline";
  bool vectorized_heights = false, stats_cache = false, batched_trails = false,
       batched_inference = false;
  int n_agents = 20;
  double mean_ms = 10.0;
  double sd_ms = 0.3;
  int frames = 200;  ///< Per repeat.
  int repeats = 10;
  std::uint32_t seed = 1;
  /// Section shares in SectionNames() order (percent, summing to 100).
  std::vector<double> percents = {10, 50, 5, 10, 20, 5};
  double gpu_queries = 20, draw_calls = 40;
  bool render = true;  ///< The summary's "render" (render section measured).
  std::string cpu_model = "Test CPU @ 3.0GHz";
  int cores = 2;
  std::string hostname = "ci";
};

/// The summary JSON of `run` (statistics computed from the generated frames).
nlohmann::json MakeSummary(const SyntheticRun& run, const nlohmann::json& config,
                           const std::string& system = "pendulum");

/// Writes run summaries plus index.json into `dir` (created); the index's machine is the first
/// run's.
void WriteSweep(const std::filesystem::path& dir, const std::vector<SyntheticRun>& runs,
                const nlohmann::json& config, const std::string& system = "pendulum");

/// Writes one summary JSON file.
void WriteSummary(const std::filesystem::path& file, const SyntheticRun& run,
                  const nlohmann::json& config, const std::string& system = "pendulum");

/// The default config used by the tests.
nlohmann::json DefaultConfig();

/// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Reads a whole file.
std::string ReadFile(const std::filesystem::path& path);

}  // namespace calf::report::testing
