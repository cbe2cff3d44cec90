// PPO: GAE against a hand-computed reference, the squashed Gaussian's log-density against a
// direct computation, the LSTM reset inside a sequence, both attention paths, the loss
// (value clipping on and off, a minibatch of one), resume bit-identity, thread-count
// independence and the configuration's refusals.

#include <omp.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// LibTorch first: its glog defines CHECK, which must not replace Catch's
#include "core/train/ppo/ppo_loss.h"
#include "core/train/ppo/recurrent_policy.h"
#undef CHECK
#undef CHECK_EQ
#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/train/ppo/gae.h"
#include "core/train/ppo/ppo_algorithm.h"
#include "core/train/td3/td3_algorithm.h"
#include "core/train/trainer.h"
#include "tests/core/temp_dir.h"

namespace {

using namespace calf::core::train;
using calf::ConfigError;

// the textbook definition: A_t = sum_l (gamma lambda)^l delta_{t+l} up to the episode's end
// (or the rollout's), delta as in the paper with the bootstrap dropped at a terminal
std::vector<double> ReferenceGae(const std::vector<float>& r, const std::vector<float>& v,
                                 const std::vector<float>& nv, const std::vector<uint8_t>& term,
                                 const std::vector<uint8_t>& trunc, double g, double l) {
  const size_t T = r.size();
  std::vector<double> delta(T), adv(T);
  for (size_t t = 0; t < T; ++t) delta[t] = r[t] + (term[t] ? 0.0 : g * nv[t]) - v[t];
  for (size_t t = 0; t < T; ++t) {
    double sum = 0.0, w = 1.0;
    for (size_t k = t; k < T; ++k) {
      sum += w * delta[k];
      if (term[k] || trunc[k]) break;
      w *= g * l;
    }
    adv[t] = sum;
  }
  return adv;
}

PpoConfig& P(TrainConfig& c) { return c.As<PpoConfig>(); }

TrainConfig TinyPpo(const std::string& system = "point_mass") {
  TrainConfig c;
  c.SetAlgorithm("ppo");
  c.system = system;
  c.seed = 5;
  c.episodes = 4;
  c.env.max_steps_per_episode = 10;  // truncations inside every rollout
  PpoConfig& p = P(c);
  p.num_envs = 8;
  p.rollout_steps = 16;
  p.seq_len = 4;
  p.minibatch_size = 32;
  p.epochs = 2;
  p.net.encoder = {32, 16};
  p.net.attention_heads = 2;
  p.net.head_dim = 8;
  p.net.lstm = 16;
  p.net.head_hidden = 16;
  return c;
}

RecurrentPolicy SmallPolicy(const std::string& neighbourhood, uint64_t seed = 3) {
  PpoNetShape s;
  s.encoder = {16, 8};
  s.attention_heads = 2;
  s.head_dim = 4;
  s.lstm = 8;
  s.head_hidden = 8;
  s.neighbourhood = neighbourhood;
  s.knn_k = 2;
  return RecurrentPolicy(3, 2, s, -0.5, -5.0, 1.0, {1.0, 2.0}, seed);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool SameBits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && torch::equal(a.contiguous(), b.contiguous());
}

}  // namespace

