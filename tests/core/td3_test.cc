// TD3 building blocks: replay ring, soft update, target computation, Eigen gradients and
// Adam against LibTorch autograd / torch::optim::Adam.

#include "core/train/td3/td3.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/train/td3/replay_buffer.h"
#include "core/train/td3/td3_reference.h"

namespace {

using calf::core::Activation;
using namespace calf::core::train;

double MaxAbsDiff(const Eigen::MatrixXf& a, const Eigen::MatrixXf& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return (a - b).cwiseAbs().maxCoeff();
}

double MaxAbs(const Eigen::MatrixXf& a) { return a.cwiseAbs().maxCoeff(); }

void RequireGradsClose(const NetGrads& a, const NetGrads& b, double rel_tol) {
  REQUIRE(a.dw.size() == b.dw.size());
  for (size_t i = 0; i < a.dw.size(); ++i) {
    const double scale_w = std::max(1e-6, MaxAbs(b.dw[i]));
    const double scale_b = std::max(1e-6, MaxAbs(b.db[i]));
    INFO("layer " << i);
    CHECK(MaxAbsDiff(a.dw[i], b.dw[i]) <= rel_tol * scale_w);
    CHECK(MaxAbsDiff(a.db[i], b.db[i]) <= rel_tol * scale_b);
  }
}

// a batch of b random transitions for a d/m system
Batch RandomBatch(int d, int m, int b, unsigned seed) {
  std::srand(seed);
  Batch batch;
  batch.state = Eigen::MatrixXf::Random(d, b) * 3.0f;
  batch.action = Eigen::MatrixXf::Random(m, b);
  batch.next_state = Eigen::MatrixXf::Random(d, b) * 3.0f;
  batch.reward = Eigen::RowVectorXf::Random(b) * 10.0f;
  batch.not_done = Eigen::RowVectorXf::Ones(b);
  for (int k = 0; k < b; k += 5) batch.not_done(k) = 0.0f;
  return batch;
}

}  // namespace

TEST_CASE("Replay buffer overwrites the oldest transition when full", "[train][replay]") {
  ReplayBuffer rb(3, 2, 1);
  for (int t = 0; t < 5; ++t) {
    const double s[2] = {double(t), -double(t)}, a[1] = {0.5 * t}, s2[2] = {t + 1.0, 0.0};
    rb.Add(s, a, 10.0 * t, s2, t == 4);
  }
  REQUIRE(rb.size() == 3);
  REQUIRE(rb.position() == 2);  // 5 mod 3
  // slots now hold t = 3, 4, 2
  Batch b;
  rb.Gather({0, 1, 2}, b);
  CHECK(b.state(0, 0) == 3.0f);
  CHECK(b.state(1, 1) == -4.0f);
  CHECK(b.state(0, 2) == 2.0f);
  CHECK(b.action(0, 1) == 2.0f);
  CHECK(b.reward(2) == 20.0f);
  CHECK(b.next_state(0, 0) == 4.0f);
  CHECK(b.not_done(1) == 0.0f);
  CHECK(b.not_done(0) == 1.0f);

  std::stringstream ss;
  rb.Write(ss);
  ReplayBuffer copy(3, 2, 1);
  copy.Read(ss);
  Batch c;
  copy.Gather({0, 1, 2}, c);
  CHECK(copy.position() == 2);
  CHECK(c.state == b.state);
  CHECK(c.reward == b.reward);

  std::stringstream ss2;
  rb.Write(ss2);
  ReplayBuffer other(4, 2, 1);
  CHECK_THROWS_AS(other.Read(ss2), calf::IoError);
}

TEST_CASE("Replay ring: memory follows the contents, impossible sizes are refused",
          "[train][replay]") {
  // a replay_size beyond the machine used to end `calf train` as "internal error:
  // std::bad_alloc" (exit 3); found while fuzzing checkpoints, whose config sets it
  CHECK_THROWS_WITH(ReplayBuffer(int64_t{1} << 50, 2, 1),
                    Catch::Contains("replay_size") && Catch::Contains("memory"));
  // a large ring that is never filled costs nothing, and a partly filled one round-trips
  ReplayBuffer big(int64_t{1} << 24, 2, 1);
  const double s[2] = {1.0, 2.0}, a[1] = {0.5}, s2[2] = {3.0, 4.0};
  big.Add(s, a, 1.0, s2, false);
  big.Add(s2, a, 2.0, s, true);
  std::stringstream ss;
  big.Write(ss);
  ReplayBuffer copy(int64_t{1} << 24, 2, 1);
  copy.Read(ss);
  REQUIRE(copy.size() == 2);
  copy.Add(s, a, 3.0, s2, false);
  Batch b;
  copy.Gather({0, 1, 2}, b);
  CHECK(b.reward(1) == 2.0f);
  CHECK(b.reward(2) == 3.0f);
  CHECK(b.next_state(1, 2) == 4.0f);
  // a ring that is not full has its next slot at its size; anything else is corrupt
  std::stringstream bad;
  big.Write(bad);
  std::string bytes = bad.str();
  const int64_t pos = 7;
  std::memcpy(&bytes[8 + 4 + 4], &pos, sizeof pos);
  std::stringstream corrupt(bytes);
  CHECK_THROWS_AS(copy.Read(corrupt), calf::IoError);
}

