#include <catch2/catch.hpp>
#include <cmath>

#include "core/sim/state.h"
#include "core/visual/colormap.h"

namespace cv = calf::core::visual;

namespace {
void RequireColor(float value, float r, float g, float b) {
  INFO("value " << value);
  const cv::Rgb c = cv::HeatColor(value);
  REQUIRE(c.r == Approx(r).margin(1e-5));
  REQUIRE(c.g == Approx(g).margin(1e-5));
  REQUIRE(c.b == Approx(b).margin(1e-5));
}
}  // namespace

TEST_CASE("Heat map gives the flat band colours at band centres and lower edges",
          "[visual][colormap]") {
  RequireColor(0.0F, 0.78F, 0.59F, 1.0F);
  RequireColor(0.04F, 0.78F, 0.59F, 1.0F);
  RequireColor(0.0799F, 0.78F, 0.59F, 1.0F);
  RequireColor(0.08F, 0.39F, 0.20F, 0.71F);
  RequireColor(0.12F, 0.39F, 0.20F, 0.71F);
  RequireColor(0.16F, 0.39F, 0.59F, 1.0F);
  RequireColor(0.20F, 0.39F, 0.59F, 1.0F);
  RequireColor(0.24F, 0.0F, 0.0F, 0.71F);
  RequireColor(0.28F, 0.0F, 0.0F, 0.71F);
  RequireColor(0.32F, 0.0F, 0.78F, 1.0F);
  RequireColor(0.385F, 0.0F, 0.78F, 1.0F);
}

TEST_CASE("Heat map interpolates inside the green, yellow, orange and red bands",
          "[visual][colormap]") {
  RequireColor(0.45F, 0.0F, 1.0F, 1.0F);     // green, t = 0
  RequireColor(0.525F, 0.0F, 1.0F, 0.5F);    // green, t = 0.5
  RequireColor(0.6F, 0.0F, 1.0F, 0.0F);      // yellow, t = 0
  RequireColor(0.675F, 0.5F, 1.0F, 0.0F);    // yellow, t = 0.5
  RequireColor(0.75F, 1.0F, 1.0F, 0.0F);     // orange, t = 0
  RequireColor(0.8125F, 1.0F, 0.75F, 0.0F);  // orange, t = 0.5
  RequireColor(0.875F, 1.0F, 0.5F, 0.0F);    // red, t = 0
  RequireColor(0.9375F, 1.0F, 0.25F, 0.0F);  // red, t = 0.5
  RequireColor(1.0F, 1.0F, 0.0F, 0.0F);      // red, t = 1
}

TEST_CASE("Heat map clamps values outside [0, 1] and treats NaN as 0", "[visual][colormap]") {
  RequireColor(-3.0F, 0.78F, 0.59F, 1.0F);
  RequireColor(7.0F, 1.0F, 0.0F, 0.0F);
  RequireColor(std::nanf(""), 0.78F, 0.59F, 1.0F);
}

TEST_CASE("Mode colours follow the spec and use core's mode numbers", "[visual][colormap]") {
  using calf::core::Mode;
  STATIC_REQUIRE(static_cast<uint8_t>(Mode::kCertified) == cv::kModeCertified);
  STATIC_REQUIRE(static_cast<uint8_t>(Mode::kRelax) == cv::kModeRelax);
  STATIC_REQUIRE(static_cast<uint8_t>(Mode::kFallback) == cv::kModeFallback);
  STATIC_REQUIRE(static_cast<uint8_t>(Mode::kNominal) == cv::kModeNominal);
  struct Case {
    uint8_t mode;
    bool training;
    float r, g, b;
  };
  const Case cases[] = {{0, false, 0.3F, 0.7F, 1.0F}, {1, false, 0.2F, 0.8F, 0.3F},
                        {2, false, 0.9F, 0.2F, 0.2F}, {3, false, 0.6F, 0.6F, 0.6F},
                        {0, true, 1.0F, 0.9F, 0.0F},  {1, true, 0.2F, 0.8F, 0.3F},
                        {9, false, 0.6F, 0.6F, 0.6F}};
  for (const Case& c : cases) {
    INFO("mode " << int(c.mode) << " training " << c.training);
    const cv::Rgb got = cv::ModeColor(c.mode, c.training);
    REQUIRE(got.r == c.r);
    REQUIRE(got.g == c.g);
    REQUIRE(got.b == c.b);
    const cv::Rgb table = cv::TrailColorTable()[cv::TrailColorIndex(c.mode, c.training)];
    REQUIRE(table.r == c.r);
  }
}
