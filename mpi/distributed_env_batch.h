#pragma once
// `calf train` under mpirun: the parallel environments of an algorithm that has them (PPO)
// split across ranks. Rank 0 is the learner: it runs the networks for every environment and
// learns; each rank (rank 0 too) steps its slice of the environments. Each call of the
// learner's EnvBatch is one collective the other ranks serve: actions scattered, rewards,
// ends of episodes and observations gathered in environment order. Every environment's
// results are a pure function of its global index, its state and the counters, so the
// trained model is bit-identical for any rank count (docs/cluster.md).

#include <cstdint>
#include <functional>
#include <memory>

#include "core/train/env_batch.h"
#include "mpi/session.h"

namespace calf::mpi {

/// Environments [first, first + count) of rank `rank` of `ranks`: ShareOfBlocks
/// (mpi/session.h) in blocks of LocalEnvBatch::kBlock.
using EnvSlice = BlockShare;
EnvSlice EnvSliceOf(int64_t envs, int rank, int ranks);

/// Rank 0's batch of `envs` environments of the run `config` (the other ranks build their
/// slices from it): every call is served by the other ranks in ServeEnvBatches. Calls
/// `on_remote_interrupt` when another rank reports SIGINT/SIGTERM (it is told at the next step).
std::unique_ptr<core::train::EnvBatch> MakeDistributedEnvBatch(
    const core::train::TrainConfig& config, const core::env::Environment& env, int64_t envs,
    int threads, const std::function<void()>& on_remote_interrupt);

/// The other ranks: serve rank 0's batches (with `threads` OpenMP threads each) until rank 0
/// calls EndServing; returns the exit code it sent. `interrupted` polls this rank's signal
/// flag, reported to rank 0 with every step. Waits by polling with short sleeps, so an idle
/// rank does not take a core from the learner's update. A failure here ends the job
/// (AbortJob).
int ServeEnvBatches(int threads, const std::function<bool()>& interrupted);

/// Rank 0: ends the other ranks' ServeEnvBatches with exit code `code` (0 = success).
void EndServing(int code);

}  // namespace calf::mpi
