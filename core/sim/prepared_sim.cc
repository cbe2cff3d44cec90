#include "core/sim/prepared_sim.h"

#include <vector>

#include "core/error.h"
#include "core/sim/initial_states.h"

namespace calf::core {
namespace {

// `config` for the agents of `slice` alone
SimConfig SliceConfig(const SimConfig& config, const AgentSlice& slice) {
  const int64_t first = slice.first;
  const int64_t count = slice.count < 0 ? config.num_agents - first : slice.count;
  CALF_CHECK(first >= 0 && count > 0 && first + count <= config.num_agents)
      << "slice [" << first << ", " << first + count << ") of " << config.num_agents;
  SimConfig local = config;
  local.num_agents = count;
  return local;
}

}  // namespace

PreparedSim::PreparedSim(const SimConfig& config, const AgentSlice& slice)
    : PreparedSim(config, SliceConfig(config, slice), slice.first) {}

PreparedSim::PreparedSim(const SimConfig& config, const SimConfig& local, int64_t first)
    : policy(LoadPolicy(local)), sim(local, policy.models) {
  const int d = sim.spec().state_dim;
  const int64_t count = local.num_agents;
  std::vector<double> initial;
  if (!config.initial_states_path.empty()) {
    // the CSV holds the whole population: keep the slice's rows
    initial = ReadInitialStatesCsv(config.initial_states_path, config.num_agents, d);
    initial.erase(initial.begin() + (first + count) * d, initial.end());
    initial.erase(initial.begin(), initial.begin() + first * d);
  }
  sim.Reset(state, initial.empty() ? nullptr : &initial, first);
}

}  // namespace calf::core
