// Speed of the pixelmatch diff on a 1920x1080 screenshot pair with ~1% changed pixels.
// Target: <= 10 ms per diff (with the diff image) on 2 threads. Run:
// build/bench/calf_bench_image_diff

#include <benchmark/benchmark.h>

#include <cstdint>

#include "render_offscreen/image_diff.h"

namespace {

using calf::render::DiffImages;
using calf::render::Image;

// A smooth gradient with a few flat bands (like a rendered plot) and a copy with ~1% of the
// pixels changed at pseudo-random positions (a fixed LCG, so every run compares the same pair).
struct Pair {
  Image expected;
  Image actual;
  Pair(int width, int height) : expected(width, height), actual(width, height) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        uint8_t* p = expected.at(x, y);
        const bool band = (y / 40) % 5 == 0;
        p[0] = band ? 30 : static_cast<uint8_t>(x * 255 / width);
        p[1] = band ? 60 : static_cast<uint8_t>(y * 255 / height);
        p[2] = band ? 90 : 128;
        p[3] = 255;
      }
    }
    actual = expected;
    uint32_t state = 2024;
    const int64_t n = static_cast<int64_t>(width) * height;
    for (int64_t k = 0; k < n / 100; ++k) {
      state = state * 1664525u + 1013904223u;
      const int64_t i = state % n;
      uint8_t* p = &actual.pixels[i * 4];
      p[0] = static_cast<uint8_t>(255 - p[0]);
      p[2] = static_cast<uint8_t>(p[2] + 77);
    }
  }
};

void Run(benchmark::State& state, bool with_output) {
  static const Pair pair(1920, 1080);
  Image out;
  int64_t diff = 0;
  for (auto _ : state) {
    const auto r = DiffImages(pair.expected, pair.actual, {}, with_output ? &out : nullptr);
    diff = r.diff_pixels + r.aa_pixels;
    benchmark::DoNotOptimize(diff);
  }
  const double megapixels = 1920.0 * 1080.0 / 1e6;
  state.counters["changed_px"] = static_cast<double>(diff);
  // time per megapixel: seconds per iteration / megapixels, shown in the iteration's unit
  state.counters["time_per_MP"] = benchmark::Counter(
      megapixels, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_ImageDiff1080p(benchmark::State& state) { Run(state, true); }
void BM_ImageDiff1080pCountOnly(benchmark::State& state) { Run(state, false); }

BENCHMARK(BM_ImageDiff1080p)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ImageDiff1080pCountOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
