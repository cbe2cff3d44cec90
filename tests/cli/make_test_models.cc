// Writes small random TorchScript actor/critic models for the CLI tests:
//   make_test_models <dir>  ->  <dir>/<system>/{actor,critic}.pt for every registered system
#include <cstdio>
#include <filesystem>

#include "core/env/registry.h"
#include "core/policy/torch_model.h"

int main(int argc, char** argv) {
  using namespace calf::core;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_test_models <dir>\n");
    return 2;
  }
  for (const env::EnvFamily& family : env::Families()) {
    const env::EnvSpec& spec = family.spec;
    const std::string dir = std::string(argv[1]) + "/" + spec.name;
    std::filesystem::create_directories(dir);
    Eigen::VectorXf scale(spec.action_dim);
    for (int j = 0; j < spec.action_dim; ++j) scale[j] = static_cast<float>(spec.max_action[j]);
    Mlp actor = MakeRandomMlp({spec.obs_dim, 32, 32, spec.action_dim}, Activation::kRelu,
                              Activation::kTanh, scale, 11);
    Mlp q1 = MakeRandomMlp({spec.critic_obs_dim() + spec.action_dim, 32, 32, 1}, Activation::kRelu,
                           Activation::kIdentity, {}, 12);
    Mlp q2 = MakeRandomMlp({spec.critic_obs_dim() + spec.action_dim, 32, 32, 1}, Activation::kRelu,
                           Activation::kIdentity, {}, 13);
    SaveActorTorchScript(actor, dir + "/actor.pt");
    SaveCriticTorchScript(q1, q2, spec.critic_obs_dim(), dir + "/critic.pt");
  }
  return 0;
}
