#pragma once
// TD3's own training parameters: the keys it adds to the training config and its presets.
// Apart from the algorithm (td3_algorithm.h) so that the config layer needs no training code
// (the train-config fuzz target compiles it alone).

#include <cstdint>
#include <memory>
#include <string>

#include "core/train/algorithm.h"
#include "core/train/td3/td3.h"

namespace calf::core::train {

/// TD3's own training parameters (flat keys of the training config).
struct Td3Config final : AlgorithmParams {
  /// TD3 update implementation: "eigen" (calf's own, fast) or "libtorch" (the autograd
  /// reference of td3_reference.h, ~10x slower; results agree to float rounding only).
  std::string backend = "eigen";
  int64_t start_training_step = 100;  ///< Env steps acting with the nominal policy first.
  int64_t replay_size = 100000;
  double expl_noise = 0.5;     ///< Exploration noise std, times max_action.
  double reward_scale = 10.0;  ///< Rewards are multiplied by this before storing.
  /// The actor also sees the extras the critic sees (EnvSpec::critic_extra_dim, e.g. the
  /// creature's velocity); false = the actor acts on the observation alone. No effect for a
  /// family without extras.
  bool actor_extras = false;
  /// Environment steps each decision of the actor is held for (frame skip): one transition,
  /// its rewards summed, γ applied per decision, one update per decision. 1 = every step.
  /// A short dt makes an action's effect on Q only O(dt) (see docs/training.md).
  int64_t action_repeat = 1;
  Td3Params td3;

  std::unique_ptr<AlgorithmParams> Clone() const override;
  void Bind(config::Binder& b) override;
  /// quick (100 episodes x 500 steps, start 50, batch 64), standard (500 x 750, start 100,
  /// batch 64), thorough (1000 x 1000, start 200, batch 128).
  void ApplyPreset(const std::string& name, TrainConfig& config) override;
};

}  // namespace calf::core::train
