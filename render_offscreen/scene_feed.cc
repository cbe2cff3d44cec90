#include "render_offscreen/scene_feed.h"

#include <algorithm>
#include <memory>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/read_in_child.h"
#include "core/policy/torch_model.h"
#include "core/sim/load_policy.h"
#include "core/sim/run_to_file.h"
#include "core/sim/simulator.h"
#include "render_offscreen/annotation.h"
#include "render_offscreen/egl_context.h"

namespace calf::render {
namespace {

// Loads the critic named in `config` (explicit, the run's or the default path) when the
// policy has one or a critic was given; a nominal/actor policy without one has no surface.
std::unique_ptr<core::TorchModel> LoadCritic(const core::SimConfig& config, bool critic_given) {
  if (!critic_given && config.policy_kind() != core::PolicyKind::kCalf) return nullptr;
  const core::env::EnvSpec& spec = core::env::FindSpec(config.system);
  return core::TorchModel::Load(core::ResolveCriticPath(config), core::TorchModel::Role::kCritic,
                                spec);
}

// the scene of a family: a 3-D world with goals (the environment has a world box and a 3-D
// goal) or the critic surface over the state plane; `env` is made from `config`
CalfSceneOptions SceneOptions(const core::SimConfig& config, const FeedOptions& options,
                              std::shared_ptr<const core::env::Environment> env) {
  CalfSceneOptions so;
  so.trail_length = options.trail;
  so.surface.extent = static_cast<float>(config.env.boundary_limit);
  so.scenario = config.env.scenario;
  so.bodies = env;  // a family that gives shapes is drawn from them
  double lo[3], hi[3];
  if (World3d(*env, lo, hi)) {
    so.world3d = true;
    for (int j = 0; j < 3; ++j) {
      so.box_lo[j] = static_cast<float>(lo[j]);
      so.box_hi[j] = static_cast<float>(hi[j]);
    }
  }
  return so;
}

}  // namespace

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
  // the environment ReadRunWindow made: made once (for the quadruped, one MJCF load)
  const CalfSceneOptions so = SceneOptions(config, options, w.env);
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
  const CalfSceneOptions so =
      SceneOptions(config, options, core::env::MakeEnvironment(config.system, config.env));
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
