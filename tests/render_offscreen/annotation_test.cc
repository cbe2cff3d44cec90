#include "render_offscreen/annotation.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/visual/colormap.h"
#include "render_offscreen/camera.h"
#include "render_offscreen/scene_feed.h"
#include "render_offscreen/scene_renderer.h"
#include "render_offscreen/text_overlay.h"
#include "tests/render_offscreen/render_test_context.h"

using calf::render::testing::TestContext;
namespace cc = calf::core;
namespace cr = calf::render;
namespace cv = calf::core::visual;

namespace {

// pixels darker than `level` in every channel inside [x0, x1) × [y0, y1)
int DarkPixels(const cr::Image& img, int x0, int y0, int x1, int y1, int level = 120) {
  int n = 0;
  for (int y = std::max(y0, 0); y < std::min(y1, img.height); ++y) {
    for (int x = std::max(x0, 0); x < std::min(x1, img.width); ++x) {
      const uint8_t* p = img.at(x, y);
      if (p[0] < level && p[1] < level && p[2] < level) ++n;
    }
  }
  return n;
}

int NotWhite(const cr::Image& img, const cr::PixelRect& r) {
  int n = 0;
  for (int y = static_cast<int>(r.y0); y < static_cast<int>(r.y1); ++y) {
    for (int x = static_cast<int>(r.x0); x < static_cast<int>(r.x1); ++x) {
      const uint8_t* p = img.at(x, y);
      if (p[0] != 255 || p[1] != 255 || p[2] != 255) ++n;
    }
  }
  return n;
}

// q = x over the plane: a critic head with a value known in closed form
cc::Mlp LinearHead() {
  cc::DenseLayer layer;
  layer.weight = Eigen::MatrixXf::Zero(1, 3);
  layer.weight(0, 0) = 1.0F;
  layer.bias = Eigen::VectorXf::Zero(1);
  return cc::Mlp({layer});
}

}  // namespace

TEST_CASE("Text drawn with FreeType darkens pixels only near its box", "[render][annotate]") {
  cr::TextPainter painter;
  cr::Image img(200, 60, 255, 255, 255, 255);
  const int width = painter.Measure("calf 42", 20);
  CHECK(width > painter.Measure("calf", 20));
  CHECK(painter.Measure("calf", 40) > painter.Measure("calf", 20));
  painter.Draw(&img, 10, 40, "calf 42", 20, {0, 0, 0});
  // glyphs sit between the ascent above the baseline and a descent below it
  CHECK(DarkPixels(img, 10, 40 - painter.Ascent(20), 10 + width + 2, 46) > 40);
  CHECK(DarkPixels(img, 0, 0, 200, 40 - painter.Ascent(20) - 1) == 0);
  CHECK(DarkPixels(img, 10 + width + 3, 0, 200, 60) == 0);
  // right alignment ends the text at x
  cr::Image right(200, 60, 255, 255, 255, 255);
  painter.Draw(&right, 190, 40, "calf 42", 20, {0, 0, 0}, cr::TextAlign::kRight);
  CHECK(DarkPixels(right, 0, 0, 190 - width - 1, 60) == 0);
  CHECK(DarkPixels(right, 190 - width, 0, 191, 60) > 40);
  // metrics follow the size asked, whatever size the glyph cache last used
  const int ascent20 = painter.Ascent(20);
  painter.Measure("H", 40);
  CHECK(painter.Ascent(20) == ascent20);
  CHECK(painter.Ascent(40) > ascent20);
}

TEST_CASE("A font that cannot be loaded is an exit-2 error naming the file", "[render][annotate]") {
  try {
    cr::TextPainter painter("/nonexistent/font.ttf");
    FAIL("no error");
  } catch (const calf::RenderError& e) {
    CHECK(e.code() == calf::ExitCode::kUsage);
    CHECK(std::string(e.what()).find("/nonexistent/font.ttf") != std::string::npos);
  }
}

