#pragma once
// A CPU-side RGBA8 image, the common currency of the renderer, PNG io and image diff.

#include <cstdint>
#include <string>
#include <vector>

namespace calf::render {

/// Tightly packed RGBA8 pixels, row-major, top row first (PNG order).
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  ///< width*height*4 bytes.

  Image() = default;
  /// A width×height image filled with one colour.
  Image(int w, int h, uint8_t r = 0, uint8_t g = 0, uint8_t b = 0, uint8_t a = 255);

  uint8_t* at(int x, int y) { return &pixels[(static_cast<size_t>(y) * width + x) * 4]; }
  const uint8_t* at(int x, int y) const {
    return &pixels[(static_cast<size_t>(y) * width + x) * 4];
  }
  bool SameSize(const Image& o) const { return width == o.width && height == o.height; }
};

}  // namespace calf::render
