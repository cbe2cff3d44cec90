#include "render_offscreen/run_window.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/env/registry.h"
#include "core/error.h"

namespace calf::render {
namespace {

namespace fs = std::filesystem;

// The row of `states` that holds the scene after global step `step`.
int64_t StatesRowOf(const core::TrajectoryReader& reader, const core::SimConfig& config,
                    int64_t step, int64_t final_step) {
  if (step == final_step) return reader.info().num_steps;
  if (const std::optional<int64_t> row = reader.FindRow(step)) return *row;
  if (final_step >= 0 && step > final_step) {
    throw ConfigError("--step " + std::to_string(step) + " is beyond the run '" + reader.path() +
                      "', which ends at step " + std::to_string(final_step));
  }
  throw ConfigError("step " + std::to_string(step) + " was not recorded in '" + reader.path() +
                    "' (record_every " + std::to_string(config.record_every) + ", " +
                    std::to_string(reader.info().num_steps) +
                    " rows); pick a multiple of record_every");
}

}  // namespace

void CheckSceneBudget(int64_t agents, int64_t trail, const std::string& source) {
  const int64_t points = std::max<int64_t>(trail, 1);
  if (agents > 0 && agents > kMaxSceneTrailPoints / points) {
    throw ConfigError(source + ": " + std::to_string(agents) + " agents with " +
                      std::to_string(points) + "-point trails are above the limit of " +
                      std::to_string(kMaxSceneTrailPoints) +
                      " trail points per scene (docs/rendering.md); lower --trail or the agents");
  }
}

bool World3d(const core::env::Environment& env, double lo[3], double hi[3]) {
  return env.spec().goal_dim == 3 && env.WorldBox(lo, hi);
}

RunWindow ReadRunWindow(const std::string& run_path, std::vector<int64_t> steps,
                        const FeedOptions& options) {
  RunWindow w;
  core::TrajectoryReader reader(run_path);
  w.info = reader.info();
  const core::TrajectoryInfo& info = w.info;
  core::SimConfig& config = w.config;
  config.ApplyJson(info.meta.config_json, run_path + " (attribute config)");
  w.critic_given = !options.critic_path.empty();
  if (w.critic_given) {
    config.critic_path = options.critic_path;
  } else if (!config.critic_path.empty() && fs::path(config.critic_path).is_relative() &&
             !fs::exists(config.critic_path)) {
    // a relative path recorded by a run started elsewhere: try next to the run file
    const fs::path beside = fs::path(run_path).parent_path() / config.critic_path;
    if (fs::exists(beside)) config.critic_path = beside.string();
  }
  CheckSceneBudget(info.num_agents, options.trail, "'" + run_path + "'");
  const core::env::EnvSpec* found = nullptr;
  try {
    found = &core::env::FindSpec(config.system);
  } catch (const ConfigError& e) {
    // a corrupt file's system name: the message names the file, not an option
    throw IoError("'" + run_path + "' (attribute config): " + e.what());
  }
  const core::env::EnvSpec& spec = *found;
  if (info.state_dim != spec.state_dim) {
    throw IoError("'" + run_path + "' has state dimension " + std::to_string(info.state_dim) +
                  " but its config says system " + config.system);
  }

  // the global step of states[T]: known for complete runs, and for K = 1 always
  const int64_t t = info.num_steps;
  int64_t final_step = -1;
  if (info.complete) {
    final_step = config.steps;
  } else if (config.record_every == 1) {
    final_step = t;
  }
  if (steps.empty()) {
    if (final_step < 0) {
      throw ConfigError("'" + run_path + "' is incomplete with record_every > 1; give --step");
    }
    steps.push_back(final_step);
  }
  for (int64_t s : steps) w.rows.push_back(StatesRowOf(reader, config, s, final_step));
  w.steps = std::move(steps);
  double lo[3], hi[3];
  w.env = core::env::MakeEnvironment(config.system, config.env);
  w.world3d = World3d(*w.env, lo, hi);

  // read rows [r0, last]: the trail window of the first shot through the last shot
  const int64_t back = options.trail > 0 ? options.trail - 1 : 1;
  w.r0 = std::max<int64_t>(0, w.rows.front() - back);
  w.r1 = w.rows.back();
  w.states = reader.ReadRows<float>("states", w.r0, w.r1 - w.r0 + 1);
  // a 3-D world's goals follow the states row for row
  if (w.world3d) w.goals = reader.ReadRows<float>("goals", w.r0, w.r1 - w.r0 + 1);
  // transitions r0 .. min(r1, T-1): modes/done lead to the next row, episode tells resets
  const int64_t tr_count = std::min<int64_t>(w.r1 + 1, t) - w.r0;
  if (tr_count > 0) {
    w.modes = reader.ReadRows<uint8_t>("modes", w.r0, tr_count);
    w.done = reader.ReadRows<uint8_t>("done", w.r0, tr_count);
    w.episode = reader.ReadRows<int32_t>("episode", w.r0, tr_count);
  }
  return w;
}

}  // namespace calf::render