TEST_CASE("UTF-8 decodes to code points, bad bytes to U+FFFD", "[render][annotate]") {
  CHECK(cr::DecodeUtf8("q\xC2\xB2 \xC2\xB7") == std::vector<char32_t>{U'q', 0xB2, U' ', 0xB7});
  CHECK(cr::DecodeUtf8("\xE2\x80\x94") == std::vector<char32_t>{0x2014});
  CHECK(cr::DecodeUtf8("a\xFF") == std::vector<char32_t>{U'a', 0xFFFD});
  CHECK(cr::DecodeUtf8("\xC2") == std::vector<char32_t>{0xFFFD});
}

TEST_CASE("The fitted camera puts the box inside the rectangle, touching two sides",
          "[render][annotate]") {
  const cr::SceneBounds bounds{5.0F, 3.0F};
  for (const cr::CameraPreset preset : {cr::CameraPreset::kIso, cr::CameraPreset::kTop}) {
    for (const auto& size : {std::pair<int, int>{1280, 720}, {640, 360}, {400, 600}}) {
      const int w = size.first, h = size.second;
      const cr::PixelRect rect{0.1F * w, 0.2F * h, 0.8F * w, 0.95F * h};
      const Eigen::Matrix4f vp = cr::FittedViewProjection(preset, w, h, bounds, rect);
      float lo[2] = {1e9F, 1e9F}, hi[2] = {-1e9F, -1e9F};
      for (int c = 0; c < 8; ++c) {
        const Eigen::Vector2f p = cr::ProjectToPixel(vp, w, h, (c & 1) ? 5.0F : -5.0F,
                                                     (c & 2) ? 3.0F : 0.0F, (c & 4) ? 5.0F : -5.0F);
        for (int k = 0; k < 2; ++k) {
          lo[k] = std::min(lo[k], p[k]);
          hi[k] = std::max(hi[k], p[k]);
        }
      }
      INFO(cr::CameraPresetName(preset) << " " << w << "x" << h);
      CHECK(lo[0] >= rect.x0 - 0.5F);
      CHECK(hi[0] <= rect.x1 + 0.5F);
      CHECK(lo[1] >= rect.y0 - 0.5F);
      CHECK(hi[1] <= rect.y1 + 0.5F);
      const bool fills_width = std::abs((hi[0] - lo[0]) - (rect.x1 - rect.x0)) < 0.5F;
      const bool fills_height = std::abs((hi[1] - lo[1]) - (rect.y1 - rect.y0)) < 0.5F;
      CHECK((fills_width || fills_height));
      // centred
      CHECK(std::abs(0.5F * (lo[0] + hi[0]) - 0.5F * (rect.x0 + rect.x1)) < 0.5F);
      CHECK(std::abs(0.5F * (lo[1] + hi[1]) - 0.5F * (rect.y0 + rect.y1)) < 0.5F);
    }
  }
}

TEST_CASE("Colour-bar labels stay short: three digits, large and tiny ranges scaled",
          "[render][annotate]") {
  std::string suffix;
  CHECK(cr::ColourBarLabels(0.0, 0.573, &suffix) ==
        std::vector<std::string>{"0.000", "0.143", "0.286", "0.430", "0.573"});
  CHECK(suffix.empty());
  CHECK(cr::ColourBarLabels(534.0, 2229144.0, &suffix) ==
        std::vector<std::string>{"0.00", "0.56", "1.11", "1.67", "2.23"});
  CHECK(suffix == " (×10^6)");
  CHECK(cr::ColourBarLabels(0.0, 0.0004, &suffix).back() == "4.00");
  CHECK(suffix == " (×10^-4)");
  CHECK(cr::ColourBarLabels(1.0, 1.0, &suffix).front() == "1.00000000");
}

