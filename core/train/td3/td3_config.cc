#include "core/train/td3/td3_config.h"

#include "core/error.h"

namespace calf::core::train {

using config::Range;

std::unique_ptr<AlgorithmParams> Td3Config::Clone() const {
  return std::make_unique<Td3Config>(*this);
}

void Td3Config::Bind(config::Binder& b) {
  b.Choice("backend", backend, {"eigen", "libtorch"});
  // the replay buffer must hold a transition before the first update
  b.Value("start_training_step", start_training_step, Range::AtLeast(1));
  b.Value("replay_size", replay_size, Range::AtLeast(1));
  b.Value("expl_noise", expl_noise, Range::AtLeast(0.0));
  b.Value("reward_scale", reward_scale, Range::Above(0.0));
  b.Value("actor_extras", actor_extras);
  b.Value("action_repeat", action_repeat, Range::Closed(1, 1000));
  b.List("hidden", td3.hidden, Range::Closed(1, 4096), 1);
  b.Value("actor_lr", td3.actor_lr, Range::Above(0.0));
  b.Value("critic_lr", td3.critic_lr, Range::Above(0.0));
  b.Value("discount", td3.discount, Range::Closed(0.0, 1.0));
  b.Value("tau", td3.tau, Range::OpenClosed(0.0, 1.0));
  b.Value("policy_noise", td3.policy_noise, Range::AtLeast(0.0));
  b.Value("noise_clip", td3.noise_clip, Range::AtLeast(0.0));
  b.Value("policy_freq", td3.policy_freq, Range::AtLeast(1));
  b.Value("batch_size", td3.batch_size, Range::AtLeast(1));
}

void Td3Config::ApplyPreset(const std::string& name, TrainConfig& c) {
  struct P {
    int64_t episodes, steps, start;
    int batch;
  };
  P p{};
  if (name == "quick") {
    p = {100, 500, 50, 64};
  } else if (name == "standard") {
    p = {500, 750, 100, 64};
  } else if (name == "thorough") {
    p = {1000, 1000, 200, 128};
  } else {
    throw ConfigError("unknown preset '" + name + "'; use quick, standard or thorough");
  }
  c.episodes = p.episodes;
  c.env.max_steps_per_episode = p.steps;
  start_training_step = p.start;
  td3.batch_size = p.batch;
}

}  // namespace calf::core::train
