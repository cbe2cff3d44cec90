#pragma once
// CALF + TD3 training on one environment: the loop, presets and JSON config, checkpoints
// (bit-identical resume) and the HDF5 training log. Layout of the files in docs/training.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/sim/config.h"
#include "core/sim/state.h"
#include "core/systems/system.h"
#include "core/train/replay_buffer.h"
#include "core/train/td3.h"

namespace calf::core::train {

class TorchTd3Reference;

/// Every training parameter. Build with defaults (= the "standard" preset), ApplyPreset,
/// ApplyJson, then Validate.
struct TrainConfig {
  std::string system = "point_mass";
  /// TD3 update implementation: "eigen" (calf's own, fast) or "libtorch" (the autograd
  /// reference of td3_reference.h, ~10x slower; results agree to float rounding only).
  std::string backend = "eigen";
  uint64_t seed = 0;
  int64_t episodes = 500;
  int64_t max_steps_per_episode = 750;
  int64_t start_training_step = 100;  ///< Env steps acting with the nominal policy first.
  int64_t replay_size = 100000;
  double expl_noise = 0.5;        ///< Exploration noise std, times max_action.
  double reward_scale = 10.0;     ///< Rewards are multiplied by this before storing.
  int64_t checkpoint_every = 50;  ///< Episodes between checkpoints (0 = only at the end).
  Td3Params td3;
  double dt = 0.01;
  double goal_epsilon = 0.05;
  double boundary_limit = 5.0;
  double reset_range = 3.0;
  CalfParams calf;
  NominalParams nominal;

  /// Sets the preset's fields: quick (100 x 500, start 50), standard (500 x 750, start 100),
  /// thorough (1000 x 1000, batch 128, start 200). Throws ConfigError for other names.
  void ApplyPreset(const std::string& name);
  /// Overrides fields from a JSON object (same key names as ToJson); unknown keys or wrong
  /// types throw ConfigError naming `source_name` and the key.
  void ApplyJson(const std::string& json_text, const std::string& source_name);
  /// Checks ranges; throws ConfigError naming the field and the fix.
  void Validate() const;
  /// The resolved configuration (every key) as JSON.
  std::string ToJson(int indent = -1) const;
};

/// Settings given explicitly (on the command line); std::nullopt or empty = not given. A new
/// run applies them on top of the defaults, a resumed run on top of the checkpoint's
/// configuration (see ResolveNewConfig, ResolveResumeConfig).
struct TrainOverrides {
  std::optional<std::string> preset;  ///< quick | standard | thorough.
  std::string config_json;            ///< Contents of a --config file ("" = none).
  std::string config_source;          ///< Name of that file, for error messages.
  std::optional<std::string> system;
  std::optional<std::string> backend;  ///< eigen | libtorch.
  std::optional<uint64_t> seed;
  std::optional<int64_t> episodes;
  std::optional<int64_t> checkpoint_every;
};

/// The configuration of a new run: defaults, the preset (standard when not given), the
/// config JSON, then the flags (each later one wins). The system name is canonical
/// ("unicycle" becomes "differential_drive"). Validated; throws ConfigError (exit 2).
TrainConfig ResolveNewConfig(const TrainOverrides& overrides);

/// The configuration of a resumed run: the checkpoint's configuration with only the
/// explicitly given settings applied, in the same order as ResolveNewConfig. A preset is
/// applied without its episode count (the run length stays the checkpoint's unless episodes
/// are given). Only episodes and checkpoint_every may change; any other field that ends up
/// different from `checkpoint` (system, seed, dimensions, hyper-parameters, environment)
/// throws ConfigError naming the field, its checkpoint value and the requested value.
/// `checkpoint_path` is only used in messages.
TrainConfig ResolveResumeConfig(const TrainConfig& checkpoint, const TrainOverrides& overrides,
                                const std::string& checkpoint_path);

/// One finished episode in the training log. Rates are fractions of the episode's steps.
struct EpisodeRecord {
  double reward = 0.0;  ///< Sum of (unscaled) rewards.
  int64_t length = 0;
  bool success = false;  ///< Ended by reaching the goal.
  double certified_rate = 0.0, relax_rate = 0.0, fallback_rate = 0.0, nominal_rate = 0.0;
  double p_relax = 0.0;                        ///< At the end of the episode.
  double critic_loss = 0.0, actor_loss = 0.0;  ///< Means over the episode's updates (NaN if none).
};

/// The training state machine. Single-threaded and deterministic: the same config gives
/// bit-identical networks and logs, and Save/LoadCheckpoint round-trips exactly.
class Trainer {
 public:
  explicit Trainer(const TrainConfig& config);
  ~Trainer();

