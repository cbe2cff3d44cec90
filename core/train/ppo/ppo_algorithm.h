#pragma once
// PPO + GAE with a recurrent actor-critic (core/train/ppo/recurrent_policy.h) over many
// environments at once, and an optional world model. Each update: a rollout of
// rollout_steps steps of num_envs environments (batched inference; the environments are an
// EnvBatch, core/train/env_batch.h: stepped in fixed blocks over OpenMP, or by every rank under
// mpirun), GAE keeping termination and truncation apart, then `epochs`
// passes of minibatches of whole sequences with the LSTM state at each sequence start taken
// from the rollout. Registered as "ppo" (core/train/algorithm.cc). No LibTorch in this
// header (the state sits behind Impl).
//
// Determinism: exploration noise from each environment's counter-based stream keyed by its
// index and the step; minibatch order from a counter-based stream keyed by (update, epoch);
// parameters initialised from generators seeded by the run's seed; environments in fixed
// blocks (LocalEnvBatch::kBlock); the same model for any rank count; LibTorch runs with the run's thread count (its reductions and
// OpenBLAS's products gave the same bits at 1 and 2 threads: tested).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/train/algorithm.h"
#include "core/train/env_batch.h"
#include "core/train/ppo/ppo_config.h"

namespace calf::core::train {

/// One update in the training log. Episode figures are over the episodes that ended in
/// this update's rollout (NaN when none did).
struct PpoUpdateRecord {
  int64_t env_steps = 0;  ///< Total environment steps after this update.
  int64_t episodes = 0;   ///< Episodes that ended in this rollout.
  int64_t goal_hits = 0;  ///< Goals reached in this rollout (terminal goals and respawns).
  double mean_return = 0.0, mean_length = 0.0;
  double policy_loss = 0.0, value_loss = 0.0, entropy = 0.0;
  double approx_kl = 0.0, clip_fraction = 0.0, explained_variance = 0.0;
  /// World model (NaN when disabled): training losses and the one-step prediction error
  /// (next-observation MSE) measured on the new rollout before training on it.
  double wm_obs_loss = 0.0, wm_reward_loss = 0.0, wm_done_loss = 0.0, wm_prediction_error = 0.0;
  /// Wall time of each phase [s] (not part of the deterministic state).
  double time_rollout = 0.0, time_gae = 0.0, time_update = 0.0, time_world_model = 0.0;
};

/// The PPO state machine. Internally parallel (OpenMP and LibTorch threads = the threads
/// when constructed), deterministic for any thread count.
class PpoAlgorithm final : public Algorithm {
 public:
  /// `env` must outlive the algorithm; `make_batch` makes its environments (in this process
  /// by default).
  PpoAlgorithm(const TrainConfig& config, const env::Environment& env,
               EnvBatchMaker make_batch = MakeLocalEnvBatch);
  ~PpoAlgorithm() override;

  /// Runs one update (rollout, GAE, epochs of minibatches, world model).
  void RunEpisode() override;
  int64_t episodes_done() const override;
  int64_t env_steps() const override;
  std::string ProgressText() const override;
  std::string SummaryText() const override;
  std::string Divergence() const override;
  void Save(std::ostream& out) const override;
  void Load(std::istream& in, uint32_t version, const std::string& path) override;
  std::vector<LogGroup> Log() const override;
  std::vector<OutputFile> ExportModels(const std::string& dir,
                                       nlohmann::json& model_json) const override;

  const std::vector<PpoUpdateRecord>& updates() const;
  int64_t num_envs() const;
  /// Every policy parameter, flattened in order (for tests).
  std::vector<float> FlatParameters() const;
  /// One step of the training network (not the exported file) for `batch` agents: obs
  /// [batch*o], h and c [batch*hidden] updated in place; returns mu [batch*m] and writes the
  /// values [batch]. For tests comparing the export with the network it came from.
  std::vector<float> PolicyStep(const std::vector<float>& obs, int64_t batch, std::vector<float>& h,
                                std::vector<float>& c, std::vector<float>& value) const;
  int hidden_size() const;
  /// Collects one rollout only (no learning), for benchmarks; returns its env steps.
  int64_t RolloutOnly();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The registry entry of "ppo".
AlgorithmEntry PpoEntry();

}  // namespace calf::core::train
