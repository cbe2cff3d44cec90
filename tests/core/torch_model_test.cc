#include "core/policy/torch_model.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "core/env/registry.h"
#include "core/error.h"
#include "tests/testutil/temp_dir.h"

using namespace calf::core;

namespace {
Mlp PointMassActor(uint64_t seed) {
  Eigen::VectorXf scale(1);
  scale << 5.0f;
  return MakeRandomMlp({2, 64, 64, 1}, Activation::kRelu, Activation::kTanh, scale, seed);
}
Mlp PointMassCriticHead(uint64_t seed) {
  return MakeRandomMlp({3, 64, 64, 1}, Activation::kRelu, Activation::kIdentity, {}, seed);
}
std::vector<float> RandomInputs(int64_t n, int dim, uint64_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  std::vector<float> v(n * dim);
  for (auto& x : v) x = u(rng);
  return v;
}
}  // namespace

TEST_CASE("Eigen and LibTorch actor inference agree within 1e-5", "[core][torch][align]") {
  calf::testutil::TempDir dir;
  const auto& spec = env::FindSpec("point_mass");
  SaveActorTorchScript(PointMassActor(1), dir.path("actor.pt"));
  auto model = TorchModel::Load(dir.path("actor.pt"), TorchModel::Role::kActor, spec);
  const int64_t n = 1000;
  auto s = RandomInputs(n, 2, 7);
  std::vector<float> eig(n), tor(n);
  MlpWorkspace ws;
  model->heads()[0].Forward(s.data(), n, eig.data(), ws);
  model->TorchActorForward(s.data(), n, tor.data());
  double max_err = 0;
  for (int64_t i = 0; i < n; ++i) max_err = std::max(max_err, double(std::abs(eig[i] - tor[i])));
  CHECK(max_err < 1e-5);
  // outputs are tanh-scaled into the action limits, and not all equal
  CHECK(*std::max_element(eig.begin(), eig.end()) <= 5.0f);
  CHECK(*std::min_element(eig.begin(), eig.end()) >= -5.0f);
  CHECK(*std::max_element(eig.begin(), eig.end()) > *std::min_element(eig.begin(), eig.end()));
}

TEST_CASE("A saved twin critic reloads with both heads agreeing with LibTorch",
          "[core][torch][align]") {
  calf::testutil::TempDir dir;
  const auto& spec = env::FindSpec("point_mass");
  Mlp q1 = PointMassCriticHead(2), q2 = PointMassCriticHead(3);
  SaveCriticTorchScript(q1, q2, 2, dir.path("critic.pt"));
  auto model = TorchModel::Load(dir.path("critic.pt"), TorchModel::Role::kCritic, spec);
  REQUIRE(model->heads().size() == 2);
  const int64_t n = 257;
  auto s = RandomInputs(n, 2, 8), a = RandomInputs(n, 1, 9);
  std::vector<float> t1(n), t2(n), e1(n), e2(n), sa(n * 3);
  model->TorchCriticForward(s.data(), a.data(), n, t1.data(), t2.data());
  for (int64_t i = 0; i < n; ++i) {
    sa[i * 3] = s[i * 2];
    sa[i * 3 + 1] = s[i * 2 + 1];
    sa[i * 3 + 2] = a[i];
  }
  MlpWorkspace ws;
  model->heads()[0].Forward(sa.data(), n, e1.data(), ws);
  model->heads()[1].Forward(sa.data(), n, e2.data(), ws);
  // the reloaded heads equal the saved ones exactly
  std::vector<float> o1(n);
  q1.Forward(sa.data(), n, o1.data(), ws);
  for (int64_t i = 0; i < n; ++i) {
    CHECK(std::abs(e1[i] - t1[i]) < 1e-5);
    CHECK(std::abs(e2[i] - t2[i]) < 1e-5);
    CHECK(o1[i] == e1[i]);
  }
  CHECK(e1 != e2);
}

