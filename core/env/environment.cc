#include "core/env/environment.h"

#include <algorithm>
#include <cmath>

namespace calf::core::env {

Environment::Environment(EnvSpec spec, EnvParams params)
    : spec_(std::move(spec)), params_(std::move(params)) {}

Environment::~Environment() = default;

void Environment::StateChanged(const AgentBlock&) const {}

bool Environment::WorldBox(double*, double*) const { return false; }

void Environment::Step(const AgentBlock& b, const double* actions, const StepOutput& out) const {
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
