#pragma once
// A plain multilayer perceptron evaluated with Eigen in float32, batched over agents.
// This is calf's fast inference path; LibTorch is used to load, save and train.

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace calf::core {

/// Activation applied after a dense layer.
enum class Activation { kIdentity, kRelu, kTanh };

/// One dense layer y = act(W x + b).
struct DenseLayer {
  Eigen::MatrixXf weight;  ///< [out, in], as in torch.nn.Linear.
  Eigen::VectorXf bias;    ///< [out].
  Activation activation = Activation::kIdentity;
};

/// Scratch buffers for Mlp::Forward; one per thread, reused across calls.
struct MlpWorkspace {
  Eigen::MatrixXf x, a, b;
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

  /// Evaluates `batch` inputs. `in` is agent-major [batch, input_dim], `out` agent-major
  /// [batch, output_dim]. Deterministic: an agent's output does not depend on the batch
  /// it is evaluated in. Not parallel itself: call it from one thread per workspace.
  void Forward(const float* in, int64_t batch, float* out, MlpWorkspace& ws) const;

 private:
  std::vector<DenseLayer> layers_;
  Eigen::VectorXf output_scale_;
  int input_dim_ = 0;
  int output_dim_ = 0;
};

}  // namespace calf::core
