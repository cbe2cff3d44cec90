#include "core/env/environment.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"

namespace calf::core::env {

Environment::Environment(EnvSpec spec, EnvParams params)
    : spec_(std::move(spec)), params_(params.ForFamily(spec_)) {
  const size_t nw = params_.scenario.state_weights.size();
  if (nw != 0 && nw != static_cast<size_t>(spec_.state_dim)) {
    throw ConfigError("key 'scenario.state_weights' holds " + std::to_string(nw) +
                      " weight(s) but " + spec_.name + " has " + std::to_string(spec_.state_dim) +
                      " state coordinates; give one per coordinate (calf systems lists them)");
  }
  const ScenarioTerms& sc = params_.scenario;
  const auto m = static_cast<size_t>(spec_.action_dim);
  if (!sc.action_bounds.empty()) {
    if (sc.action_bounds.size() != m) {
      throw ConfigError("key 'scenario.action_bounds' holds " +
                        std::to_string(sc.action_bounds.size()) + " bound(s) but " + spec_.name +
                        " has " + std::to_string(m) +
                        " action coordinates; give one per coordinate");
    }
    for (size_t j = 0; j < m; ++j) {
      if (sc.action_bounds[j] > spec_.max_action[j]) {
        throw ConfigError("key 'scenario.action_bounds[" + std::to_string(j) +
                          "]' = " + config::FormatNumber(sc.action_bounds[j]) + " is above " +
                          spec_.name + "'s own bound " + config::FormatNumber(spec_.max_action[j]) +
                          "; give a bound in (0, " + config::FormatNumber(spec_.max_action[j]) +
                          "]");
      }
    }
  }
  if (!sc.region_min.empty() && sc.limit_action >= static_cast<int64_t>(m)) {
    throw ConfigError("key 'scenario.speed_limit.action' = " + std::to_string(sc.limit_action) +
                      " but " + spec_.name + " has " + std::to_string(m) +
                      " action coordinates (0 to " + std::to_string(m - 1) + ")");
  }
  if ((!sc.region_min.empty() || sc.spot_weight != 0.0) && spec_.state_dim < 2) {
    throw ConfigError("the scenario's spot and speed limit act on two state coordinates; " +
                      spec_.name + " has one");
  }
}

Environment::~Environment() = default;

void Environment::StateChanged(const AgentBlock&) const {}

bool Environment::WorldBox(double*, double*) const { return false; }

void Environment::CriticExtras(const AgentBlock&, float*) const {}

void Environment::CriticInput(const AgentBlock& block, const float* obs, const double* actions,
                              float* rows) const {
  std::vector<float> extras(static_cast<size_t>(block.count * spec_.critic_extra_dim));
  if (!extras.empty()) CriticExtras(block, extras.data());
  CriticInput(block.count, obs, extras.data(), actions, rows);
}

void Environment::CriticInput(int64_t count, const float* obs, const float* extras,
                              const double* actions, float* rows) const {
  const int o = spec_.obs_dim, x = spec_.critic_extra_dim, m = spec_.action_dim;
  const int w = o + x + m;
  for (int64_t k = 0; k < count; ++k) {
    float* row = rows + k * w;
    for (int j = 0; j < o; ++j) row[j] = obs[k * o + j];
    for (int j = 0; j < x; ++j) row[o + j] = extras[k * x + j];
    for (int j = 0; j < m; ++j) row[o + x + j] = static_cast<float>(actions[k * m + j]);
  }
}

void Environment::BodyShapes(const AgentBlock&, std::vector<BodyShape>*) const {}

namespace {
// the scenario's state cost of one agent at state s (docs/config.md, "Scenario terms")
double StateCost(const ScenarioTerms& sc, const double* s, int d) {
  double c = 0.0;
  if (sc.spot_weight != 0.0) {
    const double dx = (s[0] - sc.spot_x) / sc.spot_sigma_x;
    const double dy = (s[1] - sc.spot_y) / sc.spot_sigma_y;
    c += sc.spot_weight * std::exp(-0.5 * (dx * dx + dy * dy));
  }
  if (!sc.state_weights.empty()) {
    for (int j = 0; j < d; ++j) c += sc.state_weights[j] * s[j] * s[j];
  }
  return c;
}
}  // namespace

void Environment::Step(const AgentBlock& b, const double* actions, const StepOutput& out) const {
  const ScenarioTerms& sc = params_.scenario;
  const bool state_terms = sc.spot_weight != 0.0 || !sc.state_weights.empty();
  // the state terms are costs of the step's start state, like every family's own reward
  std::vector<double> cost;
  if (state_terms) {
    const int d = spec_.state_dim;
    cost.resize(b.count);
    for (int64_t k = 0; k < b.count; ++k) cost[k] = StateCost(sc, b.state + k * d, d);
  }
  // the scenario's limits act on the commanded action (a run records the command)
  std::vector<double> limited;
  if (sc.limits()) {
    const int m = spec_.action_dim, d = spec_.state_dim;
    limited.assign(actions, actions + b.count * m);
    for (int64_t k = 0; k < b.count; ++k) {
      double* a = &limited[k * m];
      for (size_t j = 0; j < sc.action_bounds.size(); ++j) {
        a[j] = std::clamp(a[j], -sc.action_bounds[j], sc.action_bounds[j]);
      }
      const double* s = b.state + k * d;
      if (!sc.region_min.empty() && s[0] >= sc.region_min[0] && s[0] <= sc.region_max[0] &&
          s[1] >= sc.region_min[1] && s[1] <= sc.region_max[1]) {
        a[sc.limit_action] = std::clamp(a[sc.limit_action], -sc.limit_max, sc.limit_max);
      }
    }
    actions = limited.data();
  }
  Advance(b, actions, out);
  // the time limit is the one ending every family shares: a truncation, checked last so a
  // terminal reason on the same step wins
  const int64_t limit = params_.max_steps_per_episode;
  for (int64_t k = 0; k < b.count; ++k) {
    b.episode_step[k] += 1;
    if (out.done[k] == DoneReason::kNone && b.episode_step[k] >= limit) {
      out.done[k] = DoneReason::kTimeLimit;
    }
  }
  // no term configured: the family's reward untouched, bit for bit
  if (state_terms) {
    for (int64_t k = 0; k < b.count; ++k) out.reward[k] -= cost[k];
  }
  if (sc.miss_cost != 0.0) {
    for (int64_t k = 0; k < b.count; ++k) {
      const DoneReason r = out.done[k];
      if (r != DoneReason::kNone && r != DoneReason::kGoal) out.reward[k] -= sc.miss_cost;
    }
  }
}

void Environment::ClipActions(double* a, int64_t count) const {
  const int m = spec_.action_dim;
  for (int64_t k = 0; k < count; ++k) {
    for (int j = 0; j < m; ++j) {
      const double lim = spec_.max_action[j];
      double& v = a[k * m + j];
      // NaN actions (a diverged network) become 0, never propagate into the state
      v = std::isnan(v) ? 0.0 : std::clamp(v, -lim, lim);
    }
  }
}

}  // namespace calf::core::env
