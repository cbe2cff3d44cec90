#pragma once
// A plain multilayer perceptron in float32, batched over agents: parameters held as Eigen
// matrices, evaluated by calf's own SIMD kernel (core/policy/mlp_kernel.h). This is calf's
// fast inference path; LibTorch is used to load, save and train.

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "core/policy/activation.h"

namespace calf::core {

namespace detail {
struct KernelNet;
}  // namespace detail

/// One dense layer y = act(W x + b).
struct DenseLayer {
  Eigen::MatrixXf weight;  ///< [out, in], as in torch.nn.Linear.
  Eigen::VectorXf bias;    ///< [out].
  Activation activation = Activation::kIdentity;
};

/// Scratch buffers for Mlp::Forward; one per thread, reused across calls.
struct MlpWorkspace {
  std::vector<float> scratch;
};

/// Feed-forward network; immutable after construction and safe to share between threads.
class Mlp {
 public:
  Mlp() = default;
  /// Takes the layers (checked to chain) and an optional per-output scale (empty = 1).
  Mlp(std::vector<DenseLayer> layers, Eigen::VectorXf output_scale = {});

  int input_dim() const { return input_dim_; }
  int output_dim() const { return output_dim_; }
  const std::vector<DenseLayer>& layers() const { return layers_; }
  const Eigen::VectorXf& output_scale() const { return output_scale_; }
  bool empty() const { return layers_.empty(); }

  /// Name of the kernel Forward uses on this CPU: "avx512", "avx2" or "generic". The
  /// environment variable CALF_MLP_KERNEL=generic (or avx2) caps the choice; the bits are
  /// the same either way.
  static const char* KernelName();
  /// Forward through the baseline (SSE2) kernel whatever the CPU (for tests).
  void ForwardGeneric(const float* in, int64_t batch, float* out, MlpWorkspace& ws) const;

  /// Evaluates `batch` inputs. `in` is agent-major [batch, input_dim], `out` agent-major
  /// [batch, output_dim]. Deterministic: each output sums bias and products in a fixed
  /// order with one agent per SIMD lane, so an agent's output depends neither on the batch
  /// it is evaluated in nor on the CPU's vector width (the AVX-512, AVX2 and SSE2 builds
  /// of the kernel give the same bits; no FMA). Not parallel itself: one workspace per thread.
  void Forward(const float* in, int64_t batch, float* out, MlpWorkspace& ws) const;

 private:
  static constexpr int kMaxLayers = 16;
  using KernelFn = void (*)(const detail::KernelNet&, const float*, int64_t, float*, float*);
  void RunKernel(KernelFn fn, const float* in, int64_t batch, float* out, MlpWorkspace& ws) const;

  std::vector<DenseLayer> layers_;
  std::vector<std::vector<float>> row_major_;  // weights as [out][in] for the kernel
  Eigen::VectorXf output_scale_;
  int max_width_ = 0;
  int input_dim_ = 0;
  int output_dim_ = 0;
};

}  // namespace calf::core
