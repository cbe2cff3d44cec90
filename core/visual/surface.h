#pragma once
// The heat-map surface of the critic's value: a grid of q values over [-extent, extent]²
// turned into normalised q², heights, vertex positions and colours for the renderers.

#include <cstdint>
#include <vector>

namespace calf::core::visual {

/// Geometry parameters of the surface.
struct SurfaceOptions {
  int grid = 64;              ///< Points per side (>= 2).
  float extent = 5.0F;        ///< The grid covers [-extent, extent]² in (x, v).
  float height_scale = 3.0F;  ///< World height of normalised value 1.
  float epsilon = 0.01F;      ///< Height offset of the whole surface above y = 0.
  float ema_alpha = 0.1F;     ///< Weight of the new frame in the smoothed min/max.
  float alpha = 0.6F;         ///< Opacity of the surface colours.
};

/// The surface state across frames. Grid layout: point (ix, iv) is index iv*grid + ix
/// (x fastest), at x = -extent + 2*extent*ix/(grid-1), v likewise. World axes: x -> X,
/// height -> Y, v -> Z. Deterministic; Update does not allocate after the first call.
/// Not thread-safe.
class HeatSurface {
 public:
  /// Throws ConfigError when grid < 2, extent <= 0, height_scale < 0 or ema_alpha not in
  /// (0, 1].
  explicit HeatSurface(const SurfaceOptions& options = {});

  /// Takes a new frame of q values [grid*grid] (layout above). q² is normalised to [0, 1]
  /// with an EMA-smoothed min/max (the first frame initialises them; later frames move
  /// them by ema_alpha toward the frame's own min/max); values outside the smoothed range
  /// are clamped, a degenerate range gives 0 everywhere. NaN q counts as the minimum.
  /// Throws ConfigError when `n` != grid*grid.
  void Update(const float* q, int64_t n);

  /// Surface height at (x, v) by bilinear interpolation of the grid heights; points outside
  /// the grid are clamped to its edge. Before the first Update the height is epsilon.
  float HeightAt(float x, float v) const;

  const SurfaceOptions& options() const { return options_; }
  int grid() const { return options_.grid; }
  /// World coordinate of grid index i along x or v.
  float Coordinate(int i) const;
  /// Frames taken so far; renderers re-upload the surface when it changes.
  uint64_t version() const { return version_; }
  /// Smoothed min and max of q² (meaningless before the first Update).
  float ema_min() const { return ema_min_; }
  float ema_max() const { return ema_max_; }

  /// Normalised q² per grid point [grid*grid].
  const std::vector<float>& normalised() const { return normalised_; }
  /// Heights per grid point [grid*grid] = normalised * height_scale + epsilon.
  const std::vector<float>& heights() const { return heights_; }
  /// Vertex positions [grid*grid*3]: (x, height, v).
  const std::vector<float>& positions() const { return positions_; }
  /// Vertex colours [grid*grid*4]: HeatColor(normalised) with alpha options.alpha.
  const std::vector<float>& colors() const { return colors_; }
  /// Triangle indices [(grid-1)²*6], two triangles per grid cell (renderers do not cull).
  const std::vector<uint32_t>& indices() const { return indices_; }

 private:
  void Rebuild();

  SurfaceOptions options_;
  uint64_t version_ = 0;
  float ema_min_ = 0.0F;
  float ema_max_ = 0.0F;
  std::vector<float> q2_;
  std::vector<float> normalised_;
  std::vector<float> heights_;
  std::vector<float> positions_;
  std::vector<float> colors_;
  std::vector<uint32_t> indices_;
};

/// Lifts agents onto the surface: xyz[i] = (s_i[0], HeightAt(s_i[0], s_i[1]) + lift,
/// s_i[1]) for the n agents of an agent-major state array with `state_dim` >= 2 (the first
/// two coordinates are x and v, or x and y for the unicycle). `xyz` has n*3 floats.
void LiftToSurface(const HeatSurface& surface, const double* states, int state_dim, int64_t n,
                   float lift, float* xyz);

}  // namespace calf::core::visual
