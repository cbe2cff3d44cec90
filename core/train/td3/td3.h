#pragma once
// TD3 (Fujimoto, van Hoof, Meger 2018) on small MLPs, with a hand-written Eigen forward,
// backward and Adam in float32. LibTorch costs ~6-10 µs per op on this platform and a TD3
// update is dozens of ops, so training runs in Eigen; tests/core/td3_test.cc checks the
// gradients and the Adam step against LibTorch autograd / torch::optim::Adam.
// Layout: batches are column-major [features, batch] (one column per sample).

#include <Eigen/Core>
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "core/policy/mlp.h"
#include "core/train/td3/replay_buffer.h"

namespace calf::core::train {

/// A dense layer y = act(W x + b) with W [out, in] as in torch.nn.Linear.
struct Layer {
  Eigen::MatrixXf w;
  Eigen::VectorXf b;
  Activation act = Activation::kIdentity;
};

/// A trainable MLP; the last layer's output is multiplied by output_scale (empty = 1).
struct Net {
  std::vector<Layer> layers;
  Eigen::VectorXf output_scale;
  int input_dim() const { return static_cast<int>(layers.front().w.cols()); }
  int output_dim() const { return static_cast<int>(layers.back().w.rows()); }
};

/// Activations of one forward pass, kept for the backward pass. h[0] is the input,
/// h[i+1] the (pre-scale) output of layer i; `out` the scaled network output.
struct NetCache {
  std::vector<Eigen::MatrixXf> h;
  Eigen::MatrixXf out;
};

/// Gradients of a scalar loss with respect to a Net's parameters.
struct NetGrads {
  std::vector<Eigen::MatrixXf> dw;
  std::vector<Eigen::VectorXf> db;
};

/// A net with torch.nn.Linear's default initialisation (W, b ~ U(±1/sqrt(in))), drawn from
/// calf's counter-based generator keyed by (seed, stream): deterministic on every machine.
/// `sizes` = {in, hidden..., out}.
Net MakeNet(const std::vector<int>& sizes, Activation hidden, Activation last,
            const Eigen::VectorXf& output_scale, uint64_t seed, uint64_t stream);

/// Forward pass of x [in, B]; fills cache (cache.out is [out, B]).
void Forward(const Net& net, const Eigen::Ref<const Eigen::MatrixXf>& x, NetCache& cache);

/// Backward pass from d_out = dL/d(out) [out, B]. Writes parameter gradients to `grads`
/// (if not null) and dL/dx to `d_in` (if not null).
void Backward(const Net& net, const NetCache& cache, const Eigen::MatrixXf& d_out, NetGrads* grads,
              Eigen::MatrixXf* d_in);

/// Polyak averaging: dst <- tau·src + (1 - tau)·dst, parameter by parameter.
void SoftUpdate(const Net& src, float tau, Net& dst);

/// Converts to calf's inference MLP (for saving with SaveActorTorchScript etc.).
Mlp ToMlp(const Net& net);

/// Adam exactly as torch.optim.Adam (no weight decay, no amsgrad), float32 state.
class Adam {
 public:
  Adam() = default;
  Adam(const Net& net, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8);
  /// One step on `net` with `grads`.
  void Step(Net& net, const NetGrads& grads);
  int64_t steps() const { return step_; }
  /// First and second moments per layer (weights [out, in], biases [out]), as in
  /// torch.optim.Adam's exp_avg / exp_avg_sq. Used to hand the state to LibTorch and back.
  const std::vector<Eigen::MatrixXf>& m_w() const { return m_w_; }
  const std::vector<Eigen::MatrixXf>& v_w() const { return v_w_; }
  const std::vector<Eigen::VectorXf>& m_b() const { return m_b_; }
  const std::vector<Eigen::VectorXf>& v_b() const { return v_b_; }
  /// Replaces the state; the shapes must be those of the net (a bug otherwise).
  void SetState(int64_t steps, std::vector<Eigen::MatrixXf> m_w, std::vector<Eigen::MatrixXf> v_w,
                std::vector<Eigen::VectorXf> m_b, std::vector<Eigen::VectorXf> v_b);
  void Write(std::ostream& out) const;
  void Read(std::istream& in);

