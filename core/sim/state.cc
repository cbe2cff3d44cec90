#include "core/sim/state.h"

#include <limits>

namespace calf::core {

void SimState::Resize(int64_t n, int d, int m, int e, double lambda_relax) {
  num_agents = n;
  state_dim = d;
  action_dim = m;
  env_state_dim = e;
  step = 0;
  states.assign(n * d, 0.0);
  env_states.assign(n * e, 0.0);
  actions.assign(n * m, 0.0);
  rewards.assign(n, 0.0);
  q_values.assign(n, std::numeric_limits<float>::quiet_NaN());
  modes.assign(n, Mode::kNominal);
  done.assign(n, DoneReason::kNone);
  target_moved.assign(n, 0);
  nan_action.assign(n, 0);
  episode.assign(n, 0);
  episode_step.assign(n, 0);
  episode_return.assign(n, 0.0);
  calf.Resize(n, d, m, lambda_relax);
}

}  // namespace calf::core
