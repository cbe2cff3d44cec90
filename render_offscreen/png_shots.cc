#include "render_offscreen/png_shots.h"

#include "core/error.h"
#include "core/version.h"
#include "render_offscreen/png_io.h"

namespace calf::render {
PngShots::PngShots(RenderOptions options, std::string camera_name,
                   std::function<std::string(int64_t)> path_of, bool annotate)
    : options_(std::move(options)),
      camera_name_(std::move(camera_name)),
      path_of_(std::move(path_of)),
      annotate_(annotate) {}

PngShots::~PngShots() = default;

void PngShots::Begin(const FeedInfo& info) {
  info_ = info;
  renderer_ = std::make_unique<FeedRenderer>(options_, info, annotate_);
}

void PngShots::Frame(const CalfScene& scene, int64_t step) {
  CALF_CHECK(renderer_ != nullptr) << "PngShots::Frame before Begin";
  Image img;
  renderer_->Render(scene, step, &img);
  PngText text = {{"run", info_.label},
                  {"step", std::to_string(step)},
                  {"config_hash", info_.config_hash},
                  {"calf_version", kVersion},
                  {"camera", camera_name_},
                  {"renderer", renderer_->scene_renderer().trail_renderer().name()}};
  if (annotate_) text.emplace_back("annotated", "1");  // bare files keep today's bytes
  const std::string path = path_of_(step);
  WritePng(path, img, text);
  const FrameCounters& c = renderer_->scene_renderer().last_counters();
  records_.push_back({path, step, img.width, img.height, scene.num_agents(), c.total.draw_calls,
                      c.total.bytes_uploaded, c.trails.draw_calls, c.trails.bytes_uploaded});
}

}  // namespace calf::render
