#pragma once
// The per-(mode, N) summary JSON of `calf profile` (schema in docs/profile-format.md), built
// from the frames of every repeat. report::LoadSummary reads it.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/profile/frame_counters.h"
#include "core/profile/frame_profiler.h"
#include "core/profile/machine_info.h"
#include "core/profile/profile_config.h"

namespace calf::core::profile {

/// The schema version written to summaries and index.json.
inline constexpr int kProfileSchemaVersion = 1;

/// One repeat's measured frames and resource use.
struct RepeatRecord {
  std::vector<FrameTimes> frames;   ///< Measured frames only.
  std::vector<FrameCounts> counts;  ///< Same length as frames.
  double cpu_percent = 0.0;         ///< Process CPU time / wall time over the frames, × 100.
  double memory_mb = 0.0;           ///< Resident memory after the repeat.
  std::string file;                 ///< The repeat's HDF5 file, relative to the sweep dir.
};

/// What a summary says about its run besides the measurements.
struct SummaryHeader {
  std::string date;  ///< UTC ISO 8601.
  std::string mode;  ///< The ModeRun label.
  OptimizationFlags flags;
  std::string system;
  int64_t n_agents = 0;
  bool render = false;
  std::string render_backend;  ///< GL renderer description, or "" without render.
  nlohmann::json config;       ///< The sweep's resolved ProfileConfig.
  MachineInfo machine;
};

/// Mean, median, p95 (linear interpolation between order statistics) and sample standard
/// deviation of `values` (0 for fewer than two values). Empty input gives zeros.
struct Stats {
  double mean = 0, median = 0, p95 = 0, stddev = 0, min = 0, max = 0;
};
Stats ComputeStats(std::vector<double> values);

/// Builds the summary JSON. Requires at least one repeat with at least one frame (checked).
nlohmann::json MakeRunSummary(const SummaryHeader& header,
                              const std::vector<RepeatRecord>& repeats);

/// The JSON object {"cpu_model", "cores", "hostname"}.
nlohmann::json MachineJson(const MachineInfo& machine);

}  // namespace calf::core::profile
