#pragma once
// The creature: a point body in a walled 3-D world that walks, jumps and flies toward goals
// that respawn when reached. State [x, y, z, vx, vy, vz, stamina], environment state
// [goal x, y, z, previous goal distance], action a 3-D acceleration command in [−1, 1]³,
// observation (7) the goal offset and position normalised by the box and stamina / 200.
// Nominal controller "goal_pd" (a saturated PD toward the goal). The CALF error is the
// offset from the goal; a reached goal is redrawn from the agent's own stream and reported as
// StepOutput::target_moved (the episode goes on until the time limit). The arithmetic is
// float32 (creature_math.h); states are stored in the simulation's doubles exactly.
// Every parameter: docs/creature.md.

#include "core/env/registry.h"

namespace calf::core::env {

/// The creature family (registered in core/env/registry.cc).
EnvFamily CreatureFamily();

}  // namespace calf::core::env
