#include "cli/screenshot_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/trajectory_reader.h"
#include "core/policy/torch_model.h"
#include "core/sim/load_policy.h"
#include "core/sim/simulator.h"
#include "core/version.h"
#include "render_offscreen/calf_scene.h"
#include "render_offscreen/egl_context.h"
#include "render_offscreen/offscreen_target.h"
#include "render_offscreen/png_io.h"
#include "render_offscreen/scene_renderer.h"

namespace calf::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// one PNG to write: the global step it shows and where it goes
struct Shot {
  int64_t step = 0;
  std::string path;
};

// `1280x720` -> (1280, 720); the range check is ValidateRenderSize's
void ParseSize(const std::string& text, int* width, int* height) {
  const size_t x = text.find_first_of("xX");
  long long w = -1, h = -1;
  size_t used_w = 0, used_h = 0;
  try {
    if (x != std::string::npos && x > 0 && x + 1 < text.size()) {
      w = std::stoll(text.substr(0, x), &used_w);
      h = std::stoll(text.substr(x + 1), &used_h);
    }
  } catch (const std::exception&) {
    w = h = -1;
  }
  if (w < 0 || h < 0 || used_w != x || used_h != text.size() - x - 1) {
    throw ConfigError("--size '" + text + "' is not WIDTHxHEIGHT, e.g. 1280x720");
  }
  if (w < 1 || h < 1 || w > render::kMaxRenderSize || h > render::kMaxRenderSize) {
    throw ConfigError("--size " + text + " is outside 1.." +
                      std::to_string(render::kMaxRenderSize) + " pixels per side");
  }
  *width = static_cast<int>(w);
  *height = static_cast<int>(h);
}

// `100,200,500` -> sorted unique steps
std::vector<int64_t> ParseSteps(const std::string& text) {
  std::vector<int64_t> steps;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || v < 0) {
      throw ConfigError("--steps-at '" + text + "': '" + item +
                        "' is not a step (non-negative integers separated by commas)");
    }
    steps.push_back(v);
  }
  if (steps.empty()) throw ConfigError("--steps-at is empty; give steps such as 100,200,500");
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

// creates and removes `probe` to learn whether files can be made in its directory: access() is
// not enough (root passes it on read-only or virtual file systems such as /proc), and
// rendering first would find out only after the slow simulation; returns "" or the reason
std::string ProbeCreate(const fs::path& probe) {
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  // a leftover of that name is not ours to remove; the write itself will tell
  if (fd < 0) return errno == EEXIST ? "" : std::strerror(errno);
  close(fd);
  unlink(probe.c_str());
  return "";
}

// the PNG's directory must exist and take new files before any work is done
void CheckWritableFile(const std::string& out) {
  std::error_code ec;
  if (fs::is_directory(out, ec)) throw IoError("--out '" + out + "' is a directory; give a file");
  const fs::path p(out);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    throw IoError("--out '" + out + "': directory '" + dir.string() + "' does not exist");
  }
  // the temporary name WritePng will use, so the probe tests exactly what the write needs
  const std::string why = ProbeCreate(out + ".tmp." + std::to_string(getpid()));
  if (!why.empty()) {
    throw IoError("--out '" + out + "': directory '" + dir.string() +
                  "' is not writable (cannot create a file there: " + why + ")");
  }
}

void PrepareOutDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    throw IoError("--out-dir '" + dir + "' cannot be created: " + ec.message());
  }
  const std::string why =
      ProbeCreate(fs::path(dir) / (".calf_probe.tmp." + std::to_string(getpid())));
  if (!why.empty()) {
    throw IoError("--out-dir '" + dir + "' is not writable (cannot create a file there: " + why +
                  ")");
  }
}

std::string StepFileName(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof(name), "step_%06lld.png", static_cast<long long>(step));
  return name;
}

// every failure to start EGL/GL is an environment the user must fix: exit 2 as the CLI
// contract says, with what is missing
std::shared_ptr<render::EglContext> MakeContext() {
  try {
    return std::make_shared<render::EglContext>();
  } catch (const RenderError& e) {
    throw RenderError(std::string("cannot create an offscreen OpenGL 3.3 context: ") + e.what(),
                      ExitCode::kUsage);
  }
}

// loads the critic named in the config (explicit --critic, the run's critic or the default
// path) when the policy has one; a nominal/actor policy without --critic has no surface
std::unique_ptr<core::TorchModel> LoadCritic(const core::SimConfig& config, bool critic_given) {
  const bool wants = critic_given || config.policy_kind() == core::PolicyKind::kCalf;
  if (!wants) return nullptr;
  const core::env::EnvSpec& spec = core::env::FindSpec(config.system);
  return core::TorchModel::Load(core::ResolveCriticPath(config), core::TorchModel::Role::kCritic,
                                spec);
}

