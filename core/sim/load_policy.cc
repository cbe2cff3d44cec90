#include "core/sim/load_policy.h"

#include "core/env/registry.h"
#include "core/error.h"
#include "core/sim/model_paths.h"

namespace calf::core {

namespace {

// `given`, else data/models/<system>/<file> under the canonical system name ("unicycle" is an
// alias of differential_drive's folder)
std::string ModelPath(const SimConfig& c, const std::string& given, const char* file) {
  return given.empty() ? DefaultModelPath(c.canonical_system(), file) : given;
}

}  // namespace

std::string ResolveActorPath(const SimConfig& c) { return ModelPath(c, c.actor_path, "actor.pt"); }

std::string ResolveCriticPath(const SimConfig& c) {
  return ModelPath(c, c.critic_path, "critic.pt");
}

LoadedPolicy LoadPolicy(const SimConfig& config) {
  LoadedPolicy p;
  const PolicyKind kind = config.policy_kind();
  const env::EnvSpec& spec = env::FindSpec(config.system);
  if (kind == PolicyKind::kNominal) return p;
  const std::string actor_path = ResolveActorPath(config);
  const int arguments = RecurrentModel::ForwardArguments(actor_path);
  if (arguments >= 0 && arguments != 1 && arguments != 3) {
    throw PolicyError("actor model '" + actor_path + "': forward takes " +
                      std::to_string(arguments) +
                      " tensors; calf runs an MLP actor forward(obs) or a recurrent policy "
                      "forward(obs, h, c)");
  }
  if (arguments == 3) {
    if (kind == PolicyKind::kCalf) {
      throw PolicyError("'" + actor_path +
                        "' is a recurrent (PPO) policy with a state-value critic only; CALF "
                        "needs a Q critic: use --policy actor, or a TD3 model for --policy calf");
    }
    p.recurrent = RecurrentModel::Load(actor_path, spec);
    p.models.recurrent = p.recurrent.get();
    return p;
  }
  p.actor = TorchModel::Load(ResolveActorPath(config), TorchModel::Role::kActor, spec);
  p.models.actor = p.actor->heads()[0];
  if (kind == PolicyKind::kCalf) {
    p.critic = TorchModel::Load(ResolveCriticPath(config), TorchModel::Role::kCritic, spec);
    p.models.critic = p.critic->heads()[0];
  }
  return p;
}

}  // namespace calf::core
