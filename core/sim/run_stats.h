#pragma once
// Episode and mode statistics of a run, accumulated step by step in agent order (serial,
// so the floating-point sums are identical for any thread count).

#include <cstdint>
#include <string>
#include <vector>

#include "core/sim/state.h"

namespace calf::core {

/// Outcome counts and costs over a set of episodes. Cost = -(sum of rewards).
struct EpisodeStats {
  int64_t finished = 0;
  int64_t goal = 0;
  int64_t out_of_bounds = 0;
  int64_t time_limit = 0;
  double cost_sum = 0.0;
  int64_t length_sum = 0;
  double success_rate() const { return finished ? double(goal) / finished : 0.0; }
  double mean_cost() const { return finished ? cost_sum / finished : 0.0; }
  double mean_length() const { return finished ? double(length_sum) / finished : 0.0; }
};

/// One block's share of a run's statistics: the unit that is combined in block order, so the
/// floating-point sums are the same bits however the agents are split (threads, MPI ranks).
struct BlockStats {
  EpisodeStats first;      ///< First episodes (from the start states) that ended.
  EpisodeStats all;        ///< Every episode that ended.
  int64_t unfinished = 0;  ///< Agents whose first episode has not ended.
};

/// Accumulates a run's statistics. Call Observe after every Simulator::Step. Sums are kept
/// per block of kBlock agents (agent order inside a block) and combined in block order.
class RunStats {
 public:
  /// Agents per statistics block (the simulator's batch block, so a slice of the
  /// population that starts on a block boundary holds whole blocks).
  static constexpr int64_t kBlock = kAgentBlock;

  explicit RunStats(int64_t num_agents);

  /// Reads the step's rewards, modes and done flags from `state` (after Step).
  void Observe(const SimState& state);

  /// Each agent's first episode (its start state): how it ended, if it did.
  EpisodeStats first_episodes() const;
  /// Every episode that ended during the run.
  EpisodeStats all_episodes() const;
  /// Agent-steps per mode, indexed by Mode.
  const int64_t* mode_counts() const { return modes_; }
  int64_t agent_steps() const { return agent_steps_; }
  /// Goals reached and redrawn within episodes (steps that moved an agent's target), all agents.
  int64_t goal_hits() const { return goal_hits_; }
  /// Agent-steps whose actor output held a NaN (replaced by 0), all agents.
  int64_t nan_actions() const { return nan_actions_; }
  /// Fraction of agent-steps in `mode`.
  double mode_fraction(Mode mode) const;
  /// The statistics as a JSON object (first_episode, episodes, agent_steps, goal_hits, modes).
  std::string ToJson() const;

  /// The per-block partial statistics, in block order (for gathering across processes).
  std::vector<BlockStats> Blocks() const;
  /// The statistics of a population whose blocks (in global block order, e.g. gathered from
  /// every rank) and mode counts are given; the result's ToJson equals a one-process run's.
  static RunStats FromBlocks(std::vector<BlockStats> blocks, const int64_t modes[4],
                             int64_t agent_steps, int64_t goal_hits = 0, int64_t nan_actions = 0);

 private:
  std::vector<double> cost_;     // running cost of each agent's current episode
  std::vector<int64_t> length_;  // running length
  std::vector<uint8_t> in_first_;
  std::vector<BlockStats> blocks_;  // first/all per block; unfinished filled by Blocks()
  bool from_blocks_ = false;        // built by FromBlocks: blocks_ is complete
  int64_t modes_[4] = {0, 0, 0, 0};
  int64_t agent_steps_ = 0;
  int64_t nan_actions_ = 0;
  int64_t goal_hits_ = 0;
};

}  // namespace calf::core
