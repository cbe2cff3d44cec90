#include "core/train/td3/td3.h"

#include <algorithm>
#include <cmath>
#include <limits>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "core/error.h"
#include "core/random/agent_random.h"
#include "core/train/binary_io.h"

namespace calf::core::train {
namespace {

// counter lanes of the trainer's own streams (agent ids far above any simulation agent)
constexpr uint64_t kInitStream = uint64_t{1} << 40;
constexpr uint64_t kSampleStream = (uint64_t{1} << 40) + 100;
constexpr DrawPurpose kSampleIndex = static_cast<DrawPurpose>(101);
constexpr DrawPurpose kSmoothingNoise = static_cast<DrawPurpose>(102);
constexpr DrawPurpose kInitDraw = static_cast<DrawPurpose>(103);

// Flushes denormals to zero while alive (x86 MXCSR FTZ+DAZ), restoring the mode after.
// Adam's moments of dead ReLU units decay geometrically into the denormal range, where SSE
// arithmetic is ~100x slower (measured: Adam took a third of the update time). Results
// differ from IEEE only for |x| < 1.2e-38 and stay deterministic.
class FlushDenormals {
 public:
#if defined(__SSE__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned int saved_;
#endif
};

void ApplyActivation(Activation act, Eigen::MatrixXf& z) {
  switch (act) {
    case Activation::kRelu:
      z = z.cwiseMax(0.0f);
      break;
    case Activation::kTanh:
      for (Eigen::Index k = 0; k < z.size(); ++k) z.data()[k] = std::tanh(z.data()[k]);
      break;
    case Activation::kIdentity:
      break;
  }
}

void WriteNet(std::ostream& out, const Net& net) {
  WritePod<int32_t>(out, static_cast<int32_t>(net.layers.size()));
  for (const Layer& l : net.layers) {
    WritePod<int32_t>(out, static_cast<int32_t>(l.w.rows()));
    WritePod<int32_t>(out, static_cast<int32_t>(l.w.cols()));
    WriteArray(out, l.w.data(), l.w.size());
    WriteArray(out, l.b.data(), l.b.size());
  }
}

void ReadNet(std::istream& in, Net& net) {
  const auto n = ReadPod<int32_t>(in);
  if (n != static_cast<int32_t>(net.layers.size())) {
    throw IoError("checkpoint network has " + std::to_string(n) + " layers, this run expects " +
                  std::to_string(net.layers.size()) + "; resume with the same hidden sizes");
  }
  for (Layer& l : net.layers) {
    const auto rows = ReadPod<int32_t>(in);
    const auto cols = ReadPod<int32_t>(in);
    if (rows != l.w.rows() || cols != l.w.cols()) {
      throw IoError("checkpoint layer is " + std::to_string(rows) + "x" + std::to_string(cols) +
                    ", this run expects " + std::to_string(l.w.rows()) + "x" +
                    std::to_string(l.w.cols()) +
                    "; the checkpoint belongs to another system "
                    "or architecture");
    }
    ReadArray(in, l.w.data(), l.w.size());
    ReadArray(in, l.b.data(), l.b.size());
  }
}

void ResizeGrads(const Net& net, NetGrads& g) {
  g.dw.resize(net.layers.size());
  g.db.resize(net.layers.size());
}

}  // namespace

Net MakeNet(const std::vector<int>& sizes, Activation hidden, Activation last,
            const Eigen::VectorXf& output_scale, uint64_t seed, uint64_t stream) {
  CALF_CHECK(sizes.size() >= 2) << "a net needs input and output sizes";
  AgentRandom rng(seed, kInitStream + stream);
  Net net;
  uint64_t counter = 0;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    Layer l;
    const int in = sizes[i], out = sizes[i + 1];
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    l.w.resize(out, in);
    l.b.resize(out);
    // row-major draw order, like torch's contiguous weight tensor
    for (int r = 0; r < out; ++r)
      for (int c = 0; c < in; ++c)
        l.w(r, c) = static_cast<float>((2.0 * rng.Uniform(counter++, kInitDraw) - 1.0) * bound);
    for (int r = 0; r < out; ++r)
      l.b(r) = static_cast<float>((2.0 * rng.Uniform(counter++, kInitDraw) - 1.0) * bound);
    l.act = (i + 2 == sizes.size()) ? last : hidden;
    net.layers.push_back(std::move(l));
  }
  net.output_scale = output_scale;
  return net;
}

