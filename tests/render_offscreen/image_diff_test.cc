#include "render_offscreen/image_diff.h"

#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>

#include "core/error.h"

using calf::render::DiffImages;
using calf::render::DiffOptions;
using calf::render::DiffResult;
using calf::render::Image;

namespace {

// Independent YIQ distance of two opaque colours (Kotsarenko & Ramos weights, NTSC matrix).
double YiqDelta(double r1, double g1, double b1, double r2, double g2, double b2) {
  const double dr = r1 - r2, dg = g1 - g2, db = b1 - b2;
  const double y = 0.29889531 * dr + 0.58662247 * dg + 0.11448223 * db;
  const double i = 0.59597799 * dr - 0.27417610 * dg - 0.32180189 * db;
  const double q = 0.21147017 * dr - 0.52261711 * dg + 0.31114694 * db;
  return 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q;
}

void Fill(Image* image, int x0, int x1, uint8_t r, uint8_t g, uint8_t b, uint8_t a = 255) {
  for (int y = 0; y < image->height; ++y) {
    for (int x = x0; x <= x1; ++x) {
      uint8_t* p = image->at(x, y);
      p[0] = r;
      p[1] = g;
      p[2] = b;
      p[3] = a;
    }
  }
}

void SetPixel(Image* image, int x, int y, uint8_t r, uint8_t g, uint8_t b, uint8_t a = 255) {
  uint8_t* p = image->at(x, y);
  p[0] = r;
  p[1] = g;
  p[2] = b;
  p[3] = a;
}

// A white image with a vertical black band [band_x0, band_x1], anti-aliased by one grey
// column on each side.
Image Band(int width, int height, int band_x0, int band_x1) {
  Image image(width, height, 255, 255, 255);
  Fill(&image, band_x0 - 1, band_x0 - 1, 128, 128, 128);
  Fill(&image, band_x0, band_x1, 0, 0, 0);
  Fill(&image, band_x1 + 1, band_x1 + 1, 128, 128, 128);
  return image;
}

// Grey value pixelmatch draws for an unchanged pixel: luminance faded toward white.
uint8_t ExpectedGrey(int r, int g, int b, int a, double alpha = 0.1) {
  const double y = 0.29889531 * r + 0.58662247 * g + 0.11448223 * b;
  return static_cast<uint8_t>(255.0 + (y - 255.0) * alpha * a / 255.0);
}

}  // namespace

TEST_CASE("Identical images have no differing pixels", "[render][diff]") {
  Image a(40, 30, 200, 100, 50);
  SetPixel(&a, 3, 4, 0, 0, 0);
  Image out;
  const DiffResult r = DiffImages(a, a, {}, &out);
  CHECK_FALSE(r.size_mismatch);
  CHECK(r.diff_pixels == 0);
  CHECK(r.aa_pixels == 0);
  CHECK(r.total_pixels == 40 * 30);
  CHECK(r.width == 40);
  CHECK(r.height == 30);
  CHECK(r.Ratio() == 0.0);
  REQUIRE(out.SameSize(a));
  // unchanged pixels: the expected image in grey, faded toward white
  const uint8_t grey = ExpectedGrey(200, 100, 50, 255);
  CHECK(int{grey} == 241);
  CHECK(int{out.at(0, 0)[0]} == grey);
  CHECK(int{out.at(39, 29)[2]} == grey);
  CHECK(int{out.at(39, 29)[3]} == 255);
  CHECK(int{out.at(3, 4)[0]} == ExpectedGrey(0, 0, 0, 255));
}

TEST_CASE("One changed pixel in a flat image is one difference drawn in red", "[render][diff]") {
  const Image a(16, 16, 10, 20, 30);
  Image b = a;
  SetPixel(&b, 7, 9, 250, 20, 30);
  Image out;
  const DiffResult r = DiffImages(a, b, {}, &out);
  CHECK(r.diff_pixels == 1);
  CHECK(r.aa_pixels == 0);
  CHECK(r.total_pixels == 256);
  CHECK(r.Ratio() == Approx(1.0 / 256));
  const uint8_t* p = out.at(7, 9);
  CHECK((int{p[0]} == 255 && p[1] == 0 && p[2] == 0 && p[3] == 255));
  CHECK(int{out.at(6, 9)[0]} == ExpectedGrey(10, 20, 30, 255));
  // the comparison is symmetric for this pair
  CHECK(DiffImages(b, a).diff_pixels == 1);
}

TEST_CASE("A colour change just above the threshold differs, just below does not",
          "[render][diff]") {
  const Image a(9, 9, 100, 150, 200);
  Image b = a;
  SetPixel(&b, 4, 4, 110, 141, 188);
  const double delta = YiqDelta(100, 150, 200, 110, 141, 188);
  // threshold at which 35215 * t^2 equals this pixel's delta
  const double t_edge = std::sqrt(delta / 35215.0);
  REQUIRE(t_edge > 0.01);
  REQUIRE(t_edge < 0.2);
  DiffOptions options;
  options.threshold = t_edge * (1.0 - 1e-6);
  CHECK(DiffImages(a, b, options).diff_pixels == 1);
  options.threshold = t_edge * (1.0 + 1e-6);
  CHECK(DiffImages(a, b, options).diff_pixels == 0);
  // threshold 0 flags any change, threshold 1 (almost) none
  options.threshold = 0.0;
  CHECK(DiffImages(a, b, options).diff_pixels == 1);
  options.threshold = 1.0;
  CHECK(DiffImages(a, b, options).diff_pixels == 0);
}

