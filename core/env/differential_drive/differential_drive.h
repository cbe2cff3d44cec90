#pragma once
// The differential drive (unicycle): state [x, y, θ], action [v, ω] ∈ [-1, 1] × [-2, 2],
// ẋ = v·cos θ, ẏ = v·sin θ, θ̇ = ω, θ wrapped to [-π, π]. Reward −|(x, y)| − 0.1·|θ| −
// 0.01·(v² + ω²); goal |(x, y)| < goal_epsilon; out of bounds |x| or |y| > boundary_limit.
// Nominal controller "move_to_point" (gains k_rho, k_alpha, k_theta). Alias "unicycle".
// The observation and the CALF error are the whole state. Details: docs/config.md.

#include "core/env/registry.h"

namespace calf::core::env {

/// The differential-drive family (registered in core/env/registry.cc).
EnvFamily DifferentialDriveFamily();

/// Wraps an angle to [-π, π].
double WrapAngle(double angle);

}  // namespace calf::core::env
