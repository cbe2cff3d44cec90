#pragma once
// Renders one frame of the CALF scene offscreen: the heat-map surface, a grid overlay, the
// goal marker, the agents, their bodies (shape_renderer.h) and their trails.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/visual/surface.h"
#include "core/visual/trail_store.h"
#include "render_offscreen/camera.h"
#include "render_offscreen/egl_context.h"
#include "render_offscreen/gl_counters.h"
#include "render_offscreen/image.h"
#include "render_offscreen/shape_renderer.h"
#include "render_offscreen/trail_renderer.h"

namespace calf::render {

/// Lines drawn on the floor with the grid (static: set once per renderer), e.g. a scenario's
/// high-cost spot.
struct FloorMark {
  std::vector<float> lines;    ///< GL_LINES vertex pairs, world coordinates (x, y up, z).
  std::array<float, 3> color;  ///< RGB in [0, 1].
};

/// How frames are rendered. Plain data; validated by SceneRenderer.
struct RenderOptions {
  int width = 1280;  ///< Pixels, 1..16384.
  int height = 720;  ///< Pixels, 1..16384.
  CameraPreset camera = CameraPreset::kIso;
  int msaa_samples = 4;  ///< 0 or 1 = no multisampling; at most GL_MAX_SAMPLES.
  std::array<float, 4> background = {1.0F, 1.0F, 1.0F, 1.0F};  ///< RGBA in [0, 1].
  TrailRendererKind trails = TrailRendererKind::kBatched;
  int rebuild_every = 1;       ///< PerAgentTrails: rebuild after this many points.
  SceneBounds bounds;          ///< What the camera frames and the grid covers.
  bool grid = true;            ///< Draw the grid overlay (floor grid, 1 unit spacing).
  float agent_size_px = 0.0F;  ///< Agent disc diameter; 0 = height / 144, at least 3.
  /// Draw the edges of the world box [box_lo, box_hi] (world coordinates; a 3-D world).
  bool draw_box = false;
  std::array<float, 3> box_lo = {0.0F, 0.0F, 0.0F};
  std::array<float, 3> box_hi = {0.0F, 0.0F, 0.0F};
  /// Fills the floor square [-extent, extent]² (just below the grid) with this colour when
  /// its alpha is above 0 (opaque; a static layer, drawn before the grid).
  std::array<float, 4> floor_color = {0.0F, 0.0F, 0.0F, 0.0F};
  /// Marks on the floor, drawn after the grid and the box (a static layer).
  std::vector<FloorMark> floor_marks;
  /// Draw the static layers (grid, box, surface) once per surface update or camera change
  /// into a stored snapshot and start each frame from it; the trails and agents mark their
  /// samples in the stencil buffer and the surface is blended again over those samples only.
  /// The same pixels as drawing everything (tested); the optimized design of `calf profile`.
  bool cache_static_layers = false;
  /// Fit the scene into this pixel rectangle (FittedViewProjection); off (the preset's own
  /// framing, ViewProjection) when fit_view is false. Annotated frames set it.
  bool fit_view = false;
  PixelRect view_rect;
};

/// The view-projection matrix frames are drawn with: FittedViewProjection into
/// `view_rect` when fit_view, else ViewProjection. Pure.
Eigen::Matrix4f SceneViewProjection(const RenderOptions& options);

/// Throws ConfigError when a size is 0 or above 16384, msaa_samples is negative or
/// rebuild_every < 1.
void ValidateRenderOptions(const RenderOptions& options);

/// The input of one frame. Plain data pointing at the caller's arrays, which must stay
/// valid during Render. Every part is optional.
struct SceneFrame {
  const core::visual::HeatSurface* surface = nullptr;  ///< The value surface, or none.
  const float* agent_positions = nullptr;              ///< [num_agents*3] world (x, height, v).
  const uint8_t* agent_modes = nullptr;  ///< [num_agents] mode per agent, or null (black).
  int64_t num_agents = 0;
  const core::visual::TrailStore* trails = nullptr;  ///< Trails, or none.
  bool show_goal = true;
  std::array<float, 3> goal = {0.0F, 0.0F, 0.0F};  ///< World position of the goal marker.
  /// Per-agent goal markers [num_goals*3] (world positions), or null.
  const float* goal_positions = nullptr;
  int64_t num_goals = 0;
  /// Bodies as shaded primitives [num_shapes] (ShapeRenderer), or null: a moving part,
  /// drawn after the trails and before the agent discs.
  const SceneShape* shapes = nullptr;
  int64_t num_shapes = 0;
};

/// GL work of the last frame.
struct FrameCounters {
  GlCounters total;   ///< Everything: surface, grid, agents, goal and trails.
  GlCounters trails;  ///< The trail renderer's share.
  GlCounters shapes;  ///< The shape renderer's share.
};

/// Owns the render target, the programs and a TrailRenderer; renders SceneFrames into
/// Images. Determinism: identical inputs give byte-identical images on one machine (not
/// across CPUs/drivers). Needs its EglContext for its whole life (kept alive by the shared
/// pointer); Render makes it current. Not thread-safe; one SceneRenderer per thread.
class SceneRenderer {
 public:
  /// Creates the target and GL resources in `context` (a new EglContext when null).
  /// Throws ConfigError for bad options, RenderError when EGL/GL fail.
  explicit SceneRenderer(const RenderOptions& options = {},
                         std::shared_ptr<EglContext> context = nullptr);
  ~SceneRenderer();
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  /// Renders `frame` into `out` (resized to width×height, top row first, RGBA8). With `out`
  /// null the frame is presented instead (OffscreenTarget::Present: resolved and finished,
  /// not read back), as `calf profile --render on` does for both designs.
  void Render(const SceneFrame& frame, Image* out);
  /// Convenience form of Render returning a new Image.
  Image Render(const SceneFrame& frame);
  /// The last frame as presented (Render with a null `out`) or read, without drawing or
  /// resolving again: for checking that presenting shows the same pixels.
  void ReadPresented(Image* out);

  /// Changes the camera for the next frames.
  void SetCamera(CameraPreset camera) { options_.camera = camera; }
  const RenderOptions& options() const { return options_; }
  const FrameCounters& last_counters() const { return counters_; }
  const std::shared_ptr<EglContext>& context() const { return context_; }
  TrailRenderer& trail_renderer() { return *trails_; }

 private:
  struct Gl;  // GL objects, defined in the .cc so this header stays free of GL types

  RenderOptions options_;
  std::shared_ptr<EglContext> context_;
  std::unique_ptr<Gl> gl_;
  std::unique_ptr<TrailRenderer> trails_;
  std::unique_ptr<ShapeRenderer> shapes_;  // made at the first frame with shapes
  FrameCounters counters_;
};

}  // namespace calf::render
