#include "core/policy/policy_factory.h"

#include "core/sim/model_paths.h"

namespace calf::core {

std::string ResolveActorPath(const SimConfig& c) {
  // the canonical name: "unicycle" is an alias of differential_drive's folder
  const std::string& system = GetSystemSpec(c.system_kind()).name;
  return c.actor_path.empty() ? DefaultModelPath(system, "actor.pt") : c.actor_path;
}

std::string ResolveCriticPath(const SimConfig& c) {
  const std::string& system = GetSystemSpec(c.system_kind()).name;
  return c.critic_path.empty() ? DefaultModelPath(system, "critic.pt") : c.critic_path;
}

LoadedPolicy LoadPolicy(const SimConfig& config) {
  LoadedPolicy p;
  const PolicyKind kind = config.policy_kind();
  const SystemSpec& spec = GetSystemSpec(config.system_kind());
  if (kind == PolicyKind::kNominal) return p;
  p.actor = TorchModel::Load(ResolveActorPath(config), TorchModel::Role::kActor, spec);
  p.models.actor = p.actor->heads()[0];
  if (kind == PolicyKind::kCalf) {
    p.critic = TorchModel::Load(ResolveCriticPath(config), TorchModel::Role::kCritic, spec);
    p.models.critic = p.critic->heads()[0];
  }
  return p;
}

}  // namespace calf::core
