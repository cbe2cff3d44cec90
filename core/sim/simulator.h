#pragma once
// Batched, deterministic simulation of N agents: policy + the environment family's step +
// episode handling. The environment (core/env) does the dynamics, reward, termination,
// observation, nominal action and resets; the simulator adds the policies (batched
// inference, CALF) and the episode bookkeeping.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/env/environment.h"
#include "core/policy/policy_models.h"
#include "core/sim/config.h"
#include "core/sim/state.h"

namespace calf::core {

/// Steps all agents of a SimState. Holds only immutable data; one Simulator may step
/// several states. Determinism: the result is a pure function of (config, seed, initial
/// states), identical for any thread count and any split of the population into slices
/// (SimState::first_agent), because every agent draws from its own counter-based stream
/// keyed by its global index and agents are processed in fixed blocks.
class Simulator {
 public:
  /// Validates the config and that the models fit the system and policy; throws
  /// ConfigError/PolicyError otherwise.
  Simulator(const SimConfig& config, PolicyModels models);
  ~Simulator();

  const SimConfig& config() const { return config_; }
  const env::EnvSpec& spec() const { return env_->spec(); }
  const env::Environment& environment() const { return *env_; }

  /// Sizes `state` for config.num_agents agents starting at global index `first_agent` and
  /// sets every agent's initial state: from `initial_states` ([N*d]) when given, else from
  /// the environment's reset with the agent's own stream. Episode counters start at zero.
  void Reset(SimState& state, const std::vector<double>* initial_states = nullptr,
             int64_t first_agent = 0) const;

  /// Every agent's observation [N*obs_dim] (float32, what the actor sees) and, when the family
  /// carries a goal (EnvSpec::goal_dim > 0), every agent's goal [N*goal_dim] (`goals` may be
  /// null). Serial; for recording.
  void Observe(const SimState& state, float* obs, double* goals) const;

  /// True when inference goes through LibTorch per agent (see PolicyModels).
  bool torch_per_agent() const { return models_.torch_actor != nullptr; }

  /// Advances every agent by one step of dt using up to `threads` OpenMP threads (0 = all;
  /// the LibTorch per-agent path always uses one).
  /// Afterwards `state` holds the actions, rewards, q-values, modes and done flags of the
  /// step; agents whose episode ended are already reset to a new episode.
  void Step(SimState& state, int threads = 0) const;

  /// Agents per block of batched inference (fixed, independent of thread count).
  static constexpr int64_t kBlock = kAgentBlock;

 private:
  struct Scratch;
  void StepBlock(SimState& state, int64_t begin, int64_t end, Scratch& scratch) const;

  SimConfig config_;
  std::unique_ptr<env::Environment> env_;
  PolicyKind policy_;
  PolicyModels models_;
  int actor_in_dim_ = 0;  // the actor's input: obs_dim, or critic_obs_dim with the extras
};

}  // namespace calf::core
