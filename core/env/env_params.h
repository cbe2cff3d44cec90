#pragma once
// The parameters every environment family shares, and the nominal gains each family
// declares. Bound into the run, train and profile configs as flat keys (dt, goal_epsilon,
// boundary_limit, reset_range, max_steps_per_episode) plus a "nominal" object, and one object
// per family that declares its own parameters (EnvSpec::params), named after the family.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config/binder.h"

namespace calf::core::env {

struct EnvSpec;

/// Extra cost terms of a research scenario, added by Environment::Step to every family's
/// reward (the config's "scenario" object; docs/config.md). The defaults add nothing: the
/// reward is then bit for bit the family's own.
struct ScenarioTerms {
  /// A Gaussian high-cost spot on the first two state coordinates (x, y; the point mass's
  /// x, v): cost weight·exp(−(s0−x)²/(2σx²) − (s1−y)²/(2σy²)) per step, at the step's start
  /// state. Off while weight is 0.
  double spot_x = 0.0, spot_y = 0.0;
  double spot_sigma_x = 1.0, spot_sigma_y = 1.0;  ///< > 0 [state units].
  double spot_weight = 0.0;                       ///< Cost at the centre per step (>= 0).
  /// Quadratic cost Σ w_j·s_j² per step at the step's start state; empty = none, else exactly
  /// one weight per state coordinate (checked when the environment is made).
  std::vector<double> state_weights;
  /// Cost added on the step an episode ends without the goal (out of bounds, time limit).
  double miss_cost = 0.0;
  /// Action bounds tighter than the family's: one per action coordinate, each in (0, the
  /// family's bound]; empty = the family's own. Applied to the commanded action.
  std::vector<double> action_bounds;
  /// A speed limit inside a region of the first two state coordinates (the spot's plane):
  /// |action[limit_action]| <= limit_max while region_min <= (s0, s1) <= region_max, e.g. the
  /// unicycle's linear velocity (action 0) capped in a zone. Off while the region is empty;
  /// else both corners hold 2 numbers, min <= max.
  int64_t limit_action = 0;
  double limit_max = 0.0;
  std::vector<double> region_min, region_max;

  /// True when any term adds cost.
  bool active() const { return spot_weight != 0.0 || !state_weights.empty() || miss_cost != 0.0; }
  /// True when the applied action can differ from the commanded one.
  bool limits() const { return !action_bounds.empty() || !region_min.empty(); }
  void Bind(config::Binder& b);
};

/// Immutable per-run environment parameters.
struct EnvParams {
  double dt = 0.01;             ///< Control step [s] (one RK4 step per control step).
  double goal_epsilon = 0.05;   ///< Episode ends (goal) when the goal distance < this.
  double boundary_limit = 5.0;  ///< Episode ends (out of bounds) beyond this [m].
  double reset_range = 3.0;     ///< Resets draw positions uniformly in [-r, r].
  /// Time limit (a truncation) in steps; 0 = the family's own (EnvSpec::max_steps_per_episode:
  /// 750, the creature's 1,000), resolved by ForFamily when an environment is made.
  int64_t max_steps_per_episode = 0;
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
  ScenarioTerms scenario;  ///< The "scenario" object: extra reward terms (none by default).

  /// Not a config key: where the keys a refusal may name came from (goal_epsilon,
  /// boundary_limit, reset_range, "nominal.<gain>", family object names -> the reader's
  /// source, e.g. "x.json"), so that the checker's refusals name the file.
  std::map<std::string, std::string> given;

  EnvParams();
  /// Binds the flat keys, the "nominal" object and the family objects (config layer,
  /// core/config/binder.h). `system` names the run's family when known (any name; an unknown
  /// one counts as not known): the writer then writes that family's effective values
  /// (ForFamily) and only the keys it reads, and the checker refuses a given key the family
  /// does not read unless it holds its default ("does not apply to system ...").
  void Bind(config::Binder& b, const std::string& system = "");
  /// These parameters as `spec`'s family uses them: max_steps_per_episode 0 becomes the
  /// family's time limit. Environments apply it; the writer writes it.
  EnvParams ForFamily(const EnvSpec& spec) const;
  /// The gain `name`; a missing name is a bug (families read only their own gains).
  double gain(const std::string& name) const;
  /// The parameter `name` of family `family_name`; a missing name is a bug.
  double param(const std::string& family_name, const std::string& name) const;
  /// The text parameter `name` of family `family_name`; a missing name is a bug.
  const std::string& text(const std::string& family_name, const std::string& name) const;
};

}  // namespace calf::core::env