void Forward(const Net& net, const Eigen::Ref<const Eigen::MatrixXf>& x, NetCache& cache) {
  const size_t n = net.layers.size();
  cache.h.resize(n + 1);
  cache.h[0] = x;
  for (size_t i = 0; i < n; ++i) {
    const Layer& l = net.layers[i];
    Eigen::MatrixXf& z = cache.h[i + 1];
    z.resize(l.w.rows(), x.cols());
    z.noalias() = l.w * cache.h[i];
    z.colwise() += l.b;
    ApplyActivation(l.act, z);
  }
  if (net.output_scale.size() != 0) {
    cache.out.noalias() = net.output_scale.asDiagonal() * cache.h[n];
  } else {
    cache.out = cache.h[n];
  }
}

void Backward(const Net& net, const NetCache& cache, const Eigen::MatrixXf& d_out, NetGrads* grads,
              Eigen::MatrixXf* d_in) {
  const size_t n = net.layers.size();
  if (grads) ResizeGrads(net, *grads);
  Eigen::MatrixXf dz;
  if (net.output_scale.size() != 0) {
    dz.noalias() = net.output_scale.asDiagonal() * d_out;
  } else {
    dz = d_out;
  }
  for (size_t ii = n; ii-- > 0;) {
    const Layer& l = net.layers[ii];
    const Eigen::MatrixXf& h = cache.h[ii + 1];
    // dz holds dL/dh here; turn it into dL/dz through the activation
    switch (l.act) {
      case Activation::kRelu:
        dz = (h.array() > 0.0f).select(dz, 0.0f);
        break;
      case Activation::kTanh:
        dz.array() *= (1.0f - h.array().square());
        break;
      case Activation::kIdentity:
        break;
    }
    if (grads) {
      grads->dw[ii].noalias() = dz * cache.h[ii].transpose();
      grads->db[ii] = dz.rowwise().sum();
    }
    if (ii > 0 || d_in) {
      Eigen::MatrixXf prev;
      prev.noalias() = l.w.transpose() * dz;
      dz.swap(prev);
    }
  }
  if (d_in) *d_in = std::move(dz);
}

void SoftUpdate(const Net& src, float tau, Net& dst) {
  CALF_CHECK(src.layers.size() == dst.layers.size()) << "soft update of different nets";
  for (size_t i = 0; i < src.layers.size(); ++i) {
    // same expression as torch: tau * p + (1 - tau) * p_target
    dst.layers[i].w = tau * src.layers[i].w + (1.0f - tau) * dst.layers[i].w;
    dst.layers[i].b = tau * src.layers[i].b + (1.0f - tau) * dst.layers[i].b;
  }
}

Adam::Adam(const Net& net, double lr, double beta1, double beta2, double eps)
    : lr_(lr), beta1_(beta1), beta2_(beta2), eps_(eps) {
  for (const Layer& l : net.layers) {
    m_w_.push_back(Eigen::MatrixXf::Zero(l.w.rows(), l.w.cols()));
    v_w_.push_back(Eigen::MatrixXf::Zero(l.w.rows(), l.w.cols()));
    m_b_.push_back(Eigen::VectorXf::Zero(l.b.size()));
    v_b_.push_back(Eigen::VectorXf::Zero(l.b.size()));
  }
}

namespace {
// torch.optim.Adam (_single_tensor_adam, 1.13): exp_avg.mul_(b1).add_(g, 1-b1);
// exp_avg_sq.mul_(b2).addcmul_(g, g, 1-b2); denom = sqrt(exp_avg_sq)/sqrt(bc2) + eps;
// p.addcdiv_(exp_avg, denom, -lr/bc1)
template <typename P, typename M>
void AdamUpdate(P& p, const M& g, M& m, M& v, float b1, float b2, float sqrt_bc2, float eps,
                float step_size) {
  m.array() = m.array() * b1 + g.array() * (1.0f - b1);
  v.array() = v.array() * b2 + g.array() * g.array() * (1.0f - b2);
  p.array() += -step_size * (m.array() / (v.array().sqrt() / sqrt_bc2 + eps));
}
}  // namespace

