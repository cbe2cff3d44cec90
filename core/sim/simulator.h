#pragma once
// Batched, deterministic simulation of N agents: policy + RK4 dynamics + episode handling.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/policy/mlp.h"
#include "core/policy/torch_model.h"
#include "core/sim/config.h"
#include "core/sim/state.h"

namespace calf::core {

/// The networks a policy needs (either may be empty for the nominal policy).
struct PolicyModels {
  Mlp actor;   ///< state -> action.
  Mlp critic;  ///< [state, action] -> q (the critic's first head).
  /// Baseline design only: when both are set (and outlive the Simulator), inference goes
  /// through LibTorch one agent at a time (batch of one) on a single thread instead of the
  /// batched Eigen path. Outputs agree with the Eigen path to ~1e-6, not bit for bit.
  const TorchModel* torch_actor = nullptr;
  const TorchModel* torch_critic = nullptr;
};

/// Steps all agents of a SimState. Holds only immutable data; one Simulator may step
/// several states. Determinism: the result is a pure function of (config, seed, initial
/// states), identical for any thread count, because every agent draws from its own
/// counter-based stream and agents are processed in fixed blocks.
class Simulator {
 public:
  /// Validates that the models fit the system and policy; throws PolicyError otherwise.
  Simulator(const SimConfig& config, PolicyModels models);

  const SimConfig& config() const { return config_; }
  const SystemSpec& spec() const { return *spec_; }

  /// Sizes `state` and sets every agent's initial state: from `initial_states` ([N*d]) when
  /// given, else uniformly from the agent's own stream. Episode counters start at zero.
  void Reset(SimState& state, const std::vector<double>* initial_states = nullptr) const;

  /// True when inference goes through LibTorch per agent (see PolicyModels).
  bool torch_per_agent() const { return models_.torch_actor != nullptr; }

  /// Advances every agent by one step of dt using up to `threads` OpenMP threads (0 = all;
  /// the LibTorch per-agent path always uses one).
  /// Afterwards `state` holds the actions, rewards, q-values, modes and done flags of the
  /// step; agents whose episode ended are already reset to a new episode.
  void Step(SimState& state, int threads = 0) const;

  /// Agents per block of batched inference (fixed, independent of thread count).
  static constexpr int64_t kBlock = 256;

 private:
  void ResetAgent(SimState& state, int64_t agent) const;
  void StepBlock(SimState& state, int64_t begin, int64_t end, MlpWorkspace& ws,
                 std::vector<float>& scratch) const;

  SimConfig config_;
  const SystemSpec* spec_;
  SystemKind kind_;
  PolicyKind policy_;
  PolicyModels models_;
};

/// Reads initial states from a CSV file (one agent per row, `d` numbers, optional header).
/// Throws ConfigError with the line number on malformed input or a wrong row count.
std::vector<double> ReadInitialStatesCsv(const std::string& path, int64_t num_agents,
                                         int state_dim);

}  // namespace calf::core
