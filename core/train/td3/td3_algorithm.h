#pragma once
// CALF + TD3 on one environment agent: each step the actor proposes (with Gaussian
// exploration noise), the CALF selector certifies it with the first critic head or falls
// back to the nominal controller (or relaxes), the environment steps, the transition goes to
// the replay ring and TD3 updates once. The first start_training_step steps act nominally.
// Registered as "td3" (core/train/algorithm.cc).

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/train/algorithm.h"
#include "core/train/td3/replay_buffer.h"
#include "core/train/td3/td3.h"
#include "core/train/td3/td3_config.h"

namespace calf::core::train {

class TorchTd3Reference;

/// One finished episode in the training log. Rates are fractions of the episode's steps.
struct EpisodeRecord {
  double reward = 0.0;  ///< Sum of (unscaled) rewards.
  int64_t length = 0;
  bool success = false;  ///< Ended by reaching the goal.
  double certified_rate = 0.0, relax_rate = 0.0, fallback_rate = 0.0, nominal_rate = 0.0;
  double p_relax = 0.0;                        ///< At the end of the episode.
  double critic_loss = 0.0, actor_loss = 0.0;  ///< Means over the episode's updates (NaN if none).
};

/// The CALF + TD3 state machine. Single-threaded and deterministic.
class Td3Algorithm final : public Algorithm {
 public:
  /// `env` must outlive the algorithm.
  Td3Algorithm(const TrainConfig& config, const env::Environment& env);
  ~Td3Algorithm() override;

  /// Runs one environment step (act, store, one TD3 update when training has started).
  /// Returns true when the step ended an episode.
  bool Step();

  // ---- Algorithm ----
  void RunEpisode() override;
  int64_t episodes_done() const override { return static_cast<int64_t>(episodes_.size()); }
  int64_t env_steps() const override { return step_; }
  std::string ProgressText() const override;
  std::string SummaryText() const override;
  std::string Divergence() const override;
  void Save(std::ostream& out) const override;
  void Load(std::istream& in, uint32_t version, const std::string& path) override;
  std::vector<LogGroup> Log() const override;
  std::vector<OutputFile> ExportModels(const std::string& dir,
                                       nlohmann::json& model_json) const override;

  const std::vector<EpisodeRecord>& episodes() const { return episodes_; }
  /// Certified q† after every step (NaN while the agent holds no certificate).
  const std::vector<float>& step_q_dag() const { return step_q_dag_; }
  /// Mode of every step (calf::core::Mode values).
  const std::vector<uint8_t>& step_mode() const { return step_mode_; }
  const Td3& td3() const { return *td3_; }
  /// The replay ring (the critic's observations, EnvSpec::critic_obs_dim; rewards stored times
  /// reward_scale).
  const ReplayBuffer& replay() const { return *buffer_; }

 private:
  void ResetEpisode();
  UpdateStats Update();
  env::AgentBlock Block();
  // the agent's observation followed by the critic's extras [critic_obs_dim]
  void CriticObservation(const env::AgentBlock& block, double* out);

  const TrainConfig config_;
  const Td3Config& params_;
  const env::Environment& env_;
  std::unique_ptr<Td3> td3_;  // the whole TD3 state, whatever the backend
  // --backend libtorch: does the updates and copies its state back into td3_ after each one
  // (created from td3_ at the first update, so a resumed run starts from the checkpoint)
  std::unique_ptr<TorchTd3Reference> torch_;
  Batch batch_;
  Eigen::MatrixXf normal_;
  std::unique_ptr<ReplayBuffer> buffer_;
  CalfState calf_;
  std::vector<double> state_, env_state_;
  int64_t step_ = 0;
  int64_t episode_step_ = 0;
  // per-step scratch
  std::vector<float> obs_f_;
  std::vector<double> obs_, next_obs_, nominal_, actor_, action_, error_;
  // running sums of the current episode
  double ep_reward_ = 0.0, ep_critic_loss_ = 0.0, ep_actor_loss_ = 0.0;
  int64_t ep_updates_ = 0, ep_actor_updates_ = 0;
  std::string divergence_;  // the first non-finite loss (not saved: training stops on it)
  int64_t ep_modes_[4] = {0, 0, 0, 0};
  std::vector<EpisodeRecord> episodes_;
  std::vector<float> step_q_dag_;
  std::vector<uint8_t> step_mode_;
};

/// The registry entry of "td3".
AlgorithmEntry Td3Entry();

}  // namespace calf::core::train
