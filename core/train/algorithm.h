#pragma once
// The algorithm seam of training. The common part (core/train/trainer.h: configuration,
// checkpoint file, training log, model export, resume rules) drives an Algorithm; each
// algorithm is a folder under core/train/ plus one line in core/train/algorithm.cc (see
// docs/design.md, "Adding a training algorithm").

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "core/env/environment.h"
#include "core/io/output_file.h"
#include "core/train/env_batch.h"
#include "core/train/train_config.h"

namespace calf::core::train {

/// One column of the training log (an HDF5 dataset /<group>/<name>).
struct LogColumn {
  std::string name;
  std::variant<std::vector<double>, std::vector<float>, std::vector<int64_t>, std::vector<uint8_t>>
      values;
  bool is_mode = false;  ///< uint8 values stored as the run files' `modes` enum.
};

/// A group of equally long columns (e.g. one row per episode).
struct LogGroup {
  std::string name;
  std::vector<LogColumn> columns;
};

/// The checkpoint format Save writes (core/train/trainer.cc, docs/training.md): 1 TD3 only,
/// 2 the algorithm seam, 3 a CRC-32C at the end, 4 PPO's Adam states in calf's own layout
/// (core/train/ppo/adam_state.h) instead of LibTorch's archive, whose bytes differed between
/// processes. Load reads every version.
inline constexpr uint32_t kCheckpointVersion = 4;
inline constexpr uint32_t kFirstCalfAdamVersion = 4;

/// A training algorithm on one environment. Single-threaded or internally parallel, but
/// deterministic: the same configuration gives bit-identical state, and Save/Load
/// round-trips it exactly (a resumed run equals an uninterrupted one).
class Algorithm {
 public:
  virtual ~Algorithm() = default;

  /// Trains until one more episode (the algorithm's unit of progress) is done.
  virtual void RunEpisode() = 0;
  virtual int64_t episodes_done() const = 0;
  /// Environment steps taken so far.
  virtual int64_t env_steps() const = 0;
  /// One line on the last episode, for the progress bar.
  virtual std::string ProgressText() const = 0;
  /// One line on the whole run, for the closing message.
  virtual std::string SummaryText() const = 0;
  /// What became NaN or infinite in the last episode, e.g. "the critic loss of episode 1872
  /// is nan"; empty while the numbers are finite. Trainer::RunUntil stops on it.
  virtual std::string Divergence() const = 0;

  /// Writes the whole training state (the configuration is written by the caller).
  virtual void Save(std::ostream& out) const = 0;
  /// Restores what Save wrote (`version` = the checkpoint format version); throws IoError
  /// naming `path` when the data are corrupt or of other dimensions.
  virtual void Load(std::istream& in, uint32_t version, const std::string& path) = 0;

  /// The training log's groups (written to train_log.h5 by the caller).
  virtual std::vector<LogGroup> Log() const = 0;

  /// Writes the model files into `dir` as uncommitted outputs (the caller commits them
  /// together with model.json) and adds their description to `model_json`.
  virtual std::vector<OutputFile> ExportModels(const std::string& dir,
                                               nlohmann::json& model_json) const = 0;
};

/// A registered algorithm.
struct AlgorithmEntry {
  std::string name;
  std::string summary;
  std::unique_ptr<AlgorithmParams> (*make_params)();
  /// Builds it; an algorithm with parallel environments makes them with `make_batch`.
  std::unique_ptr<Algorithm> (*make)(const TrainConfig& config, const env::Environment& env,
                                     const EnvBatchMaker& make_batch);
  /// True when it trains on parallel environments (an EnvBatch), which `calf train` under
  /// mpirun splits across ranks; false for one environment (nothing to split).
  bool parallel_envs = false;
};

/// Every algorithm, in registration order.
const std::vector<AlgorithmEntry>& Algorithms();
/// The algorithm called `name`; throws ConfigError listing the known names otherwise.
const AlgorithmEntry& FindAlgorithm(const std::string& name);
/// "td3" or "td3, ppo" (for messages and --help).
std::string AlgorithmNames();

}  // namespace calf::core::train
