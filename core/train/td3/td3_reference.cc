#include "core/train/td3/td3_reference.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace calf::core::train {
namespace {

// a net as torch tensors: weights [out, in], biases [out], both leaf tensors with grad
struct TNet {
  std::vector<torch::Tensor> w, b;
  std::vector<Activation> act;
  torch::Tensor scale;  // [out] or undefined

  std::vector<torch::Tensor> Params() const {
    std::vector<torch::Tensor> p;
    for (size_t i = 0; i < w.size(); ++i) {
      p.push_back(w[i]);
      p.push_back(b[i]);
    }
    return p;
  }

  torch::Tensor Forward(torch::Tensor x) const {
    for (size_t i = 0; i < w.size(); ++i) {
      x = torch::nn::functional::linear(x, w[i], b[i]);
      if (act[i] == Activation::kRelu) x = torch::relu(x);
      if (act[i] == Activation::kTanh) x = torch::tanh(x);
    }
    if (scale.defined()) x = x * scale;
    return x;
  }
};

torch::Tensor FromMatrix(const Eigen::MatrixXf& m) {
  // column-major [r, c] is row-major [c, r]
  return torch::from_blob(const_cast<float*>(m.data()), {m.cols(), m.rows()})
      .t()
      .contiguous()
      .clone();
}

// [features, B] column layout -> [B, features]
torch::Tensor FromBatch(const Eigen::MatrixXf& m) {
  return torch::from_blob(const_cast<float*>(m.data()), {m.cols(), m.rows()}).clone();
}

Eigen::MatrixXf ToMatrix(const torch::Tensor& t) {
  torch::Tensor c = t.detach().contiguous();
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajor>(c.data_ptr<float>(), c.size(0), c.size(1));
}

Eigen::VectorXf ToVector(const torch::Tensor& t) {
  torch::Tensor c = t.detach().contiguous();
  return Eigen::Map<const Eigen::VectorXf>(c.data_ptr<float>(), c.size(0));
}

TNet ToTorch(const Net& net) {
  TNet t;
  for (const Layer& l : net.layers) {
    t.w.push_back(FromMatrix(l.w).set_requires_grad(true));
    Eigen::VectorXf b = l.b;
    t.b.push_back(torch::from_blob(b.data(), {b.size()}).clone().set_requires_grad(true));
    t.act.push_back(l.act);
  }
  if (net.output_scale.size() != 0) {
    Eigen::VectorXf s = net.output_scale;
    t.scale = torch::from_blob(s.data(), {s.size()}).clone();
  }
  return t;
}

Net ToEigen(const TNet& t, const Net& like) {
  Net net = like;
  for (size_t i = 0; i < t.w.size(); ++i) {
    net.layers[i].w = ToMatrix(t.w[i]);
    net.layers[i].b = ToVector(t.b[i]);
  }
  return net;
}

NetGrads GradsOf(const TNet& t) {
  NetGrads g;
  for (size_t i = 0; i < t.w.size(); ++i) {
    g.dw.push_back(t.w[i].grad().defined() ? ToMatrix(t.w[i].grad())
                                           : Eigen::MatrixXf::Zero(t.w[i].size(0), t.w[i].size(1)));
    g.db.push_back(t.b[i].grad().defined() ? ToVector(t.b[i].grad())
                                           : Eigen::VectorXf::Zero(t.b[i].size(0)));
  }
  return g;
}

torch::Tensor FromVector(const Eigen::VectorXf& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {v.size()}).clone();
}

// torch.optim keeps per-parameter state keyed by the tensor's identity
std::string StateKey(const torch::Tensor& p) {
  return c10::guts::to_string(p.unsafeGetTensorImpl());
}

// Adam state of `net`'s parameters into `opt` (nothing for a fresh optimiser: torch creates
// the zero state at its first step, exactly as Adam::Step starts from zero moments)
void LoadAdamState(const Adam& adam, const TNet& net, torch::optim::Adam& opt) {
  if (adam.steps() == 0) return;
  for (size_t i = 0; i < net.w.size(); ++i) {
    auto put = [&](const torch::Tensor& p, torch::Tensor m, torch::Tensor v) {
      auto st = std::make_unique<torch::optim::AdamParamState>();
      st->step(adam.steps());
      st->exp_avg(std::move(m));
      st->exp_avg_sq(std::move(v));
      opt.state()[StateKey(p)] = std::move(st);
    };
    put(net.w[i], FromMatrix(adam.m_w()[i]), FromMatrix(adam.v_w()[i]));
    put(net.b[i], FromVector(adam.m_b()[i]), FromVector(adam.v_b()[i]));
  }
}

