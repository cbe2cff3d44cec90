#include "render_offscreen/image_diff.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace calf::render {
namespace {

// A read-only view of an RGBA8 image; the hot loops index raw bytes.
struct View {
  const uint8_t* data;
  int width;
  int height;
  const uint8_t* Px(int x, int y) const { return data + (static_cast<size_t>(y) * width + x) * 4; }
};

bool SamePixel(const uint8_t* a, const uint8_t* b) { return std::memcmp(a, b, 4) == 0; }

// YIQ components (NTSC), coefficients as in pixelmatch.
double RgbToY(double r, double g, double b) {
  return r * 0.29889531 + g * 0.58662247 + b * 0.11448223;
}
double RgbToI(double r, double g, double b) {
  return r * 0.59597799 - g * 0.27417610 - b * 0.32180189;
}
double RgbToQ(double r, double g, double b) {
  return r * 0.21147017 - g * 0.52261711 + b * 0.31114694;
}

// Blends channel value c with white at opacity a in [0, 1].
double BlendWithWhite(double c, double a) { return 255.0 + (c - 255.0) * a; }

struct Rgb {
  double r, g, b;
};

// The colour of a pixel as seen over a white background.
Rgb OverWhite(const uint8_t* p) {
  Rgb c{static_cast<double>(p[0]), static_cast<double>(p[1]), static_cast<double>(p[2])};
  if (p[3] < 255) {
    const double a = p[3] / 255.0;
    c = {BlendWithWhite(c.r, a), BlendWithWhite(c.g, a), BlendWithWhite(c.b, a)};
  }
  return c;
}

// Brightness difference Y(p1) - Y(p2) of two pixels blended over white; 0 if equal.
double BrightnessDelta(const uint8_t* p1, const uint8_t* p2) {
  if (SamePixel(p1, p2)) return 0.0;
  const Rgb c1 = OverWhite(p1);
  const Rgb c2 = OverWhite(p2);
  return RgbToY(c1.r, c1.g, c1.b) - RgbToY(c2.r, c2.g, c2.b);
}

// Squared perceptual YIQ distance (Kotsarenko & Ramos) of two pixels blended over white;
// negative when p2 is darker than p1 (pixelmatch's sign convention), 0 if equal.
double ColorDelta(const uint8_t* p1, const uint8_t* p2) {
  if (SamePixel(p1, p2)) return 0.0;
  const Rgb c1 = OverWhite(p1);
  const Rgb c2 = OverWhite(p2);
  const double y1 = RgbToY(c1.r, c1.g, c1.b);
  const double y2 = RgbToY(c2.r, c2.g, c2.b);
  const double y = y1 - y2;
  const double i = RgbToI(c1.r, c1.g, c1.b) - RgbToI(c2.r, c2.g, c2.b);
  const double q = RgbToQ(c1.r, c1.g, c1.b) - RgbToQ(c2.r, c2.g, c2.b);
  const double delta = 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q;
  return y1 > y2 ? -delta : delta;
}

// The 3x3 neighbourhood of (x, y), clipped to the image. Pixels on the border start with
// one "equal sibling", as in pixelmatch, standing in for the missing neighbours.
struct Window {
  int x0, y0, x2, y2;
  int border_zeroes;
  Window(int x, int y, int width, int height)
      : x0(std::max(x - 1, 0)),
        y0(std::max(y - 1, 0)),
        x2(std::min(x + 1, width - 1)),
        y2(std::min(y + 1, height - 1)),
        border_zeroes((x == x0 || x == x2 || y == y0 || y == y2) ? 1 : 0) {}
};

// True when the pixel at (x1, y1) has 3 or more neighbours of exactly the same RGBA value.
bool HasManySiblings(const View& img, int x1, int y1) {
  const Window w(x1, y1, img.width, img.height);
  const uint8_t* centre = img.Px(x1, y1);
  int zeroes = w.border_zeroes;
  for (int x = w.x0; x <= w.x2; ++x) {
    for (int y = w.y0; y <= w.y2; ++y) {
      if (x == x1 && y == y1) continue;
      if (SamePixel(centre, img.Px(x, y))) ++zeroes;
      if (zeroes > 2) return true;
    }
  }
  return false;
}

// Anti-aliased pixel test of Vysniauskas (2009) as pixelmatch implements it: the pixel is
// anti-aliasing when its neighbours in `img` contain both a darker and a brighter pixel, at
// most two equal ones, and the darkest or the brightest neighbour sits in a flat region
// (3+ equal siblings) in both `img` and `other`. The x-major scan order decides ties.
bool Antialiased(const View& img, int x1, int y1, const View& other) {
  const Window w(x1, y1, img.width, img.height);
  const uint8_t* centre = img.Px(x1, y1);
  int zeroes = w.border_zeroes;
  double min_delta = 0.0;
  double max_delta = 0.0;
  int min_x = 0, min_y = 0, max_x = 0, max_y = 0;
  for (int x = w.x0; x <= w.x2; ++x) {
    for (int y = w.y0; y <= w.y2; ++y) {
      if (x == x1 && y == y1) continue;
      const double delta = BrightnessDelta(centre, img.Px(x, y));
      if (delta == 0.0) {
        // more than two equal neighbours: a flat region, not an edge
        if (++zeroes > 2) return false;
      } else if (delta < min_delta) {
        min_delta = delta;
        min_x = x;
        min_y = y;
      } else if (delta > max_delta) {
        max_delta = delta;
        max_x = x;
        max_y = y;
      }
    }
  }
  // an edge pixel needs both a darker and a brighter neighbour
  if (min_delta == 0.0 || max_delta == 0.0) return false;
  return (HasManySiblings(img, min_x, min_y) && HasManySiblings(other, min_x, min_y)) ||
         (HasManySiblings(img, max_x, max_y) && HasManySiblings(other, max_x, max_y));
}

void DrawPixel(uint8_t* out, const std::array<uint8_t, 3>& rgb) {
  out[0] = rgb[0];
  out[1] = rgb[1];
  out[2] = rgb[2];
  out[3] = 255;
}

// The expected pixel as grey, faded toward white; truncated to 8 bits like pixelmatch's
// command line (a Node Buffer) does.
void DrawGreyPixel(const uint8_t* in, double alpha, uint8_t* out) {
  const double y = RgbToY(in[0], in[1], in[2]);
  const double value = BlendWithWhite(y, alpha * in[3] / 255.0);
  const auto grey = static_cast<uint8_t>(std::clamp(value, 0.0, 255.0));
  out[0] = grey;
  out[1] = grey;
  out[2] = grey;
  out[3] = 255;
}

void CheckUnitInterval(const char* name, double value) {
  // written so that NaN fails too
  if (!(value >= 0.0 && value <= 1.0)) {
    throw ConfigError(std::string("image diff ") + name + " " + std::to_string(value) +
                      " is outside [0, 1]");
  }
}

}  // namespace

