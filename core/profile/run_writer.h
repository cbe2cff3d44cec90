#pragma once
// The per-(mode, N, repeat) HDF5 file of `calf profile` (layout in docs/profile-format.md):
// timings/<section> and timings/frame_total (ms per measured frame, float64),
// counters/<name> (per measured frame, int64), trajectory/states and trajectory/modes of
// the first record_agents agents (every frame), and root attributes.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/h5_file.h"
#include "core/io/output_file.h"
#include "core/profile/frame_counters.h"
#include "core/profile/frame_profiler.h"

namespace calf::core::profile {

/// Writes one run file to `<path>.partial` and renames it to `path` in Finish(). Throws
/// IoError on any HDF5 failure. Not thread-safe. A writer destroyed without Finish()
/// removes its partial file.
class RunWriter {
 public:
  /// `record_agents` agents of `state_dim` coordinates are kept per frame (0 = none).
  RunWriter(const std::string& path, int64_t record_agents, int state_dim);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  /// Appends the first record_agents agents' states [N*d] (as float32) and modes [N].
  void AppendTrajectory(const double* states, const uint8_t* modes);
  /// Appends one measured frame's timings and counters.
  void AppendFrame(const FrameTimes& times, const FrameCounts& counts);
  /// Writes the string attributes `attributes` (name -> value) and integer `warmup` on the
  /// root, closes the file and renames it into place.
  void Finish(const std::map<std::string, std::string>& attributes, int64_t warmup);

  const std::string& path() const { return out_.path(); }
  /// Measured frames appended so far.
  int64_t frames() const { return frames_; }

 private:
  OutputFile out_;  // declared first, destroyed last: removes an abandoned temporary
  int64_t record_agents_;
  int state_dim_;
  int64_t frames_ = 0;
  std::vector<float> state_row_;
  std::unique_ptr<H5File> file_;
  std::vector<H5Appender> sections_;  // kNumSections then frame_total
  std::vector<H5Appender> counters_;  // critic_queries, draw_calls, mesh_updates, bytes_uploaded
  std::unique_ptr<H5Appender> states_, modes_;
  bool finished_ = false;
};

/// Names of the counters datasets in file order.
const std::vector<std::string>& CounterNames();

}  // namespace calf::core::profile
