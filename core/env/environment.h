#pragma once
// The batched environment interface. An environment family (one folder under core/env/, one
// line in core/env/registry.cc) describes itself with an EnvSpec and steps a *block* of agents
// at once over struct-of-arrays data: dynamics, reward, termination, observation, nominal
// action, CALF error and reset. The simulator (core/sim) and the trainers (core/train) drive
// the same Environment, so a transition means the same thing everywhere.
//
// Layout: every per-agent array is agent-major (agent k of a block at [k*dim, (k+1)*dim)).
// States are double; observations float32 (what the networks take).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config/binder.h"
#include "core/env/body_shape.h"
#include "core/env/env_params.h"

namespace calf::core {

/// Why a step ended an episode (stored in the `done` dataset as an HDF5 enum). kGoal and
/// kOutOfBounds are *terminal* (no value beyond them); kTimeLimit is a *truncation* (the
/// episode was cut; the state after it still has a value).
enum class DoneReason : uint8_t { kNone = 0, kGoal = 1, kOutOfBounds = 2, kTimeLimit = 3 };

/// True for the terminal reasons (goal, out of bounds), false for none and time limit.
inline bool IsTerminal(DoneReason r) {
  return r == DoneReason::kGoal || r == DoneReason::kOutOfBounds;
}

namespace env {

/// A numeric parameter a family declares (its nominal controller's gains, its own physics).
struct ParamSpec {
  std::string name;
  double value = 0.0;                          ///< Default.
  std::string doc;                             ///< One line, with units.
  config::Range range = config::Range::Any();  ///< Allowed values (checked by the config).
};

/// What a trainer's presets start from for a family (core/train): set by each family, so
/// that a new family needs no change in the trainers. Budgets are environment steps.
struct TrainingHints {
  int64_t episode_steps = 500;  ///< Time limit of a training episode: enough to reach the goal.
  double reward_scale = 0.01;   ///< Brings a step's reward to the scale a value head learns.
  int64_t quick_env_steps = 245760;      ///< The "quick" preset's budget (a first look).
  int64_t standard_env_steps = 1638400;  ///< The "standard" preset's budget.
};

/// A text parameter a family declares (a file path), beside its numeric ones.
struct TextParamSpec {
  std::string name;
  std::string value;  ///< Default ("" may mean "the shipped file").
  std::string doc;    ///< One line.
};

/// Static description of an environment family.
struct EnvSpec {
  std::string name;                  ///< Canonical name, e.g. "differential_drive".
  std::vector<std::string> aliases;  ///< Other accepted names, e.g. "unicycle".
  std::string summary;               ///< One line for `calf systems`.
  int state_dim = 0;                 ///< d: the full state the dynamics integrate.
  int obs_dim = 0;                   ///< o: what learned policies (actor, critic) see.
  /// x: what the critic sees beyond the observation, the part of the state the observation
  /// leaves out (the creature's velocity); 0 = the observation determines the state. The
  /// critic takes [observation, extras, action]: it is bootstrapped from one state to the
  /// next and CALF reads it as a Lyapunov candidate, both functions of the state, whereas
  /// the actor may act on the observation alone (docs/training.md, "What the critic sees").
  int critic_extra_dim = 0;
  int action_dim = 0;              ///< m.
  int env_state_dim = 0;           ///< e: extra per-agent state (a goal, ...); 0 = none.
  int error_dim = 0;               ///< Size of the CALF error e (see Environment::Error).
  std::vector<double> max_action;  ///< Actions lie in [-max_action, max_action] per coordinate.
  std::vector<std::string> state_names;  ///< d names, e.g. {"x", "v"} (CSV columns, docs).
  std::string nominal_policy;            ///< Name of its nominal controller, e.g. "pd".
  std::vector<ParamSpec> nominal_gains;  ///< Gains under the config's "nominal" object.
  /// The family's own parameters, under a config object named after the family (e.g.
  /// "creature": {...}); empty for families that need only the shared keys.
  std::vector<ParamSpec> params;
  /// The family's text parameters (e.g. the quadruped's model file), in the same object.
  std::vector<TextParamSpec> text_params;
  /// Leading entries of the environment state that are a goal position (written as the
  /// `goals` dataset of a run, beside `observations`); 0 = the family has no moving goal.
  int goal_dim = 0;
  /// True when reaching the goal draws a new one inside the episode (the creature): runs
  /// then report the goals reached. A fixed goal (the quadruped's walking target) is not.
  bool goals_respawn = false;
  TrainingHints training;  ///< What a trainer's presets start from.
  /// Entry of the environment state holding how many contacts the physics found at the end
  /// of the agent's last step (written as the `contacts` dataset of a run); -1 = none. Reset
  /// leaves it, so a terminal step's count survives the reset that follows it.
  int contacts_index = -1;
  /// The shared flat keys the family reads besides dt and max_steps_per_episode (which every
  /// family reads), e.g. {"goal_epsilon", "boundary_limit", "reset_range"}. A config that
  /// sets another shared key to a value other than its default for this system is refused.
  std::vector<std::string> shared_keys;
  /// The family's time limit where the config leaves max_steps_per_episode at 0 (its
  /// default): 750 steps, the creature's 1,000 (EnvParams::ForFamily).
  int64_t max_steps_per_episode = 750;