TEST_CASE("Soft update moves every target parameter by tau", "[train][td3]") {
  Net src = MakeNet({3, 4, 1}, Activation::kRelu, Activation::kIdentity, {}, 1, 0);
  Net dst = MakeNet({3, 4, 1}, Activation::kRelu, Activation::kIdentity, {}, 2, 0);
  const Net before = dst;
  SoftUpdate(src, 0.25f, dst);
  for (size_t i = 0; i < dst.layers.size(); ++i) {
    for (Eigen::Index k = 0; k < dst.layers[i].w.size(); ++k) {
      const float expect = 0.25f * src.layers[i].w.data()[k] + 0.75f * before.layers[i].w.data()[k];
      CHECK(dst.layers[i].w.data()[k] == Approx(expect).epsilon(1e-6));
    }
    CHECK(dst.layers[i].b(0) == Approx(0.25f * src.layers[i].b(0) + 0.75f * before.layers[i].b(0)));
  }
}

TEST_CASE("Network init follows torch.nn.Linear's bounds and is reproducible", "[train][td3]") {
  Net a = MakeNet({2, 64, 64, 1}, Activation::kRelu, Activation::kTanh, {}, 7, 0);
  Net b = MakeNet({2, 64, 64, 1}, Activation::kRelu, Activation::kTanh, {}, 7, 0);
  Net c = MakeNet({2, 64, 64, 1}, Activation::kRelu, Activation::kTanh, {}, 8, 0);
  CHECK(a.layers[1].w == b.layers[1].w);
  CHECK(a.layers[1].w != c.layers[1].w);
  CHECK(MaxAbs(a.layers[0].w) <= 1.0 / std::sqrt(2.0));
  CHECK(MaxAbs(a.layers[0].w) > 0.9 / std::sqrt(2.0));  // 128 draws fill the range
  CHECK(MaxAbs(a.layers[1].w) <= 1.0 / 8.0);
}

TEST_CASE("TD3 target equals a hand computation on a tiny network", "[train][td3]") {
  Td3Params p;
  p.hidden = {2};
  p.discount = 0.9;
  p.policy_noise = 0.2;
  p.noise_clip = 0.5;
  Td3 td3(1, 1, {2.0}, p, 0);
  // actor target: h = relu(w1 s + b1) (2 units), a = 2 tanh(w2·h + b2)
  td3.actor_target.layers[0].w << 1.0f, -1.0f;
  td3.actor_target.layers[0].b << 0.0f, 0.5f;
  td3.actor_target.layers[1].w << 0.5f, 0.25f;
  td3.actor_target.layers[1].b << 0.1f;
  // critics over [s, a]: q = v·relu(W x + c) + e
  td3.q1_target.layers[0].w << 1.0f, 0.0f, 0.0f, 1.0f;
  td3.q1_target.layers[0].b << 0.0f, 0.0f;
  td3.q1_target.layers[1].w << 1.0f, 1.0f;
  td3.q1_target.layers[1].b << 0.0f;
  td3.q2_target.layers[0].w << 1.0f, 1.0f, -1.0f, 0.0f;
  td3.q2_target.layers[0].b << 0.0f, 0.0f;
  td3.q2_target.layers[1].w << 2.0f, 1.0f;
  td3.q2_target.layers[1].b << -1.0f;

  Batch batch;
  batch.state = Eigen::MatrixXf::Zero(1, 3);
  batch.action = Eigen::MatrixXf::Zero(1, 3);
  batch.next_state.resize(1, 3);
  batch.next_state << 0.3f, -1.0f, 2.0f;
  batch.reward.resize(3);
  batch.reward << -1.0f, -2.0f, -3.0f;
  batch.not_done.resize(3);
  batch.not_done << 1.0f, 1.0f, 0.0f;
  Eigen::MatrixXf normal(1, 3);
  normal << 1.0f, -5.0f, 0.1f;  // second one is clipped at -noise_clip·max_action

  const Eigen::RowVectorXf y = td3.TargetQ(batch, normal);
  for (int k = 0; k < 3; ++k) {
    const double s = batch.next_state(0, k);
    const double h1 = std::max(0.0, s), h2 = std::max(0.0, -s + 0.5);
    const double a_pi = 2.0 * std::tanh(0.5 * h1 + 0.25 * h2 + 0.1);
    const double eps = std::clamp(normal(0, k) * 0.2 * 2.0, -1.0, 1.0);
    const double a = std::clamp(a_pi + eps, -2.0, 2.0);
    const double q1 = std::max(0.0, s) + std::max(0.0, a);
    const double q2 = 2.0 * std::max(0.0, s + a) + std::max(0.0, -s) - 1.0;
    const double expect = batch.reward(k) + batch.not_done(k) * 0.9 * std::min(q1, q2);
    INFO("sample " << k);
    CHECK(y(k) == Approx(expect).epsilon(1e-6));
  }
}

