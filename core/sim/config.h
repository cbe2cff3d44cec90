#pragma once
// The immutable configuration of a simulation run. Every field can be set from a JSON file
// (the keys of Bind, listed once; docs/config.md); the resolved config is echoed into every
// output file.

#include <cstdint>
#include <string>

#include "core/config/binder.h"
#include "core/env/env_params.h"
#include "core/policy/calf_selector.h"

namespace calf::core {

/// Which controller acts.
enum class PolicyKind { kNominal, kActor, kCalf };

/// Immutable run configuration. Build with defaults, then ApplyJson, then Validate.
struct SimConfig {
  std::string system = "point_mass";  ///< An environment family (core/env/registry.h).
  std::string policy = "calf";        ///< <the system's nominal> | nominal | actor | calf.
  int64_t num_agents = 100;
  int64_t steps = 1000;
  uint64_t seed = 0;
  env::EnvParams env;               ///< dt, goal_epsilon, ..., the nominal gains (flat keys).
  std::string actor_path;           ///< TorchScript actor; empty = data/models/<system>/actor.pt.
  std::string critic_path;          ///< TorchScript critic; empty = data/models/<system>/critic.pt.
  std::string initial_states_path;  ///< Optional CSV with one row per agent.
  int64_t record_every = 1;         ///< Record every K-th step.
  bool compress = false;            ///< Deflate the trajectory datasets.
  CalfParams calf;

  /// Lists every key once: reading, writing and checking go through it (core/config).
  void Bind(config::Binder& b);
  /// Overrides fields from a JSON object; unknown keys or wrong types throw ConfigError.
  void ApplyJson(const std::string& json_text, const std::string& source_name);
  /// Checks ranges and names; throws ConfigError naming the field and the fix.
  void Validate() const;
  /// The resolved configuration as a JSON object (pretty when indent >= 0).
  std::string ToJson(int indent = -1) const;

  /// Resolves "nominal" and the system's own nominal controller name to kNominal etc.;
  /// throws ConfigError for other names or a nominal controller of another system.
  PolicyKind policy_kind() const;
  /// The canonical system name ("unicycle" -> "differential_drive").
  std::string canonical_system() const;
};

/// Reads a whole text file; throws IoError naming the path.
using config::ReadTextFile;

}  // namespace calf::core
