#include "core/sim/config.h"

#include "core/env/registry.h"
#include "core/error.h"

namespace calf::core {

using config::Range;

void SimConfig::Bind(config::Binder& b) {
  b.Value("system", system, false);
  b.Value("policy", policy, false);
  b.Value("num_agents", num_agents, Range::Closed(1, 100000000));
  // bounded work (issue 19): 10^9 steps of one agent are hours; --steps 2^63-1 never ends
  b.Value("steps", steps, Range::Closed(0, 1000000000));
  b.Value("seed", seed);
  env.Bind(b, system);
  b.Value("actor", actor_path);
  b.Value("critic", critic_path);
  b.Value("initial_states", initial_states_path);
  b.Value("record_every", record_every, Range::AtLeast(1));
  b.Value("compress", compress);
  b.Object("calf", [this](config::Binder& cb) { calf.Bind(cb); });
}

void SimConfig::ApplyJson(const std::string& text, const std::string& where) {
  config::ReadJson(*this, text, where, "docs/config.md");
}

std::string SimConfig::canonical_system() const { return env::FindSpec(system).name; }

PolicyKind SimConfig::policy_kind() const {
  if (policy == "actor") return PolicyKind::kActor;
  if (policy == "calf") return PolicyKind::kCalf;
  if (policy == "nominal") return PolicyKind::kNominal;
  // a family's nominal controller by name: only the system's own
  const std::string& own = env::FindSpec(system).nominal_policy;
  if (policy == own) return PolicyKind::kNominal;
  for (const env::EnvFamily& f : env::Families()) {
    if (policy == f.spec.nominal_policy) {
      throw ConfigError("policy '" + policy + "' does not fit system '" + system + "'; use " + own +
                        " (or nominal)");
    }
  }
  std::string nominal_names;
  for (const env::EnvFamily& f : env::Families()) nominal_names += f.spec.nominal_policy + ", ";
  throw ConfigError("unknown policy '" + policy + "'; use " + nominal_names +
                    "nominal, actor or calf");
}

void SimConfig::Validate() const {
  env::FindSpec(system);
  policy_kind();
  config::CheckValues(*this);
}

std::string SimConfig::ToJson(int indent) const { return config::ToJsonObject(*this).dump(indent); }

}  // namespace calf::core
