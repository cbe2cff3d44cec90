#pragma once
// The activation functions of calf's MLPs (shared by Mlp and its kernels, which must not
// include Eigen).

namespace calf::core {

/// Activation applied after a dense layer.
enum class Activation { kIdentity, kRelu, kTanh };

}  // namespace calf::core
