#pragma once
// Text drawn into an Image on the CPU with FreeType (anti-aliased glyph coverage blended over
// the pixels), in the DejaVu Sans font found at build time. What annotated frames write their
// labels, ticks, legend and caption with.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "render_offscreen/image.h"

namespace calf::render {

/// An 8-bit RGB colour of overlay drawing.
struct Rgb8 {
  uint8_t r = 0, g = 0, b = 0;
};

/// Where a text's anchor point lies on the text's box.
enum class TextAlign { kLeft, kCenter, kRight };

/// The font file compiled in (DejaVuSans.ttf of Debian's fonts-dejavu-core), or
/// $CALF_FONT when set.
std::string DefaultFontPath();

/// Draws UTF-8 text into Images with one FreeType face. Glyph bitmaps are cached per pixel
/// size. Deterministic for one FreeType build (no hinting differences between calls). Not
/// thread-safe.
class TextPainter {
 public:
  /// Opens `font_path`; throws RenderError (exit 2) naming the file when FreeType cannot.
  explicit TextPainter(const std::string& font_path = DefaultFontPath());
  ~TextPainter();
  TextPainter(const TextPainter&) = delete;
  TextPainter& operator=(const TextPainter&) = delete;

  /// Width of `text` at `size_px` (the em size in pixels), in pixels.
  int Measure(const std::string& text, int size_px);
  /// Draws `text` with its baseline at y and its anchor (per `align`) at x; pixels outside
  /// the image are skipped. Coverage is blended over the image's colour.
  void Draw(Image* image, int x, int y, const std::string& text, int size_px, Rgb8 color,
            TextAlign align = TextAlign::kLeft);
  /// Ascender of the face at `size_px`, in pixels (rounded up).
  int Ascent(int size_px);

 private:
  struct Glyph {
    int width = 0, rows = 0, left = 0, top = 0, advance = 0;
    std::vector<uint8_t> coverage;  // rows*width, 0..255
  };
  const Glyph& GlyphOf(char32_t code, int size_px);
  void SetSize(int size_px);

  struct Face;  // FreeType objects, defined in the .cc
  std::unique_ptr<Face> face_;
  std::map<std::pair<int, char32_t>, Glyph> cache_;
};

/// Decodes UTF-8 into code points (an invalid byte becomes U+FFFD).
std::vector<char32_t> DecodeUtf8(const std::string& text);

/// Fills the rectangle [x0, x1) × [y0, y1) (clipped to the image) with `color`.
void FillRect(Image* image, int x0, int y0, int x1, int y1, Rgb8 color);

}  // namespace calf::render