TEST_CASE("GAE keeps termination and truncation apart", "[ppo][gae]") {
  // one environment, 6 steps: a truncation at t=1, a terminal at t=3, both at t=5
  const double g = 0.9, l = 0.8;
  std::vector<float> r = {1.0f, 2.0f, -1.0f, 3.0f, 0.5f, 1.5f};
  std::vector<float> v = {0.5f, 0.2f, 1.0f, -0.3f, 0.7f, 0.1f};
  std::vector<float> nv = {0.2f, 4.0f /* V(final obs) */, -0.3f, 99.0f, 0.1f, 99.0f};
  std::vector<uint8_t> term = {0, 0, 0, 1, 0, 1}, trunc = {0, 1, 0, 0, 0, 1};
  GaeInput in;
  in.steps = 6;
  in.envs = 1;
  in.rewards = r.data();
  in.values = v.data();
  in.next_values = nv.data();
  in.terminal = term.data();
  in.truncated = trunc.data();
  in.gamma = g;
  in.lambda = l;
  std::vector<float> adv(6), ret(6);
  ComputeGae(in, adv.data(), ret.data());
  const std::vector<double> ref = ReferenceGae(r, v, nv, term, trunc, g, l);
  for (int t = 0; t < 6; ++t) {
    INFO("t = " << t);
    CHECK(adv[t] == Approx(ref[t]).margin(1e-6));
    CHECK(ret[t] == Approx(ref[t] + v[t]).margin(1e-6));
  }
  // by hand: the truncated step bootstraps from V(final) = 4 and stops the trace
  CHECK(adv[1] == Approx(2.0 + 0.9 * 4.0 - 0.2));
  // terminal (and terminal + truncated): no bootstrap, whatever next_values holds
  CHECK(adv[3] == Approx(3.0 + 0.3));
  CHECK(adv[5] == Approx(1.5 - 0.1));
  // t=0 reaches into t=1 once: delta0 + g l delta1
  CHECK(adv[0] == Approx((1.0 + 0.9 * 0.2 - 0.5) + 0.72 * (2.0 + 3.6 - 0.2)));

  SECTION("an invalid (auto-reset) step gets nothing and passes nothing back") {
    std::vector<uint8_t> valid = {1, 1, 1, 1, 0, 1};
    in.valid = valid.data();
    std::vector<float> adv2(6), ret2(6);
    ComputeGae(in, adv2.data(), ret2.data());
    CHECK(adv2[4] == 0.0f);
    CHECK(ret2[4] == 0.0f);
    CHECK(adv2[5] == adv[5]);
    CHECK(adv2[3] == adv[3]);
  }
  SECTION("environments are independent columns") {
    std::vector<float> r2, v2, nv2;
    std::vector<uint8_t> te2, tr2;
    for (int t = 0; t < 6; ++t) {  // env 0 as above, env 1 with no episode end
      r2.insert(r2.end(), {r[t], 1.0f});
      v2.insert(v2.end(), {v[t], 0.0f});
      nv2.insert(nv2.end(), {nv[t], 0.0f});
      te2.insert(te2.end(), {term[t], 0});
      tr2.insert(tr2.end(), {trunc[t], 0});
    }
    GaeInput in2 = in;
    in2.envs = 2;
    in2.valid = nullptr;
    in2.rewards = r2.data();
    in2.values = v2.data();
    in2.next_values = nv2.data();
    in2.terminal = te2.data();
    in2.truncated = tr2.data();
    std::vector<float> a2(12), R2(12);
    ComputeGae(in2, a2.data(), R2.data());
    for (int t = 0; t < 6; ++t) CHECK(a2[t * 2] == adv[t]);
    // env 1: rewards 1, no values: A_5 = 1, A_t = 1 + g l A_{t+1}
    CHECK(a2[11] == Approx(1.0));
    CHECK(a2[9] == Approx(1.0 + 0.72));
  }
}

TEST_CASE("The squashed Gaussian's log-probability matches a direct computation",
          "[ppo][distribution]") {
  const std::vector<double> mus = {0.3, -1.2}, log_stds = {-0.4, 0.2};
  for (double u0 : {-7.5, -2.0, -0.1, 0.0, 0.6, 3.0, 8.0}) {
    for (double u1 : {-1.0, 0.25, 5.0}) {
      const torch::Tensor u = torch::tensor({u0, u1}, torch::kFloat64).view({1, 2});
      const torch::Tensor mu = torch::tensor(mus, torch::kFloat64).view({1, 2});
      const torch::Tensor ls = torch::tensor(log_stds, torch::kFloat64);
      const double got = SquashedLogProb(u, mu, ls).item<double>();
      double want = 0.0;
      const double us[2] = {u0, u1};
      for (int j = 0; j < 2; ++j) {
        const double s = std::exp(log_stds[j]);
        const double z = (us[j] - mus[j]) / s;
        const double th = std::tanh(us[j]);
        want += -0.5 * z * z - std::log(s) - 0.5 * std::log(2 * M_PI) - std::log1p(-th * th);
      }
      INFO("u = " << u0 << ", " << u1);
      CHECK(got == Approx(want).epsilon(1e-9));
    }
  }
  // a density in a = tanh(u): it integrates to 1 over (-1, 1) (midpoint rule in a)
  const int n = 200000;
  double total = 0.0;
  for (int i = 0; i < n; ++i) {
    const double a = -1.0 + (i + 0.5) * (2.0 / n);
    const torch::Tensor u = torch::tensor({std::atanh(a)}, torch::kFloat64).view({1, 1});
    const torch::Tensor lp = SquashedLogProb(u, torch::tensor({0.4}, torch::kFloat64).view({1, 1}),
                                             torch::tensor({-0.3}, torch::kFloat64));
    total += std::exp(lp.item<double>()) * (2.0 / n);
  }
  CHECK(total == Approx(1.0).margin(1e-3));
  // float32, far in the tail: finite (the naive log(1 - tanh^2) gives -inf there)
  const torch::Tensor far =
      SquashedLogProb(torch::full({1, 1}, 30.0f), torch::zeros({1, 1}), torch::zeros({1}));
  CHECK(std::isfinite(far.item<float>()));
}