TEST_CASE("The default threshold is 0.1, i.e. a squared YIQ distance of 352.15", "[render][diff]") {
  // grey steps: delta(d) = (0.5053 * 1.00000001^2) d^2 ~= 0.5053 d^2 crosses 352.15 at d ~ 26.4
  const Image a(5, 5, 100, 100, 100);
  Image b26 = a, b27 = a;
  SetPixel(&b26, 2, 2, 126, 126, 126);
  SetPixel(&b27, 2, 2, 127, 127, 127);
  REQUIRE(YiqDelta(100, 100, 100, 126, 126, 126) < 352.15);
  REQUIRE(YiqDelta(100, 100, 100, 127, 127, 127) > 352.15);
  CHECK(DiffImages(a, b26).diff_pixels == 0);
  CHECK(DiffImages(a, b27).diff_pixels == 1);
  // darker changes count the same (the sign only encodes direction)
  Image darker = a;
  SetPixel(&darker, 2, 2, 73, 73, 73);
  CHECK(DiffImages(a, darker).diff_pixels == 1);
}

TEST_CASE("An anti-aliased band shifted by one pixel is anti-aliasing, not a difference",
          "[render][diff]") {
  const int h = 10;
  const Image a = Band(16, h, 5, 7);
  const Image b = Band(16, h, 6, 8);
  Image out;
  const DiffResult r = DiffImages(a, b, {}, &out);
  // changed columns: 4 (grey->white), 5 (black->grey), 8 (grey->black), 9 (white->grey)
  CHECK(r.diff_pixels == 0);
  CHECK(r.aa_pixels == 4 * h);
  const uint8_t* p = out.at(5, 3);
  CHECK((int{p[0]} == 255 && p[1] == 255 && p[2] == 0));

  DiffOptions include_aa;
  include_aa.include_aa = true;
  const DiffResult all = DiffImages(a, b, include_aa, &out);
  CHECK(all.diff_pixels == 4 * h);
  CHECK(all.aa_pixels == 0);
  p = out.at(5, 3);
  CHECK((int{p[0]} == 255 && p[1] == 0 && p[2] == 0));
}

TEST_CASE("A shifted 1-pixel line is mostly differences (known pixelmatch weakness)",
          "[render][diff]") {
  // e.g. at column 5 the expected pixel is black with only brighter (grey) neighbours, so it is
  // no edge, and the actual grey pixel's extreme neighbours are not flat in both images
  const Image a = Band(16, 8, 5, 5);
  const Image b = Band(16, 8, 6, 6);
  const DiffResult r = DiffImages(a, b);
  CHECK(r.diff_pixels > 0);
  CHECK(r.diff_pixels + r.aa_pixels == 4 * 8);
}

TEST_CASE("Transparent pixels are compared as blended over white", "[render][diff]") {
  DiffOptions exact;
  exact.threshold = 0.0;
  // fully transparent red is white
  const Image white(6, 6, 255, 255, 255, 255);
  const Image clear_red(6, 6, 255, 0, 0, 0);
  CHECK(DiffImages(white, clear_red, exact).diff_pixels == 0);
  CHECK(DiffImages(clear_red, white, exact).diff_pixels == 0);
  // but opaque red is not
  const Image red(6, 6, 255, 0, 0, 255);
  CHECK(DiffImages(white, red, exact).diff_pixels == 36);
  // half-transparent black is mid grey: 255 + (0 - 255) * 128/255 = 127
  const Image half_black(6, 6, 0, 0, 0, 128);
  const Image grey127(6, 6, 127, 127, 127, 255);
  DiffOptions tight;
  tight.threshold = 0.001;
  CHECK(DiffImages(half_black, grey127, tight).diff_pixels == 0);
  const Image grey140(6, 6, 140, 140, 140, 255);
  CHECK(DiffImages(half_black, grey140, tight).diff_pixels == 36);
}

TEST_CASE("Images of different sizes are reported as a size mismatch", "[render][diff]") {
  const Image a(10, 10), b(10, 11);
  Image out(3, 3);
  const DiffResult r = DiffImages(a, b, {}, &out);
  CHECK(r.size_mismatch);
  CHECK(r.diff_pixels == 0);
  CHECK(r.total_pixels == 0);
  CHECK(r.width == 10);
  CHECK(r.height == 10);
  CHECK(r.actual_width == 10);
  CHECK(r.actual_height == 11);
  CHECK(out.pixels.empty());
}

TEST_CASE("Thresholds outside [0, 1] are rejected", "[render][diff]") {
  const Image a(2, 2);
  DiffOptions options;
  options.threshold = 1.5;
  CHECK_THROWS_AS(DiffImages(a, a, options), calf::ConfigError);
  options.threshold = -0.1;
  CHECK_THROWS_AS(DiffImages(a, a, options), calf::ConfigError);
  options.threshold = std::nan("");
  CHECK_THROWS_AS(DiffImages(a, a, options), calf::ConfigError);
}

TEST_CASE("Diff counts and output do not depend on the thread count", "[render][diff]") {
  // a noisy image pair with edges so that both AA and real differences occur
  const int w = 97, h = 61;
  Image a(w, h), b(w, h);
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 24;
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const uint8_t v = (x / 7 + y / 5) % 2 == 0 ? 30 : 220;
      SetPixel(&a, x, y, v, v, v);
      const bool change = next() < 20;
      const uint8_t u = change ? static_cast<uint8_t>(next()) : v;
      SetPixel(&b, x, y, u, v, u);
    }
  }
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  Image out1;
  const DiffResult r1 = DiffImages(a, b, {}, &out1);
  omp_set_num_threads(3);
  Image out3;
  const DiffResult r3 = DiffImages(a, b, {}, &out3);
  omp_set_num_threads(saved);
  CHECK(r1.diff_pixels > 0);
  CHECK(r1.diff_pixels == r3.diff_pixels);
  CHECK(r1.aa_pixels == r3.aa_pixels);
  CHECK(out1.pixels == out3.pixels);
}
