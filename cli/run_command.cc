#include "cli/run_command.h"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/flags.h"
#include "cli/mpi_glue.h"
#include "cli/progress.h"
#include "cli/signals.h"
#include "cli/sim_flags.h"
#include "core/env/registry.h"
#include "core/error.h"
#include "core/sim/run_to_file.h"

namespace calf::cli {

void SetupRunCommand(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* sub =
      app.add_subcommand("run", "Simulate N agents under a policy; trajectories to HDF5");
  opt->app = sub;
  core::SimConfig& c = opt->config;
  sub->add_option("--system", c.system, core::env::FamilyNames() + " (calf systems lists them)")
      ->capture_default_str();
  sub->add_option("--policy", c.policy, "pd | move_to_point | goal_pd | nominal | actor | calf")
      ->capture_default_str();
  sub->add_option("--agents", c.num_agents, "Number of agents N (> 0)")->capture_default_str();
  sub->add_option("--steps", c.steps, "Steps to simulate (>= 0), dt each")->capture_default_str();
  sub->add_option("--seed", c.seed, "Random seed; a run is a pure function of config + seed")
      ->check(SeedRule())
      ->capture_default_str();
  sub->add_option("--out", opt->out, "Output HDF5 file (written as <out>.partial, then renamed)")
      ->capture_default_str();
  sub->add_option("--actor", c.actor_path,
                  "TorchScript actor (default data/models/<system>/actor.pt)");
  sub->add_option("--critic", c.critic_path,
                  "TorchScript critic (default data/models/<system>/critic.pt)");
  sub->add_option("--config", opt->config_path,
                  "JSON file setting any config key (docs/config.md)");
  sub->add_option("--initial-states", c.initial_states_path,
                  "CSV with one initial state per agent (its state's columns, calf systems)");
  sub->add_option("--threads", opt->threads,
                  "OpenMP threads (0 = all cores); results do not depend on it")
      ->capture_default_str();
  sub->add_option("--record-every", c.record_every, "Record every K-th step")
      ->capture_default_str();
  sub->add_flag("--compress", c.compress, "Deflate the trajectory datasets");
  sub->add_flag("--quiet,-q", opt->quiet, "No progress bar and no summary on stderr");
  sub->add_flag("--json", opt->json, "Print the run summary as JSON on stdout");
  sub->callback([opt, exit_code]() { *exit_code = RunRun(*opt); });
}

int RunRun(RunOptions& o) {
  // defaults < --config file < explicit flags; under mpirun every rank checks and agrees
  core::SimConfig config;
  // calf run evaluates: CALF as it is meant to be judged (no relaxation, a required
  // improvement on the critic's scale; docs/config.md "Evaluating a trained agent")
  config.calf = core::CalfParams::Evaluation();
  OnEveryProcess([&] {
    ApplySimFlags(o.app, o.config_path, o.config, config);
    if (o.threads < 0) throw ConfigError("--threads must be >= 0 (0 = all cores)");
    core::ResolveSimConfig(config);
  });

  InstallInterruptHandlers();
  // under mpirun rank 0 speaks for the job
  const bool speaker = ProcessRank() == 0;
  Progress progress("run", config.steps, !o.quiet && speaker);
  core::RunHooks hooks;
  hooks.interrupted = [] { return InterruptRequested(); };
  hooks.progress = [&progress](int64_t done) { progress.Update(done); };
  const core::RunOutcome r = RunToFileOnProcesses(config, o.out, o.threads, hooks);
  progress.Finish();

  const core::RunStats& stats = r.stats;
  nlohmann::json summary = nlohmann::json::parse(stats.ToJson());
  summary["out"] = o.out;
  summary["complete"] = r.complete;
  summary["steps"] = r.steps;
  summary["agents"] = config.num_agents;
  summary["seconds"] = r.seconds;
  summary["agent_steps_per_s"] = r.seconds > 0 ? double(stats.agent_steps()) / r.seconds : 0.0;
  if (o.json && speaker) std::printf("%s\n", summary.dump(2).c_str());
  if (!o.quiet && speaker) {
    const auto& fe = stats.first_episodes();
    std::fprintf(stderr,
                 "calf run: %lld agents x %lld steps in %.2f s (%.3g agent-steps/s) -> %s\n"
                 "  first episodes: %lld finished, success %.1f%%, mean cost %.3f; modes: "
                 "certified %.1f%% relax %.1f%% fallback %.1f%% nominal %.1f%%\n",
                 static_cast<long long>(config.num_agents), static_cast<long long>(r.steps),
                 r.seconds, summary["agent_steps_per_s"].get<double>(), o.out.c_str(),
                 static_cast<long long>(fe.finished), 100.0 * fe.success_rate(), fe.mean_cost(),
                 100 * stats.mode_fraction(core::Mode::kCertified),
                 100 * stats.mode_fraction(core::Mode::kRelax),
                 100 * stats.mode_fraction(core::Mode::kFallback),
                 100 * stats.mode_fraction(core::Mode::kNominal));
    if (core::env::FindSpec(config.system).goals_respawn) {
      std::fprintf(stderr, "  goals reached (and redrawn): %lld\n",
                   static_cast<long long>(stats.goal_hits()));
    }
    if (stats.nan_actions() > 0) {
      std::fprintf(stderr, "  NaN actions replaced by 0: %lld agent-steps\n",
                   static_cast<long long>(stats.nan_actions()));
    }
  }
  if (!r.complete && !speaker) {
    throw ReportedElsewhereError("interrupted", ExitCode::kInterrupted);
  }
  if (!r.complete) {
    throw InterruptedError("interrupted at step " + std::to_string(r.steps) + "; '" + o.out +
                           "' holds the steps finished so far and is marked complete = 0");
  }
  return 0;
}

}  // namespace calf::cli