void StoreAdamState(const torch::optim::Adam& opt, const TNet& net, Adam& adam) {
  std::vector<Eigen::MatrixXf> m_w = adam.m_w(), v_w = adam.v_w();
  std::vector<Eigen::VectorXf> m_b = adam.m_b(), v_b = adam.v_b();
  int64_t steps = 0;
  for (size_t i = 0; i < net.w.size(); ++i) {
    const auto w = opt.state().find(StateKey(net.w[i]));
    const auto b = opt.state().find(StateKey(net.b[i]));
    if (w == opt.state().end() || b == opt.state().end()) return;  // no step taken yet
    const auto& sw = static_cast<const torch::optim::AdamParamState&>(*w->second);
    const auto& sb = static_cast<const torch::optim::AdamParamState&>(*b->second);
    m_w[i] = ToMatrix(sw.exp_avg());
    v_w[i] = ToMatrix(sw.exp_avg_sq());
    m_b[i] = ToVector(sb.exp_avg());
    v_b[i] = ToVector(sb.exp_avg_sq());
    steps = sw.step();
  }
  adam.SetState(steps, std::move(m_w), std::move(v_w), std::move(m_b), std::move(v_b));
}

void ZeroGrad(const TNet& t) {
  for (auto& p : t.Params())
    if (p.grad().defined()) p.mutable_grad().zero_();
}

}  // namespace

struct TorchTd3Reference::Impl {
  Net like_actor, like_critic;
  TNet actor, actor_target, q1, q2, q1_target, q2_target;
  std::unique_ptr<torch::optim::Adam> actor_opt, critic_opt;
  Td3Params params;
  torch::Tensor max_action;
  int64_t iterations = 0;
  int d = 0, m = 0, actor_in = 0;  // leading state entries the actor sees (Td3::actor_dim)

  torch::Tensor CriticInput(const torch::Tensor& s, const torch::Tensor& a) const {
    return torch::cat({s, a}, 1);
  }

  // the TD3 target and both critic heads; returns the critic loss
  torch::Tensor CriticLoss(const Batch& batch, const Eigen::MatrixXf& normal) {
    torch::Tensor s = FromBatch(batch.state), a = FromBatch(batch.action);
    torch::Tensor s2 = FromBatch(batch.next_state), n = FromBatch(normal);
    Eigen::MatrixXf r_m = batch.reward, nd_m = batch.not_done;
    torch::Tensor r = FromBatch(r_m), nd = FromBatch(nd_m);  // [B, 1]
    torch::Tensor y;
    {
      torch::NoGradGuard no_grad;
      torch::Tensor sd = max_action * params.policy_noise;
      torch::Tensor clip = max_action * params.noise_clip;
      torch::Tensor noise = torch::max(torch::min(n * sd, clip), -clip);
      torch::Tensor next_action = actor_target.Forward(s2.narrow(1, 0, actor_in)) + noise;
      next_action = torch::max(torch::min(next_action, max_action), -max_action);
      torch::Tensor x2 = CriticInput(s2, next_action);
      torch::Tensor tq = torch::min(q1_target.Forward(x2), q2_target.Forward(x2));
      y = r + nd * params.discount * tq;
    }
    torch::Tensor x = CriticInput(s, a);
    return torch::mse_loss(q1.Forward(x), y) + torch::mse_loss(q2.Forward(x), y);
  }

  torch::Tensor ActorLoss(const Batch& batch) {
    torch::Tensor s = FromBatch(batch.state);
    return -q1.Forward(CriticInput(s, actor.Forward(s.narrow(1, 0, actor_in)))).mean();
  }
};

