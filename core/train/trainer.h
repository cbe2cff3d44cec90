#pragma once
// Training, the parts every algorithm shares: the configuration (train_config.h), the
// environment, the checkpoint file (bit-identical resume), the HDF5 training log and the
// model export (model.json beside the algorithm's TorchScript files). The algorithm itself
// sits behind core/train/algorithm.h. File layouts in docs/training.md.

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>

#include "core/env/environment.h"
#include "core/train/algorithm.h"
#include "core/train/env_batch.h"
#include "core/train/train_config.h"

namespace calf::core::train {

/// A training run. Deterministic: the same config gives bit-identical networks and logs,
/// and SaveCheckpoint/FromCheckpoint round-trip exactly.
class Trainer {
 public:
  /// Validates `config` and builds its environment and algorithm; throws ConfigError. An
  /// algorithm with parallel environments makes them with `make_batch` (in this process by
  /// default; calf train under mpirun passes the distributed batch).
  explicit Trainer(const TrainConfig& config, const EnvBatchMaker& make_batch = MakeLocalEnvBatch);
  ~Trainer();

  /// Restores a trainer from a checkpoint file. The configuration is the checkpoint's with
  /// `overrides` applied (ResolveResumeConfig). Throws IoError/ConfigError (exit 2) for
  /// missing, corrupt or incompatible checkpoints, for overrides that would change the
  /// training, and for an episode count below the episodes the checkpoint already holds.
  /// Reads only; writes nothing.
  static std::unique_ptr<Trainer> FromCheckpoint(const std::string& path,
                                                 const TrainOverrides& overrides = {},
                                                 const EnvBatchMaker& make_batch = MakeLocalEnvBatch);

  /// Runs whole episodes until `episodes_done() == target` (at most config().episodes).
  /// `on_episode` (optional) is called after each episode.
  void RunUntil(int64_t target, const std::function<void()>& on_episode = {});

  /// Writes a checkpoint atomically (core/io/output_file.h). Call between episodes.
  void SaveCheckpoint(const std::string& path) const;
  /// Writes train_log.h5 atomically: root attributes (config, system, algo, calf_version,
  /// seed, episodes, steps) and the algorithm's log groups.
  void WriteLog(const std::string& path) const;
  /// Writes the algorithm's model files and model.json into `dir`, all renamed into place
  /// after every one of them was written.
  void WriteModels(const std::string& dir) const;

  const TrainConfig& config() const { return config_; }
  const env::EnvSpec& spec() const { return env_->spec(); }
  int64_t episodes_done() const { return algorithm_->episodes_done(); }
  int64_t total_steps() const { return algorithm_->env_steps(); }
  Algorithm& algorithm() { return *algorithm_; }
  const Algorithm& algorithm() const { return *algorithm_; }
  /// The algorithm as its concrete type (a bug when it is another type).
  template <typename A>
  A& As() {
    return dynamic_cast<A&>(*algorithm_);
  }
  template <typename A>
  const A& As() const {
    return dynamic_cast<const A&>(*algorithm_);
  }

 private:
  // Reads a checkpoint after its magic and version (and, from version 3, its checksum
  // verified): the header, the algorithm's state and the end marker.
  static std::unique_ptr<Trainer> Parse(std::istream& in, uint32_t version, const std::string& path,
                                        const TrainOverrides& overrides,
                                        const EnvBatchMaker& make_batch);

  TrainConfig config_;
  std::unique_ptr<env::Environment> env_;
  std::unique_ptr<Algorithm> algorithm_;
};

}  // namespace calf::core::train
