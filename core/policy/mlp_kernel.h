#pragma once
// Internal to core/policy: the MLP forward kernel behind Mlp::Forward, compiled twice (SSE2
// baseline and AVX2) and chosen at run time. Not part of the public contract.

#include <cstdint>

#include "core/policy/activation.h"

namespace calf::core::detail {

/// One dense layer in kernel form: weights row-major [out][in] so that W(o, i) is read in
/// increasing i, the order in which every output sums its products.
struct KernelLayer {
  const float* weight = nullptr;  ///< [out * in], row-major.
  const float* bias = nullptr;    ///< [out].
  int in = 0;
  int out = 0;
  Activation activation = Activation::kIdentity;
};

/// A whole network for the kernel.
struct KernelNet {
  const KernelLayer* layers = nullptr;
  int num_layers = 0;
  const float* output_scale = nullptr;  ///< [output dim] or null (= 1).
  int max_width = 0;                    ///< Largest layer width (input included).
};

/// Most agents per tile of any build: each agent is one SIMD lane; a tile is 4 AVX-512
/// vectors (64 agents) or 4 AVX2 / 8 SSE2 vectors (32 agents).
inline constexpr int kMaxKernelTile = 64;

/// Floats of scratch the kernels need (two activation tiles, 64-byte aligned inside).
inline int64_t KernelScratchFloats(const KernelNet& net) {
  return 2 * static_cast<int64_t>(net.max_width) * kMaxKernelTile + 16;
}

/// Forward of `batch` agent-major inputs to agent-major outputs. Every output is
/// bias + Σ_i W(o,i)·x_i summed in increasing i with separate multiply and add (no FMA), one
/// agent per lane: the result does not depend on the batch, the tile or the vector width,
/// so both builds give the same bits. `scratch` holds KernelScratchFloats(net) floats.
void KernelForwardGeneric(const KernelNet& net, const float* in, int64_t batch, float* out,
                          float* scratch);
/// The same kernel compiled with AVX2 (no FMA); call only when the CPU supports AVX2.
void KernelForwardAvx2(const KernelNet& net, const float* in, int64_t batch, float* out,
                       float* scratch);
/// The same kernel compiled with AVX-512F (no FMA); call only when the CPU supports it.
void KernelForwardAvx512(const KernelNet& net, const float* in, int64_t batch, float* out,
                         float* scratch);

}  // namespace calf::core::detail
