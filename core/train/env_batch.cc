#include "core/train/env_batch.h"

#include <algorithm>

#include "core/train/train_config.h"

namespace calf::core::train {

LocalEnvBatch::LocalEnvBatch(const env::Environment& env, uint64_t seed, int64_t first,
                             int64_t count, int threads)
    : env_(env),
      seed_(seed),
      first_(first),
      count_(count),
      threads_(std::max(1, threads)),
      d_(env.spec().state_dim),
      e_(env.spec().env_state_dim),
      o_(env.spec().obs_dim),
      m_(env.spec().action_dim),
      state_(count * d_, 0.0),
      env_state_(count * e_, 0.0),
      episode_step_(count, 0),
      episodes_(count, 0),
      which_(count, 0) {}

env::AgentBlock LocalEnvBatch::Block(int64_t first, int64_t count, uint64_t step) {
  return {first_ + first,
          count,
          state_.data() + first * d_,
          e_ > 0 ? env_state_.data() + first * e_ : nullptr,
          episode_step_.data() + first,
          seed_,
          step};
}

// f(block, local index of its first environment) over fixed blocks of kBlock
template <typename F>
void LocalEnvBatch::ForBlocks(uint64_t step, F&& f) {
  const int64_t blocks = (count_ + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) num_threads(threads_) if (count_ >= kParallelEnvs)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t first = b * kBlock;
    f(Block(first, std::min(kBlock, count_ - first), step), first);
  }
}

// new episodes where which_ is set: environment k's i-th episode from its stream at counter i
void LocalEnvBatch::ResetWhich(uint64_t step) {
  ForBlocks(step, [&](const env::AgentBlock& b, int64_t first) {
    env_.Reset(b, seed_, episodes_.data() + first, which_.data() + first);
  });
  for (int64_t k = 0; k < count_; ++k) {
    if (which_[k] == 0) continue;
    ++episodes_[k];
    episode_step_[k] = 0;
  }
}

void LocalEnvBatch::ResetAll(uint64_t step, float* obs) {
  std::fill(which_.begin(), which_.end(), 1);
  ResetWhich(step);
  Observe(step, obs);
}

void LocalEnvBatch::Step(uint64_t step, const double* actions, const EnvBatchStep& out) {
  ForBlocks(step, [&](const env::AgentBlock& b, int64_t first) {
    env_.Step(b, actions + first * m_,
              {out.reward + first, out.done + first, out.target_moved + first});
  });
  Observe(step, out.final_obs);
  for (int64_t k = 0; k < count_; ++k) which_[k] = out.done[k] != DoneReason::kNone ? 1 : 0;
  ResetWhich(step);
  Observe(step, out.obs);
}

void LocalEnvBatch::Observe(uint64_t step, float* obs) {
  ForBlocks(step,
            [&](const env::AgentBlock& b, int64_t first) { env_.Observe(b, obs + first * o_); });
}

void LocalEnvBatch::GetState(double* state, double* env_state, int64_t* episode_step,
                             uint64_t* episodes) {
  std::copy(state_.begin(), state_.end(), state);
  std::copy(env_state_.begin(), env_state_.end(), env_state);
  std::copy(episode_step_.begin(), episode_step_.end(), episode_step);
  std::copy(episodes_.begin(), episodes_.end(), episodes);
}

void LocalEnvBatch::SetState(const double* state, const double* env_state,
                             const int64_t* episode_step, const uint64_t* episodes) {
  std::copy_n(state, state_.size(), state_.begin());
  std::copy_n(env_state, env_state_.size(), env_state_.begin());
  std::copy_n(episode_step, count_, episode_step_.begin());
  std::copy_n(episodes, count_, episodes_.begin());
}

std::unique_ptr<EnvBatch> MakeLocalEnvBatch(const TrainConfig& config, const env::Environment& env,
                                            int64_t envs, int threads) {
  return std::make_unique<LocalEnvBatch>(env, config.seed, 0, envs, threads);
}

}  // namespace calf::core::train
