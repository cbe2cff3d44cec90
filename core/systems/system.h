#pragma once
// Dynamical systems, batched over agents. States and actions are stored agent-major:
// agent i's state is states[i*state_dim .. i*state_dim+state_dim). All maths in double.

#include <cstdint>
#include <string>
#include <vector>

namespace calf::core {

/// The systems calf knows.
enum class SystemKind { kPointMass, kDifferentialDrive };

/// Why an episode ended (stored in the `done` dataset as an HDF5 enum).
enum class DoneReason : uint8_t { kNone = 0, kGoal = 1, kOutOfBounds = 2, kTimeLimit = 3 };

/// Static description of a system: dimensions and action limits.
struct SystemSpec {
  SystemKind kind;
  std::string name;                ///< "point_mass" or "differential_drive".
  int state_dim;                   ///< d.
  int action_dim;                  ///< m.
  std::vector<double> max_action;  ///< Symmetric clip bound per action coordinate.
  std::string nominal_policy;      ///< "pd" or "move_to_point".
};

/// Parses "point_mass" / "differential_drive" (alias "unicycle"); throws ConfigError otherwise.
SystemKind ParseSystem(const std::string& name);

/// The spec of a system.
const SystemSpec& GetSystemSpec(SystemKind kind);

/// Clips one agent's action in place to the system's limits.
void ClipAction(const SystemSpec& spec, double* action);

/// Time derivative of one agent's state under a (clipped) action.
void StateDerivative(SystemKind kind, const double* state, const double* action, double* dstate);

/// One classic RK4 step of length dt for one agent (action held constant); wraps θ for the
/// unicycle. The action must already be clipped.
void Rk4Step(SystemKind kind, const double* state, const double* action, double dt,
             double* next_state);

/// Per-step reward of one agent at `state` under `action` (clipped action).
double Reward(SystemKind kind, const double* state, const double* action);

/// Distance to the goal (origin): |s| for the point mass, |(x, y)| for the unicycle.
double GoalDistance(SystemKind kind, const double* state);

/// True when the position leaves the box: |x| > limit (and |y| > limit for the unicycle).
bool OutOfBounds(SystemKind kind, const double* state, double boundary_limit);

/// Wraps an angle to [-π, π].
double WrapAngle(double angle);

}  // namespace calf::core
