#include "core/train/ppo/ppo_loss.h"

#include "core/train/ppo/recurrent_policy.h"

namespace calf::core::train {

PpoLossOutput PpoLoss(const PpoLossInput& in, const PpoConfig& p) {
  PpoLossOutput out;
  const torch::Tensor log_ratio = in.logp - in.logp_old;
  const torch::Tensor ratio = torch::exp(log_ratio);
  torch::Tensor a = in.advantage;
  if (p.adv_norm == "minibatch") a = (a - a.mean()) / (a.std(false) + 1e-8);
  out.policy = -torch::min(ratio * a, torch::clamp(ratio, 1.0 - p.clip, 1.0 + p.clip) * a).mean();
  if (p.value_clip) {
    const torch::Tensor clipped =
        in.value_old +
        torch::clamp(in.value - in.value_old, -p.value_clip_range, p.value_clip_range);
    out.value = 0.5 * torch::max((in.value - in.ret).pow(2), (clipped - in.ret).pow(2)).mean();
  } else {
    out.value = 0.5 * (in.value - in.ret).pow(2).mean();
  }
  out.entropy = GaussianEntropy(in.log_std);
  out.total = out.policy + p.vf_coef * out.value - p.ent_coef * out.entropy;
  torch::NoGradGuard no_grad;
  out.approx_kl = ((ratio - 1.0) - log_ratio).mean().item<double>();
  out.clip_fraction = ((ratio - 1.0).abs() > p.clip).to(torch::kFloat32).mean().item<double>();
  return out;
}

}  // namespace calf::core::train
