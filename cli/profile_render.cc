#include "cli/profile_render.h"

#include <cstdio>
#include <string>

#include "core/error.h"
#include "render_offscreen/egl_context.h"
#include "render_offscreen/scene_renderer.h"

namespace calf::cli {
namespace {

class SceneRenderHook : public core::profile::FrameRenderHook {
 public:
  SceneRenderHook(const render::RenderOptions& options, std::shared_ptr<render::EglContext> context)
      : renderer_(options, std::move(context)) {
    description_ = renderer_.context()->renderer() + " " + std::to_string(options.width) + "x" +
                   std::to_string(options.height) + " " + renderer_.trail_renderer().name();
  }

  core::profile::RenderWork Render(const core::profile::FrameView& view) override {
    render::SceneFrame frame;
    frame.surface = view.surface;
    frame.agent_positions = view.agent_positions;
    frame.agent_modes = view.agent_modes;
    frame.num_agents = view.num_agents;
    frame.trails = view.trails;
    // presented, not read back: what a person sees of a visualiser's frame (both designs)
    renderer_.Render(frame, nullptr);
    const render::GlCounters& c = renderer_.last_counters().total;
    return {c.draw_calls, c.bytes_uploaded};
  }

  const char* description() const override { return description_.c_str(); }

 private:
  render::SceneRenderer renderer_;
  std::string description_;
};

}  // namespace

std::function<
    std::unique_ptr<core::profile::FrameRenderHook>(const core::profile::OptimizationFlags&)>
MakeSceneRenderHookFactory(const core::profile::ProfileConfig& config, bool quiet) {
  struct Shared {
    std::shared_ptr<render::EglContext> context;
    bool failed = false;
  };
  auto shared = std::make_shared<Shared>();
  render::RenderOptions base;
  base.width = static_cast<int>(config.width);
  base.height = static_cast<int>(config.height);
  base.rebuild_every = static_cast<int>(config.trail_rebuild_freq);
  return [shared, base, quiet](const core::profile::OptimizationFlags& flags)
             -> std::unique_ptr<core::profile::FrameRenderHook> {
    if (shared->failed) return nullptr;
    render::RenderOptions options = base;
    options.trails = flags.batched_trails ? render::TrailRendererKind::kBatched
                                          : render::TrailRendererKind::kPerAgent;
    // the batched drawing design also keeps the static layers (grid, surface) in a snapshot
    // drawn once per heat-map update; the baseline draws every layer every frame
    options.cache_static_layers = flags.batched_trails;
    try {
      if (!shared->context) shared->context = std::make_shared<render::EglContext>();
      return std::make_unique<SceneRenderHook>(options, shared->context);
    } catch (const RenderError& e) {
      // no EGL/GL here: profile without the render section rather than fail the sweep
      shared->failed = true;
      if (!quiet) {
        std::fprintf(stderr,
                     "calf profile: warning: rendering unavailable (%s); profiling without the "
                     "render section\n",
                     e.what());
      }
      return nullptr;
    }
  };
}

}  // namespace calf::cli
