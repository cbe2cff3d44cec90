#include "core/visual/surface.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/visual/colormap.h"

namespace calf::core::visual {

HeatSurface::HeatSurface(const SurfaceOptions& options) : options_(options) {
  const int g = options.grid;
  if (g < 2) {
    throw ConfigError("surface: grid " + std::to_string(g) + " is too small; use at least 2");
  }
  if (!(options.extent > 0.0F)) throw ConfigError("surface: extent must be positive");
  if (!(options.height_scale >= 0.0F)) {
    throw ConfigError("surface: height_scale must be non-negative");
  }
  if (!(options.ema_alpha > 0.0F && options.ema_alpha <= 1.0F)) {
    throw ConfigError("surface: ema_alpha must be in (0, 1]");
  }
  const size_t n = static_cast<size_t>(g) * g;
  q2_.assign(n, 0.0F);
  normalised_.assign(n, 0.0F);
  heights_.assign(n, options.epsilon);
  positions_.resize(n * 3);
  colors_.resize(n * 4);
  indices_.reserve(static_cast<size_t>(g - 1) * (g - 1) * 6);
  for (int iv = 0; iv + 1 < g; ++iv) {
    for (int ix = 0; ix + 1 < g; ++ix) {
      const uint32_t p00 = iv * g + ix, p10 = p00 + 1, p01 = p00 + g, p11 = p01 + 1;
      indices_.insert(indices_.end(), {p00, p01, p10, p10, p01, p11});
    }
  }
  Rebuild();
}

float HeatSurface::Coordinate(int i) const {
  return -options_.extent +
         2.0F * options_.extent * static_cast<float>(i) / static_cast<float>(options_.grid - 1);
}

void HeatSurface::Update(const float* q, int64_t n) {
  const int64_t want = static_cast<int64_t>(options_.grid) * options_.grid;
  if (n != want) {
    throw ConfigError("surface: got " + std::to_string(n) + " q values for a grid of " +
                      std::to_string(options_.grid) + "², expected " + std::to_string(want));
  }
  float lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    const float v = q[i] * q[i];
    q2_[i] = v;
    if (std::isnan(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(lo <= hi)) lo = hi = 0.0F;  // every value NaN
  if (version_ == 0) {
    ema_min_ = lo;
    ema_max_ = hi;
  } else {
    const float a = options_.ema_alpha;
    ema_min_ = (1.0F - a) * ema_min_ + a * lo;
    ema_max_ = (1.0F - a) * ema_max_ + a * hi;
  }
  const float range = ema_max_ - ema_min_;
  for (int64_t i = 0; i < n; ++i) {
    float t = range > 0.0F ? (q2_[i] - ema_min_) / range : 0.0F;
    if (!(t > 0.0F)) t = 0.0F;  // also NaN
    if (t > 1.0F) t = 1.0F;
    normalised_[i] = t;
    heights_[i] = t * options_.height_scale + options_.epsilon;
  }
  ++version_;
  Rebuild();
}

void HeatSurface::Rebuild() {
  const int g = options_.grid;
  for (int iv = 0; iv < g; ++iv) {
    for (int ix = 0; ix < g; ++ix) {
      const size_t i = static_cast<size_t>(iv) * g + ix;
      positions_[i * 3] = Coordinate(ix);
      positions_[i * 3 + 1] = heights_[i];
      positions_[i * 3 + 2] = Coordinate(iv);
      const Rgb c = HeatColor(normalised_[i]);
      colors_[i * 4] = c.r;
      colors_[i * 4 + 1] = c.g;
      colors_[i * 4 + 2] = c.b;
      colors_[i * 4 + 3] = options_.alpha;
    }
  }
}

float HeatSurface::HeightAt(float x, float v) const {
  const int g = options_.grid;
  const float scale = static_cast<float>(g - 1) / (2.0F * options_.extent);
  float gx = (x + options_.extent) * scale;
  float gv = (v + options_.extent) * scale;
  // clamp to the grid (NaN goes to the first edge)
  gx = gx > 0.0F ? std::min(gx, static_cast<float>(g - 1)) : 0.0F;
  gv = gv > 0.0F ? std::min(gv, static_cast<float>(g - 1)) : 0.0F;
  const int ix = std::min(static_cast<int>(gx), g - 2);
  const int iv = std::min(static_cast<int>(gv), g - 2);
  const float fx = gx - static_cast<float>(ix);
  const float fv = gv - static_cast<float>(iv);
  const float* row0 = &heights_[static_cast<size_t>(iv) * g + ix];
  const float* row1 = row0 + g;
  const float h0 = row0[0] + (row0[1] - row0[0]) * fx;
  const float h1 = row1[0] + (row1[1] - row1[0]) * fx;
  return h0 + (h1 - h0) * fv;
}

void LiftToSurface(const HeatSurface& surface, const double* states, int state_dim, int64_t n,
                   float lift, float* xyz) {
  CALF_CHECK(state_dim >= 2) << "state_dim " << state_dim;
  for (int64_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(states[i * state_dim]);
    const float v = static_cast<float>(states[i * state_dim + 1]);
    xyz[i * 3] = x;
    xyz[i * 3 + 1] = surface.HeightAt(x, v) + lift;
    xyz[i * 3 + 2] = v;
  }
}

}  // namespace calf::core::visual