TorchTd3Reference::TorchTd3Reference(const Td3& init) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.params = init.params();
  im.d = init.state_dim();
  im.actor_in = init.actor_dim();
  im.m = init.action_dim();
  im.like_actor = init.actor;
  im.like_critic = init.q1;
  im.actor = ToTorch(init.actor);
  im.actor_target = ToTorch(init.actor_target);
  im.q1 = ToTorch(init.q1);
  im.q2 = ToTorch(init.q2);
  im.q1_target = ToTorch(init.q1_target);
  im.q2_target = ToTorch(init.q2_target);
  Eigen::VectorXf ma = init.max_action();
  im.max_action = torch::from_blob(ma.data(), {ma.size()}).clone();
  im.actor_opt = std::make_unique<torch::optim::Adam>(
      im.actor.Params(), torch::optim::AdamOptions(im.params.actor_lr));
  std::vector<torch::Tensor> critic_params = im.q1.Params();
  for (auto& p : im.q2.Params()) critic_params.push_back(p);
  im.critic_opt = std::make_unique<torch::optim::Adam>(
      critic_params, torch::optim::AdamOptions(im.params.critic_lr));
  im.iterations = init.iterations();
  LoadAdamState(init.actor_optimizer(), im.actor, *im.actor_opt);
  LoadAdamState(init.q1_optimizer(), im.q1, *im.critic_opt);
  LoadAdamState(init.q2_optimizer(), im.q2, *im.critic_opt);
}

void TorchTd3Reference::CopyTo(Td3& td3) const {
  const Impl& im = *impl_;
  td3.actor = ToEigen(im.actor, im.like_actor);
  td3.actor_target = ToEigen(im.actor_target, im.like_actor);
  td3.q1 = ToEigen(im.q1, im.like_critic);
  td3.q2 = ToEigen(im.q2, im.like_critic);
  td3.q1_target = ToEigen(im.q1_target, im.like_critic);
  td3.q2_target = ToEigen(im.q2_target, im.like_critic);
  StoreAdamState(*im.actor_opt, im.actor, td3.actor_optimizer());
  StoreAdamState(*im.critic_opt, im.q1, td3.q1_optimizer());
  StoreAdamState(*im.critic_opt, im.q2, td3.q2_optimizer());
  td3.set_iterations(im.iterations);
}

TorchTd3Reference::~TorchTd3Reference() = default;

UpdateStats TorchTd3Reference::TrainOnBatch(const Batch& batch, const Eigen::MatrixXf& normal) {
  Impl& im = *impl_;
  ++im.iterations;
  UpdateStats stats;
  torch::Tensor critic_loss = im.CriticLoss(batch, normal);
  im.critic_opt->zero_grad();
  critic_loss.backward();
  im.critic_opt->step();
  stats.critic_loss = critic_loss.item<float>();
  stats.actor_loss = std::numeric_limits<double>::quiet_NaN();
  if (im.iterations % im.params.policy_freq == 0) {
    torch::Tensor actor_loss = im.ActorLoss(batch);
    im.actor_opt->zero_grad();
    actor_loss.backward();
    im.actor_opt->step();
    stats.actor_loss = actor_loss.item<float>();
    stats.actor_updated = true;
    torch::NoGradGuard no_grad;
    const double tau = im.params.tau;
    auto soft = [tau](const TNet& src, TNet& dst) {
      auto sp = src.Params(), dp = dst.Params();
      for (size_t i = 0; i < sp.size(); ++i) dp[i].copy_(tau * sp[i] + (1 - tau) * dp[i]);
    };
    soft(im.q1, im.q1_target);
    soft(im.q2, im.q2_target);
    soft(im.actor, im.actor_target);
  }
  return stats;
}

void TorchTd3Reference::Gradients(const Batch& batch, const Eigen::MatrixXf& normal, NetGrads* q1,
                                  NetGrads* q2, NetGrads* actor) {
  Impl& im = *impl_;
  ZeroGrad(im.q1);
  ZeroGrad(im.q2);
  ZeroGrad(im.actor);
  im.CriticLoss(batch, normal).backward();
  *q1 = GradsOf(im.q1);
  *q2 = GradsOf(im.q2);
  ZeroGrad(im.actor);
  im.ActorLoss(batch).backward();
  *actor = GradsOf(im.actor);
  ZeroGrad(im.q1);
  ZeroGrad(im.q2);
  ZeroGrad(im.actor);
}

Net TorchTd3Reference::Actor() const { return ToEigen(impl_->actor, impl_->like_actor); }
Net TorchTd3Reference::ActorTarget() const {
  return ToEigen(impl_->actor_target, impl_->like_actor);
}
Net TorchTd3Reference::Q1() const { return ToEigen(impl_->q1, impl_->like_critic); }
Net TorchTd3Reference::Q2() const { return ToEigen(impl_->q2, impl_->like_critic); }
Net TorchTd3Reference::Q1Target() const { return ToEigen(impl_->q1_target, impl_->like_critic); }
Net TorchTd3Reference::Q2Target() const { return ToEigen(impl_->q2_target, impl_->like_critic); }

}  // namespace calf::core::train
