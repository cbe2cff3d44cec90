#pragma once
// PPO's recurrent actor-critic on LibTorch tensors (autograd): encoder MLP, graph attention
// over the agents of one step, an LSTM cell, policy head (mu) with a global bounded log-std,
// value head. Written as plain tensor functions so the TorchScript export (ExportTorchScript)
// runs the very same aten operations in the same order. Internal to core/train/ppo (it
// includes LibTorch: keep it out of widely included headers).

#include <torch/torch.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/train/ppo/ppo_config.h"

namespace calf::core {
class OutputFile;
}

namespace calf::core::train {

/// log pi(u) for a = tanh(u), u ~ N(mu, exp(log_std)^2), summed over the last dimension:
/// the Gaussian log-density minus sum log(1 - tanh(u)^2), the latter computed stably as
/// 2 (log 2 - u - softplus(-2u)). The constant -sum log(max_action) of scaling the action to
/// its bounds is left out (it cancels in every ratio). Shapes: u, mu [..., m]; log_std [m].
torch::Tensor SquashedLogProb(const torch::Tensor& u, const torch::Tensor& mu,
                              const torch::Tensor& log_std);

/// Entropy of the pre-squash Gaussian, summed over the m dimensions (a scalar tensor): the
/// squashed distribution has no closed form; PPO's bonus uses this one.
torch::Tensor GaussianEntropy(const torch::Tensor& log_std);

/// The network. Not thread-safe; deterministic given its seed.
class RecurrentPolicy {
 public:
  /// Parameters initialised like torch.nn's defaults (uniform +-1/sqrt(fan_in)), the policy's
  /// last layer scaled by 0.01 (near-zero initial mean), from a generator seeded by `seed`.
  RecurrentPolicy(int obs_dim, int action_dim, const PpoNetShape& shape, double log_std_init,
                  double log_std_min, double log_std_max, std::vector<double> max_action,
                  uint64_t seed);

  int obs_dim() const { return obs_dim_; }
  int action_dim() const { return action_dim_; }
  int hidden() const { return shape_.lstm; }

  /// Every trainable tensor, in a fixed order (names()).
  const std::vector<torch::Tensor>& parameters() const { return params_; }
  const std::vector<std::string>& names() const { return names_; }

  /// The log-std, clamped to its bounds [m].
  torch::Tensor LogStd() const;

  struct StepOut {
    torch::Tensor mu;     ///< [B, m] pre-tanh mean.
    torch::Tensor value;  ///< [B].
    torch::Tensor h, c;   ///< [B, hidden] the new recurrent state.
  };
  /// One step of B agents of the same time step (B is the attention graph).
  /// `force_attention_softmax` takes the general attention path even when every agent is
  /// alone (for the test that both paths agree).
  StepOut Step(const torch::Tensor& obs, const torch::Tensor& h, const torch::Tensor& c,
               bool force_attention_softmax = false) const;

  /// L steps of B sequences: obs [L, B, o], starts [L, B] (1 where an episode starts at
  /// that step: the recurrent state is zeroed before it), h0/c0 [B, hidden] the state at the
  /// first step. Returns mu [L, B, m] and value [L, B].
  std::pair<torch::Tensor, torch::Tensor> Unroll(const torch::Tensor& obs,
                                                 const torch::Tensor& starts,
                                                 const torch::Tensor& h0,
                                                 const torch::Tensor& c0) const;

  /// Copies every parameter (raw float32) to / from a checkpoint stream.
  void Write(std::ostream& out) const;
  void Read(std::istream& in);

  /// Writes a TorchScript module into `out`'s temporary (not committed):
  ///   forward(obs [B,o], h [B,H], c [B,H]) -> (mu [B,m], value [B], h [B,H], c [B,H])
  /// with attributes max_action [m] and log_std [m] (clamped) and the integer attribute
  /// hidden_size; the action is tanh(mu) * max_action. Same operations as Step.
  void ExportTorchScript(OutputFile& out) const;

 private:
  torch::Tensor Encode(const torch::Tensor& x) const;  // [..., o] -> [..., enc]
  torch::Tensor Attend(const torch::Tensor& x, const torch::Tensor& obs, bool force) const;
  torch::Tensor Heads(const torch::Tensor& h, torch::Tensor* value) const;  // -> mu

  int obs_dim_, action_dim_;
  PpoNetShape shape_;
  double log_std_min_, log_std_max_;
  std::vector<double> max_action_;
  std::vector<torch::Tensor> params_;
  std::vector<std::string> names_;
  // views into params_
  std::vector<torch::Tensor> enc_w_, enc_b_;
  torch::Tensor att_w_, att_src_, att_dst_;
  torch::Tensor w_ih_, w_hh_, b_ih_, b_hh_;
  torch::Tensor pi0_w_, pi0_b_, pi1_w_, pi1_b_, v0_w_, v0_b_, v1_w_, v1_b_, log_std_;
};

}  // namespace calf::core::train
