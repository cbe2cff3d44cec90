#pragma once
// The environments of an algorithm that trains on many at once (PPO): their states, resets,
// observations and steps, apart from the learner (networks, rollout buffers, updates). In one
// process they are a LocalEnvBatch; under mpirun the same interface is served by every rank,
// each stepping a slice of the environments (mpi/distributed_env_batch.h), and the learner
// cannot tell the difference: every result is a pure function of the environment's global
// index, its state and the counters, so the trained model is the same for any rank count.
//
// Layout: environment k's data at [k*dim, (k+1)*dim) of each array (environment-major).

#include <cstdint>
#include <functional>
#include <memory>

#include "core/env/environment.h"

namespace calf::core::train {

struct TrainConfig;

/// What one step of every environment produced. Arrays of E (or E * obs_dim) entries.
struct EnvBatchStep {
  double* reward = nullptr;
  DoneReason* done = nullptr;
  uint8_t* target_moved = nullptr;  ///< See env::StepOutput::target_moved.
  float* final_obs = nullptr;       ///< The observation after the step, before any reset.
  float* obs = nullptr;  ///< The observation the next step starts from (after the resets).
};

/// E environments of one family, stepped together. Each environment owns its state, its
/// environment state, its episode step and the number of episodes it has started; its i-th
/// episode starts from its random stream (seed, k) at counter i. Not thread-safe: one caller
/// (the learner's thread); implementations parallelise inside.
class EnvBatch {
 public:
  virtual ~EnvBatch() = default;

  /// Number of environments E.
  virtual int64_t size() const = 0;

  /// Starts a new episode in every environment and writes the observations [E * obs_dim].
  virtual void ResetAll(uint64_t step, float* obs) = 0;

  /// One step of every environment under `actions` [E * action_dim] (already clipped) at the
  /// trainer's step counter `step` (the key of draws inside the step, e.g. a new goal); an
  /// environment whose episode ended (any DoneReason but kNone) starts its next episode.
  virtual void Step(uint64_t step, const double* actions, const EnvBatchStep& out) = 0;

  /// The current observations [E * obs_dim].
  virtual void Observe(uint64_t step, float* obs) = 0;

  /// The whole state, for a checkpoint: state [E * state_dim], environment state
  /// [E * env_state_dim], episode steps [E] and episodes started [E].
  virtual void GetState(double* state, double* env_state, int64_t* episode_step,
                        uint64_t* episodes) = 0;
  /// Restores what GetState returned (a resumed run).
  virtual void SetState(const double* state, const double* env_state,
                        const int64_t* episode_step, const uint64_t* episodes) = 0;
};

/// Makes the batch of `envs` environments of a training run (`env` outlives it; `threads`
/// OpenMP threads step it).
using EnvBatchMaker = std::function<std::unique_ptr<EnvBatch>(
    const TrainConfig& config, const env::Environment& env, int64_t envs, int threads)>;

/// Environments [first, first + count) of a run stepped in this process, in fixed blocks of
/// kBlock environments (in parallel over OpenMP from kParallelEnvs environments on). `first`
/// is the global index of the first one: it keys the random streams.
class LocalEnvBatch final : public EnvBatch {
 public:
  /// Environments stepped per OpenMP task, and the unit in which ranks share them.
  static constexpr int64_t kBlock = 16;
  /// From this many environments, stepping them is worth an OpenMP parallel region: a step
  /// of 64 creatures takes microseconds, less than waking a thread (and on a loaded machine
  /// each of a rollout's parallel regions waited for a time slice).
  static constexpr int64_t kParallelEnvs = 1024;

  LocalEnvBatch(const env::Environment& env, uint64_t seed, int64_t first, int64_t count,
                int threads);

  int64_t size() const override { return count_; }
  void ResetAll(uint64_t step, float* obs) override;
  void Step(uint64_t step, const double* actions, const EnvBatchStep& out) override;
  void Observe(uint64_t step, float* obs) override;
  void GetState(double* state, double* env_state, int64_t* episode_step,
                uint64_t* episodes) override;
  void SetState(const double* state, const double* env_state, const int64_t* episode_step,
                const uint64_t* episodes) override;

 private:
  env::AgentBlock Block(int64_t first, int64_t count, uint64_t step);
  template <typename F>
  void ForBlocks(uint64_t step, F&& f);
  void ResetWhich(uint64_t step);

  const env::Environment& env_;
  const uint64_t seed_;
  const int64_t first_, count_;
  const int threads_;
  const int d_, e_, o_, m_;
  std::vector<double> state_, env_state_;
  std::vector<int64_t> episode_step_;
  std::vector<uint64_t> episodes_;
  std::vector<uint8_t> which_;
};

/// The batch of a run in this process: all `envs` environments in one LocalEnvBatch.
std::unique_ptr<EnvBatch> MakeLocalEnvBatch(const TrainConfig& config, const env::Environment& env,
                                            int64_t envs, int threads);

}  // namespace calf::core::train
