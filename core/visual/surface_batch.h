#pragma once
// Vectorised surface heights for many agents at once: the optimized counterpart of calling
// HeatSurface::HeightAt in a loop (same clamping, same bilinear formula).

#include <cstdint>

#include "core/visual/surface.h"

namespace calf::core::visual {

/// out[i] = surface.HeightAt(x[i], v[i]) for i < n, computed in blocks with Eigen array
/// expressions and OpenMP over blocks (`threads` 0 = all; blocks below 4096 points run on
/// the calling thread). Agrees with HeightAt within 1e-6 (same float formula; the result
/// does not depend on the thread count). Never throws.
void HeightsAt(const HeatSurface& surface, const float* x, const float* v, int64_t n, float* out,
               int threads = 0);

/// LiftToSurface for all agents through HeightsAt: xyz[i] = (s_i[0], height + lift, s_i[1])
/// for an agent-major state array with `state_dim` >= 2 (checked). `xyz` has n*3 floats.
void LiftToSurfaceBatched(const HeatSurface& surface, const double* states, int state_dim,
                          int64_t n, float lift, float* xyz, int threads = 0);

}  // namespace calf::core::visual
