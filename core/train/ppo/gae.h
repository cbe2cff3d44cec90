#pragma once
// Generalised advantage estimation (Schulman et al. 2016) over a rollout of T steps of E
// environments, keeping termination and truncation apart. No LibTorch: plain arrays.

#include <cstdint>

namespace calf::core::train {

/// One rollout, every array time-major ([t * envs + e]).
struct GaeInput {
  int64_t steps = 0;               ///< T.
  int64_t envs = 0;                ///< E.
  const float* rewards = nullptr;  ///< r_t.
  const float* values = nullptr;   ///< V(s_t).
  /// The value of the state *after* step t, used only where the episode did not terminate:
  /// V(s_{t+1}) for an ordinary step, the value of the real final observation for a time
  /// limit (truncation), the bootstrap value V(s_T) at t = T-1.
  const float* next_values = nullptr;
  /// 1 where step t reached a terminal state (goal, out of bounds): no value beyond it. A
  /// step both terminal and truncated counts as terminal.
  const uint8_t* terminal = nullptr;
  /// 1 where step t hit the time limit: bootstrap from next_values, then cut the trace.
  const uint8_t* truncated = nullptr;
  /// 0 where step t is not a real transition (an auto-reset filler of a vectorised
  /// environment): its advantage and return are 0 and no trace crosses it. Null = all valid.
  const uint8_t* valid = nullptr;
  double gamma = 0.99;
  double lambda = 0.95;
};

/// Writes advantages A_t and returns R_t = A_t + V(s_t) ([T*E] each):
///   delta_t = r_t + gamma * (1 - terminal_t) * next_values_t - V(s_t)
///   A_t     = delta_t + gamma * lambda * (1 - terminal_t) * (1 - truncated_t) * A_{t+1}
/// with A_{t+1} = 0 past the rollout's end or at an invalid step. Accumulates in double;
/// deterministic (each environment is one independent backward sweep).
void ComputeGae(const GaeInput& in, float* advantages, float* returns);

}  // namespace calf::core::train
