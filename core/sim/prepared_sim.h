#pragma once
// The setup `calf run` (RunToFile) and `calf eval` (Evaluate) share before their first step:
// the policy of a resolved config loaded, its simulator made and the agents' initial states
// set.

#include <cstdint>

#include "core/sim/config.h"
#include "core/sim/load_policy.h"
#include "core/sim/simulator.h"
#include "core/sim/state.h"

namespace calf::core {

/// A contiguous slice of the population [first, first + count) — one process's share of a
/// distributed run. `count` < 0 means every agent from `first` on.
struct AgentSlice {
  int64_t first = 0;
  int64_t count = -1;
};

/// A resolved config ready to step. Built in place: the simulator uses the loaded policy's
/// modules, so neither is copied or moved.
struct PreparedSim {
  /// Loads the policy of the resolved `config`, makes the simulator for the agents of `slice`
  /// (all by default) and sets their initial states: the slice's rows of
  /// config.initial_states_path (a CSV of the whole population) when given, else the
  /// environment's reset with each agent's stream, keyed by its global index. Throws
  /// calf::Error (PolicyError for a model, ConfigError / IoError for the CSV).
  explicit PreparedSim(const SimConfig& config, const AgentSlice& slice = {});

  LoadedPolicy policy;
  Simulator sim;   ///< Of the slice's agents alone (its config's num_agents is their count).
  SimState state;  ///< The slice's agents at step 0 (SimState::first_agent = slice.first).

 private:
  // `local` is `config` for the slice's agents alone
  PreparedSim(const SimConfig& config, const SimConfig& local, int64_t first);
};

}  // namespace calf::core
