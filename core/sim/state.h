#pragma once
// The mutable struct-of-arrays state of every agent of a simulation. Agent-major layout:
// agent i's vector lives at [i*dim, (i+1)*dim).

#include <cstdint>
#include <vector>

#include "core/env/environment.h"
#include "core/policy/calf_selector.h"

namespace calf::core {

/// Agents per block: the simulator's batch of inference, the statistics' unit of summation
/// and the unit in which a population is split across processes (fixed, so every split
/// that starts slices on a block boundary gives the same bits).
inline constexpr int64_t kAgentBlock = 256;

/// Everything that changes during a run.
struct SimState {
  int64_t num_agents = 0;
  /// Global index of agent 0 of this state: a slice [first_agent, first_agent + N) of a
  /// larger population draws from the same random streams as in a whole run.
  int64_t first_agent = 0;
  int state_dim = 0;
  int action_dim = 0;
  int env_state_dim = 0;
  int64_t step = 0;                ///< Global step counter (steps taken so far).
  std::vector<double> states;      ///< [N*d] current states.
  std::vector<double> env_states;  ///< [N*e] per-agent environment state (goals, ...).
  std::vector<double> actions;     ///< [N*m] last applied (clipped) actions.
  std::vector<double> rewards;     ///< [N] last rewards.
  std::vector<float> q_values;     ///< [N] last critic value (NaN when no critic ran).
  std::vector<Mode> modes;         ///< [N] last mode.
  std::vector<DoneReason> done;    ///< [N] why the last step ended an episode (or kNone).
  /// [N] 1 where the last step moved the agent's target (a goal reached and redrawn).
  std::vector<uint8_t> target_moved;
  /// [N] 1 where the last step's actor output held a NaN (replaced by 0 before anything used
  /// it, Environment::ClipActions); counted by RunStats as `nan_actions`.
  std::vector<uint8_t> nan_action;
  std::vector<int32_t> episode;        ///< [N] index of the agent's current episode.
  std::vector<int64_t> episode_step;   ///< [N] steps taken in the current episode.
  std::vector<double> episode_return;  ///< [N] accumulated reward of the current episode.
  CalfState calf;
  /// Recurrent policies only (hidden_size > 0): each agent's LSTM state [N*hidden_size],
  /// zeroed at every episode start.
  int hidden_size = 0;
  std::vector<float> hidden, cell;

  /// Sizes every array for `n` agents of the given dimensions and zeroes the counters.
  void Resize(int64_t n, int d, int m, int e, double lambda_relax);
};

}  // namespace calf::core
