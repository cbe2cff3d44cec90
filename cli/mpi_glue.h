#pragma once
// The CLI's one contact with the optional MPI engine (mpi/): a build without MPI, or a
// process no MPI launcher started, runs as one process and these are trivial.

#include <functional>
#include <memory>
#include <string>

#include "core/sim/run_to_file.h"
#include "core/train/env_batch.h"

namespace calf::cli {

/// Starts MPI when an MPI launcher started this process (and the build has MPI); ends it
/// when destroyed. Create one in main before parsing.
class ProcessGroup {
 public:
  ProcessGroup(int* argc, char*** argv);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// This process's rank and the number of processes (0 and 1 without MPI).
int ProcessRank();
int ProcessCount();

/// Throws ConfigError (exit 2) when this process is one of several MPI ranks: `command` has
/// nothing to split across processes (each rank would write the same files).
void RequireOneProcess(const std::string& command, const std::string& why);

/// Runs `f` (a phase that checks input) and, when this process is one of several ranks, makes
/// every rank agree on its outcome: if it threw on any rank, every rank throws the lowest
/// failing rank's error (printed by rank 0 only). Without MPI: f().
void OnEveryProcess(const std::function<void()>& f);

/// Throws ConfigError (exit 2) on every rank when this process is one of several ranks and
/// the ranks were started with different `arguments` (a text of the options that matter).
void RequireSameArguments(const std::string& arguments);

/// calf train's parallel environments: in this process, or split across the ranks when this
/// process is rank 0 of several (the others serve them in ServeTrainEnvironments). Another
/// rank's SIGINT/SIGTERM then counts as this process's (RequestInterrupt).
core::train::EnvBatchMaker TrainEnvBatches();

/// Ranks other than 0 of several: step their share of rank 0's training environments until
/// rank 0 ends the job (EndTrainServing); returns its exit code.
int ServeTrainEnvironments(int threads);

/// Rank 0 of several: ends the other ranks' ServeTrainEnvironments with `code`; a no-op for
/// one process.
void EndTrainServing(int code);

/// core::RunToFile, or mpi::RunToFileOnRanks when this process is one of several ranks.
core::RunOutcome RunToFileOnProcesses(const core::SimConfig& config, const std::string& out,
                                      int threads, const core::RunHooks& hooks);

}  // namespace calf::cli
