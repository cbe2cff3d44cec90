// The MLP kernel against an independent double-precision evaluation, and the promise that its
// AVX2 and baseline builds give the same bits for any batch.
#include "core/policy/mlp.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "core/policy/torch_model.h"

using namespace calf::core;

namespace {

// Straightforward per-agent evaluation in double: y = act(W x + b), last layer scaled.
std::vector<double> Reference(const Mlp& mlp, const float* x) {
  std::vector<double> cur(x, x + mlp.input_dim());
  for (const auto& l : mlp.layers()) {
    std::vector<double> next(static_cast<size_t>(l.weight.rows()));
    for (Eigen::Index o = 0; o < l.weight.rows(); ++o) {
      double acc = l.bias[o];
      for (Eigen::Index i = 0; i < l.weight.cols(); ++i) acc += double(l.weight(o, i)) * cur[i];
      if (l.activation == Activation::kRelu) acc = std::max(acc, 0.0);
      if (l.activation == Activation::kTanh) acc = std::tanh(acc);
      next[o] = acc;
    }
    cur = next;
  }
  for (size_t o = 0; o < cur.size(); ++o) {
    if (mlp.output_scale().size() != 0) cur[o] *= mlp.output_scale()[o];
  }
  return cur;
}

std::vector<float> RandomInputs(int64_t n, int dim, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-3.0F, 3.0F);
  std::vector<float> x(static_cast<size_t>(n * dim));
  for (auto& v : x) v = u(gen);
  return x;
}

}  // namespace

TEST_CASE("The MLP kernel matches a double-precision evaluation within 1e-5", "[core][mlp]") {
  Eigen::VectorXf scale(2);
  scale << 1.0F, 2.0F;
  const Mlp mlp = MakeRandomMlp({3, 64, 48, 2}, Activation::kRelu, Activation::kTanh, scale, 11);
  const int64_t n = 77;  // two full tiles and a partial one
  const auto x = RandomInputs(n, 3, 1);
  std::vector<float> y(n * 2);
  MlpWorkspace ws;
  mlp.Forward(x.data(), n, y.data(), ws);
  for (int64_t k = 0; k < n; ++k) {
    const auto ref = Reference(mlp, &x[k * 3]);
    for (int o = 0; o < 2; ++o) REQUIRE(y[k * 2 + o] == Approx(ref[o]).margin(1e-5));
  }
}

TEST_CASE("The AVX2 and baseline MLP kernels give identical bits for any batch size",
          "[core][mlp][determinism]") {
  INFO("kernel in use: " << Mlp::KernelName());
  const Mlp critic = MakeRandomMlp({3, 64, 64, 1}, Activation::kRelu, Activation::kIdentity, {}, 5);
  MlpWorkspace ws;
  const auto x = RandomInputs(100, 3, 2);
  std::vector<float> all(100), generic(100);
  critic.Forward(x.data(), 100, all.data(), ws);
  critic.ForwardGeneric(x.data(), 100, generic.data(), ws);
  for (int k = 0; k < 100; ++k) REQUIRE(all[k] == generic[k]);
  // every prefix batch and every single agent reproduce the same bits
  for (int64_t b : {1, 7, 31, 32, 33, 64, 99}) {
    std::vector<float> part(b);
    critic.Forward(x.data() + (100 - b) * 3, b, part.data(), ws);
    for (int64_t k = 0; k < b; ++k) REQUIRE(part[k] == all[100 - b + k]);
  }
}

TEST_CASE("The ReLU of the kernel clamps negative pre-activations to zero", "[core][mlp]") {
  // one hidden unit with weight -1: positive inputs give 0 after ReLU, then identity
  DenseLayer hidden{Eigen::MatrixXf::Constant(1, 1, -1.0F), Eigen::VectorXf::Zero(1),
                    Activation::kRelu};
  DenseLayer last{Eigen::MatrixXf::Constant(1, 1, 2.0F), Eigen::VectorXf::Constant(1, 0.5F),
                  Activation::kIdentity};
  const Mlp mlp({hidden, last});
  const float x[3] = {3.0F, -1.5F, 0.0F};
  float y[3];
  MlpWorkspace ws;
  mlp.Forward(x, 3, y, ws);
  REQUIRE(y[0] == 0.5F);
  REQUIRE(y[1] == 3.5F);
  REQUIRE(y[2] == 0.5F);
}