TEST_CASE("An episode start inside a sequence resets the LSTM state", "[ppo][lstm]") {
  torch::NoGradGuard no_grad;
  const RecurrentPolicy net = SmallPolicy("self");
  const int64_t L = 6, B = 2;
  const torch::Tensor obs = torch::sin(torch::arange(L * B * 3, torch::kFloat32)).view({L, B, 3});
  torch::Tensor starts = torch::zeros({L, B});
  starts[3][0] = 1.0;  // agent 0 starts a new episode at t = 3
  const torch::Tensor h0 = torch::full({B, 8}, 0.3f), c0 = torch::full({B, 8}, -0.2f);
  auto [mu, value] = net.Unroll(obs, starts, h0, c0);
  // agent 0 from t = 3 equals a fresh unroll of its last three steps from a zero state
  auto [mu_b, value_b] = net.Unroll(obs.slice(0, 3).slice(1, 0, 1), torch::zeros({3, 1}),
                                    torch::zeros({1, 8}), torch::zeros({1, 8}));
  CHECK(torch::allclose(mu.slice(0, 3).slice(1, 0, 1), mu_b, 1e-6, 1e-6));
  CHECK(torch::allclose(value.slice(0, 3).slice(1, 0, 1), value_b, 1e-6, 1e-6));
  // agent 1 kept its state: different from a fresh start, equal to stepping one by one
  auto [mu_c, value_c] =
      net.Unroll(obs.slice(1, 1, 2), torch::zeros({L, 1}), h0.slice(0, 1, 2), c0.slice(0, 1, 2));
  CHECK(torch::allclose(mu.slice(1, 1, 2), mu_c, 1e-6, 1e-6));
  // without the start flag agent 0 carries its state on, and its values differ
  auto [mu_d, value_d] = net.Unroll(obs, torch::zeros({L, B}), h0, c0);
  CHECK_FALSE(torch::allclose(value_d.slice(0, 3).slice(1, 0, 1), value_b, 1e-5, 1e-5));
  torch::Tensor h = h0, c = c0;
  for (int64_t t = 0; t < L; ++t) {
    const torch::Tensor keep = (1.0 - starts[t]).unsqueeze(1);
    const auto out = net.Step(obs[t], h * keep, c * keep);
    CHECK(torch::allclose(out.mu, mu[t], 1e-6, 1e-6));
    CHECK(torch::allclose(out.value, value[t], 1e-6, 1e-6));
    h = out.h;
    c = out.c;
  }
}

TEST_CASE("Graph attention: an agent alone gets weight exactly 1 on both paths",
          "[ppo][attention]") {
  torch::NoGradGuard no_grad;
  const RecurrentPolicy self = SmallPolicy("self"), knn = SmallPolicy("knn");
  torch::manual_seed(7);  // the same observations every run
  const torch::Tensor obs = torch::randn({5, 3}, torch::kFloat32);
  const torch::Tensor h = torch::zeros({5, 8}), c = torch::zeros({5, 8});
  // the shortcut and the general softmax path give the same bits
  const auto fast = self.Step(obs, h, c, false);
  const auto general = self.Step(obs, h, c, true);
  CHECK(SameBits(fast.mu, general.mu));
  CHECK(SameBits(fast.h, general.h));
  // one agent under knn is the self-only network (same seed, same parameters), compared at
  // the same batch size: the BLAS may sum a product of one row in another order than of five
  const auto one = knn.Step(obs.slice(0, 0, 1), h.slice(0, 0, 1), c.slice(0, 0, 1));
  const auto self_one = self.Step(obs.slice(0, 0, 1), h.slice(0, 0, 1), c.slice(0, 0, 1));
  CHECK(SameBits(one.mu, self_one.mu));
  CHECK(SameBits(one.h, self_one.h));
  // with neighbours the output changes, and depends on the others' observations
  const auto many = knn.Step(obs, h, c);
  CHECK_FALSE(torch::allclose(many.h, fast.h, 1e-5, 1e-5));
  // agent 4 moved next to agent 0 becomes one of its neighbours: agent 0's output changes
  torch::Tensor moved = obs.clone();
  moved[4] = obs[0] + 0.01;
  const auto other = knn.Step(moved, h, c);
  CHECK_FALSE(torch::allclose(other.h[0], many.h[0], 1e-6, 1e-6));
}

