#pragma once
// Annotated frames: the layout that frames the scene inside an image with room for panels,
// and the overlay drawn over a rendered frame (axis ticks and names on the floor grid, the
// colour bar of the critic's values, the legend of the mode colours with their fractions,
// and the caption naming system, policy, agents, step and time). Text with FreeType
// (text_overlay.h).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "render_offscreen/calf_scene.h"
#include "render_offscreen/camera.h"
#include "render_offscreen/image.h"
#include "render_offscreen/scene_renderer.h"
#include "render_offscreen/text_overlay.h"

namespace calf::render {

/// What the overlay says about the feed (constant over its frames).
struct AnnotationText {
  std::string system;  ///< e.g. "point_mass".
  std::string policy;  ///< e.g. "calf".
  double dt = 0.01;    ///< Seconds per step (the caption's time is step × dt).
};

/// Sizes of an annotated frame's parts, in pixels, for a width×height image.
struct AnnotationLayout {
  int font_px = 10;    ///< Text size: height / 40, from 10 to 64.
  int caption_px = 0;  ///< Height of the caption band at the top (caption + legend).
  int panel_px = 0;    ///< Width of the colour-bar panel at the right (0 without a bar).
  PixelRect scene;     ///< Where the scene's box is fitted (room for the tick labels kept).
};

/// The caption's first line: "<system> · <policy> · N = <agents> · step <step> · t = <s> s"
/// (time = step × dt, two decimals). Pure.
std::string AnnotationCaption(const AnnotationText& text, int64_t num_agents, int64_t step);

/// Percent of agents in each mode (certified, relax, fallback, nominal) of `modes`
/// (core::Mode values; unknown values count as nominal); all 0 when there are none. Pure.
std::array<double, 4> ModeShares(const std::vector<uint8_t>& modes);

/// The colour bar's five tick labels from `lo` (bottom) to `hi` (top), three significant
/// digits of the range, and the bar title's suffix: values of 10⁴ and above or below 10⁻²
/// are shown scaled, e.g. "2.23" with the suffix " (×10^6)", so labels stay short. Pure.
std::vector<std::string> ColourBarLabels(double lo, double hi, std::string* title_suffix);

/// The layout of a width×height annotated frame, with or without the colour bar. Pure.
AnnotationLayout LayoutAnnotation(int width, int height, bool colour_bar);

/// `options` set up for an annotated frame of `scene`: fit_view on, view_rect from
/// LayoutAnnotation. Pure.
RenderOptions AnnotatedRenderOptions(RenderOptions options, const CalfScene& scene);

/// Draws the overlay over frames rendered with AnnotatedRenderOptions. Holds the font.
/// Deterministic for one FreeType build. Not thread-safe.
class Annotator {
 public:
  /// `options` are the renderer's (after AnnotatedRenderOptions). Throws RenderError (exit 2)
  /// when the font cannot be loaded.
  Annotator(const RenderOptions& options, AnnotationText text);

  /// Draws the overlay of `scene` after global step `step` over `image` (the frame rendered
  /// from it, options().width × options().height).
  void Draw(const CalfScene& scene, int64_t step, Image* image);

 private:
  void DrawCaption(const CalfScene& scene, int64_t step, Image* image);
  void DrawAxes(const CalfScene& scene, Image* image);
  void DrawColourBar(const CalfScene& scene, Image* image);

  RenderOptions options_;
  AnnotationText text_;
  AnnotationLayout layout_;  // of the frame being drawn (the colour bar needs a surface)
  TextPainter painter_;
};

}  // namespace calf::render
