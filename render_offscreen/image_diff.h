#pragma once
// Perceptual image diff for visual regression tests: the pixelmatch algorithm (YIQ distance,
// anti-aliasing detection) as in pixelmatch 5.x/6.x, which blend semi-transparent pixels over
// white; pixelmatch 7.x blends them over a checkerboard unless `checkerboard: false` (7.2+).
// See docs/screenshot-diff.md.

#include <array>
#include <cstdint>

#include "render_offscreen/image.h"

namespace calf::render {

/// Options of DiffImages; the defaults are pixelmatch's.
struct DiffOptions {
  /// Matching threshold in [0, 1]: two pixels differ when their squared YIQ distance exceeds
  /// 35215 * threshold^2. Smaller is more sensitive; 0 flags any change.
  double threshold = 0.1;
  /// When true, anti-aliasing detection is skipped and AA pixels count as differences.
  bool include_aa = false;
  /// Opacity in [0, 1] of the expected image drawn (as grey, over white) in the diff output.
  double alpha = 0.1;
  /// Colour of anti-aliased pixels in the diff output.
  std::array<uint8_t, 3> aa_color{255, 255, 0};
  /// Colour of differing pixels in the diff output.
  std::array<uint8_t, 3> diff_color{255, 0, 0};
};

/// Outcome of DiffImages. When the sizes differ nothing is compared: `size_mismatch` is true,
/// the counts are zero and width/height hold the expected image's size.
struct DiffResult {
  bool size_mismatch = false;  ///< The images have different widths or heights.
  int64_t diff_pixels = 0;     ///< Pixels above the threshold and not anti-aliasing.
  int64_t aa_pixels = 0;       ///< Pixels above the threshold classed as anti-aliasing.
  int64_t total_pixels = 0;    ///< width * height (0 on a size mismatch).
  int width = 0;               ///< Width of the expected image, in pixels.
  int height = 0;              ///< Height of the expected image, in pixels.
  int actual_width = 0;        ///< Width of the actual image, in pixels.
  int actual_height = 0;       ///< Height of the actual image, in pixels.

  /// diff_pixels / total_pixels, 0 for an empty image or a size mismatch.
  double Ratio() const {
    return total_pixels > 0 ? static_cast<double>(diff_pixels) / total_pixels : 0.0;
  }
};

/// The largest squared YIQ distance the pixelmatch metric can give (black vs white).
constexpr double kMaxYiqDelta = 35215.0;

/// Compares `expected` with `actual` pixel by pixel as pixelmatch does: semi-transparent
/// colours are blended over white, the YIQ distance is compared with 35215 * threshold^2, and
/// pixels above it are classed as anti-aliasing (not counted) when the 3x3 neighbourhood test
/// of Vysniauskas (2009) says so in either image, unless `include_aa`.
/// When `output` is non-null it receives a same-size RGBA8 diff image: unchanged pixels are the
/// expected image in grey faded toward white (options.alpha), differences `diff_color`,
/// anti-aliased pixels `aa_color`; it is left empty on a size mismatch.
/// Threading: parallel over rows with OpenMP; counts are summed per row, then serially in row
/// order, so results and output are identical for any thread count.
/// Throws ConfigError when threshold or alpha is outside [0, 1] (or NaN).
DiffResult DiffImages(const Image& expected, const Image& actual, const DiffOptions& options = {},
                      Image* output = nullptr);

}  // namespace calf::render
