#include "core/sim/state.h"

#include <limits>

namespace calf::core {

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kCertified:
      return "certified";
    case Mode::kRelax:
      return "relax";
    case Mode::kFallback:
      return "fallback";
    case Mode::kNominal:
      return "nominal";
  }
  return "unknown";
}

void CalfState::Resize(int64_t n, int d, int m, double lambda_relax) {
  has_cert.assign(n, 0);
  s_dag.assign(n * d, 0.0);
  a_dag.assign(n * m, 0.0);
  q_dag.assign(n, 0.0);
  p_relax.assign(n, lambda_relax);
}

void SimState::Resize(int64_t n, int d, int m, double lambda_relax) {
  num_agents = n;
  state_dim = d;
  action_dim = m;
  step = 0;
  states.assign(n * d, 0.0);
  actions.assign(n * m, 0.0);
  rewards.assign(n, 0.0);
  q_values.assign(n, std::numeric_limits<float>::quiet_NaN());
  modes.assign(n, Mode::kNominal);
  done.assign(n, DoneReason::kNone);
  episode.assign(n, 0);
  episode_step.assign(n, 0);
  episode_return.assign(n, 0.0);
  calf.Resize(n, d, m, lambda_relax);
}

}  // namespace calf::core