DiffResult DiffImages(const Image& expected, const Image& actual, const DiffOptions& options,
                      Image* output) {
  CheckUnitInterval("threshold", options.threshold);
  CheckUnitInterval("alpha", options.alpha);
  CALF_CHECK(expected.pixels.size() == static_cast<size_t>(expected.width) * expected.height * 4);
  CALF_CHECK(actual.pixels.size() == static_cast<size_t>(actual.width) * actual.height * 4);

  DiffResult result;
  result.width = expected.width;
  result.height = expected.height;
  result.actual_width = actual.width;
  result.actual_height = actual.height;
  if (output != nullptr) *output = Image();
  if (!expected.SameSize(actual)) {
    result.size_mismatch = true;
    return result;
  }
  const int width = expected.width;
  const int height = expected.height;
  result.total_pixels = static_cast<int64_t>(width) * height;
  if (output != nullptr) {
    output->width = width;
    output->height = height;
    output->pixels.resize(expected.pixels.size());
  }

  const View img1{expected.pixels.data(), width, height};
  const View img2{actual.pixels.data(), width, height};
  // squared YIQ distance above which two pixels count as different
  const double max_delta = kMaxYiqDelta * options.threshold * options.threshold;
  uint8_t* out = output != nullptr ? output->pixels.data() : nullptr;

  std::vector<int64_t> row_diff(height, 0);
  std::vector<int64_t> row_aa(height, 0);
#pragma omp parallel for schedule(static)
  for (int y = 0; y < height; ++y) {
    int64_t diff = 0;
    int64_t aa = 0;
    // the last grey pixel drawn in this row: rendered images have runs of equal pixels, and
    // a repeated input gives the same grey (a cache, so the output bits do not change)
    bool have_grey = false;
    uint8_t grey_in[4], grey_out[4];
    for (int x = 0; x < width; ++x) {
      const uint8_t* p1 = img1.Px(x, y);
      const uint8_t* p2 = img2.Px(x, y);
      uint8_t* o = out != nullptr ? out + (p1 - img1.data) : nullptr;
      // most pixels of a regression screenshot are identical: skip the colour maths
      if (SamePixel(p1, p2) || std::fabs(ColorDelta(p1, p2)) <= max_delta) {
        if (o != nullptr) {
          if (!have_grey || !SamePixel(p1, grey_in)) {
            DrawGreyPixel(p1, options.alpha, grey_out);
            std::memcpy(grey_in, p1, 4);
            have_grey = true;
          }
          std::memcpy(o, grey_out, 4);
        }
      } else if (!options.include_aa &&
                 (Antialiased(img1, x, y, img2) || Antialiased(img2, x, y, img1))) {
        ++aa;
        if (o != nullptr) DrawPixel(o, options.aa_color);
      } else {
        ++diff;
        if (o != nullptr) DrawPixel(o, options.diff_color);
      }
    }
    row_diff[y] = diff;
    row_aa[y] = aa;
  }
  // serial sum in row order: the result does not depend on the thread count
  for (int y = 0; y < height; ++y) {
    result.diff_pixels += row_diff[y];
    result.aa_pixels += row_aa[y];
  }
  return result;
}

}  // namespace calf::render
