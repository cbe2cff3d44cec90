#pragma once
// PPO's own training parameters (flat keys of the training config, plus a "world_model"
// object). Documented key by key in docs/training.md.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/train/train_config.h"

namespace calf::core::train {

/// The recurrent actor-critic's shape (core/train/ppo/recurrent_policy.h).
struct PpoNetShape {
  std::vector<int> encoder = {256, 64};  ///< Encoder MLP widths (ReLU).
  int attention_heads = 4;               ///< Graph-attention heads ...
  int head_dim = 32;                     ///< ... of this width (concatenated: 128).
  int lstm = 128;                        ///< LSTM hidden size (h and c).
  int head_hidden = 64;                  ///< Hidden width of the policy and value heads.
  /// Attention neighbourhood: "self" (each agent alone: the weight is exactly 1) or "knn"
  /// (the `knn_k` nearest agents of the same step by observation distance, plus itself).
  std::string neighbourhood = "self";
  int knn_k = 4;
};

/// The optional world model's parameters.
struct WorldModelParams {
  bool enabled = false;
  double lr = 1e-3;
};

/// PPO's keys. A training "episode" of the common config is one PPO *update* (a rollout of
/// rollout_steps x num_envs samples, GAE, `epochs` passes of minibatch updates).
struct PpoConfig final : AlgorithmParams {
  /// E: environments stepped together. 0 = auto: the largest power of two <= 1024 whose
  /// rollout buffers fit in 1/8 of the memory available when the run starts (the resolved
  /// value is what the checkpoint records; machine-dependent, so off by default).
  int64_t num_envs = 64;
  int64_t rollout_steps = 128;    ///< T: steps per environment per update.
  int64_t seq_len = 16;           ///< Length of the recurrent training sequences; divides T.
  int64_t minibatch_size = 2048;  ///< Samples per minibatch (a multiple of seq_len).
  int64_t epochs = 4;
  double lr = 3e-4;  ///< Adam.
  double gamma = 0.99;
  double gae_lambda = 0.95;
  double clip = 0.2;  ///< PPO ratio clip.
  /// Clip the value loss around the rollout's values (off by default: with returns of tens
  /// the clip stalls the value function at +-value_clip_range per update).
  bool value_clip = false;
  double value_clip_range = 0.2;
  double ent_coef = 0.01;
  double vf_coef = 0.5;
  double max_grad_norm = 1.0;
  /// Advantage normalisation: "batch" (over the whole rollout), "minibatch" or "off".
  std::string adv_norm = "batch";
  /// Rewards are multiplied by this for learning (presets: 0.01 for the point mass and the
  /// unicycle, whose per-step costs are ~1, so that values stay of order 1; 0.1 for the
  /// creature, whose goal bonus is 10).
  double reward_scale = 1.0;
  double log_std_init = -0.5;
  double log_std_min = -5.0;  ///< The global log-std parameter is clamped to
  double log_std_max = 1.0;   ///< [log_std_min, log_std_max].
  PpoNetShape net;
  WorldModelParams world_model;

  std::unique_ptr<AlgorithmParams> Clone() const override;
  void Bind(config::Binder& b) override;
  /// quick / standard, sized per system (docs/training.md).
  void ApplyPreset(const std::string& name, TrainConfig& config) override;
  /// seq_len divides rollout_steps; minibatch_size a multiple of seq_len and at most the
  /// rollout (and of whole steps of all environments under "knn"); ranges.
  void Validate(const TrainConfig& config) const override;

  /// num_envs with 0 resolved (see num_envs).
  int64_t ResolvedEnvs(int obs_dim) const;
};

}  // namespace calf::core::train
