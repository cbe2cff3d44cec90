#pragma once
// Recurrent TorchScript policies (PPO's, core/train/ppo, or any module with the same
// signature): forward(obs [B,o], h [B,H], c [B,H]) -> (mu [B,m], value [B], h [B,H], c [B,H]),
// a `max_action` buffer [m] and an int attribute `hidden_size`; the action is
// tanh(mu) * max_action. The recurrent state lives in the simulation (SimState::hidden,
// cell), one row per agent, zeroed at every episode start. LibTorch is confined to the .cc.

#include <cstdint>
#include <memory>
#include <string>

#include "core/env/environment.h"

namespace calf::core {

/// A loaded recurrent policy. Forward may be called from several threads at once (each on
/// its own rows); deterministic (the TorchScript graph runs unoptimised, op by op, so every
/// call computes the same operations whatever the batch history).
class RecurrentModel {
 public:
  /// The number of tensors forward takes in the TorchScript module at `path` (1 for an MLP
  /// actor, 3 for a recurrent policy), or -1 when the file is not a readable, intact module.
  static int ForwardArguments(const std::string& path);

  /// Loads and checks `path` against `spec` (dimensions, max_action, output shapes on a
  /// probe batch). Throws PolicyError (exit 2) naming the file and what is wrong.
  static std::unique_ptr<RecurrentModel> Load(const std::string& path, const env::EnvSpec& spec);
  ~RecurrentModel();

  int hidden_size() const { return hidden_; }
  const std::string& path() const { return path_; }

  /// One step of `batch` agents: obs [batch*o]; h, c [batch*H] updated in place; writes the
  /// actions tanh(mu) * max_action [batch*m].
  void Forward(const float* obs, int64_t batch, float* h, float* c, double* actions) const;

 private:
  struct Impl;
  RecurrentModel();
  std::unique_ptr<Impl> impl_;
  int hidden_ = 0;
  std::string path_;
};

}  // namespace calf::core