  /// Restores a trainer from a checkpoint file. The configuration is the checkpoint's with
  /// `overrides` applied (ResolveResumeConfig). Throws IoError/ConfigError (exit 2) for
  /// missing, corrupt or incompatible checkpoints, for overrides that would change the
  /// training, and for an episode count below the episodes the checkpoint already holds.
  /// Reads only; writes nothing.
  static std::unique_ptr<Trainer> FromCheckpoint(const std::string& path,
                                                 const TrainOverrides& overrides = {});

  /// Runs one environment step (act, store, one TD3 update when training has started).
  /// Returns true when the step ended an episode.
  bool Step();
  /// Runs whole episodes until `episodes_done() == target` (at most config().episodes).
  /// `on_episode` (optional) is called after each episode.
  void RunUntil(int64_t target, const std::function<void(const EpisodeRecord&)>& on_episode = {});

  /// Writes a checkpoint atomically (temp file + rename). Call between episodes.
  void SaveCheckpoint(const std::string& path) const;
  /// Writes train_log.h5 atomically.
  void WriteLog(const std::string& path) const;
  /// Writes actor.pt, critic.pt (TorchScript) and model.json into `dir` (temp + rename).
  void WriteModels(const std::string& dir) const;

  const TrainConfig& config() const { return config_; }
  int64_t episodes_done() const { return static_cast<int64_t>(episodes_.size()); }
  int64_t total_steps() const { return step_; }
  const std::vector<EpisodeRecord>& episodes() const { return episodes_; }
  /// Certified q† after every step (NaN while the agent holds no certificate).
  const std::vector<float>& step_q_dag() const { return step_q_dag_; }
  /// Mode of every step (calf::core::Mode values).
  const std::vector<uint8_t>& step_mode() const { return step_mode_; }
  const Td3& td3() const { return *td3_; }
  /// The replay ring (rewards stored times reward_scale).
  const ReplayBuffer& replay() const { return *buffer_; }
  const SystemSpec& spec() const { return *spec_; }

 private:
  void ResetEpisode();
  UpdateStats Update();

  TrainConfig config_;
  const SystemSpec* spec_;
  SystemKind kind_;
  std::unique_ptr<Td3> td3_;  // the whole TD3 state, whatever the backend
  // --backend libtorch: does the updates and copies its state back into td3_ after each one
  // (created from td3_ at the first update, so a resumed run starts from the checkpoint)
  std::unique_ptr<TorchTd3Reference> torch_;
  Batch batch_;
  Eigen::MatrixXf normal_;
  std::unique_ptr<ReplayBuffer> buffer_;
  CalfState calf_;
  std::vector<double> state_;
  int64_t step_ = 0;
  int64_t episode_step_ = 0;
  // running sums of the current episode
  double ep_reward_ = 0.0, ep_critic_loss_ = 0.0, ep_actor_loss_ = 0.0;
  int64_t ep_updates_ = 0, ep_actor_updates_ = 0;
  int64_t ep_modes_[4] = {0, 0, 0, 0};
  std::vector<EpisodeRecord> episodes_;
  std::vector<float> step_q_dag_;
  std::vector<uint8_t> step_mode_;
};

/// Draws the initial state of episode `episode` for a single-environment trainer from the
/// counter-based stream (seed, agent 0): positions uniform in [-range, range], velocity
/// uniform in [-range, range] (point mass), heading uniform in [-π, π] (unicycle).
void DrawInitialState(SystemKind kind, uint64_t seed, int64_t episode, double range, double* state);

}  // namespace calf::core::train
