#pragma once
// Loading `calf profile` output (docs/profile-format.md): a sweep directory with index.json, or a
// single per-(mode, N) summary JSON. Every field is validated; errors name the file and field.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace calf::report {

/// The schema version this library reads (index.json and summary JSON "schema_version").
inline constexpr int kProfileSchemaVersion = 1;

/// Largest summary or index JSON file `calf compare` reads (256 MiB, ~12 M frame times).
inline constexpr int64_t kMaxSummaryBytes = int64_t{256} << 20;

/// The four optimisation flags of the profiler; "baseline" has all off, "optimized" all on.
struct Flags {
  bool vectorized_heights = false;
  bool stats_cache = false;
  bool batched_trails = false;
  bool batched_inference = false;
};

/// Names of the flags in schema order ("vectorized_heights", ...).
const std::vector<std::string>& FlagNames();
/// Value of the flag called `name` (one of FlagNames()); throws calf::ConfigError otherwise.
bool FlagValue(const Flags& flags, const std::string& name);

/// The frame sections of the breakdown, in schema order: physics, visuals, ui, heatmap, render, io.
const std::vector<std::string>& SectionNames();

/// Average time of one frame section.
struct SectionTime {
  double avg_ms = 0;   ///< Mean milliseconds per frame spent in the section.
  double percent = 0;  ///< Share of the mean frame time, 0..100.
};

/// The machine a profile ran on.
struct Machine {
  std::string cpu_model;
  int cores = 0;
  std::string hostname;
};

/// One per-(mode, N) summary JSON (all times in milliseconds, rates per second).
struct Summary {
  std::string path;  ///< File it was read from (for messages).
  int schema_version = kProfileSchemaVersion;
  std::string date;
  std::string mode;  ///< "baseline", "optimized" or a custom label ("only_stats_cache").
  Flags flags;
  std::string system;
  int n_agents = 0;
  int frames_measured = 0;
  int repeats = 0;
  bool render = false;
  double fps_avg = 0, fps_min = 0, fps_median = 0;
  double frame_time_avg_ms = 0, frame_time_p95_ms = 0, frame_time_median_ms = 0;
  double frame_time_stddev_ms = 0;
  std::vector<double> repeat_fps;                ///< Mean FPS of each repeat.
  std::map<std::string, SectionTime> breakdown;  ///< Keyed by SectionNames().
  double cpu_percent = 0, memory_mb = 0;
  double gpu_queries = 0;              ///< Critic (GPU) queries per frame.
  double draw_calls = 0;               ///< Draw calls per frame.
  double mesh_updates = 0;             ///< Mesh updates per frame.
  double bytes_uploaded = 0;           ///< Bytes uploaded per frame.
  std::vector<double> frame_times_ms;  ///< Every measured frame, repeats concatenated.
  nlohmann::json config;               ///< Resolved profile config.
  Machine machine;
};

/// A loaded profile: a sweep (many summaries) or one summary file wrapped as a one-run sweep.
struct Profile {
  std::string path;       ///< The directory or file given by the user.
  std::string label;      ///< Short name for tables: the directory or file stem.
  bool is_sweep = false;  ///< True when loaded from a directory with index.json.
  std::string calf_version, git_revision, created;  ///< Empty for a single summary.
  Machine machine;
  nlohmann::json config;
  std::string system;
  std::vector<Summary> summaries;  ///< Sorted by (mode, n_agents).

  /// Distinct modes: "baseline" first, "optimized" second (when present), then the rest sorted.
  std::vector<std::string> Modes() const;
  /// Sorted distinct N measured for `mode`.
  std::vector<int> AgentCounts(const std::string& mode) const;
  /// The summary for (mode, n) or nullptr.
  const Summary* Find(const std::string& mode, int n_agents) const;
};

/// Reads and validates one summary JSON. Throws calf::IoError (missing/unreadable/not JSON) or
/// calf::ConfigError (missing field, wrong type, inconsistent values), naming file and field.
Summary LoadSummary(const std::string& path);

/// Reads `dir`/index.json and every summary it lists (paths relative to `dir`). Throws as
/// LoadSummary, and calf::ConfigError for an empty "runs" list or a summary whose mode, flags or
/// n_agents disagree with its index entry.
Profile LoadSweep(const std::string& dir);

/// LoadSweep for a directory, LoadSummary wrapped in a Profile for a file.
Profile LoadProfile(const std::string& path);

/// Dotted paths of the JSON leaves that differ between `a` and `b` ("sim.dt", "render.width",
/// "camera" when one side lacks it), sorted. Top-level keys in `ignored` are skipped.
std::vector<std::string> DiffJson(const nlohmann::json& a, const nlohmann::json& b,
                                  const std::vector<std::string>& ignored = {});

/// Fields that differ between two profiles that should be comparable: "system" and every
/// differing config path prefixed "config." (ignoring `ignored_config_keys`). Machine
/// differences are not included (see MachineDifferences).
std::vector<std::string> ProfileMismatches(const Profile& a, const Profile& b,
                                           const std::vector<std::string>& ignored_config_keys);

/// Machine fields that differ ("machine.cpu_model", "machine.cores", "machine.hostname").
std::vector<std::string> MachineDifferences(const Profile& a, const Profile& b);

}  // namespace calf::report