TEST_CASE("An agent's MLP output does not depend on the batch it is evaluated in",
          "[core][mlp][determinism]") {
  Mlp actor = PointMassActor(4);
  auto s = RandomInputs(1000, 2, 10);
  std::vector<float> all(1000), part(1000);
  MlpWorkspace ws;
  actor.Forward(s.data(), 1000, all.data(), ws);
  // uneven partitions, including batches of one and odd sizes
  int64_t sizes[] = {1, 3, 7, 64, 129, 256, 540};
  int64_t pos = 0;
  for (int64_t b : sizes) {
    actor.Forward(s.data() + pos * 2, b, part.data() + pos, ws);
    pos += b;
  }
  REQUIRE(pos == 1000);
  CHECK(all == part);
}

TEST_CASE("Models of the wrong dimensions for the system are rejected", "[core][torch][error]") {
  calf::testutil::TempDir dir;
  SaveActorTorchScript(PointMassActor(1), dir.path("actor.pt"));
  const auto& uni = env::FindSpec("differential_drive");
  try {
    TorchModel::Load(dir.path("actor.pt"), TorchModel::Role::kActor, uni);
    FAIL("no error");
  } catch (const calf::PolicyError& e) {
    CHECK(std::string(e.what()).find("2 -> 1") != std::string::npos);
    CHECK(e.code() == calf::ExitCode::kUsage);
  }
}

TEST_CASE("Missing and corrupt model files give a clear usage error", "[core][torch][error]") {
  calf::testutil::TempDir dir;
  const auto& spec = env::FindSpec("point_mass");
  CHECK_THROWS_WITH(TorchModel::Load(dir.path("nope.pt"), TorchModel::Role::kActor, spec),
                    Catch::Contains("not found"));
  std::ofstream(dir.path("bad.pt")) << "this is not a zip archive";
  CHECK_THROWS_AS(TorchModel::Load(dir.path("bad.pt"), TorchModel::Role::kActor, spec),
                  calf::PolicyError);
}

TEST_CASE("A module whose activations are not ReLU/Tanh is rejected by the probe check",
          "[core][torch][error]") {
  calf::testutil::TempDir dir;
  // hidden activations tanh instead of ReLU: the same parameters, a different function
  Eigen::VectorXf scale(1);
  scale << 5.0f;
  Mlp odd = MakeRandomMlp({2, 16, 16, 1}, Activation::kTanh, Activation::kTanh, scale, 3);
  SaveActorTorchScript(odd, dir.path("odd.pt"));
  CHECK_THROWS_WITH(
      TorchModel::Load(dir.path("odd.pt"), TorchModel::Role::kActor, env::FindSpec("point_mass")),
      Catch::Contains("probe mismatch"));
}

TEST_CASE("A model holding NaN or infinite parameters is refused by name", "[core][torch][error]") {
  calf::testutil::TempDir dir;
  const auto& spec = env::FindSpec("point_mass");
  const Mlp good = PointMassActor(1);
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<DenseLayer> layers = good.layers();
    layers[1].weight(3, 5) = bad;  // one parameter of a hidden layer
    Eigen::VectorXf scale(1);
    scale << 5.0f;
    SaveActorTorchScript(Mlp(layers, scale), dir.path("bad.pt"));
    try {
      TorchModel::Load(dir.path("bad.pt"), TorchModel::Role::kActor, spec);
      FAIL("no error");
    } catch (const calf::PolicyError& e) {
      CHECK_THAT(e.what(), Catch::Contains("holds NaN or infinite parameters"));
      CHECK(e.code() == calf::ExitCode::kUsage);
    }
  }
  // the same model with its parameters intact loads
  SaveActorTorchScript(good, dir.path("good.pt"));
  CHECK_NOTHROW(TorchModel::Load(dir.path("good.pt"), TorchModel::Role::kActor, spec));
}
