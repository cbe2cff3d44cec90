#include "cli/sim_flags.h"

#include "cli/flags.h"

namespace calf::cli {

void ApplySimFlags(const CLI::App* app, const std::string& config_path,
                   const core::SimConfig& flags, core::SimConfig& config) {
  if (!config_path.empty()) config.ApplyJson(core::ReadTextFile(config_path), config_path);
  const auto copy = [app](const std::string& flag, const auto& from, auto& to) {
    // CLI11 throws when asked for the count of a flag the subcommand does not define
    if (app != nullptr && app->get_option_no_throw(flag) != nullptr) {
      CopyIfGiven(app, flag, from, to);
    }
  };
  copy("--system", flags.system, config.system);
  copy("--policy", flags.policy, config.policy);
  copy("--agents", flags.num_agents, config.num_agents);
  copy("--steps", flags.steps, config.steps);
  copy("--seed", flags.seed, config.seed);
  copy("--actor", flags.actor_path, config.actor_path);
  copy("--critic", flags.critic_path, config.critic_path);
  copy("--initial-states", flags.initial_states_path, config.initial_states_path);
  copy("--record-every", flags.record_every, config.record_every);
  copy("--compress", flags.compress, config.compress);
}

}  // namespace calf::cli
