#include "cli/run_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/progress.h"
#include "cli/signals.h"
#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/trajectory_writer.h"
#include "core/sim/load_policy.h"
#include "core/sim/run_stats.h"
#include "core/sim/simulator.h"

namespace calf::cli {
namespace {

// the output's directory must exist and be writable before any work is done
void CheckOutputPath(const std::string& out) {
  namespace fs = std::filesystem;
  fs::path p(out);
  if (out.empty()) throw ConfigError("--out is empty; give an output file such as run.h5");
  std::error_code ec;
  if (fs::is_directory(p, ec)) throw ConfigError("--out '" + out + "' is a directory; give a file");
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    throw ConfigError("--out '" + out + "': directory '" + dir.string() + "' does not exist");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw ConfigError("--out '" + out + "': directory '" + dir.string() + "' is not writable");
  }
}

// one recorded transition waiting for the state that follows it in the file
struct PendingRow {
  bool has_row = false;
  core::StepRecord rec;
  std::vector<double> actions, rewards;
  std::vector<float> q;
  std::vector<uint8_t> modes, done;
  std::vector<int32_t> episode;

  // copy = false points into `state` (valid when the row is appended in the same step)
  void Capture(const core::SimState& st, const std::vector<int32_t>& ep, int64_t step, bool copy) {
    rec.step = step;
    if (copy) {
      actions = st.actions;
      rewards = st.rewards;
      q = st.q_values;
      modes.assign(reinterpret_cast<const uint8_t*>(st.modes.data()),
                   reinterpret_cast<const uint8_t*>(st.modes.data()) + st.num_agents);
      done.assign(reinterpret_cast<const uint8_t*>(st.done.data()),
                  reinterpret_cast<const uint8_t*>(st.done.data()) + st.num_agents);
      episode = ep;
      rec.actions = actions.data();
      rec.rewards = rewards.data();
      rec.q_values = q.data();
      rec.modes = modes.data();
      rec.done = done.data();
      rec.episode = episode.data();
    } else {
      rec.actions = st.actions.data();
      rec.rewards = st.rewards.data();
      rec.q_values = st.q_values.data();
      rec.modes = reinterpret_cast<const uint8_t*>(st.modes.data());
      rec.done = reinterpret_cast<const uint8_t*>(st.done.data());
      rec.episode = ep.data();
    }
    has_row = true;
  }

  // observations and goals of the state that follows the row (families with a goal)
  std::vector<float> next_obs;
  std::vector<double> next_goals;

