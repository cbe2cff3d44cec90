#pragma once
// Loads the networks a configured policy needs, resolving default model paths.

#include <memory>
#include <string>

#include "core/policy/policy_models.h"
#include "core/policy/torch_model.h"
#include "core/sim/config.h"

namespace calf::core {

/// The loaded TorchScript modules (null when the policy does not need them) and their
/// Eigen MLPs for the simulator.
struct LoadedPolicy {
  std::unique_ptr<TorchModel> actor;
  std::unique_ptr<TorchModel> critic;
  std::unique_ptr<RecurrentModel> recurrent;  ///< When the actor file is a recurrent policy.
  PolicyModels models;  ///< actor head and the critic's first head.
};

/// Resolves config.actor_path / critic_path (empty -> data/models/<system>/{actor,critic}.pt)
/// and loads what config.policy needs: nothing for nominal, the actor for `actor`, both for
/// `calf`. An actor file whose forward takes (obs, h, c) (RecurrentModel::ForwardArguments) is
/// loaded as one, for `actor` only (it has no Q critic for CALF). Throws PolicyError (exit 2)
/// naming the file on any problem.
LoadedPolicy LoadPolicy(const SimConfig& config);

/// The actor/critic paths LoadPolicy would use.
std::string ResolveActorPath(const SimConfig& config);
std::string ResolveCriticPath(const SimConfig& config);

}  // namespace calf::core
