#include "core/train/ppo/ppo_config.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/env/registry.h"
#include "core/error.h"

namespace calf::core::train {

using config::Range;

std::unique_ptr<AlgorithmParams> PpoConfig::Clone() const {
  return std::make_unique<PpoConfig>(*this);
}

void PpoConfig::Bind(config::Binder& b) {
  b.Value("num_envs", num_envs, Range::Closed(0, 65536));
  b.Value("rollout_steps", rollout_steps, Range::Closed(1, 1 << 20));
  b.Value("seq_len", seq_len, Range::Closed(1, 1 << 20));
  b.Value("minibatch_size", minibatch_size, Range::AtLeast(1));
  b.Value("epochs", epochs, Range::Closed(1, 1000));
  b.Value("lr", lr, Range::Above(0.0));
  b.Value("gamma", gamma, Range::Closed(0.0, 1.0));
  b.Value("gae_lambda", gae_lambda, Range::Closed(0.0, 1.0));
  b.Value("clip", clip, Range::Above(0.0));
  b.Value("value_clip", value_clip);
  b.Value("value_clip_range", value_clip_range, Range::Above(0.0));
  b.Value("ent_coef", ent_coef, Range::AtLeast(0.0));
  b.Value("vf_coef", vf_coef, Range::AtLeast(0.0));
  b.Value("max_grad_norm", max_grad_norm, Range::Above(0.0));
  b.Choice("adv_norm", adv_norm, {"batch", "minibatch", "off"});
  b.Value("reward_scale", reward_scale, Range::Above(0.0));
  b.Value("log_std_init", log_std_init, Range::Closed(-20.0, 2.0));
  b.Value("log_std_min", log_std_min, Range::Closed(-20.0, 2.0));
  b.Value("log_std_max", log_std_max, Range::Closed(-20.0, 2.0));
  b.Object("net", [this](config::Binder& nb) {
    nb.List("encoder", net.encoder, Range::Closed(1, 4096), 1);
    nb.Value("attention_heads", net.attention_heads, Range::Closed(1, 64));
    nb.Value("head_dim", net.head_dim, Range::Closed(1, 1024));
    nb.Value("lstm", net.lstm, Range::Closed(1, 4096));
    nb.Value("head_hidden", net.head_hidden, Range::Closed(1, 4096));
    nb.Choice("neighbourhood", net.neighbourhood, {"self", "knn"});
    nb.Value("knn_k", net.knn_k, Range::Closed(0, 64));
  });
  b.Object("world_model", [this](config::Binder& wb) {
    wb.Value("enabled", world_model.enabled);
    wb.Value("lr", world_model.lr, Range::Above(0.0));
  });
}

void PpoConfig::ApplyPreset(const std::string& name, TrainConfig& c) {
  if (name != "quick" && name != "standard") {
    throw ConfigError("unknown preset '" + name + "' for algo ppo; use quick or standard");
  }
  const bool quick = name == "quick";
  // updates of 64 x 128 = 8,192 samples; the budget, the episode time limit and the reward
  // scale are the family's (EnvSpec::training)
  num_envs = 64;
  rollout_steps = 128;
  seq_len = 16;
  minibatch_size = 2048;
  epochs = 4;
  const env::TrainingHints& h = env::FindSpec(c.system).training;
  c.episodes = std::max<int64_t>(
      1, (quick ? h.quick_env_steps : h.standard_env_steps) / (num_envs * rollout_steps));
  c.env.max_steps_per_episode = h.episode_steps;
  reward_scale = h.reward_scale;
}

void PpoConfig::Validate(const TrainConfig& c) const {
  (void)c;
  const int64_t envs = num_envs > 0 ? num_envs : 1;
  if (rollout_steps % seq_len != 0) {
    throw ConfigError("seq_len " + std::to_string(seq_len) + " does not divide rollout_steps " +
                      std::to_string(rollout_steps) + "; choose a divisor (e.g. 16 for 128)");
  }
  if (minibatch_size % seq_len != 0) {
    throw ConfigError("minibatch_size " + std::to_string(minibatch_size) +
                      " is not a multiple of seq_len " + std::to_string(seq_len) +
                      " (minibatches hold whole sequences)");
  }
  if (num_envs > 0 && minibatch_size > num_envs * rollout_steps) {
    throw ConfigError("minibatch_size " + std::to_string(minibatch_size) +
                      " is larger than the rollout (num_envs x rollout_steps = " +
                      std::to_string(num_envs * rollout_steps) + "); lower it");
  }
  if (net.neighbourhood == "knn" && minibatch_size % (seq_len * envs) != 0) {
    throw ConfigError(
        "net.neighbourhood knn needs minibatch_size a multiple of seq_len x "
        "num_envs (" +
        std::to_string(seq_len * envs) + "): attention sees all environments of a step");
  }
  if (log_std_min > log_std_max || log_std_init < log_std_min || log_std_init > log_std_max) {
    throw ConfigError("log_std_init must lie in [log_std_min, log_std_max] (got " +
                      std::to_string(log_std_init) + " in [" + std::to_string(log_std_min) + ", " +
                      std::to_string(log_std_max) + "])");
  }
}

namespace {

// bytes of memory available now (MemAvailable of /proc/meminfo; sysconf as a fallback)
double AvailableBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0.0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024.0;
  }
  return static_cast<double>(sysconf(_SC_AVPHYS_PAGES)) *
         static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

int64_t PpoConfig::ResolvedEnvs(int obs_dim) const {
  if (num_envs > 0) return num_envs;
  // per sample: obs and next obs, pre-tanh action (<= obs), ~12 scalars; per sequence
  // start the LSTM state (2 x lstm floats / seq_len)
  const double per_sample =
      4.0 * (3.0 * obs_dim + 12.0 + 2.0 * net.lstm / static_cast<double>(seq_len));
  const double budget = AvailableBytes() / 8.0;
  int64_t envs = 1024;
  while (envs > 1 && envs * rollout_steps * per_sample > budget) envs /= 2;
  while (minibatch_size > envs * rollout_steps && envs < 65536) envs *= 2;  // keep a minibatch
  return envs;
}

}  // namespace calf::core::train
