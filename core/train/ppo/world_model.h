#pragma once
// PPO's optional learned world model: encoder obs -> 256 -> 128, dynamics [latent, action] ->
// 256 -> 128, heads for the reward and the done probability (sigmoid) and a decoder back to
// the next observation. Trained on each rollout batch (MSE on the next observation and the
// reward, BCE on done). Internal to core/train/ppo (includes LibTorch).

#include <torch/torch.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <vector>

namespace calf::core {
class OutputFile;
}

namespace calf::core::train {

/// The world model and its Adam optimiser. Deterministic given its seed.
class WorldModel {
 public:
  WorldModel(int obs_dim, int action_dim, double lr, uint64_t seed);
  ~WorldModel();

  struct Prediction {
    torch::Tensor next_obs;    ///< [B, o]
    torch::Tensor reward;      ///< [B]
    torch::Tensor done_logit;  ///< [B] (the probability is its sigmoid)
  };
  Prediction Predict(const torch::Tensor& obs, const torch::Tensor& action) const;

  struct Losses {
    double obs = 0.0, reward = 0.0, done = 0.0;  ///< Means over the samples.
  };
  /// The losses without training (the one-step prediction error on unseen data).
  Losses Evaluate(const torch::Tensor& obs, const torch::Tensor& action,
                  const torch::Tensor& next_obs, const torch::Tensor& reward,
                  const torch::Tensor& done) const;
  /// One Adam step on the summed losses of the batch; returns them (before the step).
  Losses TrainStep(const torch::Tensor& obs, const torch::Tensor& action,
                   const torch::Tensor& next_obs, const torch::Tensor& reward,
                   const torch::Tensor& done);

  void Write(std::ostream& out) const;
  /// Reads what Write wrote; `calf_adam`: the optimiser state is calf's own layout
  /// (checkpoint version 4 on), else LibTorch's archive (version 3).
  void Read(std::istream& in, bool calf_adam);
  /// TorchScript forward(obs [B,o], action [B,m]) -> (next_obs, reward, done_probability).
  void ExportTorchScript(OutputFile& out) const;

 private:
  std::vector<torch::Tensor> w_, b_;  // enc0 enc1 dyn0 dyn1 reward done dec
  std::vector<torch::Tensor> params_;
  std::unique_ptr<torch::optim::Adam> opt_;
};

}  // namespace calf::core::train