TEST_CASE("PPO loss: clipping, value clipping on and off, a minibatch of one", "[ppo][loss]") {
  PpoConfig p;
  p.clip = 0.2;
  p.value_clip_range = 0.5;
  p.vf_coef = 0.5;
  p.ent_coef = 0.01;
  p.adv_norm = "off";
  PpoLossInput in;
  in.logp = torch::tensor({std::log(1.5f), std::log(0.5f)});
  in.logp_old = torch::zeros({2});
  in.advantage = torch::tensor({1.0f, 1.0f});
  in.value = torch::tensor({2.0f, 0.0f});
  in.value_old = torch::tensor({0.0f, 0.0f});
  in.ret = torch::tensor({0.0f, 1.0f});
  in.log_std = torch::zeros({1});
  p.value_clip = false;
  PpoLossOutput out = PpoLoss(in, p);
  // ratios 1.5 (clipped to 1.2) and 0.5 (min keeps 0.5): -(1.2 + 0.5) / 2
  CHECK(out.policy.item<double>() == Approx(-0.85).epsilon(1e-6));
  CHECK(out.clip_fraction == Approx(1.0));
  CHECK(out.value.item<double>() == Approx(0.5 * (4.0 + 1.0) / 2));
  p.value_clip = true;
  out = PpoLoss(in, p);
  // sample 0: V moved 2 > 0.5 from V_old: max((2-0)^2, (0.5-0)^2) = 4; sample 1: max(1, 1)
  CHECK(out.value.item<double>() == Approx(0.5 * (4.0 + 1.0) / 2));
  in.ret = torch::tensor({3.0f, 1.0f});  // now the clipped value is further: (0.5-3)^2
  out = PpoLoss(in, p);
  CHECK(out.value.item<double>() == Approx(0.5 * (6.25 + 1.0) / 2));
  p.value_clip = false;
  CHECK(PpoLoss(in, p).value.item<double>() == Approx(0.5 * (1.0 + 1.0) / 2));
  CHECK(out.entropy.item<double>() == Approx(0.5 + 0.5 * std::log(2 * M_PI)));

  // one sample, normalised per minibatch: finite (0 advantage), not NaN
  p.adv_norm = "minibatch";
  PpoLossInput one;
  one.logp = torch::tensor({0.1f}, torch::requires_grad());
  one.logp_old = torch::tensor({0.0f});
  one.advantage = torch::tensor({3.0f});
  one.value = torch::tensor({1.0f}, torch::requires_grad());
  one.value_old = torch::tensor({1.0f});
  one.ret = torch::tensor({2.0f});
  one.log_std = torch::zeros({1});
  const PpoLossOutput o1 = PpoLoss(one, p);
  CHECK(o1.policy.item<double>() == 0.0);
  o1.total.backward();
  CHECK(std::isfinite(one.logp.grad().item<float>()));
  CHECK(std::isfinite(one.value.grad().item<float>()));

  SECTION("and training with minibatches of one sequence of one step stays finite") {
    TrainConfig c = TinyPpo();
    P(c).seq_len = 1;
    P(c).minibatch_size = 1;
    P(c).rollout_steps = 4;
    P(c).num_envs = 2;
    P(c).epochs = 1;
    P(c).adv_norm = "minibatch";
    c.Validate();
    Trainer t(c);
    t.RunUntil(2);
    for (float v : t.As<PpoAlgorithm>().FlatParameters()) REQUIRE(std::isfinite(v));
  }
}

TEST_CASE("PPO: same seed, same bits; resume is bit-identical; threads do not matter",
          "[ppo][determinism]") {
  // the quadruped: MuJoCo's step in the environment batch's OpenMP blocks
  for (const std::string system : {"point_mass", "creature", "quadruped"}) {
    INFO(system);
    TrainConfig cfg = TinyPpo(system);
    P(cfg).world_model.enabled = true;
    omp_set_num_threads(1);
    Trainer one(cfg);
    one.RunUntil(4);
    const auto& log = one.As<PpoAlgorithm>().updates();
    REQUIRE(log.size() == 4);
    CHECK(log.back().env_steps == 4 * 16 * 8);
    CHECK(log[0].episodes > 0);  // the 10-step limit cut episodes inside the rollouts
    CHECK(std::isfinite(log.back().wm_obs_loss));

    omp_set_num_threads(2);
    Trainer two(cfg);
    two.RunUntil(4);
    CHECK(one.As<PpoAlgorithm>().FlatParameters() == two.As<PpoAlgorithm>().FlatParameters());

    calf::testing::TempDir dir;
    Trainer part(cfg);
    part.RunUntil(2);
    part.SaveCheckpoint(dir.File("ckpt.bin"));
    auto resumed = Trainer::FromCheckpoint(dir.File("ckpt.bin"));
    REQUIRE(resumed->episodes_done() == 2);
    resumed->RunUntil(4);
    CHECK(resumed->As<PpoAlgorithm>().FlatParameters() == one.As<PpoAlgorithm>().FlatParameters());
    const auto& rlog = resumed->As<PpoAlgorithm>().updates();
    for (size_t i = 0; i < 4; ++i) {
      CHECK(rlog[i].approx_kl == log[i].approx_kl);
      CHECK(rlog[i].wm_obs_loss == log[i].wm_obs_loss);
      CHECK(rlog[i].goal_hits == log[i].goal_hits);
    }
    TrainConfig other = cfg;
    other.seed = 6;
    Trainer o(other);
    o.RunUntil(1);
    Trainer same(cfg);
    same.RunUntil(1);
    CHECK(o.As<PpoAlgorithm>().FlatParameters() != same.As<PpoAlgorithm>().FlatParameters());
  }
  omp_set_num_threads(2);
}

