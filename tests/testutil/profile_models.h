#pragma once
// Small random TorchScript actor/critic models for profile tests, loaded with both inference
// paths (the way tests/cli/make_test_models.cc makes them).

#include <memory>
#include <string>

#include "core/env/registry.h"
#include "core/policy/torch_model.h"
#include "core/profile/frame_pipeline.h"

namespace calf::testutil {

/// Saves and loads an actor and twin critic of `system` (point mass by default) in `dir`;
/// models() points into them.
class ProfileModels {
 public:
  explicit ProfileModels(const std::string& dir, const std::string& system = "point_mass") {
    using namespace calf::core;
    const env::EnvSpec& spec = env::FindSpec(system);
    Eigen::VectorXf scale(spec.action_dim);
    for (int j = 0; j < spec.action_dim; ++j) scale[j] = static_cast<float>(spec.max_action[j]);
    Mlp actor = MakeRandomMlp({spec.obs_dim, 32, 32, spec.action_dim}, Activation::kRelu,
                              Activation::kTanh, scale, 11);
    Mlp q1 = MakeRandomMlp({spec.critic_obs_dim() + spec.action_dim, 32, 32, 1}, Activation::kRelu,
                           Activation::kIdentity, {}, 12);
    Mlp q2 = MakeRandomMlp({spec.critic_obs_dim() + spec.action_dim, 32, 32, 1}, Activation::kRelu,
                           Activation::kIdentity, {}, 13);
    actor_path_ = dir + "/actor.pt";
    critic_path_ = dir + "/critic.pt";
    SaveActorTorchScript(actor, actor_path_);
    SaveCriticTorchScript(q1, q2, spec.critic_obs_dim(), critic_path_);
    actor_ = TorchModel::Load(actor_path_, TorchModel::Role::kActor, spec);
    critic_ = TorchModel::Load(critic_path_, TorchModel::Role::kCritic, spec);
    models_.actor = &actor_->heads()[0];
    models_.critic_q1 = &critic_->heads()[0];
    models_.critic_q2 = &critic_->heads()[1];
    models_.torch_actor = actor_.get();
    models_.torch_critic = critic_.get();
  }

  const calf::core::profile::PipelineModels& models() const { return models_; }
  const std::string& actor_path() const { return actor_path_; }
  const std::string& critic_path() const { return critic_path_; }

 private:
  std::string actor_path_, critic_path_;
  std::unique_ptr<calf::core::TorchModel> actor_, critic_;
  calf::core::profile::PipelineModels models_;
};

}  // namespace calf::testutil