// the scene of a family: a 3-D world with goals (the environment has a world box and a
// 3-D goal) or the critic surface over the state plane
render::CalfSceneOptions SceneOptions(const core::SimConfig& config, int trail) {
  render::CalfSceneOptions so;
  so.trail_length = trail;
  so.surface.extent = static_cast<float>(config.env.boundary_limit);
  const auto env = core::env::MakeEnvironment(config.system, config.env);
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

// renders the scene's current frame and writes one PNG; returns its JSON record
class ShotWriter {
 public:
  ShotWriter(const ScreenshotOptions& o, render::RenderOptions ro, const render::CalfScene& scene,
             std::string run_label, std::string config_hash)
      : run_label_(std::move(run_label)), config_hash_(std::move(config_hash)), camera_(o.camera) {
    ro.bounds = scene.Bounds();
    scene.ConfigureRender(&ro);
    renderer_ = std::make_unique<render::SceneRenderer>(ro, MakeContext());
  }

  void Write(const render::CalfScene& scene, const Shot& shot) {
    render::Image img;
    renderer_->Render(scene.Frame(), &img);
    const render::PngText text = {
        {"run", run_label_},           {"step", std::to_string(shot.step)},
        {"config_hash", config_hash_}, {"calf_version", kVersion},
        {"camera", camera_},           {"renderer", renderer_->trail_renderer().name()}};
    render::WritePng(shot.path, img, text);
    const render::FrameCounters& c = renderer_->last_counters();
    records_.push_back({{"path", shot.path},
                        {"step", shot.step},
                        {"width", img.width},
                        {"height", img.height},
                        {"agents", scene.num_agents()},
                        {"draw_calls", c.total.draw_calls},
                        {"bytes_uploaded", c.total.bytes_uploaded},
                        {"trail_draw_calls", c.trails.draw_calls},
                        {"trail_bytes_uploaded", c.trails.bytes_uploaded}});
  }
  const json& records() const { return records_; }

 private:
  std::string run_label_;
  std::string config_hash_;
  std::string camera_;
  std::unique_ptr<render::SceneRenderer> renderer_;
  json records_ = json::array();
};

// the row of `states` that holds the scene after global step `step`
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

json RenderFromRun(ScreenshotOptions& o, const render::RenderOptions& ro,
                   const std::vector<int64_t>& requested, const std::vector<std::string>& paths,
                   std::vector<Shot>* shots) {
  core::TrajectoryReader reader(o.run_path);
  const core::TrajectoryInfo& info = reader.info();
  core::SimConfig config;
  config.ApplyJson(info.meta.config_json, o.run_path + " (attribute config)");
  const bool critic_given = o.app != nullptr && o.app->count("--critic") > 0;
  if (critic_given) {
    config.critic_path = o.config.critic_path;
  } else if (!config.critic_path.empty() && fs::path(config.critic_path).is_relative() &&
             !fs::exists(config.critic_path)) {
    // a relative path recorded by a run started elsewhere: try next to the run file
    const fs::path beside = fs::path(o.run_path).parent_path() / config.critic_path;
    if (fs::exists(beside)) config.critic_path = beside.string();
  }
  const core::env::EnvSpec& spec = core::env::FindSpec(config.system);
  if (info.state_dim != spec.state_dim) {
    throw IoError("'" + o.run_path + "' has state dimension " + std::to_string(info.state_dim) +
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
  std::vector<int64_t> steps = requested;
  if (steps.empty()) {
    if (final_step < 0) {
      throw ConfigError("'" + o.run_path + "' is incomplete with record_every > 1; give --step");
    }
    steps.push_back(final_step);
  }
  std::vector<int64_t> rows;
  for (int64_t s : steps) rows.push_back(StatesRowOf(reader, config, s, final_step));
  for (size_t i = 0; i < steps.size(); ++i) {
    shots->push_back({steps[i], paths.size() == 1 ? paths[0] : paths[i]});
  }

  std::unique_ptr<core::TorchModel> critic = LoadCritic(config, critic_given);
  const render::CalfSceneOptions so = SceneOptions(config, o.trail);
  render::CalfScene scene(spec, info.num_agents, so);
  if (critic) scene.SetCritic(critic->heads());

  // read rows [r0, last]: the trail window of the first shot through the last shot
  const int64_t back = o.trail > 0 ? o.trail - 1 : 1;
  const int64_t r0 = std::max<int64_t>(0, rows.front() - back);
  const int64_t r1 = rows.back();
  const core::H5Array<float> states = reader.ReadRows<float>("states", r0, r1 - r0 + 1);
  core::H5Array<float> goals;  // a 3-D world's goals follow the states row for row
  if (so.world3d) goals = reader.ReadRows<float>("goals", r0, r1 - r0 + 1);
  // transitions r0 .. min(r1, T-1): modes/done lead to the next row, episode tells resets
  const int64_t tr_count = std::min<int64_t>(r1 + 1, t) - r0;
  core::H5Array<uint8_t> modes, done;
  core::H5Array<int32_t> episode;
  if (tr_count > 0) {
    modes = reader.ReadRows<uint8_t>("modes", r0, tr_count);
    done = reader.ReadRows<uint8_t>("done", r0, tr_count);
    episode = reader.ReadRows<int32_t>("episode", r0, tr_count);
  }
  const int64_t n = info.num_agents;
  const int d = info.state_dim;
  std::vector<uint8_t> reset(n);
  ShotWriter writer(o, ro, scene, o.run_path, render::ConfigHash(info.meta.config_json));
  scene.Start(&states.values[0]);
  if (so.world3d) scene.SetGoals(&goals.values[0]);
  size_t next = 0;
  for (int64_t r = r0; r <= r1 && next < rows.size(); ++r) {
    if (r > r0) {
      // row r is reached by transition r-1; an episode change means the agent was reset
      const int64_t k = r - 1 - r0;
      for (int64_t i = 0; i < n; ++i) {
        if (r < t) {
          reset[i] = episode.values[(k + 1) * n + i] != episode.values[k * n + i] ? 1 : 0;
        } else {
          reset[i] = done.values[k * n + i] != 0 ? 1 : 0;
        }
      }
      scene.Advance(&states.values[(r - r0) * n * d], &modes.values[k * n], reset.data());
      if (so.world3d) scene.SetGoals(&goals.values[(r - r0) * n * 3]);
    }
    while (next < rows.size() && rows[next] == r) {
      writer.Write(scene, (*shots)[next]);
      ++next;
    }
  }
  return writer.records();
}

json RenderLive(ScreenshotOptions& o, const render::RenderOptions& ro,
                const std::vector<int64_t>& steps, const std::vector<std::string>& paths,
                std::vector<Shot>* shots) {
  core::SimConfig config = o.config;
  config.steps = steps.back();
  config.Validate();
  if (o.threads < 0) throw ConfigError("--threads must be >= 0 (0 = all cores)");
  // resolve model paths as `calf run` does, so a run of the same config has the same hash
  if (config.policy_kind() != core::PolicyKind::kNominal) {
    config.actor_path = core::ResolveActorPath(config);
    if (config.policy_kind() == core::PolicyKind::kCalf) {
      config.critic_path = core::ResolveCriticPath(config);
    }
  }
  const bool critic_given = o.app != nullptr && o.app->count("--critic") > 0;
  core::LoadedPolicy policy = core::LoadPolicy(config);
  std::unique_ptr<core::TorchModel> extra_critic;
  const core::TorchModel* critic = policy.critic.get();
  if (critic == nullptr && critic_given) {
    extra_critic = LoadCritic(config, true);
    critic = extra_critic.get();
  }
  core::Simulator sim(config, policy.models);
  const core::env::EnvSpec& spec = sim.spec();
  for (size_t i = 0; i < steps.size(); ++i) {
    shots->push_back({steps[i], paths.size() == 1 ? paths[0] : paths[i]});
  }

  const render::CalfSceneOptions so = SceneOptions(config, o.trail);
  render::CalfScene scene(spec, config.num_agents, so);
  if (critic != nullptr) scene.SetCritic(critic->heads());
  ShotWriter writer(o, ro, scene, "live", render::ConfigHash(config.ToJson()));

  core::SimState state;
  sim.Reset(state);
  const int64_t n = config.num_agents;
  // states go through float as in the trajectory file, so a run file renders the same
  std::vector<float> states_f(state.states.size());
  std::vector<uint8_t> modes(n), reset(n);
  std::copy(state.states.begin(), state.states.end(), states_f.begin());
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
  size_t next = 0;
  for (int64_t k = 0; next < steps.size(); ++k) {
    if (k > 0) {
      sim.Step(state, o.threads);
      std::copy(state.states.begin(), state.states.end(), states_f.begin());
      for (int64_t i = 0; i < n; ++i) {
        modes[i] = static_cast<uint8_t>(state.modes[i]);
        reset[i] = state.done[i] != core::DoneReason::kNone ? 1 : 0;
      }
      scene.Advance(states_f.data(), modes.data(), reset.data());
      set_goals();
    }
    while (next < steps.size() && steps[next] == k) {
      writer.Write(scene, (*shots)[next]);
      ++next;
    }
  }
  return writer.records();
}

}  // namespace

void SetupScreenshotCommand(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<ScreenshotOptions>();
  opt->config.num_agents = 20;
  opt->config.steps = 500;
  CLI::App* sub = app.add_subcommand(
      "screenshot",
      "Render the CALF scene (critic surface, agents, trails) of a run or a live "
      "simulation to PNG, offscreen");
  opt->app = sub;
  core::SimConfig& c = opt->config;
  auto* run = sub->add_option("--run", opt->run_path, "Trajectory file written by `calf run`");
  auto* step = sub->add_option("--step", opt->step,
                               "With --run: the global step to show (default: the run's end)");
  step->needs(run);
  auto* system = sub->add_option("--system", c.system, "Live: " + core::env::FamilyNames())
                     ->capture_default_str();
  auto* policy = sub->add_option("--policy", c.policy,
                                 "Live: pd | move_to_point | goal_pd | nominal | actor | calf")
                     ->capture_default_str();
  auto* agents =
      sub->add_option("--agents", c.num_agents, "Live: number of agents")->capture_default_str();
  auto* steps = sub->add_option("--steps", c.steps, "Live: steps to simulate before the shot")
                    ->capture_default_str();
  auto* seed = sub->add_option("--seed", c.seed, "Live: random seed")->capture_default_str();
  for (auto* live : {system, policy, agents, steps, seed}) live->excludes(run);
  sub->add_option("--actor", c.actor_path,
                  "Live: TorchScript actor (default data/models/<system>/actor.pt)");
  sub->add_option("--critic", c.critic_path,
                  "TorchScript critic of the surface (default: the run's, or "
                  "data/models/<system>/critic.pt)");
  auto* steps_at = sub->add_option("--steps-at", opt->steps_at,
                                   "Comma-separated steps, one PNG each in --out-dir");
  steps_at->excludes(step)->excludes(steps);
  sub->add_option("--trail", opt->trail, "Points per agent trail (0 = no trails)")
      ->capture_default_str();
  auto* out = sub->add_option("--out", opt->out, "Output PNG (default shot.png)");
  auto* out_dir =
      sub->add_option("--out-dir", opt->out_dir, "Output directory of step_NNNNNN.png files");
  out->excludes(out_dir);
  steps_at->needs(out_dir);
  out_dir->needs(steps_at);
  sub->add_option("--renderer", opt->renderer, "Trail renderer: batched | per-agent")
      ->capture_default_str();
  sub->add_option("--camera", opt->camera, "Camera preset: iso | top")->capture_default_str();
  sub->add_option("--size", opt->size, "Image size WIDTHxHEIGHT")->capture_default_str();
  sub->add_option("--threads", opt->threads,
                  "Simulation threads (0 = all); pixels do not depend on it")
      ->capture_default_str();
  sub->add_flag("--quiet,-q", opt->quiet, "Print nothing on stderr");
  sub->add_flag("--json", opt->json, "Print the written files as JSON on stdout");
  sub->callback([opt, exit_code]() { *exit_code = RunScreenshot(*opt); });
}

int RunScreenshot(ScreenshotOptions& o) {
  // every flag is checked before the (slow) simulation and the GL context
  render::RenderOptions ro;
  ParseSize(o.size, &ro.width, &ro.height);
  ro.camera = render::ParseCameraPreset(o.camera);
  ro.trails = render::ParseTrailRendererKind(o.renderer);
  if (o.trail < 0 || o.trail == 1) {
    throw ConfigError("--trail " + std::to_string(o.trail) + " must be 0 (no trails) or >= 2");
  }
  std::vector<int64_t> steps;
  if (!o.steps_at.empty()) {
    steps = ParseSteps(o.steps_at);
  } else if (!o.run_path.empty()) {
    if (o.step < -1) throw ConfigError("--step " + std::to_string(o.step) + " is negative");
    if (o.step >= 0) steps.push_back(o.step);
  } else {
    if (o.config.steps < 0) {
      throw ConfigError("--steps " + std::to_string(o.config.steps) + " is negative");
    }
    steps.push_back(o.config.steps);
  }
  std::vector<std::string> paths;
  if (!o.out_dir.empty()) {
    PrepareOutDir(o.out_dir);
    for (int64_t s : steps) paths.push_back((fs::path(o.out_dir) / StepFileName(s)).string());
  } else {
    if (o.out.empty()) o.out = "shot.png";
    CheckWritableFile(o.out);
    paths.push_back(o.out);
  }

  std::vector<Shot> shots;
  const json records = o.run_path.empty() ? RenderLive(o, ro, steps, paths, &shots)
                                          : RenderFromRun(o, ro, steps, paths, &shots);
  if (o.json) std::printf("%s\n", json{{"files", records}}.dump(2).c_str());
  if (!o.quiet) {
    for (const json& r : records) {
      std::fprintf(stderr, "calf screenshot: step %lld -> %s (%dx%d, %s camera, %s trails)\n",
                   static_cast<long long>(r["step"].get<int64_t>()),
                   r["path"].get<std::string>().c_str(), ro.width, ro.height, o.camera.c_str(),
                   o.renderer.c_str());
    }
  }
  return 0;
}

}  // namespace calf::cli
