#include "render_offscreen/annotation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/visual/colormap.h"

namespace calf::render {

namespace cv = core::visual;

namespace {

constexpr Rgb8 kInk = {30, 30, 36};
constexpr Rgb8 kMuted = {90, 90, 100};

Rgb8 ToRgb8(const cv::Rgb& c, float alpha = 1.0F) {
  // blended over the white background, as the translucent surface appears on screen
  const auto ch = [alpha](float v) {
    const float b = alpha * v + (1.0F - alpha);
    return static_cast<uint8_t>(std::lround(255.0F * std::clamp(b, 0.0F, 1.0F)));
  };
  return {ch(c.r), ch(c.g), ch(c.b)};
}

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// a disc like an agent's: a coloured centre with a dark outline
void DrawDisc(Image* image, int cx, int cy, int radius, Rgb8 fill) {
  for (int y = cy - radius; y <= cy + radius; ++y) {
    for (int x = cx - radius; x <= cx + radius; ++x) {
      if (x < 0 || y < 0 || x >= image->width || y >= image->height) continue;
      const float r = std::hypot(static_cast<float>(x - cx), static_cast<float>(y - cy)) /
                      static_cast<float>(radius);
      if (r > 1.0F) continue;
      const Rgb8 c = r > 0.65F ? Rgb8{13, 13, 13} : fill;
      uint8_t* p = image->at(x, y);
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
      p[3] = 255;
    }
  }
}

// tick spacing in state units: the smallest of 1, 2, 5, 10, ... leaving `min_px` between ticks
float TickStep(float px_per_unit, float min_px) {
  for (float s : {1.0F, 2.0F, 5.0F, 10.0F, 20.0F, 50.0F, 100.0F}) {
    if (s * px_per_unit >= min_px) return s;
  }
  return 100.0F;
}

}  // namespace

std::string AnnotationCaption(const AnnotationText& text, int64_t num_agents, int64_t step) {
  return text.system + " · " + text.policy + " · N = " + std::to_string(num_agents) + " · step " +
         std::to_string(step) + " · t = " + Format("%.2f", static_cast<double>(step) * text.dt) +
         " s";
}

std::array<double, 4> ModeShares(const std::vector<uint8_t>& modes) {
  std::array<double, 4> shares = {0.0, 0.0, 0.0, 0.0};
  if (modes.empty()) return shares;
  for (uint8_t m : modes) shares[std::min<int>(m, cv::kModeNominal)] += 1.0;
  for (double& s : shares) s *= 100.0 / static_cast<double>(modes.size());
  return shares;
}

std::vector<std::string> ColourBarLabels(double lo, double hi, std::string* title_suffix) {
  // scale large and tiny values by a power of ten so a label is a few characters
  const double largest = std::max(std::abs(lo), std::abs(hi));
  int exponent = 0;
  if (largest > 0.0 && std::isfinite(largest)) {
    const int e = static_cast<int>(std::floor(std::log10(largest)));
    if (e >= 4 || e <= -3) exponent = e;
  }
  const double scale = std::pow(10.0, -exponent);
  *title_suffix = exponent == 0 ? "" : " (×10^" + std::to_string(exponent) + ")";

  // as many decimals as the scaled range needs for three significant digits
  const double range = std::max(std::abs(hi - lo) * scale, 1e-30);
  const int decimals = std::clamp(2 - static_cast<int>(std::floor(std::log10(range))), 0, 8);
  const std::string format = "%." + std::to_string(decimals) + "f";
  std::vector<std::string> labels;
  for (int i = 0; i <= 4; ++i)
    labels.push_back(Format(format.c_str(), (lo + i / 4.0 * (hi - lo)) * scale));
  return labels;
}

AnnotationLayout LayoutAnnotation(int width, int height, bool colour_bar) {
  AnnotationLayout l;
  l.font_px = std::clamp(static_cast<int>(std::lround(height / 40.0)), 10, 64);
  const int f = l.font_px;
  l.caption_px = static_cast<int>(3.4 * f);
  l.panel_px = colour_bar ? static_cast<int>(6.5 * f) : 0;
  // room around the box for the tick labels and axis names
  const float inset = 3.2F * static_cast<float>(f);
  l.scene.x0 = inset;
  l.scene.x1 = static_cast<float>(width - l.panel_px) - (colour_bar ? 1.0F : 3.2F) * f;
  l.scene.y0 = static_cast<float>(l.caption_px) + 0.6F * static_cast<float>(f);
  l.scene.y1 = static_cast<float>(height) - inset;
  // a tiny image: keep a non-empty rectangle
  if (l.scene.x1 <= l.scene.x0 + 1.0F) l.scene.x1 = l.scene.x0 + 1.0F;
  if (l.scene.y1 <= l.scene.y0 + 1.0F) l.scene.y1 = l.scene.y0 + 1.0F;
  return l;
}

RenderOptions AnnotatedRenderOptions(RenderOptions options, const CalfScene& scene) {
  options.fit_view = true;
  options.view_rect = LayoutAnnotation(options.width, options.height, scene.has_surface()).scene;
  return options;
}

Annotator::Annotator(const RenderOptions& options, AnnotationText text)
    : options_(options), text_(std::move(text)) {}

void Annotator::Draw(const CalfScene& scene, int64_t step, Image* image) {
  layout_ = LayoutAnnotation(options_.width, options_.height, scene.has_surface());
  DrawAxes(scene, image);
  if (scene.has_surface()) DrawColourBar(scene, image);
  DrawCaption(scene, step, image);
}

void Annotator::DrawCaption(const CalfScene& scene, int64_t step, Image* image) {
  const int f = layout_.font_px;
  const int x0 = static_cast<int>(0.8 * f);

  // line 1: what is shown
  painter_.Draw(image, x0, static_cast<int>(1.35 * f),
                AnnotationCaption(text_, scene.num_agents(), step), f, kInk);

  // line 2: the legend of the mode colours with the share of agents in each mode
  const std::array<double, 4> shares = ModeShares(scene.modes());
  const char* names[4] = {"certified", "relax", "fallback", "nominal"};
  const uint8_t order[4] = {cv::kModeCertified, cv::kModeRelax, cv::kModeFallback,
                            cv::kModeNominal};
  const int baseline = static_cast<int>(2.85 * f);
  const int radius = std::max(3, static_cast<int>(0.38 * f));
  int x = x0;
  for (int k = 0; k < 4; ++k) {
    const uint8_t m = order[k];
    DrawDisc(image, x + radius, baseline - static_cast<int>(0.35 * f), radius,
             ToRgb8(cv::ModeColor(m)));
    x += 2 * radius + static_cast<int>(0.35 * f);
    const std::string label = std::string(names[k]) + " " + Format("%.0f", shares[m]) + "%";
    painter_.Draw(image, x, baseline, label, f, kInk);
    x += painter_.Measure(label, f) + f;
  }
  if (scene.laid_out()) return;  // no goal marker is drawn
  DrawDisc(image, x + radius, baseline - static_cast<int>(0.35 * f), radius, Rgb8{255, 26, 153});
  x += 2 * radius + static_cast<int>(0.35 * f);
  painter_.Draw(image, x, baseline, "goal", f, kInk);
}

void Annotator::DrawAxes(const CalfScene& scene, Image* image) {
  if (scene.laid_out()) return;  // agents in cells: the floor has no one coordinate system
  const int f = layout_.font_px;
  const int w = options_.width, h = options_.height;
  const Eigen::Matrix4f vp = SceneViewProjection(options_);
  const float e = options_.bounds.extent;
  const std::array<float, 2> origin = scene.FloorOrigin();
  const std::vector<std::string>& names = scene.spec().state_names;
  const auto px = [&](float x, float z) { return ProjectToPixel(vp, w, h, x, 0.0F, z); };
  const Eigen::Vector2f centre = px(0.0F, 0.0F);

  // axis k: 0 = first state coordinate along world X, 1 = second along world Z
  for (int k = 0; k < 2; ++k) {
    // the edge of the two parallel ones lower on screen (then further left) carries the ticks
    const Eigen::Vector2f a = k == 0 ? px(0.0F, e) : px(e, 0.0F);
    const Eigen::Vector2f b = k == 0 ? px(0.0F, -e) : px(-e, 0.0F);
    const float side =
        std::abs(a.y() - b.y()) > 1.0F ? (a.y() > b.y() ? e : -e) : (a.x() < b.x() ? e : -e);
    const auto at = [&](float t) { return k == 0 ? px(t, side) : px(side, t); };
    const float px_per_unit = (at(e) - at(-e)).norm() / (2.0F * e);
    const float step = TickStep(px_per_unit, 2.6F * static_cast<float>(f));

    // labels pushed outward from the grid's centre in the image
    const auto outward = [&](const Eigen::Vector2f& p) {
      const Eigen::Vector2f d = p - centre;
      return d.norm() > 1e-3F ? Eigen::Vector2f(d / d.norm()) : Eigen::Vector2f(0.0F, 1.0F);
    };
    const Eigen::Vector2f mid = at(0.0F);
    const Eigen::Vector2f out_dir = outward(mid);
    const int ascent = painter_.Ascent(f);
    const float first = std::ceil((-e + origin[k]) / step) * step;
    for (float v = first; v <= e + origin[k] + 1e-4F; v += step) {
      const Eigen::Vector2f p = at(v - origin[k]);
      const Eigen::Vector2f q = p + 1.1F * static_cast<float>(f) * out_dir;
      const std::string label = Format("%g", std::abs(v) < 1e-6F ? 0.0 : v);
      painter_.Draw(image, static_cast<int>(std::lround(q.x())),
                    static_cast<int>(std::lround(q.y())) + ascent / 2, label, f, kMuted,
                    TextAlign::kCenter);
    }
    const Eigen::Vector2f n = mid + 2.4F * static_cast<float>(f) * out_dir;
    const std::string name = k < static_cast<int>(names.size()) ? names[k] : (k == 0 ? "x" : "y");
    painter_.Draw(image, static_cast<int>(std::lround(n.x())),
                  static_cast<int>(std::lround(n.y())) + ascent / 2, name,
                  static_cast<int>(1.2 * f), kInk, TextAlign::kCenter);
  }
}

void Annotator::DrawColourBar(const CalfScene& scene, Image* image) {
  const int f = layout_.font_px;
  const int x0 = options_.width - layout_.panel_px + static_cast<int>(0.6 * f);
  const int bar_w = static_cast<int>(1.2 * f);
  const int y0 = layout_.caption_px + static_cast<int>(2.2 * f);
  const int y1 = options_.height - static_cast<int>(1.6 * f);
  if (y1 - y0 < 4) return;
  painter_.Draw(image, x0, layout_.caption_px + static_cast<int>(1.0 * f), "critic q²", f, kInk);

  // the heat map from the top (high q², red) to the bottom, as the surface shows it
  const float alpha = scene.surface().options().alpha;
  for (int y = y0; y < y1; ++y) {
    const float t = 1.0F - (static_cast<float>(y - y0) + 0.5F) / static_cast<float>(y1 - y0);
    FillRect(image, x0, y, x0 + bar_w, y + 1, ToRgb8(cv::HeatColor(t), alpha));
  }
  FillRect(image, x0 - 1, y0 - 1, x0 + bar_w + 1, y0, kMuted);
  FillRect(image, x0 - 1, y1, x0 + bar_w + 1, y1 + 1, kMuted);
  FillRect(image, x0 - 1, y0, x0, y1, kMuted);
  FillRect(image, x0 + bar_w, y0, x0 + bar_w + 1, y1, kMuted);

  // ticks: the smoothed q² range the surface is normalised by
  std::string suffix;
  const std::vector<std::string> labels =
      ColourBarLabels(scene.surface().ema_min(), scene.surface().ema_max(), &suffix);
  if (!suffix.empty()) {
    painter_.Draw(image, x0, layout_.caption_px + static_cast<int>(2.0 * f) - 2, suffix.substr(1),
                  static_cast<int>(0.8 * f), kMuted);
  }
  const int ascent = painter_.Ascent(f);
  for (int i = 0; i <= 4; ++i) {
    const int y = y1 - static_cast<int>(std::lround(i / 4.0 * (y1 - y0)));
    FillRect(image, x0 + bar_w, y, x0 + bar_w + static_cast<int>(0.3 * f), y + 1, kMuted);
    painter_.Draw(image, x0 + bar_w + static_cast<int>(0.45 * f), y + ascent / 2 - 1, labels[i], f,
                  kMuted);
  }
}

}  // namespace calf::render
