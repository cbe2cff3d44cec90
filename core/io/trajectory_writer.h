#pragma once
// Writes a run's trajectories to HDF5 (layout in docs/formats.md). The file is written
// under a temporary name (<out>.partial) and renamed when finished, complete or not; until
// then nothing exists at the final path. Rows are flushed periodically, so a killed
// process still leaves a readable temporary file.

#include <cstdint>
#include <memory>
#include <string>

namespace calf::core {

/// Root attributes of a trajectory file.
struct TrajectoryMeta {
  std::string config_json;  ///< Resolved config, JSON text.
  uint64_t seed = 0;
  std::string system;  ///< "point_mass" | "differential_drive".
  std::string policy;  ///< "pd" | "move_to_point" | "actor" | "calf".
};

/// Writer options.
struct TrajectoryWriterOptions {
  bool compress = false;          ///< Deflate (level 4) + shuffle on every dataset.
  double flush_interval_s = 5.0;  ///< H5Fflush at most this often during a run.
  /// > 0: an `observations` dataset [T+1, N, obs_dim] (float32) beside `states`.
  int obs_dim = 0;
  /// > 0: a `goals` dataset [T+1, N, goal_dim] (float32) beside `states`.
  int goal_dim = 0;
  /// true: a `contacts` dataset [T, N] (int32) of the physics' contacts after each step.
  bool contacts = false;
};

/// One recorded step of all agents (pointers to agent-major arrays of length N or N*dim).
struct StepRecord {
  int64_t step = 0;                    ///< Global step index of the transition.
  const double* actions;               ///< [N*m]
  const double* rewards;               ///< [N]
  const float* q_values;               ///< [N] NaN where no critic ran.
  const uint8_t* modes;                ///< [N] calf::core::Mode values.
  const int32_t* episode;              ///< [N] episode index during the transition.
  const uint8_t* done;                 ///< [N] calf::core::DoneReason values.
  const double* next_states;           ///< [N*d] states after the step (after any reset).
  const float* next_obs = nullptr;     ///< [N*obs_dim] observations of next_states (if enabled).
  const double* next_goals = nullptr;  ///< [N*goal_dim] goals after the step (if enabled).
  const int32_t* contacts = nullptr;   ///< [N] contacts at the end of the step (if enabled).
};

/// Streams a run into an HDF5 file. Not thread-safe; call from one thread.
class TrajectoryWriter {
 public:
  /// Creates <path>.partial and its extendible datasets; throws IoError (exit 2) when the
  /// directory is missing or unwritable.
  TrajectoryWriter(const std::string& path, int64_t num_agents, int state_dim, int action_dim,
                   const TrajectoryMeta& meta, const TrajectoryWriterOptions& options = {});
  /// Without Finish(): closes and deletes the temporary file (an error path).
  ~TrajectoryWriter();

  /// Writes states[0] (and observations[0], goals[0] when enabled: then both are required);
  /// call once before the first Append.
  void WriteInitialStates(const double* states, const float* obs = nullptr,
                          const double* goals = nullptr);
  /// Appends one recorded step (buffered; written in chunk-sized blocks).
  void Append(const StepRecord& record);
  /// Writes buffered rows, updates `steps_recorded` and flushes the file to disk now (a
  /// killed process then leaves a readable .partial file with every row appended so far).
  /// Append calls this itself at most every flush_interval_s.
  void Flush();
  /// Writes buffered rows, sets the `complete` and `steps_recorded` attributes, closes and
  /// renames the temporary file to the final path.
  void Finish(bool complete);

  int64_t rows_written() const;
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace calf::core