namespace {

// the critic and actor gradients of td3 on a random batch equal LibTorch autograd's
void RequireGradientsMatchTorch(Td3& td3, unsigned batch_seed) {
  const int d = td3.state_dim(), m = td3.action_dim();
  TorchTd3Reference ref(td3);
  const Batch batch = RandomBatch(d, m, 64, batch_seed);
  const Eigen::MatrixXf normal = Eigen::MatrixXf::Random(m, 64) * 2.0f;
  NetGrads e1, e2, ea, t1, t2, ta;
  td3.Gradients(batch, normal, &e1, &e2, &ea);
  ref.Gradients(batch, normal, &t1, &t2, &ta);
  RequireGradsClose(e1, t1, 1e-4);
  RequireGradsClose(e2, t2, 1e-4);
  RequireGradsClose(ea, ta, 1e-4);
}

}  // namespace

TEST_CASE("Eigen TD3 gradients agree with LibTorch autograd", "[train][td3][torch]") {
  Td3Params p;
  Td3 td3(3, 2, {1.0, 2.0}, p, 11);
  // make targets differ from the online nets so the test sees which one is used
  td3.q1_target = MakeNet({5, 64, 64, 1}, Activation::kRelu, Activation::kIdentity, {}, 99, 1);
  RequireGradientsMatchTorch(td3, 5);
}

TEST_CASE("An actor on the leading part of the critic's state: gradients agree with LibTorch",
          "[train][td3][torch]") {
  // the creature's layout: critics on 10 numbers (observation + extras), the actor on 7
  Td3Params p;
  Td3 td3(10, 3, {1.0, 1.0, 1.0}, p, 21, 7);
  REQUIRE(td3.actor_dim() == 7);
  REQUIRE(td3.actor.input_dim() == 7);
  REQUIRE(td3.q1.input_dim() == 13);
  td3.actor_target = MakeNet({7, 64, 64, 3}, Activation::kRelu, Activation::kTanh,
                             Eigen::VectorXf::Ones(3), 98, 0);
  RequireGradientsMatchTorch(td3, 6);
  // the actor reads the first 7 numbers only; the critic all 10
  double s[10] = {0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 0.8, -0.9, 0.5};
  double a1[3], a2[3];
  td3.Act(s, a1);
  const double q1 = td3.Q1(s, a1);
  s[7] = -0.8;
  s[9] = 0.9;
  td3.Act(s, a2);
  for (int j = 0; j < 3; ++j) CHECK(a1[j] == a2[j]);
  CHECK(td3.Q1(s, a1) != q1);
}

TEST_CASE("Eigen TD3 updates track a LibTorch TD3 over several iterations", "[train][td3][torch]") {
  Td3Params p;
  Td3 td3(2, 1, {5.0}, p, 3);
  TorchTd3Reference ref(td3);
  for (int it = 0; it < 6; ++it) {
    const Batch batch = RandomBatch(2, 1, 64, 100 + it);
    const Eigen::MatrixXf normal = Eigen::MatrixXf::Random(1, 64) * 2.0f;
    const UpdateStats e = td3.TrainOnBatch(batch, normal);
    const UpdateStats t = ref.TrainOnBatch(batch, normal);
    INFO("iteration " << it);
    CHECK(e.critic_loss == Approx(t.critic_loss).epsilon(1e-4));
    CHECK(e.actor_updated == (it % 2 == 1));
    CHECK(e.actor_updated == t.actor_updated);
    if (e.actor_updated) CHECK(e.actor_loss == Approx(t.actor_loss).epsilon(1e-4));
  }
  // Adam normalises steps to ~lr, so compare parameters to a fraction of lr
  auto close = [](const Net& a, const Net& b) {
    double worst = 0.0;
    for (size_t i = 0; i < a.layers.size(); ++i) {
      worst = std::max(worst, MaxAbsDiff(a.layers[i].w, b.layers[i].w));
      worst = std::max(worst, MaxAbsDiff(a.layers[i].b, b.layers[i].b));
    }
    return worst;
  };
  CHECK(close(td3.q1, ref.Q1()) < 3e-6);
  CHECK(close(td3.q2, ref.Q2()) < 3e-6);
  CHECK(close(td3.actor, ref.Actor()) < 3e-6);
  CHECK(close(td3.q1_target, ref.Q1Target()) < 3e-6);
  CHECK(close(td3.actor_target, ref.ActorTarget()) < 3e-6);
  // and the nets did move: 6 Adam steps of ~lr each
  Td3 fresh(2, 1, {5.0}, p, 3);
  CHECK(close(td3.q1, fresh.q1) > 1e-3);
  CHECK(close(td3.actor, fresh.actor) > 1e-4);
  CHECK(close(td3.actor_target, fresh.actor_target) > 1e-7);
}
