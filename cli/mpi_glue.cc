#include "cli/mpi_glue.h"

#include "cli/signals.h"
#include "core/error.h"

#ifdef CALF_WITH_MPI
#include "mpi/distributed_env_batch.h"
#include "mpi/distributed_run.h"
#include "mpi/session.h"
#endif

namespace calf::cli {

#ifdef CALF_WITH_MPI
struct ProcessGroup::Impl {
  std::unique_ptr<mpi::Session> session;
};

ProcessGroup::ProcessGroup(int* argc, char*** argv) : impl_(std::make_unique<Impl>()) {
  if (mpi::Launched()) impl_->session = std::make_unique<mpi::Session>(argc, argv);
}

int ProcessRank() {
  const mpi::Session* s = mpi::Session::Current();
  return s != nullptr ? s->rank() : 0;
}

int ProcessCount() {
  const mpi::Session* s = mpi::Session::Current();
  return s != nullptr ? s->size() : 1;
}

void OnEveryProcess(const std::function<void()>& f) {
  if (ProcessCount() > 1) {
    mpi::AllOrNone(f);
  } else {
    f();
  }
}

core::RunOutcome RunToFileOnProcesses(const core::SimConfig& config, const std::string& out,
                                      int threads, const core::RunHooks& hooks) {
  if (ProcessCount() > 1) return mpi::RunToFileOnRanks(config, out, threads, hooks);
  return core::RunToFile(config, out, threads, hooks);
}

void RequireSameArguments(const std::string& arguments) {
  if (ProcessCount() == 1) return;
  const std::string root = mpi::Broadcast(arguments, 0);
  mpi::AllOrNone([&] {
    if (arguments != root) {
      throw ConfigError(
          "was started with other arguments than rank 0; start every rank with the same command");
    }
  });
}

core::train::EnvBatchMaker TrainEnvBatches() {
  if (ProcessCount() == 1) return core::train::MakeLocalEnvBatch;
  return [](const core::train::TrainConfig& config, const core::env::Environment& env,
            int64_t envs, int threads) {
    return mpi::MakeDistributedEnvBatch(config, env, envs, threads, RequestInterrupt);
  };
}

int ServeTrainEnvironments(int threads) {
  return mpi::ServeEnvBatches(threads, InterruptRequested);
}

void EndTrainServing(int code) {
  if (ProcessCount() > 1) mpi::EndServing(code);
}
#else
struct ProcessGroup::Impl {};

ProcessGroup::ProcessGroup(int*, char***) {}

int ProcessRank() { return 0; }

int ProcessCount() { return 1; }

void OnEveryProcess(const std::function<void()>& f) { f(); }

core::RunOutcome RunToFileOnProcesses(const core::SimConfig& config, const std::string& out,
                                      int threads, const core::RunHooks& hooks) {
  return core::RunToFile(config, out, threads, hooks);
}

void RequireSameArguments(const std::string&) {}

core::train::EnvBatchMaker TrainEnvBatches() { return core::train::MakeLocalEnvBatch; }

int ServeTrainEnvironments(int) { return 0; }

void EndTrainServing(int) {}
#endif

ProcessGroup::~ProcessGroup() = default;

void RequireOneProcess(const std::string& command, const std::string& why) {
  if (ProcessCount() > 1) {
    throw ConfigError("calf " + command + " runs as one process (" + why +
                      "); start it without mpirun");
  }
}

}  // namespace calf::cli
