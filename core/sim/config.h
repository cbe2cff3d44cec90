#pragma once
// The immutable configuration of a simulation run. Every field can be set from a JSON file
// (same key names); the resolved config is echoed into every output file.

#include <cstdint>
#include <string>

#include "core/systems/system.h"

namespace calf::core {

/// Parameters of the CALF action selector.
struct CalfParams {
  double nu_bar = 0.01;           ///< Required critic improvement q - q† for certification.
  double kappa_low = 0.01;        ///< Lower K-infinity bound factor: kappa_low·|s|² <= -q.
  double kappa_up = 1000.0;       ///< Upper bound factor: -q <= kappa_up·|s|².
  double lambda_relax = 0.99995;  ///< P_relax decay per step; P_relax starts at lambda_relax.
};

/// Gains of the nominal (stabilising) controllers.
struct NominalParams {
  double kp = 1.0;       ///< PD position gain (point mass).
  double kd = 1.0;       ///< PD velocity gain (point mass).
  double k_rho = 0.8;    ///< move_to_point distance gain (unicycle).
  double k_alpha = 3.0;  ///< move_to_point heading-to-goal gain.
  double k_theta = 2.0;  ///< move_to_point final heading gain.
};

/// Which controller acts.
enum class PolicyKind { kNominal, kActor, kCalf };

/// Immutable run configuration. Build with defaults, then ApplyJson, then Validate.
struct SimConfig {
  std::string system = "point_mass";  ///< point_mass | differential_drive.
  std::string policy = "calf";        ///< pd | move_to_point | nominal | actor | calf.
  int64_t num_agents = 100;
  int64_t steps = 1000;
  uint64_t seed = 0;
  double dt = 0.01;             ///< RK4 step [s].
  double goal_epsilon = 0.05;   ///< Episode ends when goal distance < this.
  double boundary_limit = 5.0;  ///< Episode ends when |x| (or |y|) exceeds this.
  int64_t max_steps_per_episode = 750;
  double reset_range = 3.0;         ///< Resets draw positions uniformly in [-r, r].
  std::string actor_path;           ///< TorchScript actor; empty = data/models/<system>/actor.pt.
  std::string critic_path;          ///< TorchScript critic; empty = data/models/<system>/critic.pt.
  std::string initial_states_path;  ///< Optional CSV with one row per agent.
  int64_t record_every = 1;         ///< Record every K-th step.
  bool compress = false;            ///< Deflate the trajectory datasets.
  CalfParams calf;
  NominalParams nominal;

  /// Overrides fields from a JSON object; unknown keys or wrong types throw ConfigError.
  void ApplyJson(const std::string& json_text, const std::string& source_name);
  /// Checks ranges and names; throws ConfigError naming the field and the fix.
  void Validate() const;
  /// The resolved configuration as a JSON object (pretty when indent >= 0).
  std::string ToJson(int indent = -1) const;

  SystemKind system_kind() const { return ParseSystem(system); }
  /// Resolves "nominal"/"pd"/"move_to_point" to kNominal etc.; throws ConfigError.
  PolicyKind policy_kind() const;
};

/// Reads a whole text file; throws IoError naming the path.
std::string ReadTextFile(const std::string& path);

}  // namespace calf::core
