// libFuzzer target: the perceptual diff (render_offscreen/image_diff.h) on two decoded
// images. The input is split at its first byte's proportion: expected | actual PNG bytes;
// the last 2 bytes pick the threshold and include_aa.
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "render_offscreen/image_diff.h"
#include "render_offscreen/png_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const size_t body = size - 3;
  const size_t cut = body * data[0] / 255;
  const uint8_t threshold = data[size - 2], flags = data[size - 1];
  const std::string a = calf::fuzz::WriteInput(data + 1, cut, "_a.png");
  // a second scratch name for the actual image
  static const std::string b = a.substr(0, a.size() - 6) + "_b.png";
  std::FILE* f = std::fopen(b.c_str(), "wb");
  if (f == nullptr) __builtin_trap();
  std::fwrite(data + 1 + cut, 1, body - cut, f);
  std::fclose(f);
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    const calf::render::Image expected = calf::render::ReadPng(a);
    const calf::render::Image actual = calf::render::ReadPng(b);
    calf::render::DiffOptions options;
    options.threshold = threshold / 255.0;
    options.include_aa = (flags & 1) != 0;
    calf::render::Image output;
    const calf::render::DiffResult r =
        calf::render::DiffImages(expected, actual, options, (flags & 2) ? &output : nullptr);
    (void)r;
  });
  return 0;
}