void Adam::Step(Net& net, const NetGrads& grads) {
  ++step_;
  const double bc1 = 1.0 - std::pow(beta1_, static_cast<double>(step_));
  const double bc2 = 1.0 - std::pow(beta2_, static_cast<double>(step_));
  const auto step_size = static_cast<float>(lr_ / bc1);
  const auto sqrt_bc2 = static_cast<float>(std::sqrt(bc2));
  const auto b1 = static_cast<float>(beta1_), b2 = static_cast<float>(beta2_);
  const auto eps = static_cast<float>(eps_);
  for (size_t i = 0; i < net.layers.size(); ++i) {
    AdamUpdate(net.layers[i].w, grads.dw[i], m_w_[i], v_w_[i], b1, b2, sqrt_bc2, eps, step_size);
    Eigen::MatrixXf gb = grads.db[i];  // vectors through the same matrix path
    Eigen::MatrixXf mb = m_b_[i], vb = v_b_[i], pb = net.layers[i].b;
    AdamUpdate(pb, gb, mb, vb, b1, b2, sqrt_bc2, eps, step_size);
    m_b_[i] = mb;
    v_b_[i] = vb;
    net.layers[i].b = pb;
  }
}

void Adam::SetState(int64_t steps, std::vector<Eigen::MatrixXf> m_w,
                    std::vector<Eigen::MatrixXf> v_w, std::vector<Eigen::VectorXf> m_b,
                    std::vector<Eigen::VectorXf> v_b) {
  CALF_CHECK(m_w.size() == m_w_.size() && v_w.size() == v_w_.size() && m_b.size() == m_b_.size() &&
             v_b.size() == v_b_.size())
      << "Adam state of another network";
  for (size_t i = 0; i < m_w_.size(); ++i) {
    CALF_CHECK(m_w[i].rows() == m_w_[i].rows() && m_w[i].cols() == m_w_[i].cols() &&
               v_w[i].size() == v_w_[i].size() && m_b[i].size() == m_b_[i].size() &&
               v_b[i].size() == v_b_[i].size())
        << "Adam state of layer " << i << " has another shape";
  }
  step_ = steps;
  m_w_ = std::move(m_w);
  v_w_ = std::move(v_w);
  m_b_ = std::move(m_b);
  v_b_ = std::move(v_b);
}

void Adam::Write(std::ostream& out) const {
  WritePod<int64_t>(out, step_);
  WritePod<int32_t>(out, static_cast<int32_t>(m_w_.size()));
  for (size_t i = 0; i < m_w_.size(); ++i) {
    WriteArray(out, m_w_[i].data(), m_w_[i].size());
    WriteArray(out, v_w_[i].data(), v_w_[i].size());
    WriteArray(out, m_b_[i].data(), m_b_[i].size());
    WriteArray(out, v_b_[i].data(), v_b_[i].size());
  }
}

void Adam::Read(std::istream& in) {
  step_ = ReadPod<int64_t>(in);
  const auto n = ReadPod<int32_t>(in);
  if (n != static_cast<int32_t>(m_w_.size()))
    throw IoError("checkpoint optimiser state does not fit the network");
  for (size_t i = 0; i < m_w_.size(); ++i) {
    ReadArray(in, m_w_[i].data(), m_w_[i].size());
    ReadArray(in, v_w_[i].data(), v_w_[i].size());
    ReadArray(in, m_b_[i].data(), m_b_[i].size());
    ReadArray(in, v_b_[i].data(), v_b_[i].size());
  }
}

Td3::Td3(int state_dim, int action_dim, const std::vector<double>& max_action,
         const Td3Params& params, uint64_t seed, int actor_dim)
    : d_(state_dim), m_(action_dim), a_(actor_dim > 0 ? actor_dim : state_dim), params_(params) {
  CALF_CHECK(static_cast<int>(max_action.size()) == action_dim) << "max_action size";
  CALF_CHECK(a_ <= d_) << "the actor sees part of the critic's state";
  max_action_.resize(m_);
  for (int j = 0; j < m_; ++j) max_action_(j) = static_cast<float>(max_action[j]);
  std::vector<int> actor_sizes{a_};
  std::vector<int> critic_sizes{d_ + m_};
  for (int h : params_.hidden) {
    actor_sizes.push_back(h);
    critic_sizes.push_back(h);
  }
  actor_sizes.push_back(m_);
  critic_sizes.push_back(1);
  actor = MakeNet(actor_sizes, Activation::kRelu, Activation::kTanh, max_action_, seed, 0);
  q1 = MakeNet(critic_sizes, Activation::kRelu, Activation::kIdentity, {}, seed, 1);
  q2 = MakeNet(critic_sizes, Activation::kRelu, Activation::kIdentity, {}, seed, 2);
  actor_target = actor;
  q1_target = q1;
  q2_target = q2;
  actor_opt_ = Adam(actor, params_.actor_lr);
  q1_opt_ = Adam(q1, params_.critic_lr);
  q2_opt_ = Adam(q2, params_.critic_lr);
}

