#pragma once
// The networks a policy runs with, as the simulator takes them.

#include "core/policy/mlp.h"
#include "core/policy/recurrent_model.h"
#include "core/policy/torch_model.h"

namespace calf::core {

/// The networks a policy needs (either may be empty for the nominal policy).
struct PolicyModels {
  Mlp actor;   ///< observation -> action.
  Mlp critic;  ///< [observation, critic extras, action] -> q (the critic's first head).
  /// Baseline design only: when both are set (and outlive the Simulator), inference goes
  /// through LibTorch one agent at a time (batch of one) on a single thread instead of the
  /// batched Eigen path. Outputs agree with the Eigen path to ~1e-6, not bit for bit.
  const TorchModel* torch_actor = nullptr;
  const TorchModel* torch_critic = nullptr;
  /// A recurrent policy (PPO's) for `--policy actor`, instead of the actor MLP; outlives
  /// the Simulator. Its state rows live in SimState::hidden / cell.
  const RecurrentModel* recurrent = nullptr;
};

}  // namespace calf::core
