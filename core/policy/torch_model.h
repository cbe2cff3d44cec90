#pragma once
// TorchScript actors and critics. Loads a module saved by calf or exported from PyTorch
// (torch.jit.script or torch.jit.trace), recovers its Linear/ReLU/Tanh structure into Eigen
// MLPs, and verifies on probe inputs that the Eigen path reproduces the module's forward.
// LibTorch is confined to torch_model.cc.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/env/environment.h"
#include "core/policy/mlp.h"

namespace torch::jit {
struct Module;
}

namespace calf::core {

/// A loaded TorchScript model with both inference paths. Thread-safe for concurrent
/// Eigen inference; the LibTorch path is for one thread at a time.
class TorchModel {
 public:
  enum class Role { kActor, kCritic };

  /// Loads and verifies `path`. Throws PolicyError (exit 2) when the file is missing, corrupt,
  /// not an MLP calf understands, or of the wrong dimensions for `spec`.
  static std::unique_ptr<TorchModel> Load(const std::string& path, Role role,
                                          const env::EnvSpec& spec);
  ~TorchModel();

  Role role() const { return role_; }
  /// Actor: one head (state -> action, tanh-scaled). Critic: two heads ([s, a] -> q).
  const std::vector<Mlp>& heads() const { return heads_; }
  const std::string& path() const { return path_; }

  /// LibTorch forward of an actor: states [B, d] -> actions [B, m], float32.
  void TorchActorForward(const float* states, int64_t batch, float* actions) const;
  /// LibTorch forward of a critic: (states [B, d], actions [B, m]) -> q1 [B], q2 [B].
  void TorchCriticForward(const float* states, const float* actions, int64_t batch, float* q1,
                          float* q2) const;

 private:
  struct Impl;
  TorchModel();
  std::unique_ptr<Impl> impl_;
  Role role_ = Role::kActor;
  std::vector<Mlp> heads_;
  std::string path_;
};

class OutputFile;

/// Saves an actor MLP (Linear-ReLU-…-Tanh, scaled) as a TorchScript module built with
/// torch::jit::Module::define, loadable by calf and by torch.jit.load.
void SaveActorTorchScript(const Mlp& actor, const std::string& path);
/// Saves twin critic heads as one TorchScript module; forward(state, action) -> (q1, q2).
void SaveCriticTorchScript(const Mlp& q1, const Mlp& q2, int state_dim, const std::string& path);
/// As above, into `out`'s temporary, without committing it (for outputs committed together,
/// e.g. a training run's models and model.json).
void SaveActorTorchScript(const Mlp& actor, OutputFile& out);
void SaveCriticTorchScript(const Mlp& q1, const Mlp& q2, int state_dim, OutputFile& out);

/// Writes a TorchScript module into `out`'s temporary without committing it; throws IoError
/// (exit 3) naming out.path() when it cannot be written. Every model calf saves goes here.
void SaveTorchScript(torch::jit::Module& module, OutputFile& out);

/// A randomly initialised MLP with torch.nn.Linear's default init (uniform ±1/sqrt(in)),
/// from a deterministic seed. Used to make small test models.
Mlp MakeRandomMlp(const std::vector<int>& sizes, Activation hidden, Activation last,
                  const Eigen::VectorXf& output_scale, uint64_t seed);

}  // namespace calf::core
