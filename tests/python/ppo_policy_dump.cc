// Trains a tiny PPO policy and writes, beside its exported models, what the training network
// itself computes over a 50-step recurrent rollout, for ppo_torchscript.py to compare with
// PyTorch's torch.jit.load of the export.
//
// usage: calf_ppo_policy_dump <system> <self|knn> <out_dir>
// writes <out_dir>/policy.pt (+ model.json, ...) and <out_dir>/reference.bin:
//   int64 B, T, o, m, H, then per step t: obs [B*o], reset flags [B] (uint8, applied
//   before the step), mu [B*m], value [B] (float32).

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/train/ppo/ppo_algorithm.h"
#include "core/train/trainer.h"

using namespace calf::core::train;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: calf_ppo_policy_dump <system> <self|knn> <out_dir>\n");
    return 2;
  }
  omp_set_num_threads(1);
  TrainConfig c;
  c.SetAlgorithm("ppo");
  c.system = argv[1];
  c.seed = 9;
  c.episodes = 2;
  c.env.max_steps_per_episode = 30;
  PpoConfig& p = c.As<PpoConfig>();
  p.num_envs = 8;
  p.rollout_steps = 32;
  p.seq_len = 8;
  p.minibatch_size = 64;
  p.net.neighbourhood = argv[2];
  p.net.knn_k = 2;
  p.world_model.enabled = true;
  c.Validate();
  Trainer trainer(c);
  trainer.RunUntil(2);
  const std::string dir = argv[3];
  std::filesystem::create_directories(dir);
  trainer.WriteModels(dir);

  const PpoAlgorithm& ppo = trainer.As<PpoAlgorithm>();
  const int64_t B = 4, T = 50, o = trainer.spec().obs_dim, m = trainer.spec().action_dim;
  const int64_t H = ppo.hidden_size();
  std::ofstream out(dir + "/reference.bin", std::ios::binary);
  for (int64_t v : {B, T, o, m, H}) out.write(reinterpret_cast<const char*>(&v), sizeof v);
  std::vector<float> h(B * H, 0.f), cs(B * H, 0.f), obs(B * o), value;
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < B * o; ++i) obs[i] = std::sin(0.37f * t + 1.3f * i) * 0.9f;
    std::vector<uint8_t> reset(B, 0);
    if (t == 25) reset[1] = 1;  // agent 1 starts a new episode
    for (int64_t k = 0; k < B; ++k) {
      if (reset[k] == 0) continue;
      std::fill_n(h.begin() + k * H, H, 0.f);
      std::fill_n(cs.begin() + k * H, H, 0.f);
    }
    const std::vector<float> mu = ppo.PolicyStep(obs, B, h, cs, value);
    out.write(reinterpret_cast<const char*>(obs.data()), sizeof(float) * obs.size());
    out.write(reinterpret_cast<const char*>(reset.data()), reset.size());
    out.write(reinterpret_cast<const char*>(mu.data()), sizeof(float) * mu.size());
    out.write(reinterpret_cast<const char*>(value.data()), sizeof(float) * value.size());
  }
  return out ? 0 : 1;
}