void Td3::Act(const double* state, double* action) {
  x_.resize(a_, 1);
  for (int j = 0; j < a_; ++j) x_(j, 0) = static_cast<float>(state[j]);
  Forward(actor, x_, c_one_);
  for (int j = 0; j < m_; ++j) action[j] = c_one_.out(j, 0);
}

double Td3::Q1(const double* state, const double* action) {
  x_.resize(d_ + m_, 1);
  for (int j = 0; j < d_; ++j) x_(j, 0) = static_cast<float>(state[j]);
  for (int j = 0; j < m_; ++j) x_(d_ + j, 0) = static_cast<float>(action[j]);
  Forward(q1, x_, c_one_);
  return c_one_.out(0, 0);
}

UpdateStats Td3::Train(const ReplayBuffer& buffer, uint64_t seed) {
  SampleBatch(buffer, seed, batch_, normal_);
  return TrainOnBatch(batch_, normal_);
}

void Td3::SampleBatch(const ReplayBuffer& buffer, uint64_t seed, Batch& batch,
                      Eigen::MatrixXf& normal) {
  const int b = params_.batch_size;
  const uint64_t it = static_cast<uint64_t>(iterations_);
  AgentRandom rng(seed, kSampleStream);
  indices_.resize(b);
  const auto size = static_cast<uint64_t>(buffer.size());
  for (int k = 0; k < b; k += 4) {
    auto r = rng.Raw(it, kSampleIndex, static_cast<uint32_t>(k / 4));
    // multiply-shift maps a 32-bit word to [0, size) (buffers are far below 2^32)
    for (int w = 0; w < 4 && k + w < b; ++w)
      indices_[k + w] = static_cast<int64_t>((static_cast<uint64_t>(r.v[w]) * size) >> 32);
  }
  buffer.Gather(indices_, batch);
  normal.resize(m_, b);
  for (int k = 0; k < b; ++k)
    for (int j = 0; j < m_; ++j) {
      const uint32_t sub = static_cast<uint32_t>(k * m_ + j);
      normal(j, k) = static_cast<float>(BoxMuller(rng.Uniform(it, kSmoothingNoise, sub, 0),
                                                  rng.Uniform(it, kSmoothingNoise, sub, 1)));
    }
}

Eigen::RowVectorXf Td3::TargetQ(const Batch& batch, const Eigen::MatrixXf& normal) {
  const Eigen::Index b = batch.state.cols();
  Forward(actor_target, batch.next_state.topRows(a_), c_tact_);
  x1_.resize(d_ + m_, b);
  x1_.topRows(d_) = batch.next_state;
  for (int j = 0; j < m_; ++j) {
    const float ma = max_action_(j);
    const float sd = static_cast<float>(params_.policy_noise) * ma;
    const float clip = static_cast<float>(params_.noise_clip) * ma;
    for (Eigen::Index k = 0; k < b; ++k) {
      const float eps = std::clamp(normal(j, k) * sd, -clip, clip);
      x1_(d_ + j, k) = std::clamp(c_tact_.out(j, k) + eps, -ma, ma);
    }
  }
  Forward(q1_target, x1_, c_tq1_);
  Forward(q2_target, x1_, c_tq2_);
  const auto gamma = static_cast<float>(params_.discount);
  Eigen::RowVectorXf y(b);
  for (Eigen::Index k = 0; k < b; ++k) {
    const float tq = std::min(c_tq1_.out(0, k), c_tq2_.out(0, k));
    y(k) = batch.reward(k) + batch.not_done(k) * gamma * tq;
  }
  return y;
}

