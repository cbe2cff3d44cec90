#pragma once
// The point mass (double integrator): state [x, v], action a ∈ [-5, 5], ẋ = v, v̇ = a.
// Reward −|(x, v)| − 0.01·a²; goal |(x, v)| < goal_epsilon; out of bounds |x| >
// boundary_limit. Nominal controller "pd": a = −kp·x − kd·v (clipped). The observation and
// the CALF error are the whole state. Details: docs/config.md.

#include "core/env/registry.h"

namespace calf::core::env {

/// The point-mass family (registered in core/env/registry.cc).
EnvFamily PointMassFamily();

}  // namespace calf::core::env
