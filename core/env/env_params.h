#pragma once
// The parameters every environment family shares, and the nominal gains each family
// declares. Bound into the run, train and profile configs as flat keys (dt, goal_epsilon,
// boundary_limit, reset_range, max_steps_per_episode) plus a "nominal" object, and one object
// per family that declares its own parameters (EnvSpec::params), named after the family.

#include <cstdint>
#include <map>
#include <string>

#include "core/config/binder.h"

namespace calf::core::env {

/// Immutable per-run environment parameters.
struct EnvParams {
  double dt = 0.01;                     ///< Control step [s] (one RK4 step per control step).
  double goal_epsilon = 0.05;           ///< Episode ends (goal) when the goal distance < this.
  double boundary_limit = 5.0;          ///< Episode ends (out of bounds) beyond this [m].
  double reset_range = 3.0;             ///< Resets draw positions uniformly in [-r, r].
  int64_t max_steps_per_episode = 750;  ///< Time limit (a truncation).
  /// Nominal controller gains by name: every registered family's gains with their defaults
  /// (EnvSpec::nominal_gains), overridden by the config's "nominal" object.
  std::map<std::string, double> nominal;
  /// Each family's own parameters by family name, then parameter name (EnvSpec::params),
  /// with their defaults, overridden by the config's object of that name (e.g. "creature").
  std::map<std::string, std::map<std::string, double>> family;
  /// Each family's text parameters (EnvSpec::text_params) likewise, in the same object.
  std::map<std::string, std::map<std::string, std::string>> family_text;
  /// Not a config key: families with a fused step kernel (the creature) use it when true, and
  /// step one agent at a time through separate functions when false (the baseline design of
  /// `calf profile`, `--fused-step off`). Both give the same bits.
  bool fused_step = true;

  EnvParams();
  /// Binds the flat keys and the "nominal" object (config layer, core/config/binder.h).
  void Bind(config::Binder& b);
  /// The gain `name`; a missing name is a bug (families read only their own gains).
  double gain(const std::string& name) const;
  /// The parameter `name` of family `family_name`; a missing name is a bug.
  double param(const std::string& family_name, const std::string& name) const;
  /// The text parameter `name` of family `family_name`; a missing name is a bug.
  const std::string& text(const std::string& family_name, const std::string& name) const;
};

}  // namespace calf::core::env
