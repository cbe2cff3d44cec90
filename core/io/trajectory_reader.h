#pragma once
// Reads trajectory files written by TrajectoryWriter (layout in docs/formats.md), complete
// or not: a `.partial` file left by a killed run opens too and yields its flushed rows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/io/h5_file.h"
#include "core/io/trajectory_writer.h"

namespace calf::core {

/// Root attributes and shape of a trajectory file.
struct TrajectoryInfo {
  TrajectoryMeta meta;         ///< config, seed, system, policy.
  std::string calf_version;    ///< Version of the calf that wrote the file.
  std::string git_revision;    ///< Its git revision.
  std::string created;         ///< UTC ISO-8601 creation time.
  int64_t schema_version = 0;  ///< Layout version (1).
  bool complete = false;       ///< The run ended normally (attribute `complete` == 1).
  int64_t steps_recorded = 0;  ///< Attribute `steps_recorded` (updated at each flush).
  int64_t num_steps = 0;       ///< T: rows readable in every per-step dataset.
  int64_t num_agents = 0;      ///< N.
  int state_dim = 0;           ///< d.
  int action_dim = 0;          ///< m.
  bool compressed = false;     ///< Datasets are deflated.
};

/// A read-only trajectory file. Not thread-safe (HDF5 is not); open one per thread.
class TrajectoryReader {
 public:
  /// Opens `path` and reads its attributes. Throws IoError (exit 2) when the file is missing,
  /// not HDF5, not a calf trajectory (no `schema_version` or a dataset missing), written by a
  /// newer schema, or a complete file whose dataset extents disagree with `steps_recorded`.
  explicit TrajectoryReader(const std::string& path);

  const TrajectoryInfo& info() const { return info_; }
  const std::string& path() const { return file_.path(); }
  /// The underlying file, for datasets this class does not know.
  const H5File& file() const { return file_; }

  /// Rows of a dataset that belong to the run: T for the per-step datasets (`actions`,
  /// `rewards`, `q_values`, `modes`, `episode`, `done`, `step`), T+1 for `states`
  /// and, in files of families with a goal, `observations` and `goals`.
  int64_t RowCount(const std::string& dataset) const;

  /// Reads a whole dataset (its first RowCount rows). T as in H5File::ReadDataset: float for
  /// states/actions/rewards/q_values, int32_t for episode, int64_t for step, uint8_t for the
  /// enums modes/done. IoError on an unknown dataset or a type mismatch.
  template <typename T>
  H5Array<T> Read(const std::string& dataset) const;
  /// Reads rows [first, first + count); IoError when outside [0, RowCount).
  template <typename T>
  H5Array<T> ReadRows(const std::string& dataset, int64_t first, int64_t count) const;

  /// states[row] as [1, N, d]: the state before transition `row`, or the final state when
  /// row == T.
  H5Array<float> StatesAt(int64_t row) const;
  /// The row whose `step` equals global step `step`, or nullopt when that step was not
  /// recorded (with record_every = K only multiples of K are).
  std::optional<int64_t> FindRow(int64_t step) const;
  /// Members of the enum dataset `modes` or `done`, in value order.
  std::vector<H5EnumMember> EnumMembers(const std::string& dataset) const;

 private:
  H5File file_;
  TrajectoryInfo info_;
};

}  // namespace calf::core
