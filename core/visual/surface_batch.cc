#include "core/visual/surface_batch.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/threads.h"

namespace calf::core::visual {
namespace {

constexpr int64_t kBlock = 1024;
constexpr int64_t kParallelMin = 4096;

// one block of at most kBlock points; same arithmetic as HeatSurface::HeightAt
void HeightsBlock(const HeatSurface& surface, const float* x, const float* v, int64_t n,
                  float* out) {
  using Arr = Eigen::Array<float, Eigen::Dynamic, 1, 0, kBlock, 1>;
  const int g = surface.grid();
  const float extent = surface.options().extent;
  const float scale = static_cast<float>(g - 1) / (2.0F * extent);
  const float top = static_cast<float>(g - 1);
  Eigen::Map<const Eigen::ArrayXf> xs(x, n), vs(v, n);
  Arr gx = (xs + extent) * scale;
  Arr gv = (vs + extent) * scale;
  // clamp to the grid; NaN (comparison false) goes to the first edge
  gx = (gx > 0.0F).select(gx.min(top), 0.0F);
  gv = (gv > 0.0F).select(gv.min(top), 0.0F);
  const Eigen::Array<int, Eigen::Dynamic, 1, 0, kBlock, 1> ix = gx.cast<int>().min(g - 2);
  const Eigen::Array<int, Eigen::Dynamic, 1, 0, kBlock, 1> iv = gv.cast<int>().min(g - 2);
  const Arr fx = gx - ix.cast<float>();
  const Arr fv = gv - iv.cast<float>();
  const float* h = surface.heights().data();
  for (int64_t i = 0; i < n; ++i) {
    const float* row0 = h + static_cast<size_t>(iv[i]) * g + ix[i];
    const float* row1 = row0 + g;
    const float h0 = row0[0] + (row0[1] - row0[0]) * fx[i];
    const float h1 = row1[0] + (row1[1] - row1[0]) * fx[i];
    out[i] = h0 + (h1 - h0) * fv[i];
  }
}

}  // namespace

void HeightsAt(const HeatSurface& surface, const float* x, const float* v, int64_t n, float* out,
               int threads) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int nthreads = n < kParallelMin ? 1 : ResolveThreads(threads);
#pragma omp parallel for schedule(static) num_threads(nthreads)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kBlock;
    const int64_t count = std::min(kBlock, n - begin);
    HeightsBlock(surface, x + begin, v + begin, count, out + begin);
  }
}

void LiftToSurfaceBatched(const HeatSurface& surface, const double* states, int state_dim,
                          int64_t n, float lift, float* xyz, int threads) {
  CALF_CHECK(state_dim >= 2) << "state_dim " << state_dim;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int nthreads = n < kParallelMin ? 1 : ResolveThreads(threads);
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<float> x(kBlock), v(kBlock), h(kBlock);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t begin = b * kBlock;
      const int64_t count = std::min(kBlock, n - begin);
      for (int64_t k = 0; k < count; ++k) {
        x[k] = static_cast<float>(states[(begin + k) * state_dim]);
        v[k] = static_cast<float>(states[(begin + k) * state_dim + 1]);
      }
      HeightsBlock(surface, x.data(), v.data(), count, h.data());
      for (int64_t k = 0; k < count; ++k) {
        float* p = xyz + (begin + k) * 3;
        p[0] = x[k];
        p[1] = h[k] + lift;
        p[2] = v[k];
      }
    }
  }
}

}  // namespace calf::core::visual