 private:
  double lr_ = 3e-4, beta1_ = 0.9, beta2_ = 0.999, eps_ = 1e-8;
  int64_t step_ = 0;
  std::vector<Eigen::MatrixXf> m_w_, v_w_;
  std::vector<Eigen::VectorXf> m_b_, v_b_;
};

/// TD3 hyper-parameters (defaults of the reference implementation unless noted).
struct Td3Params {
  std::vector<int> hidden = {64, 64};
  double actor_lr = 3e-4;
  double critic_lr = 3e-4;
  double discount = 0.99;
  double tau = 0.005;
  double policy_noise = 0.2;  ///< Target policy smoothing std, times max_action.
  double noise_clip = 0.5;    ///< Clip of the smoothing noise, times max_action.
  int policy_freq = 2;        ///< Actor and target updates every policy_freq critic updates.
  int batch_size = 64;
};

/// Losses of one update; actor_loss is NaN when the actor was not updated.
struct UpdateStats {
  double critic_loss = 0.0;
  double actor_loss = 0.0;
  bool actor_updated = false;
};

/// Actor, twin critic, their targets and optimisers. Not thread-safe (holds scratch
/// buffers); deterministic: the result of Train is a pure function of the state and seed.
class Td3 {
 public:
  /// The critics see the whole state [state_dim]; the actor its leading `actor_dim` entries
  /// (0 = all): an actor on the observation beside a critic that also sees what the
  /// observation leaves out (EnvSpec::critic_extra_dim).
  Td3(int state_dim, int action_dim, const std::vector<double>& max_action, const Td3Params& params,
      uint64_t seed, int actor_dim = 0);

  /// Actor action for one state [actor_dim() entries are read] -> [m] (tanh-scaled, within
  /// ±max_action).
  void Act(const double* state, double* action);
  /// First critic head q1(s, a) for one sample.
  double Q1(const double* state, const double* action);

  /// One TD3 iteration: SampleBatch, then TrainOnBatch.
  UpdateStats Train(const ReplayBuffer& buffer, uint64_t seed);

  /// Draws the minibatch of the next iteration (uniform with replacement, counter-based on
  /// (seed, iterations())) into `batch` and the standard normal draws of its target policy
  /// smoothing into `normal` [m, B]. Changes nothing else.
  void SampleBatch(const ReplayBuffer& buffer, uint64_t seed, Batch& batch,
                   Eigen::MatrixXf& normal);

  /// One TD3 iteration on a given batch; `normal` [m, B] are standard normal draws for the
  /// target policy smoothing. Increments iterations().
  UpdateStats TrainOnBatch(const Batch& batch, const Eigen::MatrixXf& normal);

  /// The TD3 target y = r + not_done·γ·min(Q1', Q2')(s', clip(π'(s') + ε)) [1, B].
  Eigen::RowVectorXf TargetQ(const Batch& batch, const Eigen::MatrixXf& normal);

  /// Gradients of the critic loss (per head) and of the actor loss at the current weights,
  /// without changing anything (used to check against LibTorch autograd).
  void Gradients(const Batch& batch, const Eigen::MatrixXf& normal, NetGrads* q1_grads,
                 NetGrads* q2_grads, NetGrads* actor_grads);

  int64_t iterations() const { return iterations_; }
  /// Sets the iteration counter (for a state computed elsewhere, e.g. the LibTorch backend).
  void set_iterations(int64_t iterations) { iterations_ = iterations; }
  int state_dim() const { return d_; }
  /// Leading entries of the state the actor sees (state_dim() unless asked otherwise).
  int actor_dim() const { return a_; }
  int action_dim() const { return m_; }
  const Td3Params& params() const { return params_; }
  const Eigen::VectorXf& max_action() const { return max_action_; }

  /// Networks (public for saving and tests).
  Net actor, actor_target, q1, q2, q1_target, q2_target;

  /// Optimisers of the actor and of each critic head (both heads always take the same
  /// number of steps, like torch's single critic optimiser over both heads).
  Adam& actor_optimizer() { return actor_opt_; }
  Adam& q1_optimizer() { return q1_opt_; }
  Adam& q2_optimizer() { return q2_opt_; }
  const Adam& actor_optimizer() const { return actor_opt_; }
  const Adam& q1_optimizer() const { return q1_opt_; }
  const Adam& q2_optimizer() const { return q2_opt_; }

  /// Serialises networks, targets, optimiser states and the iteration count.
  void Write(std::ostream& out) const;
  /// Restores what Write wrote; throws IoError when shapes differ or the stream is short.
  void Read(std::istream& in);

 private:
  double CriticGradients(const Batch& batch, const Eigen::RowVectorXf& y, NetGrads* g1,
                         NetGrads* g2);
  double ActorGradients(const Batch& batch, NetGrads* g);

  int d_, m_, a_;
  Td3Params params_;
  Eigen::VectorXf max_action_;
  Adam actor_opt_, q1_opt_, q2_opt_;
  int64_t iterations_ = 0;

  // scratch, reused across calls to avoid allocations
  Batch batch_;
  Eigen::MatrixXf normal_, x_, x1_, d_out_, d_in_;
  NetCache c_actor_, c_q1_, c_q2_, c_tq1_, c_tq2_, c_tact_, c_one_;
  NetGrads g_actor_, g_q1_, g_q2_;
  std::vector<int64_t> indices_;
};

}  // namespace calf::core::train
