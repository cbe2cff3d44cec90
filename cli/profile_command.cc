#include "cli/profile_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/flags.h"
#include "cli/profile_render.h"
#include "cli/progress.h"
#include "cli/signals.h"
#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/output_file.h"
#include "core/profile/sweep.h"
#include "core/sim/load_policy.h"

namespace calf::cli {
namespace {

void ParseSize(const std::string& size, int64_t* width, int64_t* height) {
  const size_t x = size.find('x');
  try {
    size_t used_w = 0, used_h = 0;
    if (x == std::string::npos) throw std::invalid_argument("no x");
    const std::string w = size.substr(0, x), h = size.substr(x + 1);
    *width = std::stoll(w, &used_w);
    *height = std::stoll(h, &used_h);
    if (used_w != w.size() || used_h != h.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw ConfigError("--size '" + size + "' is not WxH; give e.g. 640x360");
  }
}

// defaults < --preset < --config file < explicit flags
core::profile::ProfileConfig ResolveConfig(const ProfileOptions& o) {
  const CLI::App* app = o.app;
  core::profile::ProfileConfig c;
  const bool preset_given = Given(app, "--preset");
  if (preset_given) c.ApplyPreset(o.preset);
  // an explicit --preset outranks a "preset" key in the file; the file's other keys still
  // override the preset's fields
  if (Given(app, "--config")) {
    c.ApplyJson(core::ReadTextFile(o.config_path), o.config_path, !preset_given);
  }
  if (Given(app, "--agents")) c.agents = core::profile::ParseAgentList(o.agents);
  if (Given(app, "--mode")) {
    c.modes = core::profile::SplitList(o.modes);
    for (const auto& m : c.modes) {
      if (m.empty()) throw ConfigError("--mode '" + o.modes + "' has an empty item");
    }
  }
  const std::pair<const char*, const std::string*> flags[] = {
      {"vectorized_heights", &o.vectorized_heights},
      {"stats_cache", &o.stats_cache},
      {"batched_trails", &o.batched_trails},
      {"batched_inference", &o.batched_inference}};
  for (const auto& [name, value] : flags) {
    std::string flag = std::string("--") + name;
    for (auto& ch : flag) ch = ch == '_' ? '-' : ch;
    if (Given(app, flag)) c.flag_overrides[name] = core::profile::ParseOnOff(*value, flag);
  }
  CopyIfGiven(app, "--frames", o.frames, c.frames);
  CopyIfGiven(app, "--warmup", o.warmup, c.warmup);
  CopyIfGiven(app, "--repeats", o.repeats, c.repeats);
  if (Given(app, "--fused-step")) {
    c.fused_step = core::profile::ParseOnOff(o.fused_step, "--fused-step") ? "on" : "off";
  }
  if (Given(app, "--render")) c.render = core::profile::ParseOnOff(o.render, "--render");
  if (Given(app, "--size")) ParseSize(o.size, &c.width, &c.height);
  if (Given(app, "--train")) c.train = true;
  CopyIfGiven(app, "--system", o.system, c.system);
  CopyIfGiven(app, "--seed", o.seed, c.seed);
  CopyIfGiven(app, "--threads", o.threads, c.threads);
  CopyIfGiven(app, "--actor", o.actor_path, c.actor_path);
  CopyIfGiven(app, "--critic", o.critic_path, c.critic_path);
  c.Validate();
  return c;
}

void PrintTable(const core::profile::SweepResult& result) {
  std::fprintf(stderr, "%-28s %8s %9s %10s %10s %12s %11s\n", "mode", "N", "FPS", "frame ms",
               "p95 ms", "critic q/fr", "draws/fr");
  for (const auto& s : result.summaries) {
    std::fprintf(stderr, "%-28s %8lld %9.1f %10.3f %10.3f %12.2f %11.2f\n",
                 s["mode"].get<std::string>().c_str(),
                 static_cast<long long>(s["n_agents"].get<int64_t>()), s["fps_avg"].get<double>(),
                 s["frame_time_avg_ms"].get<double>(), s["frame_time_p95_ms"].get<double>(),
                 s["gpu_queries"].get<double>(), s["draw_calls"].get<double>());
  }
}

}  // namespace

void SetupProfileCommand(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<ProfileOptions>();
  CLI::App* sub = app.add_subcommand(
      "profile", "Profile the visualiser frame loop (baseline vs optimized) over N sweeps");
  opt->app = sub;
  sub->add_option("--agents", opt->agents, "Comma-separated agent counts, e.g. 3,5,10,20");
  sub->add_option("--mode", opt->modes,
                  "Comma-separated: baseline, optimized, ablation (= only_vectorized_heights,"
                  "only_stats_cache,only_batched_trails,only_batched_inference), only_<flag>, "
                  "without_<flag>");
  sub->add_option("--frames", opt->frames, "Frames per repeat, warm-up included (default 300)");
  sub->add_option("--warmup", opt->warmup, "Unmeasured frames first (default 50; < frames)");
  sub->add_option("--repeats", opt->repeats, "Repeats per (mode, N) (default 3)");
  sub->add_option("--out-dir", opt->out_dir, "Output directory")->capture_default_str();
  sub->add_option("--preset", opt->preset, "low | medium | high (default medium)");
  sub->add_option("--vectorized-heights", opt->vectorized_heights, "on|off: force this flag");
  sub->add_option("--stats-cache", opt->stats_cache, "on|off: force this flag");
  sub->add_option("--batched-trails", opt->batched_trails, "on|off: force this flag");
  sub->add_option("--batched-inference", opt->batched_inference, "on|off: force this flag");
  sub->add_option("--fused-step", opt->fused_step,
                  "on|off: the creature's fused step kernel vs per-creature functions (default: "
                  "on with batched inference, i.e. optimized on, baseline off)");
  sub->add_option("--render", opt->render, "on|off: offscreen render section (default off)");
  sub->add_option("--size", opt->size, "Render size WxH (default 640x360)");
  sub->add_flag("--train", opt->train, "One training agent: CALF step + TD3 update per frame");
  sub->add_option("--system", opt->system, core::env::FamilyNames() + " (calf systems lists them)");
  sub->add_option("--seed", opt->seed, "Random seed (default 0)")->check(SeedRule());
  sub->add_option("--threads", opt->threads, "OpenMP threads (0 = all cores)");
  sub->add_option("--config", opt->config_path, "JSON file with profile config keys");
  sub->add_option("--actor", opt->actor_path,
                  "TorchScript actor (default data/models/<system>/actor.pt)");
  sub->add_option("--critic", opt->critic_path,
                  "TorchScript critic (default data/models/<system>/critic.pt)");
  sub->add_option("--shard", opt->shard,
                  "k/n: run only the (N, mode) cells i with i mod n = k, into "
                  "<out-dir>/shard-k-of-n/ (job arrays; under mpirun each rank takes its own); "
                  "calf compare <out-dir> merges the shards");
  sub->add_flag("--force", opt->force, "Replace results already in --out-dir");
  sub->add_flag("--quiet,-q", opt->quiet, "No progress bar and no table on stderr");
  sub->add_flag("--json", opt->json, "Print the sweep's summaries as JSON on stdout");
  sub->callback(
      [opt, exit_code]() { *exit_code = core::AllOrNothing([&] { return RunProfile(*opt); }); });
}

int RunProfile(const ProfileOptions& o) {
  const core::profile::ProfileConfig config = ResolveConfig(o);

  // models: the simulator's policy factory resolves data/models/<system>/ by default
  core::SimConfig sim;
  sim.system = config.system;
  sim.policy = "calf";
  sim.actor_path = config.actor_path;
  sim.critic_path = config.critic_path;
  core::LoadedPolicy policy = core::LoadPolicy(sim);
  core::profile::PipelineModels models;
  models.actor = &policy.actor->heads().at(0);
  models.critic_q1 = &policy.critic->heads().at(0);
  models.critic_q2 = &policy.critic->heads().at(1);
  models.torch_actor = policy.actor.get();
  models.torch_critic = policy.critic.get();

  const core::profile::Shard shard = Given(o.app, "--shard") ? core::profile::ParseShard(o.shard)
                                                             : core::profile::ShardFromLauncher();
  const std::string out_dir =
      shard.sharded() ? (std::filesystem::path(o.out_dir) / shard.DirName()).string() : o.out_dir;
  core::profile::PrepareOutputDir(out_dir, o.force);

  core::profile::SweepHooks hooks;
  if (config.render) hooks.make_render = MakeSceneRenderHookFactory(config, o.quiet);
  InstallInterruptHandlers();
  hooks.interrupted = [] { return InterruptRequested(); };
  const int64_t cells =
      static_cast<int64_t>(config.agents.size()) *
      static_cast<int64_t>(core::profile::ExpandModes(config.modes, config.flag_overrides).size());
  Progress progress("profile", shard.OwnedOf(cells) * config.repeats * config.frames, !o.quiet);
  hooks.progress = [&progress](int64_t done, int64_t, const std::string& label) {
    progress.Update(done, label);
  };
  const core::profile::SweepResult result =
      core::profile::RunSweep(config, models, out_dir, hooks, shard);
  progress.Finish();

  if (o.json) {
    nlohmann::json out = {{"out_dir", out_dir}, {"runs", nlohmann::json::array()}};
    if (shard.sharded()) out["shard"] = {{"index", shard.index}, {"count", shard.count}};
    for (const auto& s : result.summaries) {
      out["runs"].push_back({{"mode", s["mode"]},
                             {"n_agents", s["n_agents"]},
                             {"render", s["render"]},
                             {"fps_avg", s["fps_avg"]},
                             {"frame_time_avg_ms", s["frame_time_avg_ms"]},
                             {"frame_time_p95_ms", s["frame_time_p95_ms"]},
                             {"gpu_queries", s["gpu_queries"]},
                             {"draw_calls", s["draw_calls"]},
                             {"breakdown", s["breakdown"]}});
    }
    std::printf("%s\n", out.dump(2).c_str());
  }
  if (!o.quiet) {
    PrintTable(result);
    const bool rendered = !result.summaries.empty() && result.summaries[0]["render"].get<bool>();
    std::fprintf(stderr, "calf profile: %zu runs -> %s/index.json (render section: %s)\n",
                 result.summaries.size(), out_dir.c_str(), rendered ? "on" : "off");
  }
  return 0;
}

}  // namespace calf::cli
