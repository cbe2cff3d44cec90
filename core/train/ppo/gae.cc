#include "core/train/ppo/gae.h"

namespace calf::core::train {

void ComputeGae(const GaeInput& in, float* advantages, float* returns) {
  const int64_t T = in.steps, E = in.envs;
  for (int64_t e = 0; e < E; ++e) {
    double next_advantage = 0.0;  // A_{t+1}, 0 past the end
    for (int64_t t = T - 1; t >= 0; --t) {
      const int64_t i = t * E + e;
      if (in.valid != nullptr && in.valid[i] == 0) {
        advantages[i] = 0.0f;
        returns[i] = 0.0f;
        next_advantage = 0.0;  // nothing flows through a filler step
        continue;
      }
      const bool terminal = in.terminal[i] != 0;
      const bool cut = terminal || in.truncated[i] != 0;
      const double bootstrap = terminal ? 0.0 : in.gamma * static_cast<double>(in.next_values[i]);
      const double delta = static_cast<double>(in.rewards[i]) + bootstrap - in.values[i];
      const double a = delta + (cut ? 0.0 : in.gamma * in.lambda * next_advantage);
      advantages[i] = static_cast<float>(a);
      returns[i] = static_cast<float>(a + in.values[i]);
      next_advantage = a;
    }
  }
}

}  // namespace calf::core::train
