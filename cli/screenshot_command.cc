#include "cli/screenshot_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "cli/mpi_glue.h"
#include "cli/progress.h"
#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/output_file.h"
#include "core/profile/profile_config.h"
#include "render_offscreen/offscreen_target.h"
#include "render_offscreen/png_shots.h"
#include "render_offscreen/scene_feed.h"
#include "render_offscreen/video_sink.h"

namespace calf::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

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
  if (w < 1 || h < 1 || w > render::kMaxRenderSize || h > render::kMaxRenderSize ||
      w * h > render::kMaxRenderPixels) {
    throw ConfigError("--size " + OneLine(text, 40) + " is outside 1.." +
                      std::to_string(render::kMaxRenderSize) + " pixels per side or above " +
                      std::to_string(render::kMaxRenderPixels) + " pixels (8192x8192)");
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

// `0:1500:5` -> 0, 5, ..., 1500 (STEP defaults to 1; STOP included when reached)
std::vector<int64_t> ParseStepRange(const std::string& text) {
  std::vector<long long> v;
  std::stringstream in(text);
  std::string item;
  bool ok = true;
  while (std::getline(in, item, ':')) {
    size_t used = 0;
    long long x = -1;
    try {
      x = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    ok = ok && !item.empty() && used == item.size() && x >= 0;
    v.push_back(x);
  }
  if (!ok || v.size() < 2 || v.size() > 3 || (v.size() == 3 && v[2] < 1)) {
    throw ConfigError("--steps-range '" + text.substr(0, 40) +
                      "' is not START:STOP[:STEP] (non-negative, STEP >= 1), e.g. 0:1500:5");
  }
  const long long step = v.size() == 3 ? v[2] : 1;
  if (v[1] < v[0]) {
    throw ConfigError("--steps-range '" + text + "' is empty (STOP < START)");
  }
  if ((v[1] - v[0]) / step + 1 > 1000000) {
    throw ConfigError("--steps-range '" + text + "' asks for more than 1,000,000 frames");
  }
  std::vector<int64_t> steps;
  for (long long k = v[0]; k <= v[1]; k += step) steps.push_back(k);
  return steps;
}

std::string StepFileName(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof(name), "step_%06lld.png", static_cast<long long>(step));
  return name;
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
  auto* seed = sub->add_option("--seed", c.seed, "Live: random seed")
                   ->check(SeedRule())
                   ->capture_default_str();
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
  auto* video = sub->add_option("--video", opt->video,
                                "Write a video of --steps-range instead of PNGs: .mp4 (H.264), "
                                ".webp or .gif (FFmpeg)");
  sub->add_option("--fps", opt->fps, "Video frames per second")->capture_default_str();
  auto* range = sub->add_option("--steps-range", opt->steps_range,
                                "Video: START:STOP[:STEP] global steps (live default 0:--steps)");
  video->excludes(out)->excludes(out_dir)->excludes(steps_at)->excludes(step);
  range->needs(video);
  sub->add_option("--annotate", opt->annotate,
                  "on|off: axis ticks and names, the critic's colour bar, the mode legend and a "
                  "caption over each frame (off: the bare scene)")
      ->capture_default_str();
  sub->add_option("--renderer", opt->renderer, "Trail renderer: batched | per-agent")
      ->capture_default_str();
  sub->add_option("--camera", opt->camera, "Camera preset: iso | top")->capture_default_str();
  sub->add_option("--size", opt->size, "Image size WIDTHxHEIGHT")->capture_default_str();
  sub->add_option("--threads", opt->threads,
                  "Simulation threads (0 = all); pixels do not depend on it")
      ->capture_default_str();
  sub->add_flag("--quiet,-q", opt->quiet, "Print nothing on stderr");
  sub->add_flag("--json", opt->json, "Print the written files as JSON on stdout");
  sub->callback(
      [opt, exit_code]() { *exit_code = core::AllOrNothing([&] { return RunScreenshot(*opt); }); });
}

namespace {

// the feed options the flags give (trail, threads, an explicit --critic)
render::FeedOptions FeedOptionsOf(const ScreenshotOptions& o) {
  render::FeedOptions feed;
  feed.trail = o.trail;
  feed.threads = o.threads;
  if (Given(o.app, "--critic")) feed.critic_path = o.config.critic_path;
  return feed;
}

// `--video`: the same feeds into a VideoSink
int RunVideo(ScreenshotOptions& o, const render::RenderOptions& ro, bool annotate) {
  std::vector<int64_t> steps;
  if (Given(o.app, "--steps-range")) {
    steps = ParseStepRange(o.steps_range);
  } else if (o.run_path.empty()) {
    if (o.config.steps < 0) {
      throw ConfigError("--steps " + std::to_string(o.config.steps) + " is negative");
    }
    for (int64_t k = 0; k <= o.config.steps; ++k) steps.push_back(k);
  } else {
    throw ConfigError(
        "--video with --run needs --steps-range START:STOP[:STEP] (steps the run "
        "recorded, e.g. 0:1500:5)");
  }
  Progress progress("video", static_cast<int64_t>(steps.size()), !o.quiet);
  render::VideoOptions vo;
  vo.render = ro;
  vo.fps = o.fps;
  vo.annotate = annotate;
  vo.progress = [&progress](int64_t done) { progress.Update(done); };
  render::VideoSink sink(o.video, vo);  // checks the path, format, fps and ffmpeg first
  const render::FeedOptions feed = FeedOptionsOf(o);
  if (o.run_path.empty()) {
    render::FeedLive(o.config, steps, feed, sink);
  } else {
    render::FeedRun(o.run_path, steps, feed, sink);
  }
  const int64_t frames = sink.Finish();
  progress.Finish();
  if (o.json) {
    const json j = {
        {"video", o.video},         {"frames", frames},    {"fps", o.fps},
        {"width", ro.width},        {"height", ro.height}, {"first_step", steps.front()},
        {"last_step", steps.back()}};
    std::printf("%s\n", j.dump(2).c_str());
  }
  if (!o.quiet) {
    std::fprintf(stderr,
                 "calf screenshot: %lld frames (steps %lld..%lld) at %g fps -> %s (%dx%d)\n",
                 static_cast<long long>(frames), static_cast<long long>(steps.front()),
                 static_cast<long long>(steps.back()), o.fps, o.video.c_str(), ro.width, ro.height);
  }
  return 0;
}

}  // namespace

int RunScreenshot(ScreenshotOptions& o) {
  RequireOneProcess("screenshot", "one renderer writes the images");
  // every flag is checked before the (slow) simulation and the GL context
  render::RenderOptions ro;
  ParseSize(o.size, &ro.width, &ro.height);
  ro.camera = render::ParseCameraPreset(o.camera);
  ro.trails = render::ParseTrailRendererKind(o.renderer);
  if (o.trail < 0 || o.trail == 1 || o.trail > render::kMaxTrailPoints) {
    throw ConfigError("--trail " + std::to_string(o.trail) +
                      " must be 0 (no trails) or from 2 to " +
                      std::to_string(render::kMaxTrailPoints));
  }
  if (o.threads < 0) throw ConfigError("--threads must be >= 0 (0 = all cores)");
  const bool annotate = core::profile::ParseOnOff(o.annotate, "--annotate");
  if (Given(o.app, "--video")) return RunVideo(o, ro, annotate);
  std::vector<int64_t> steps;
  if (Given(o.app, "--steps-at")) {
    steps = ParseSteps(o.steps_at);
  } else if (!o.run_path.empty()) {
    if (Given(o.app, "--step")) {
      if (o.step < 0) throw ConfigError("--step " + std::to_string(o.step) + " is negative");
      steps.push_back(o.step);
    }
  } else {
    if (o.config.steps < 0) {
      throw ConfigError("--steps " + std::to_string(o.config.steps) + " is negative");
    }
    steps.push_back(o.config.steps);
  }
  std::function<std::string(int64_t)> path_of;
  if (!o.out_dir.empty()) {
    core::PrepareOutputDir(o.out_dir, "--out-dir");
    path_of = [dir = o.out_dir](int64_t s) { return (fs::path(dir) / StepFileName(s)).string(); };
  } else {
    if (!Given(o.app, "--out")) o.out = "shot.png";  // --out "" is refused by the check
    core::CheckOutputFile(o.out, "--out");
    path_of = [out = o.out](int64_t) { return out; };
  }

  const render::FeedOptions feed = FeedOptionsOf(o);
  render::PngShots shots(ro, o.camera, path_of, annotate);
  if (o.run_path.empty()) {
    render::FeedLive(o.config, steps, feed, shots);
  } else {
    render::FeedRun(o.run_path, steps, feed, shots);
  }

  json records = json::array();
  for (const render::ShotRecord& r : shots.records()) {
    records.push_back({{"path", r.path},
                       {"step", r.step},
                       {"width", r.width},
                       {"height", r.height},
                       {"agents", r.agents},
                       {"draw_calls", r.draw_calls},
                       {"bytes_uploaded", r.bytes_uploaded},
                       {"trail_draw_calls", r.trail_draw_calls},
                       {"trail_bytes_uploaded", r.trail_bytes_uploaded}});
  }
  if (o.json) std::printf("%s\n", json{{"files", records}}.dump(2).c_str());
  if (!o.quiet) {
    for (const render::ShotRecord& r : shots.records()) {
      std::fprintf(stderr, "calf screenshot: step %lld -> %s (%dx%d, %s camera, %s trails)\n",
                   static_cast<long long>(r.step), r.path.c_str(), ro.width, ro.height,
                   o.camera.c_str(), o.renderer.c_str());
    }
  }
  return 0;
}

}  // namespace calf::cli
