#pragma once
// The quadruped: a 12-motor legged body on MuJoCo (data/quadruped/quadruped.xml) that must
// stay standing. State = MuJoCo's qpos (19: torso position, quaternion w x y z, 12 joint
// angles) and qvel (18: torso linear velocity in the world frame, angular velocity in the
// body frame, 12 joint velocities); environment state [goal x, goal y, contacts, MuJoCo's
// qacc_warmstart (18)]; action 12 normalised torques in [−1, 1] (× the motors' gear);
// observation (37): height, orientation, body-frame velocities, joint angles and velocities,
// goal direction in the body frame. Reward: upright + height − energy (+ optional goal
// progress); falls (height or tilt limits, or a state MuJoCo rejects) end the episode as
// kOutOfBounds. Nominal controller "standing_pd" (joint-space PD to the standing pose); the
// CALF error is the deviation from the standing pose. Every parameter: docs/quadruped.md.

#include "core/env/registry.h"

namespace calf::core::env {

/// The quadruped family (registered in core/env/registry.cc).
EnvFamily QuadrupedFamily();

namespace quadruped {
/// Layout of the quadruped's environment state (EnvSpec::env_state_dim = kEnvDim).
inline constexpr int kGoalX = 0, kGoalY = 1;  ///< Goal point on the floor [m] (goal_dim 2).
inline constexpr int kContacts = 2;           ///< MuJoCo contacts after the last sub-step.
inline constexpr int kWarmstart = 3;          ///< qacc_warmstart [18]: MuJoCo's solver seed.
inline constexpr int kEnvDim = 3 + 18;
/// The model file used when quadruped.model is "": <data dir>/quadruped/quadruped.xml, the
/// data dir being $CALF_DATA_DIR or the source tree's data/.
std::string DefaultModelPath();
}  // namespace quadruped

}  // namespace calf::core::env