TEST_CASE("Captions name system, policy, agents, step and time; shares sum to 100",
          "[render][annotate]") {
  const cr::AnnotationText text{"point_mass", "calf", 0.01};
  CHECK(cr::AnnotationCaption(text, 20, 500) ==
        "point_mass · calf · N = 20 · step 500 · t = 5.00 s");
  const std::array<double, 4> s = cr::ModeShares({0, 0, 1, 2, 3, 3, 3, 7});
  CHECK(s[0] == Approx(25.0));
  CHECK(s[1] == Approx(12.5));
  CHECK(s[2] == Approx(12.5));
  CHECK(s[3] == Approx(50.0));  // 7 is unknown: counted as nominal
  CHECK(cr::ModeShares({}) == std::array<double, 4>{0.0, 0.0, 0.0, 0.0});
}

TEST_CASE(
    "Annotated frames frame the scene larger and add a caption and a colour bar; bare "
    "frames are the renderer's own",
    "[render][annotate]") {
  TestContext();
  const cc::env::EnvSpec& spec = cc::env::FindSpec("point_mass");
  cr::CalfSceneOptions so;
  so.trail_length = 10;
  cr::CalfScene scene(spec, 4, so);
  scene.SetCritic({LinearHead()});
  const std::vector<float> states = {-3.0F, 1.0F, 0.0F, 0.0F, 2.0F, -2.0F, 4.0F, 3.0F};
  scene.Start(states.data());
  const std::vector<uint8_t> modes = {0, 1, 2, 3};
  scene.Advance(states.data(), modes.data(), nullptr);

  cr::RenderOptions ro;
  ro.width = 640;
  ro.height = 360;
  cr::FeedInfo info{scene.Bounds(), "live", "0", 4, &scene, "point_mass", "calf", 0.01};
  cr::Image bare, annotated, reference;
  cr::FeedRenderer(ro, info, false).Render(scene, 1, &bare);
  cr::FeedRenderer(ro, info, true).Render(scene, 1, &annotated);
  ro.bounds = scene.Bounds();
  cr::SceneRenderer(ro, TestContext()).Render(scene.Frame(), &reference);
  CHECK(bare.pixels == reference.pixels);
  // a renderer's second frame of the same scene is its first (no state leaks between frames)
  cr::FeedRenderer twice(ro, info, true);
  cr::Image first, second;
  twice.Render(scene, 1, &first);
  twice.Render(scene, 1, &second);
  CHECK(first.pixels == second.pixels);
  REQUIRE(annotated.SameSize(bare));
  CHECK(annotated.pixels != bare.pixels);

  const cr::AnnotationLayout l = cr::LayoutAnnotation(640, 360, true);
  // the caption band holds dark text; the bare frame has none there
  CHECK(DarkPixels(annotated, 0, 0, 640, l.caption_px) > 100);
  CHECK(DarkPixels(bare, 0, 0, 640, l.caption_px) == 0);
  // the scene fills more of its rectangle than the preset's loose framing does
  CHECK(NotWhite(annotated, l.scene) > NotWhite(bare, l.scene) * 5 / 4);
  // the colour bar runs from the top value's colour to the bottom's (over white, alpha 0.6)
  const int bar_x = 640 - l.panel_px + static_cast<int>(0.6 * l.font_px) + l.font_px / 2;
  const uint8_t* top = annotated.at(bar_x, l.caption_px + static_cast<int>(2.2 * l.font_px) + 2);
  const uint8_t* bottom = annotated.at(bar_x, 360 - static_cast<int>(1.6 * l.font_px) - 2);
  const cv::Rgb red = cv::HeatColor(1.0F), violet = cv::HeatColor(0.0F);
  CHECK(std::abs(top[0] - std::lround(255 * (0.6 * red.r + 0.4))) <= 2);
  CHECK(std::abs(top[1] - std::lround(255 * (0.6 * red.g + 0.4))) <= 12);
  CHECK(std::abs(bottom[0] - std::lround(255 * (0.6 * violet.r + 0.4))) <= 2);
  CHECK(std::abs(bottom[2] - std::lround(255 * (0.6 * violet.b + 0.4))) <= 2);
}
