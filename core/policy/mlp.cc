#include "core/policy/mlp.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/policy/mlp_kernel.h"

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
      throw PolicyError("layer " + std::to_string(i) + " takes " + std::to_string(l.weight.cols()) +
                        " inputs but layer " + std::to_string(i - 1) + " gives " +
                        std::to_string(layers_[i - 1].weight.rows()));
    }
  }
  if (layers_.size() > static_cast<size_t>(kMaxLayers)) {
    throw PolicyError("an MLP of " + std::to_string(layers_.size()) + " layers; calf supports " +
                      "at most " + std::to_string(kMaxLayers));
  }
  input_dim_ = static_cast<int>(layers_.front().weight.cols());
  max_width_ = input_dim_;
  for (const auto& l : layers_) {
    const auto out = static_cast<int>(l.weight.rows());
    max_width_ = std::max(max_width_, out);
    // row-major copy: the kernel reads W(o, i) for increasing i
    std::vector<float> rows(static_cast<size_t>(l.weight.size()));
    for (Eigen::Index o = 0; o < l.weight.rows(); ++o) {
      for (Eigen::Index i = 0; i < l.weight.cols(); ++i)
        rows[o * l.weight.cols() + i] = l.weight(o, i);
    }
    row_major_.push_back(std::move(rows));
  }
  output_dim_ = static_cast<int>(layers_.back().weight.rows());
  if (output_scale_.size() != 0 && output_scale_.size() != output_dim_) {
    throw PolicyError("output scale has " + std::to_string(output_scale_.size()) + " entries for " +
                      std::to_string(output_dim_) + " outputs");
  }
}

namespace {

using ForwardFn = void (*)(const detail::KernelNet&, const float*, int64_t, float*, float*);

ForwardFn PickKernel() {
  const char* force = std::getenv("CALF_MLP_KERNEL");
  if (force != nullptr && std::strcmp(force, "generic") == 0) return detail::KernelForwardGeneric;
  __builtin_cpu_init();
  const bool avx2_only = force != nullptr && std::strcmp(force, "avx2") == 0;
  if (!avx2_only && __builtin_cpu_supports("avx512f")) return detail::KernelForwardAvx512;
  if (__builtin_cpu_supports("avx2")) return detail::KernelForwardAvx2;
  return detail::KernelForwardGeneric;
}

ForwardFn Kernel() {
  static const ForwardFn fn = PickKernel();
  return fn;
}

}  // namespace

const char* Mlp::KernelName() {
  if (Kernel() == detail::KernelForwardAvx512) return "avx512";
  return Kernel() == detail::KernelForwardAvx2 ? "avx2" : "generic";
}

void Mlp::Forward(const float* in, int64_t batch, float* out, MlpWorkspace& ws) const {
  RunKernel(Kernel(), in, batch, out, ws);
}

void Mlp::ForwardGeneric(const float* in, int64_t batch, float* out, MlpWorkspace& ws) const {
  RunKernel(detail::KernelForwardGeneric, in, batch, out, ws);
}

void Mlp::RunKernel(KernelFn fn, const float* in, int64_t batch, float* out,
                    MlpWorkspace& ws) const {
  CALF_CHECK(!layers_.empty()) << "forward of an empty MLP";
  if (batch <= 0) return;
  // the kernel description is rebuilt per call (a few layers) so Mlp stays freely copyable
  detail::KernelLayer kl[kMaxLayers];
  for (size_t i = 0; i < layers_.size(); ++i) {
    kl[i].weight = row_major_[i].data();
    kl[i].bias = layers_[i].bias.data();
    kl[i].in = static_cast<int>(layers_[i].weight.cols());
    kl[i].out = static_cast<int>(layers_[i].weight.rows());
    kl[i].activation = layers_[i].activation;
  }
  detail::KernelNet net;
  net.layers = kl;
  net.num_layers = static_cast<int>(layers_.size());
  net.output_scale = output_scale_.size() != 0 ? output_scale_.data() : nullptr;
  net.max_width = max_width_;
  const auto need = static_cast<size_t>(detail::KernelScratchFloats(net));
  if (ws.scratch.size() < need) ws.scratch.resize(need);
  fn(net, in, batch, out, ws.scratch.data());
}

}  // namespace calf::core
