#include "core/policy/mlp.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"

namespace calf::core {

Mlp::Mlp(std::vector<DenseLayer> layers, Eigen::VectorXf output_scale)
    : layers_(std::move(layers)), output_scale_(std::move(output_scale)) {
  if (layers_.empty()) throw PolicyError("an MLP needs at least one layer");
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto& l = layers_[i];
    if (l.bias.size() != l.weight.rows()) {
      throw PolicyError("layer " + std::to_string(i) + ": bias has " +
                        std::to_string(l.bias.size()) + " entries for " +
                        std::to_string(l.weight.rows()) + " outputs");
    }
    if (i > 0 && l.weight.cols() != layers_[i - 1].weight.rows()) {
      throw PolicyError("layer " + std::to_string(i) + " takes " +
                        std::to_string(l.weight.cols()) + " inputs but layer " +
                        std::to_string(i - 1) + " gives " +
                        std::to_string(layers_[i - 1].weight.rows()));
    }
  }
  input_dim_ = static_cast<int>(layers_.front().weight.cols());
  output_dim_ = static_cast<int>(layers_.back().weight.rows());
  if (output_scale_.size() != 0 && output_scale_.size() != output_dim_) {
    throw PolicyError("output scale has " + std::to_string(output_scale_.size()) +
                      " entries for " + std::to_string(output_dim_) + " outputs");
  }
}

void Mlp::Forward(const float* in, int64_t batch, float* out, MlpWorkspace& ws) const {
  CALF_CHECK(!layers_.empty()) << "forward of an empty MLP";
  // Eigen picks its product kernel by shape (GEMV for one column, remainder kernels for
  // leftover columns), which changes the rounding. Padding the batch to a multiple of
  // kColumnQuantum zero columns sends every agent through the same kernel, so its output
  // does not depend on the batch it is evaluated in.
  constexpr int64_t kColumnQuantum = 8;
  const int64_t padded = (batch + kColumnQuantum - 1) / kColumnQuantum * kColumnQuantum;

  // agent-major [batch, dim] is column-major [dim, batch]: one column per agent
  ws.x.resize(input_dim_, padded);
  std::memcpy(ws.x.data(), in, sizeof(float) * input_dim_ * batch);
  if (padded > batch) ws.x.rightCols(padded - batch).setZero();

  const Eigen::MatrixXf* cur = &ws.x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    Eigen::MatrixXf& dst = (i % 2 == 0) ? ws.a : ws.b;
    dst.resize(l.weight.rows(), padded);
    dst.noalias() = l.weight * (*cur);
    dst.colwise() += l.bias;
    switch (l.activation) {
      case Activation::kRelu: dst = dst.cwiseMax(0.0f); break;
      case Activation::kTanh:
        // scalar std::tanh: Eigen's packet tanh may differ from its tail path
        for (Eigen::Index k = 0; k < dst.size(); ++k) dst.data()[k] = std::tanh(dst.data()[k]);
        break;
      case Activation::kIdentity: break;
    }
    cur = &dst;
  }
  Eigen::Map<Eigen::MatrixXf> y(out, output_dim_, batch);
  if (output_scale_.size() != 0) {
    y = output_scale_.asDiagonal() * cur->leftCols(batch);
  } else {
    y = cur->leftCols(batch);
  }
}

}  // namespace calf::core
