#include "render_offscreen/scene_feed.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/read_in_child.h"
#include "core/io/trajectory_reader.h"
#include "core/policy/torch_model.h"
#include "core/sim/load_policy.h"
#include "core/sim/run_to_file.h"
#include "core/sim/simulator.h"
#include "render_offscreen/annotation.h"
#include "render_offscreen/egl_context.h"

namespace calf::render {
namespace {

namespace fs = std::filesystem;

// Loads the critic named in `config` (explicit, the run's or the default path) when the
// policy has one or a critic was given; a nominal/actor policy without one has no surface.
std::unique_ptr<core::TorchModel> LoadCritic(const core::SimConfig& config, bool critic_given) {
  if (!critic_given && config.policy_kind() != core::PolicyKind::kCalf) return nullptr;
  const core::env::EnvSpec& spec = core::env::FindSpec(config.system);
  return core::TorchModel::Load(core::ResolveCriticPath(config), core::TorchModel::Role::kCritic,
                                spec);
}

// the scene of a family: a 3-D world with goals (the environment has a world box and a 3-D
// goal) or the critic surface over the state plane
CalfSceneOptions SceneOptions(const core::SimConfig& config, const FeedOptions& options) {
  CalfSceneOptions so;
  so.trail_length = options.trail;
  so.surface.extent = static_cast<float>(config.env.boundary_limit);
  so.scenario = config.env.scenario;
  std::shared_ptr<const core::env::Environment> env =
      core::env::MakeEnvironment(config.system, config.env);
  so.bodies = env;  // a family that gives shapes is drawn from them
  double lo[3], hi[3];
  if (env->spec().goal_dim == 3 && env->WorldBox(lo, hi)) {
    so.world3d = true;
    for (int j = 0; j < 3; ++j) {
      so.box_lo[j] = static_cast<float>(lo[j]);
      so.box_hi[j] = static_cast<float>(hi[j]);
    }
  }
  return so;
}

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

FeedRenderer::FeedRenderer(RenderOptions options, const FeedInfo& info, bool annotate) {
  options.bounds = info.bounds;
  if (info.scene != nullptr) info.scene->ConfigureRender(&options);
  if (annotate && info.scene != nullptr) {
    options = AnnotatedRenderOptions(options, *info.scene);
    annotator_ = std::make_unique<Annotator>(
        options, AnnotationText{info.system, info.policy, info.dt});  // the font first: cheap
  }
  std::shared_ptr<EglContext> context;
  try {
    context = std::make_shared<EglContext>();
  } catch (const RenderError& e) {
    throw RenderError(std::string("cannot create an offscreen OpenGL 3.3 context: ") + e.what(),
                      ExitCode::kUsage);
  }
  renderer_ = std::make_unique<SceneRenderer>(options, context);
}

FeedRenderer::~FeedRenderer() = default;

void FeedRenderer::Render(const CalfScene& scene, int64_t step, Image* out) {
  renderer_->Render(scene.Frame(), out);
  if (annotator_) annotator_->Draw(scene, step, out);
}

namespace {

// What FeedRun reads of a run file: everything before anything is drawn.
struct RunWindow {
  core::TrajectoryInfo info;
  core::SimConfig config;
  bool critic_given = false;
  std::vector<int64_t> steps, rows;  // the shots' global steps and their rows of `states`
  int64_t r0 = 0, r1 = 0;            // rows [r0, r1]: the first shot's trail through the last
  bool world3d = false;
  core::H5Array<float> states, goals;
  core::H5Array<uint8_t> modes, done;
  core::H5Array<int32_t> episode;
};

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
  const core::env::EnvSpec& spec = core::env::FindSpec(config.system);
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
  w.world3d = SceneOptions(config, options).world3d;

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

}  // namespace

std::vector<int64_t> FeedRun(const std::string& run_path, std::vector<int64_t> steps,
                             const FeedOptions& options, FrameSink& sink) {
  // a corrupt file can crash or hang HDF5's parser: read it in a child process first, so that
  // such a file is refused with one line instead of taking calf down (core/io/read_in_child.h)
  core::ReadInChildFirst(
      run_path, [&] { ReadRunWindow(run_path, steps, options); }, core::ReadTimeoutFor(run_path));
  const RunWindow w = ReadRunWindow(run_path, std::move(steps), options);
  const core::TrajectoryInfo& info = w.info;
  const core::SimConfig& config = w.config;
  const core::env::EnvSpec& spec = core::env::FindSpec(config.system);
  const int64_t t = info.num_steps;

  std::unique_ptr<core::TorchModel> critic = LoadCritic(config, w.critic_given);
  const CalfSceneOptions so = SceneOptions(config, options);
  CalfScene scene(spec, info.num_agents, so);
  if (critic) scene.SetCritic(critic->heads());

  const int64_t n = info.num_agents;
  const int d = info.state_dim;
  const int64_t r0 = w.r0, r1 = w.r1;
  std::vector<uint8_t> reset(n);
  // started before Begin: the first states decide a layout of bodies (CalfScene::Bounds)
  scene.Start(&w.states.values[0]);
  if (so.world3d) scene.SetGoals(&w.goals.values[0]);
  sink.Begin({scene.Bounds(), run_path, ConfigHash(info.meta.config_json), n, &scene, config.system,
              config.policy, config.env.dt});
  size_t next = 0;
  for (int64_t r = r0; r <= r1 && next < w.rows.size(); ++r) {
    if (r > r0) {
      // row r is reached by transition r-1; an episode change means the agent was reset
      const int64_t k = r - 1 - r0;
      for (int64_t i = 0; i < n; ++i) {
        if (r < t) {
          reset[i] = w.episode.values[(k + 1) * n + i] != w.episode.values[k * n + i] ? 1 : 0;
        } else {
          reset[i] = w.done.values[k * n + i] != 0 ? 1 : 0;
        }
      }
      scene.Advance(&w.states.values[(r - r0) * n * d], &w.modes.values[k * n], reset.data());
      if (so.world3d) scene.SetGoals(&w.goals.values[(r - r0) * n * 3]);
    }
    while (next < w.rows.size() && w.rows[next] == r) sink.Frame(scene, w.steps[next++]);
  }
  return w.steps;
}

std::vector<int64_t> FeedLive(core::SimConfig config, const std::vector<int64_t>& steps,
                              const FeedOptions& options, FrameSink& sink) {
  CALF_CHECK(!steps.empty()) << "FeedLive needs at least one step";
  CheckSceneBudget(config.num_agents, options.trail, "--agents");
  config.steps = steps.back();
  if (!options.critic_path.empty()) config.critic_path = options.critic_path;
  core::ResolveSimConfig(config);
  core::LoadedPolicy policy = core::LoadPolicy(config);
  std::unique_ptr<core::TorchModel> extra_critic;
  const core::TorchModel* critic = policy.critic.get();
  if (critic == nullptr && !options.critic_path.empty()) {
    extra_critic = LoadCritic(config, true);
    critic = extra_critic.get();
  }
  core::Simulator sim(config, policy.models);
  const core::env::EnvSpec& spec = sim.spec();
  const CalfSceneOptions so = SceneOptions(config, options);
  CalfScene scene(spec, config.num_agents, so);
  if (critic != nullptr) scene.SetCritic(critic->heads());

  core::SimState state;
  sim.Reset(state);
  const int64_t n = config.num_agents;
  // states go through float as in the trajectory file, so a run file renders the same
  std::vector<float> states_f(state.states.size());
  std::vector<uint8_t> modes(n), reset(n);
  std::copy(state.states.begin(), state.states.end(), states_f.begin());
  // started before Begin: the first states decide a layout of bodies (CalfScene::Bounds)
  scene.Start(states_f.data());
  // a 3-D world's goals, through float as in the trajectory file
  std::vector<float> goals_f(so.world3d ? n * 3 : 0);
  const auto set_goals = [&] {
    if (!so.world3d) return;
    const int e = spec.env_state_dim;
    for (int64_t i = 0; i < n; ++i) {
      for (int j = 0; j < 3; ++j)
        goals_f[i * 3 + j] = static_cast<float>(state.env_states[i * e + j]);
    }
    scene.SetGoals(goals_f.data());
  };
  set_goals();
  sink.Begin({scene.Bounds(), "live", ConfigHash(config.ToJson()), n, &scene, config.system,
              config.policy, config.env.dt});
  size_t next = 0;
  for (int64_t k = 0; next < steps.size(); ++k) {
    if (k > 0) {
      sim.Step(state, options.threads);
      std::copy(state.states.begin(), state.states.end(), states_f.begin());
      for (int64_t i = 0; i < n; ++i) {
        modes[i] = static_cast<uint8_t>(state.modes[i]);
        reset[i] = state.done[i] != core::DoneReason::kNone ? 1 : 0;
      }
      scene.Advance(states_f.data(), modes.data(), reset.data());
      set_goals();
    }
    while (next < steps.size() && steps[next] == k) sink.Frame(scene, steps[next++]);
  }
  return steps;
}

}  // namespace calf::render
