#include <catch2/catch.hpp>
#include <vector>

#include "core/error.h"
#include "core/visual/colormap.h"
#include "core/visual/surface.h"

namespace cv = calf::core::visual;

namespace {
cv::SurfaceOptions Grid3() {
  cv::SurfaceOptions o;
  o.grid = 3;
  o.extent = 5.0F;
  o.height_scale = 2.0F;
  o.epsilon = 0.5F;
  return o;
}
}  // namespace

TEST_CASE("Surface first frame normalises q squared by its own min and max", "[visual][surface]") {
  cv::HeatSurface s(Grid3());
  REQUIRE(s.HeightAt(0.0F, 0.0F) == Approx(0.5F));  // before any frame: epsilon
  std::vector<float> q = {0, 1, 2, 3, 4, 5, 6, 7, -8};
  s.Update(q.data(), 9);
  REQUIRE(s.ema_min() == 0.0F);
  REQUIRE(s.ema_max() == 64.0F);
  for (int i = 0; i < 9; ++i) {
    const float n = static_cast<float>(i * i) / 64.0F;
    REQUIRE(s.normalised()[i] == Approx(n));
    REQUIRE(s.heights()[i] == Approx(n * 2.0F + 0.5F));
    const cv::Rgb c = cv::HeatColor(s.normalised()[i]);
    REQUIRE(s.colors()[i * 4] == c.r);
    REQUIRE(s.colors()[i * 4 + 1] == c.g);
    REQUIRE(s.colors()[i * 4 + 2] == c.b);
    REQUIRE(s.colors()[i * 4 + 3] == Approx(0.6F));
  }
  // x fastest: index 5 is (ix 2, iv 1) = (5, 0)
  REQUIRE(s.positions()[5 * 3] == 5.0F);
  REQUIRE(s.positions()[5 * 3 + 1] == Approx(25.0F / 64.0F * 2.0F + 0.5F));
  REQUIRE(s.positions()[5 * 3 + 2] == 0.0F);
  REQUIRE(s.positions()[6 * 3] == -5.0F);
  REQUIRE(s.positions()[6 * 3 + 2] == 5.0F);
  REQUIRE(s.indices().size() == 4 * 6);
}

TEST_CASE("Surface min and max follow an EMA with alpha 0.1 and clamp outside values",
          "[visual][surface]") {
  cv::HeatSurface s(Grid3());
  std::vector<float> q1 = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  s.Update(q1.data(), 9);
  std::vector<float> q2 = {2, 3, 4, 5, 6, 7, 8, 9, 10};  // q² from 4 to 100
  s.Update(q2.data(), 9);
  const float lo = 0.9F * 0.0F + 0.1F * 4.0F;     // 0.4
  const float hi = 0.9F * 64.0F + 0.1F * 100.0F;  // 67.6
  REQUIRE(s.ema_min() == Approx(lo));
  REQUIRE(s.ema_max() == Approx(hi));
  REQUIRE(s.normalised()[0] == Approx((4.0F - lo) / (hi - lo)));
  REQUIRE(s.normalised()[5] == Approx((49.0F - lo) / (hi - lo)));
  REQUIRE(s.normalised()[7] == 1.0F);  // 81 > 67.6: clamped
  REQUIRE(s.normalised()[8] == 1.0F);
  REQUIRE(s.version() == 2);
}

TEST_CASE("Surface with constant q is flat at epsilon", "[visual][surface]") {
  cv::HeatSurface s(Grid3());
  std::vector<float> q(9, 3.0F);
  s.Update(q.data(), 9);
  for (float h : s.heights()) REQUIRE(h == Approx(0.5F));
}

TEST_CASE("Surface HeightAt interpolates bilinearly and clamps at the grid edges",
          "[visual][surface]") {
  cv::HeatSurface s(Grid3());
  std::vector<float> q = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  s.Update(q.data(), 9);
  const std::vector<float>& h = s.heights();
  // grid points
  REQUIRE(s.HeightAt(-5.0F, -5.0F) == Approx(h[0]));
  REQUIRE(s.HeightAt(0.0F, 0.0F) == Approx(h[4]));
  REQUIRE(s.HeightAt(5.0F, 5.0F) == Approx(h[8]));
  // (1, -3.5): gx = 1.2 -> cell ix 1, fx 0.2; gv = 0.3 -> cell iv 0, fv 0.3
  const float want =
      0.8F * 0.7F * h[1] + 0.2F * 0.7F * h[2] + 0.8F * 0.3F * h[4] + 0.2F * 0.3F * h[5];
  REQUIRE(s.HeightAt(1.0F, -3.5F) == Approx(want));
  // outside the grid: clamped to the edge
  REQUIRE(s.HeightAt(100.0F, 100.0F) == Approx(h[8]));
  REQUIRE(s.HeightAt(-100.0F, 2.5F) == Approx(0.5F * h[3] + 0.5F * h[6]));
  REQUIRE(s.HeightAt(2.5F, -9.0F) == Approx(0.5F * h[1] + 0.5F * h[2]));
}

TEST_CASE("Surface rejects a frame of the wrong size and a grid below 2", "[visual][surface]") {
  cv::HeatSurface s(Grid3());
  std::vector<float> q(8, 1.0F);
  REQUIRE_THROWS_AS(s.Update(q.data(), 8), calf::ConfigError);
  cv::SurfaceOptions o;
  o.grid = 1;
  REQUIRE_THROWS_AS(cv::HeatSurface(o), calf::ConfigError);
}

TEST_CASE("LiftToSurface places agents at the surface height plus the lift", "[visual][surface]") {
  cv::HeatSurface s(Grid3());
  std::vector<float> q = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  s.Update(q.data(), 9);
  const double states[6] = {1.0, -3.5, 9.0, 0.0, 0.0, 0.0};  // d = 3
  float xyz[6];
  cv::LiftToSurface(s, states, 3, 2, 0.1F, xyz);
  REQUIRE(xyz[0] == 1.0F);
  REQUIRE(xyz[1] == Approx(s.HeightAt(1.0F, -3.5F) + 0.1F));
  REQUIRE(xyz[2] == -3.5F);
  REQUIRE(xyz[3] == 0.0F);
  REQUIRE(xyz[4] == Approx(s.HeightAt(0.0F, 0.0F) + 0.1F));
  REQUIRE(xyz[5] == 0.0F);
}
