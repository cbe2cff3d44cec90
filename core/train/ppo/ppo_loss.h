#pragma once
// PPO's loss on one minibatch (clipped surrogate, optionally clipped value loss, entropy
// bonus) as a pure function of tensors, so it can be checked against hand-computed values.
// Internal to core/train/ppo (includes LibTorch).

#include <torch/torch.h>

#include "core/train/ppo/ppo_config.h"

namespace calf::core::train {

/// One minibatch; every tensor of the same shape except log_std [m].
struct PpoLossInput {
  torch::Tensor logp;       ///< log pi(u) under the current parameters.
  torch::Tensor logp_old;   ///< Stored at the rollout (same formula).
  torch::Tensor advantage;  ///< Already normalised per batch when adv_norm = "batch".
  torch::Tensor value;      ///< V under the current parameters.
  torch::Tensor value_old;  ///< V at the rollout.
  torch::Tensor ret;        ///< GAE returns.
  torch::Tensor log_std;    ///< The clamped log-std [m].
};

/// The losses (scalar tensors; `total` carries the gradient) and diagnostics.
struct PpoLossOutput {
  torch::Tensor total, policy, value, entropy;
  double approx_kl = 0.0;      ///< mean((r - 1) - log r).
  double clip_fraction = 0.0;  ///< Fraction of samples with |r - 1| > clip.
};

/// policy = -mean(min(r A, clip(r, 1-eps, 1+eps) A)), r = exp(logp - logp_old), A normalised
/// over this minibatch when adv_norm = "minibatch" (population std + 1e-8: one sample gives
/// 0, not NaN); value = 0.5 mean((V - R)^2), or with value_clip 0.5 mean(max((V - R)^2,
/// (V_old + clip(V - V_old, -c, c) - R)^2)); entropy of the pre-squash Gaussian;
/// total = policy + vf_coef value - ent_coef entropy.
PpoLossOutput PpoLoss(const PpoLossInput& in, const PpoConfig& p);

}  // namespace calf::core::train
