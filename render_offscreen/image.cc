#include "render_offscreen/image.h"

namespace calf::render {

Image::Image(int w, int h, uint8_t r, uint8_t g, uint8_t b, uint8_t a) : width(w), height(h) {
  pixels.resize(static_cast<size_t>(w) * h * 4);
  for (size_t i = 0; i < pixels.size(); i += 4) {
    pixels[i] = r;
    pixels[i + 1] = g;
    pixels[i + 2] = b;
    pixels[i + 3] = a;
  }
}

}  // namespace calf::render