double Td3::CriticGradients(const Batch& batch, const Eigen::RowVectorXf& y, NetGrads* g1,
                            NetGrads* g2) {
  // L = mean((Q1 - y)^2) + mean((Q2 - y)^2)
  const Eigen::Index b = batch.state.cols();
  const float inv_b = 1.0f / static_cast<float>(b);
  x_.resize(d_ + m_, b);
  x_.topRows(d_) = batch.state;
  x_.bottomRows(m_) = batch.action;
  Forward(q1, x_, c_q1_);
  Forward(q2, x_, c_q2_);
  const Eigen::RowVectorXf e1 = c_q1_.out.row(0) - y;
  const Eigen::RowVectorXf e2 = c_q2_.out.row(0) - y;
  d_out_ = (2.0f * inv_b) * e1;
  Backward(q1, c_q1_, d_out_, g1, nullptr);
  d_out_ = (2.0f * inv_b) * e2;
  Backward(q2, c_q2_, d_out_, g2, nullptr);
  return static_cast<double>(e1.squaredNorm() * inv_b + e2.squaredNorm() * inv_b);
}

double Td3::ActorGradients(const Batch& batch, NetGrads* g) {
  // L = -mean(Q1(s, pi(s))); only the actor's parameters get gradients
  const Eigen::Index b = batch.state.cols();
  const float inv_b = 1.0f / static_cast<float>(b);
  Forward(actor, batch.state.topRows(a_), c_actor_);
  x_.resize(d_ + m_, b);
  x_.topRows(d_) = batch.state;
  x_.bottomRows(m_) = c_actor_.out;
  Forward(q1, x_, c_q1_);
  const double loss = -static_cast<double>(c_q1_.out.row(0).sum() * inv_b);
  d_out_ = Eigen::MatrixXf::Constant(1, b, -inv_b);
  Backward(q1, c_q1_, d_out_, nullptr, &d_in_);
  const Eigen::MatrixXf d_action = d_in_.bottomRows(m_);
  Backward(actor, c_actor_, d_action, g, nullptr);
  return loss;
}

void Td3::Gradients(const Batch& batch, const Eigen::MatrixXf& normal, NetGrads* q1_grads,
                    NetGrads* q2_grads, NetGrads* actor_grads) {
  const Eigen::RowVectorXf y = TargetQ(batch, normal);
  CriticGradients(batch, y, q1_grads, q2_grads);
  ActorGradients(batch, actor_grads);
}

UpdateStats Td3::TrainOnBatch(const Batch& batch, const Eigen::MatrixXf& normal) {
  FlushDenormals ftz;
  ++iterations_;
  UpdateStats stats;
  const Eigen::RowVectorXf y = TargetQ(batch, normal);
  stats.critic_loss = CriticGradients(batch, y, &g_q1_, &g_q2_);
  q1_opt_.Step(q1, g_q1_);
  q2_opt_.Step(q2, g_q2_);

  stats.actor_loss = std::numeric_limits<double>::quiet_NaN();
  if (iterations_ % params_.policy_freq == 0) {
    // through the just-updated critic, as in TD3.py
    stats.actor_loss = ActorGradients(batch, &g_actor_);
    actor_opt_.Step(actor, g_actor_);
    stats.actor_updated = true;
    const auto tau = static_cast<float>(params_.tau);
    SoftUpdate(q1, tau, q1_target);
    SoftUpdate(q2, tau, q2_target);
    SoftUpdate(actor, tau, actor_target);
  }
  return stats;
}

void Td3::Write(std::ostream& out) const {
  WritePod<int64_t>(out, iterations_);
  for (const Net* n : {&actor, &actor_target, &q1, &q2, &q1_target, &q2_target}) WriteNet(out, *n);
  actor_opt_.Write(out);
  q1_opt_.Write(out);
  q2_opt_.Write(out);
}

void Td3::Read(std::istream& in) {
  iterations_ = ReadPod<int64_t>(in);
  for (Net* n : {&actor, &actor_target, &q1, &q2, &q1_target, &q2_target}) ReadNet(in, *n);
  actor_opt_.Read(in);
  q1_opt_.Read(in);
  q2_opt_.Read(in);
}

Mlp ToMlp(const Net& net) {
  std::vector<DenseLayer> layers;
  for (const Layer& l : net.layers) layers.push_back(DenseLayer{l.w, l.b, l.act});
  return Mlp(std::move(layers), net.output_scale);
}

}  // namespace calf::core::train
