#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/visual/surface.h"
#include "core/visual/surface_batch.h"

namespace cv = calf::core::visual;

namespace {

// a surface with uneven random heights
cv::HeatSurface RandomSurface(int grid, uint32_t seed) {
  cv::SurfaceOptions o;
  o.grid = grid;
  o.extent = 5.0F;
  o.height_scale = 3.0F;
  o.epsilon = 0.01F;
  cv::HeatSurface s(o);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> q(-4.0F, 4.0F);
  std::vector<float> values(static_cast<size_t>(grid) * grid);
  for (auto& v : values) v = q(rng);
  s.Update(values.data(), static_cast<int64_t>(values.size()));
  return s;
}

void RequireMatchesScalar(const cv::HeatSurface& s, const std::vector<float>& x,
                          const std::vector<float>& v, int threads) {
  std::vector<float> out(x.size(), -1.0F);
  cv::HeightsAt(s, x.data(), v.data(), static_cast<int64_t>(x.size()), out.data(), threads);
  for (size_t i = 0; i < x.size(); ++i) {
    INFO("point " << i << " at (" << x[i] << ", " << v[i] << ")");
    REQUIRE(std::fabs(out[i] - s.HeightAt(x[i], v[i])) <= 1e-6F);
  }
}

}  // namespace

TEST_CASE("Batched heights equal the scalar interpolation at random interior points",
          "[visual][surface_batch]") {
  const cv::HeatSurface s = RandomSurface(21, 1);
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-5.0F, 5.0F);
  std::vector<float> x(5000), v(5000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = u(rng);
    v[i] = u(rng);
  }
  RequireMatchesScalar(s, x, v, 1);
  RequireMatchesScalar(s, x, v, 2);
}

TEST_CASE("Batched heights equal the scalar interpolation on edges, corners and grid nodes",
          "[visual][surface_batch]") {
  const cv::HeatSurface s = RandomSurface(7, 3);
  std::vector<float> x, v;
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < 7; ++j) {
      x.push_back(s.Coordinate(i));
      v.push_back(s.Coordinate(j));
    }
  }
  for (float e : {-5.0F, 5.0F}) {
    for (float t : {-5.0F, -1.3F, 0.0F, 2.2F, 5.0F}) {
      x.push_back(e);
      v.push_back(t);
      x.push_back(t);
      v.push_back(e);
    }
  }
  RequireMatchesScalar(s, x, v, 1);
  // nodes reproduce the grid heights exactly
  std::vector<float> out(49);
  cv::HeightsAt(s, x.data(), v.data(), 49, out.data());
  for (int k = 0; k < 49; ++k) {
    const int i = k / 7, j = k % 7;  // x index i, v index j
    REQUIRE(out[k] == Approx(s.heights()[j * 7 + i]).margin(1e-6));
  }
}

TEST_CASE("Batched heights clamp points outside the grid to its edge", "[visual][surface_batch]") {
  const cv::HeatSurface s = RandomSurface(9, 4);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {-100.0F, 100.0F, 7.0F, -6.0F, 0.5F, 1e30F, nan};
  std::vector<float> v = {-100.0F, 100.0F, 0.3F, 2.0F, 55.0F, -1e30F, 0.0F};
  RequireMatchesScalar(s, x, v, 1);
  std::vector<float> out(x.size());
  cv::HeightsAt(s, x.data(), v.data(), static_cast<int64_t>(x.size()), out.data());
  // far corners are the corner heights
  REQUIRE(out[0] == Approx(s.heights()[0]).margin(1e-6));
  REQUIRE(out[1] == Approx(s.heights()[80]).margin(1e-6));
  // beyond +x at v: same as on the +x edge
  REQUIRE(out[2] == Approx(s.HeightAt(5.0F, 0.3F)).margin(1e-6));
  REQUIRE(std::isfinite(out[6]));
}

TEST_CASE("Batched heights reproduce a surface that is linear in x and v",
          "[visual][surface_batch]") {
  // q² = 1 + ix + 2 iv is linear on the grid, so bilinear interpolation is exact
  cv::SurfaceOptions o;
  o.grid = 5;
  o.extent = 2.0F;
  o.height_scale = 1.0F;
  o.epsilon = 0.0F;
  cv::HeatSurface s(o);
  std::vector<float> q(25);
  for (int iv = 0; iv < 5; ++iv) {
    for (int ix = 0; ix < 5; ++ix) q[iv * 5 + ix] = std::sqrt(1.0F + ix + 2.0F * iv);
  }
  s.Update(q.data(), 25);
  // normalised = (ix + 2 iv) / 12 with ix = x + 2, iv = v + 2 (grid spacing 1)
  std::vector<float> x = {-2.0F, -0.5F, 0.25F, 1.75F, 3.0F};
  std::vector<float> v = {0.0F, 1.5F, -1.25F, 2.0F, -3.0F};
  std::vector<float> out(5);
  cv::HeightsAt(s, x.data(), v.data(), 5, out.data());
  for (int i = 0; i < 5; ++i) {
    const float cx = std::min(2.0F, std::max(-2.0F, x[i])) + 2.0F;
    const float cv_ = std::min(2.0F, std::max(-2.0F, v[i])) + 2.0F;
    REQUIRE(out[i] == Approx((cx + 2.0F * cv_) / 12.0F).margin(1e-6));
  }
}

TEST_CASE("Batched lifting matches LiftToSurface for every agent", "[visual][surface_batch]") {
  const cv::HeatSurface s = RandomSurface(15, 5);
  std::mt19937 rng(6);
  std::uniform_real_distribution<double> u(-6.0, 6.0);
  const int64_t n = 9000;  // above the parallel threshold
  std::vector<double> states(n * 3);
  for (auto& x : states) x = u(rng);
  std::vector<float> a(n * 3), b(n * 3), c(n * 3);
  cv::LiftToSurface(s, states.data(), 3, n, 0.05F, a.data());
  cv::LiftToSurfaceBatched(s, states.data(), 3, n, 0.05F, b.data(), 1);
  cv::LiftToSurfaceBatched(s, states.data(), 3, n, 0.05F, c.data(), 2);
  for (int64_t k = 0; k < n * 3; ++k) {
    REQUIRE(std::fabs(a[k] - b[k]) <= 1e-6F);
    REQUIRE(b[k] == c[k]);  // thread count does not change the result
  }
}
