#include "cli/eval_command.h"

#include <cstdio>
#include <memory>

#include "cli/flags.h"
#include "cli/sim_flags.h"
#include "core/env/registry.h"
#include "core/error.h"
#include "core/sim/evaluate.h"

namespace calf::cli {
namespace {
// the standard evaluation (issue 17): 1,000 random starts, 1,500 steps, seed 7
void EvalDefaults(core::SimConfig& c) {
  c.num_agents = 1000;
  c.steps = 1500;
  c.seed = 7;
  c.calf = core::CalfParams::Evaluation();
}
}  // namespace

void SetupEvalCommand(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<EvalOptions>();
  CLI::App* sub = app.add_subcommand(
      "eval", "Evaluate a model: nominal controller, actor and CALF side by side");
  opt->app = sub;
  core::SimConfig& c = opt->config;
  EvalDefaults(c);
  sub->add_option("--system", c.system, core::env::FamilyNames() + " (calf systems lists them)")
      ->capture_default_str();
  sub->add_option("--model-dir", opt->model_dir,
                  "Directory with actor.pt and critic.pt (default data/models/<system>)");
  sub->add_option("--agents", c.num_agents, "Number of agents (random starts) N (> 0)")
      ->capture_default_str();
  sub->add_option("--steps", c.steps, "Steps to simulate per policy (>= 0), dt each")
      ->capture_default_str();
  sub->add_option("--seed", c.seed, "Random seed (starts); the same for every policy")
      ->check(SeedRule())
      ->capture_default_str();
  sub->add_option("--config", opt->config_path,
                  "JSON file setting any run config key (docs/config.md)");
  sub->add_option("--threads", opt->threads,
                  "OpenMP threads (0 = all cores); results do not depend on it")
      ->capture_default_str();
  sub->add_flag("--json", opt->json, "Print JSON instead of a Markdown table");
  sub->callback([opt, exit_code]() { *exit_code = RunEval(*opt); });
}

int RunEval(EvalOptions& o) {
  // defaults < --config file < explicit flags
  core::SimConfig config;
  EvalDefaults(config);
  ApplySimFlags(o.app, o.config_path, o.config, config);
  if (!o.model_dir.empty()) {
    config.actor_path = o.model_dir + "/actor.pt";
    config.critic_path = o.model_dir + "/critic.pt";
  }
  if (o.threads < 0) throw ConfigError("--threads must be >= 0 (0 = all cores)");
  const core::Evaluation e = core::Evaluate(config, o.threads);
  if (o.json) {
    std::printf("%s\n", core::EvaluationJson(e).c_str());
  } else {
    std::printf("%s", core::EvaluationMarkdown(e).c_str());
  }
  return 0;
}

}  // namespace calf::cli