TEST_CASE("PPO: a resumed checkpoint saves the bytes it was read from", "[ppo][checkpoint]") {
  // found by fuzz/checkpoint_fuzz: LibTorch's torch::save keyed each Adam state by its
  // tensor's address, so the same state saved from another trainer gave other bytes (calf now
  // writes the state itself, checkpoint version 4)
  TrainConfig cfg = TinyPpo();
  cfg.episodes = 1;
  P(cfg).world_model.enabled = true;
  calf::testing::TempDir dir;
  Trainer t(cfg);
  t.RunUntil(1);
  t.SaveCheckpoint(dir.File("a.bin"));
  const std::string a = ReadBytes(dir.File("a.bin"));
  Trainer::FromCheckpoint(dir.File("a.bin"))->SaveCheckpoint(dir.File("b.bin"));
  CHECK(a == ReadBytes(dir.File("b.bin")));
}

TEST_CASE("PPO training that diverges stops with exit code 1 at the update it happened",
          "[ppo][error]") {
  TrainConfig cfg = TinyPpo();
  P(cfg).reward_scale = 1e30;  // returns beyond float: the value loss is not finite
  Trainer t(cfg);
  try {
    t.RunUntil(2);
    FAIL("no error");
  } catch (const calf::DivergedError& e) {
    CHECK(e.code() == calf::ExitCode::kFailure);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("the value loss of update 1 is"));
  }
  Trainer sound(TinyPpo());
  CHECK_NOTHROW(sound.RunUntil(2));
}

TEST_CASE("PPO's configuration refuses what cannot work", "[ppo][config]") {
  auto refuses = [](const std::string& json, const std::string& words) {
    TrainOverrides o;
    o.algo = "ppo";
    o.config_json = json;
    o.config_source = "c.json";
    INFO(json);
    CHECK_THROWS_WITH(ResolveNewConfig(o), Catch::Contains(words));
  };
  refuses(R"({"minibatch_size": 100000})", "larger than the rollout");
  refuses(R"({"seq_len": 12})", "does not divide rollout_steps");
  refuses(R"({"clip": 0})", "clip");
  refuses(R"({"clip": -0.1})", "clip");
  refuses(R"({"ent_coef": -0.01})", "ent_coef");
  refuses(R"({"adv_norm": "sometimes"})", "adv_norm");
  refuses(R"({"net": {"neighbourhood": "knn"}, "minibatch_size": 512})", "multiple of seq_len");
  refuses(R"({"epochs": 0})", "epochs");

  // presets are sized per system, whichever way the system is given
  TrainOverrides q;
  q.algo = "ppo";
  q.preset = "quick";
  q.system = "creature";
  CHECK(ResolveNewConfig(q).env.max_steps_per_episode == 1000);
  q.system.reset();
  q.config_json = R"({"system": "unicycle"})";
  q.config_source = "c.json";
  CHECK(ResolveNewConfig(q).env.max_steps_per_episode == 750);

  // a TD3 checkpoint does not resume as PPO
  calf::testing::TempDir dir;
  TrainConfig td3;
  td3.episodes = 1;
  td3.env.max_steps_per_episode = 20;
  td3.As<Td3Config>().start_training_step = 5;
  Trainer t(td3);
  t.RunUntil(1);
  t.SaveCheckpoint(dir.File("td3.bin"));
  TrainOverrides r;
  r.algo = "ppo";
  CHECK_THROWS_AS(Trainer::FromCheckpoint(dir.File("td3.bin"), r), ConfigError);
}
