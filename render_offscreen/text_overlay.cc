#include "render_offscreen/text_overlay.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cstdlib>

#include "core/error.h"

namespace calf::render {

struct TextPainter::Face {
  FT_Library library = nullptr;
  FT_Face face = nullptr;
  int size_px = 0;
  ~Face() {
    if (face != nullptr) FT_Done_Face(face);
    if (library != nullptr) FT_Done_FreeType(library);
  }
};

std::string DefaultFontPath() {
  const char* env = std::getenv("CALF_FONT");
  if (env != nullptr && *env != '\0') return env;
  return CALF_FONT_PATH;
}

std::vector<char32_t> DecodeUtf8(const std::string& text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80           ? 0
                : (c >> 5) == 0x6  ? 1
                : (c >> 4) == 0xE  ? 2
                : (c >> 3) == 0x1E ? 3
                                   : -1;
    if (extra < 0 || i + extra >= text.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t code = extra == 0 ? c : (c & (0x3F >> extra));
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      ok = ok && (cc >> 6) == 0x2;
      code = (code << 6) | (cc & 0x3F);
    }
    out.push_back(ok ? code : 0xFFFD);
    i += ok ? extra + 1 : 1;
  }
  return out;
}

void FillRect(Image* image, int x0, int y0, int x1, int y1, Rgb8 color) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, image->width);
  y1 = std::min(y1, image->height);
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      uint8_t* p = image->at(x, y);
      p[0] = color.r;
      p[1] = color.g;
      p[2] = color.b;
      p[3] = 255;
    }
  }
}

TextPainter::TextPainter(const std::string& font_path) : face_(std::make_unique<Face>()) {
  if (FT_Init_FreeType(&face_->library) != 0) {
    throw RenderError("freetype: cannot initialise the library", ExitCode::kUsage);
  }
  const FT_Error e = FT_New_Face(face_->library, font_path.c_str(), 0, &face_->face);
  if (e != 0) {
    throw RenderError("cannot load the font '" + font_path + "' (freetype error " +
                          std::to_string(e) +
                          "); install fonts-dejavu-core or set CALF_FONT to a .ttf file",
                      ExitCode::kUsage);
  }
}

TextPainter::~TextPainter() = default;

const TextPainter::Glyph& TextPainter::GlyphOf(char32_t code, int size_px) {
  const auto key = std::make_pair(size_px, code);
  const auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  FT_Face f = face_->face;
  SetSize(size_px);
  Glyph g;
  // a glyph the font lacks renders as its .notdef box, which is still a glyph
  if (FT_Load_Char(f, code, FT_LOAD_RENDER) == 0) {
    const FT_Bitmap& bm = f->glyph->bitmap;
    g.width = static_cast<int>(bm.width);
    g.rows = static_cast<int>(bm.rows);
    g.left = f->glyph->bitmap_left;
    g.top = f->glyph->bitmap_top;
    g.advance = static_cast<int>((f->glyph->advance.x + 32) >> 6);
    g.coverage.resize(static_cast<size_t>(g.width) * g.rows);
    for (int y = 0; y < g.rows; ++y) {
      std::copy(bm.buffer + y * bm.pitch, bm.buffer + y * bm.pitch + g.width,
                g.coverage.begin() + static_cast<size_t>(y) * g.width);
    }
  }
  return cache_.emplace(key, std::move(g)).first->second;
}

int TextPainter::Measure(const std::string& text, int size_px) {
  int w = 0;
  for (char32_t c : DecodeUtf8(text)) w += GlyphOf(c, size_px).advance;
  return w;
}

void TextPainter::SetSize(int size_px) {
  if (face_->size_px == size_px) return;
  if (FT_Set_Pixel_Sizes(face_->face, 0, static_cast<FT_UInt>(size_px)) != 0) {
    throw RenderError("freetype: cannot set a " + std::to_string(size_px) + " px size");
  }
  face_->size_px = size_px;
}

int TextPainter::Ascent(int size_px) {
  // the face's size is the last one set, whatever the glyph cache answered since
  SetSize(size_px);
  return static_cast<int>((face_->face->size->metrics.ascender + 63) >> 6);
}

void TextPainter::Draw(Image* image, int x, int y, const std::string& text, int size_px, Rgb8 color,
                       TextAlign align) {
  if (align != TextAlign::kLeft) {
    const int w = Measure(text, size_px);
    x -= align == TextAlign::kCenter ? w / 2 : w;
  }
  const uint8_t rgb[3] = {color.r, color.g, color.b};
  for (char32_t c : DecodeUtf8(text)) {
    const Glyph& g = GlyphOf(c, size_px);

    // blend the coverage over the pixels: out = in + (color - in) * coverage
    for (int gy = 0; gy < g.rows; ++gy) {
      const int py = y - g.top + gy;
      if (py < 0 || py >= image->height) continue;
      for (int gx = 0; gx < g.width; ++gx) {
        const int px = x + g.left + gx;
        const int a = g.coverage[static_cast<size_t>(gy) * g.width + gx];
        if (px < 0 || px >= image->width || a == 0) continue;
        uint8_t* p = image->at(px, py);
        for (int k = 0; k < 3; ++k)
          p[k] = static_cast<uint8_t>((p[k] * (255 - a) + rgb[k] * a + 127) / 255);
      }
    }
    x += g.advance;
  }
}

}  // namespace calf::render
