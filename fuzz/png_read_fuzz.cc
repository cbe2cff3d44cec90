// libFuzzer target: calf's PNG reader (render_offscreen/png_io.h, ReadPng) on any bytes.
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "render_offscreen/png_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = calf::fuzz::WriteInput(data, size, ".png");
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    calf::render::PngText text;
    const calf::render::Image image = calf::render::ReadPng(path, &text);
    if (image.width <= 0 || image.height <= 0) __builtin_trap();  // a decoded image has pixels
  });
  return 0;
}
