#include "render_offscreen/png_shots.h"

#include "core/error.h"
#include "core/version.h"
#include "render_offscreen/egl_context.h"
#include "render_offscreen/png_io.h"

namespace calf::render {
namespace {

// every failure to start EGL/GL is an environment the user must fix: exit 2 as the CLI
// contract says, with what is missing
std::shared_ptr<EglContext> MakeContext() {
  try {
    return std::make_shared<EglContext>();
  } catch (const RenderError& e) {
    throw RenderError(std::string("cannot create an offscreen OpenGL 3.3 context: ") + e.what(),
                      ExitCode::kUsage);
  }
}

}  // namespace

PngShots::PngShots(RenderOptions options, std::string camera_name,
                   std::function<std::string(int64_t)> path_of)
    : options_(std::move(options)),
      camera_name_(std::move(camera_name)),
      path_of_(std::move(path_of)) {}

PngShots::~PngShots() = default;

void PngShots::Begin(const FeedInfo& info) {
  info_ = info;
  RenderOptions ro = options_;
  ro.bounds = info.bounds;
  if (info.scene != nullptr) info.scene->ConfigureRender(&ro);
  renderer_ = std::make_unique<SceneRenderer>(ro, MakeContext());
}

void PngShots::Frame(const CalfScene& scene, int64_t step) {
  CALF_CHECK(renderer_ != nullptr) << "PngShots::Frame before Begin";
  Image img;
  renderer_->Render(scene.Frame(), &img);
  const PngText text = {{"run", info_.label},
                        {"step", std::to_string(step)},
                        {"config_hash", info_.config_hash},
                        {"calf_version", kVersion},
                        {"camera", camera_name_},
                        {"renderer", renderer_->trail_renderer().name()}};
  const std::string path = path_of_(step);
  WritePng(path, img, text);
  const FrameCounters& c = renderer_->last_counters();
  records_.push_back({path, step, img.width, img.height, scene.num_agents(), c.total.draw_calls,
                      c.total.bytes_uploaded, c.trails.draw_calls, c.trails.bytes_uploaded});
}

}  // namespace calf::render