  /// o + x: the critic's observation, the observation followed by the extras.
  int critic_obs_dim() const { return obs_dim + critic_extra_dim; }
};

/// A block of consecutive agents: views into the simulation's agent-major arrays.
struct AgentBlock {
  int64_t first = 0;                ///< Global index of the block's first agent (keys its streams).
  int64_t count = 0;                ///< Agents in the block.
  double* state = nullptr;          ///< [count * state_dim]
  double* env_state = nullptr;      ///< [count * env_state_dim]; null when env_state_dim is 0.
  int64_t* episode_step = nullptr;  ///< [count] steps taken in the current episode.
  /// Key and counter of the random draws a family makes inside Step (e.g. a new goal): the
  /// stream (seed, first + k) at counter `step` (the simulator's global step, the trainer's
  /// step), so every draw is a pure function of where it is used.
  uint64_t seed = 0;
  uint64_t step = 0;
};

/// What a block step produced, one entry per agent.
struct StepOutput {
  double* reward = nullptr;    ///< [count] reward of the transition.
  DoneReason* done = nullptr;  ///< [count] terminal reason, else kTimeLimit at the limit.
  /// [count] or null: set to 1 where the family moved the agent's target inside the episode
  /// (e.g. a new goal was drawn): a CALF certificate must then be cleared.
  uint8_t* target_moved = nullptr;
};

/// One environment family with its parameters. Immutable after construction; every method
/// is const, touches only the block it is given and is safe to call from several threads
/// on disjoint blocks. Deterministic: results depend only on the inputs (random draws come
/// from counter-based streams keyed by (seed, global agent index, counter)).
class Environment {
 public:
  Environment(EnvSpec spec, EnvParams params);
  virtual ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  const EnvSpec& spec() const { return spec_; }
  const EnvParams& params() const { return params_; }

  /// Observations of the block, float32 [count * obs_dim].
  virtual void Observe(const AgentBlock& block, float* obs) const = 0;

  /// The nominal (stabilising) controller's actions [count * action_dim], clipped. It sees
  /// the full state and environment state (not the observation).
  virtual void Nominal(const AgentBlock& block, double* actions) const = 0;

  /// The error e [count * error_dim] that CALF's bounds kappa_low·|e|² <= -q <= kappa_up·|e|²
  /// measure: the whole state for a family whose goal is the origin, the offset from the
  /// goal for a goal-carrying family.
  virtual void Error(const AgentBlock& block, double* error) const = 0;

  /// Draws new states (and environment states) for the agents of the block where `which`
  /// is non-zero (all when null), agent k from the stream (seed, block.first + k) at
  /// counter `counters[k]`. Does not touch episode counters.
  virtual void Reset(const AgentBlock& block, uint64_t seed, const uint64_t* counters,
                     const uint8_t* which) const = 0;

  /// The critic's extras of the block, float32 [count * critic_extra_dim], each scaled to
  /// about [-1, 1] like the observation (EnvSpec::critic_extra_dim). The default writes
  /// nothing: a family with extras overrides it.
  virtual void CriticExtras(const AgentBlock& block, float* extras) const;

  /// The critic's input rows of the block [count * (obs_dim + critic_extra_dim + action_dim)]:
  /// the observations `obs` [count * obs_dim], the extras and the actions [count * action_dim].
  void CriticInput(const AgentBlock& block, const float* obs, const double* actions,
                   float* rows) const;
  /// The same rows from extras [count * critic_extra_dim] the caller already has (from
  /// CriticExtras, e.g. for an actor that sees them too).
  void CriticInput(int64_t count, const float* obs, const float* extras, const double* actions,
                   float* rows) const;

  /// The box positions stay in, for families in 3-D space (the creature): lo/hi [3] of the
  /// first three state coordinates. Returns false (and leaves them) for the others.
  virtual bool WorldBox(double* lo, double* hi) const;

  /// Appends to `shapes` the primitives each agent of the block's body is drawn with at its
  /// state (BodyShape: the family's world frame, z up; `agent` = the index in the block),
  /// for renderers. Reads only `block.state` and `block.count` (the other members may be
  /// null). The default appends nothing: the family is drawn as a point (its position).
  /// Deterministic; thread-safe like every method.
  virtual void BodyShapes(const AgentBlock& block, std::vector<BodyShape>* shapes) const;

  /// Recomputes the environment state that derives from the state (e.g. a remembered goal
  /// distance) after the states of the block were set from outside (an initial-states CSV).
  /// The default does nothing.
  virtual void StateChanged(const AgentBlock& block) const;

  /// One control step of the block under `actions` [count * action_dim] (already clipped):
  /// advances the state in place, increments episode_step, and writes each agent's reward
  /// and why its episode ended: the family's terminal reason (goal, out of bounds, a state
  /// that is not finite) first, else kTimeLimit when episode_step reaches
  /// max_steps_per_episode, else kNone. Does not reset anything.
  void Step(const AgentBlock& block, const double* actions, const StepOutput& out) const;

  /// Clips `count` agents' actions in place to [-max_action, max_action]; NaN becomes 0
  /// (a diverged network never propagates into the state).
  void ClipActions(double* actions, int64_t count) const;

 protected:
  /// The family's part of Step: reward of (state, action), the state advanced in place,
  /// and the terminal reason (kNone, kGoal or kOutOfBounds) of the new state.
  virtual void Advance(const AgentBlock& block, const double* actions,
                       const StepOutput& out) const = 0;

 private:
  EnvSpec spec_;
  EnvParams params_;
};

}  // namespace env
}  // namespace calf::core