  void AppendTo(core::TrajectoryWriter& writer, const core::Simulator& sim,
                const core::SimState& st) {
    if (!has_row) return;
    rec.next_states = st.states.data();
    if (sim.spec().goal_dim > 0) {
      next_obs.resize(st.num_agents * sim.spec().obs_dim);
      next_goals.resize(st.num_agents * sim.spec().goal_dim);
      sim.Observe(st, next_obs.data(), next_goals.data());
      rec.next_obs = next_obs.data();
      rec.next_goals = next_goals.data();
    }
    writer.Append(rec);
    has_row = false;
  }
};

}  // namespace

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
  // defaults < --config file < explicit flags
  core::SimConfig config;
  if (!o.config_path.empty()) {
    config.ApplyJson(core::ReadTextFile(o.config_path), o.config_path);
  }
  auto given = [&](const char* flag) { return o.app && o.app->count(flag) > 0; };
  const core::SimConfig& f = o.config;
  if (given("--system")) config.system = f.system;
  if (given("--policy")) config.policy = f.policy;
  if (given("--agents")) config.num_agents = f.num_agents;
  if (given("--steps")) config.steps = f.steps;
  if (given("--seed")) config.seed = f.seed;
  if (given("--actor")) config.actor_path = f.actor_path;
  if (given("--critic")) config.critic_path = f.critic_path;
  if (given("--initial-states")) config.initial_states_path = f.initial_states_path;
  if (given("--record-every")) config.record_every = f.record_every;
  if (given("--compress")) config.compress = f.compress;
  if (o.threads < 0) throw ConfigError("--threads must be >= 0 (0 = all cores)");
  config.Validate();
  CheckOutputPath(o.out);
  // canonical names in the echoed config and the file's attributes ("unicycle" is an alias,
  // "nominal" means the system's own controller)
  const core::env::EnvSpec& canonical = core::env::FindSpec(config.system);
  config.system = canonical.name;
  if (config.policy == "nominal") config.policy = canonical.nominal_policy;

  // resolve default model paths so the echoed config says which files were used
  if (config.policy_kind() != core::PolicyKind::kNominal) {
    config.actor_path = core::ResolveActorPath(config);
    if (config.policy_kind() == core::PolicyKind::kCalf) {
      config.critic_path = core::ResolveCriticPath(config);
    }
  }
  core::LoadedPolicy policy = core::LoadPolicy(config);
  core::Simulator sim(config, policy.models);
  const core::env::EnvSpec& spec = sim.spec();

  std::vector<double> initial;
  if (!config.initial_states_path.empty()) {
    initial =
        core::ReadInitialStatesCsv(config.initial_states_path, config.num_agents, spec.state_dim);
  }
  core::SimState state;
  sim.Reset(state, initial.empty() ? nullptr : &initial);

  core::TrajectoryMeta meta{config.ToJson(), config.seed, spec.name, config.policy};
  core::TrajectoryWriterOptions wopt;
  wopt.compress = config.compress;
  // a family with a moving goal records what the policy saw and where the goal was
  std::vector<float> obs0;
  std::vector<double> goals0;
  if (spec.goal_dim > 0) {
    wopt.obs_dim = spec.obs_dim;
    wopt.goal_dim = spec.goal_dim;
    obs0.resize(config.num_agents * spec.obs_dim);
    goals0.resize(config.num_agents * spec.goal_dim);
    sim.Observe(state, obs0.data(), goals0.data());
  }
  core::TrajectoryWriter writer(o.out, config.num_agents, spec.state_dim, spec.action_dim, meta,
                                wopt);
  writer.WriteInitialStates(state.states.data(), obs0.empty() ? nullptr : obs0.data(),
                            goals0.empty() ? nullptr : goals0.data());

  InstallInterruptHandlers();
  core::RunStats stats(config.num_agents);
  Progress progress("run", config.steps, !o.quiet);
  std::vector<int32_t> episode_during(config.num_agents);
  PendingRow pending;
  const auto t0 = std::chrono::steady_clock::now();
  int64_t k = 0;
  bool interrupted = false;
  for (; k < config.steps; ++k) {
    if (InterruptRequested()) {
      interrupted = true;
      break;
    }
    sim.Step(state, o.threads);
    stats.Observe(state);
    // row i holds the transition at step i*K; states[i+1] is the state at step (i+1)*K (or
    // the final state), so with K > 1 the transition waits in `pending` until then
    if (k % config.record_every == 0) {
      for (int64_t i = 0; i < state.num_agents; ++i) {
        episode_during[i] = state.episode[i] - (state.done[i] != core::DoneReason::kNone ? 1 : 0);
      }
      pending.Capture(state, episode_during, k, config.record_every > 1);
    }
    if ((k + 1) % config.record_every == 0 || k + 1 == config.steps) {
      pending.AppendTo(writer, sim, state);
    }
    progress.Update(k + 1);
  }
  progress.Finish();
  if (pending.has_row) pending.AppendTo(writer, sim, state);  // interrupted between recorded steps
  writer.Finish(!interrupted);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::json summary = nlohmann::json::parse(stats.ToJson());
  summary["out"] = o.out;
  summary["complete"] = !interrupted;
  summary["steps"] = k;
  summary["agents"] = config.num_agents;
  summary["seconds"] = seconds;
  summary["agent_steps_per_s"] = seconds > 0 ? double(stats.agent_steps()) / seconds : 0.0;
  if (o.json) std::printf("%s\n", summary.dump(2).c_str());
  if (!o.quiet) {
    const auto& fe = stats.first_episodes();
    std::fprintf(stderr,
                 "calf run: %lld agents x %lld steps in %.2f s (%.3g agent-steps/s) -> %s\n"
                 "  first episodes: %lld finished, success %.1f%%, mean cost %.3f; modes: "
                 "certified %.1f%% relax %.1f%% fallback %.1f%% nominal %.1f%%\n",
                 static_cast<long long>(config.num_agents), static_cast<long long>(k), seconds,
                 summary["agent_steps_per_s"].get<double>(), o.out.c_str(),
                 static_cast<long long>(fe.finished), 100.0 * fe.success_rate(), fe.mean_cost(),
                 100 * stats.mode_fraction(core::Mode::kCertified),
                 100 * stats.mode_fraction(core::Mode::kRelax),
                 100 * stats.mode_fraction(core::Mode::kFallback),
                 100 * stats.mode_fraction(core::Mode::kNominal));
    if (spec.goal_dim > 0) {
      std::fprintf(stderr, "  goals reached (and redrawn): %lld\n",
                   static_cast<long long>(stats.goal_hits()));
    }
  }
  if (interrupted) {
    throw InterruptedError("interrupted at step " + std::to_string(k) + "; '" + o.out +
                           "' holds the steps finished so far and is marked complete = 0");
  }
  return 0;
}

}  // namespace calf::cli
