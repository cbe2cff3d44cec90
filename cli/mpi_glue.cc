#include "cli/mpi_glue.h"

#include "core/error.h"

#ifdef CALF_WITH_MPI
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
#endif

ProcessGroup::~ProcessGroup() = default;

void RequireOneProcess(const std::string& command, const std::string& why) {
  if (ProcessCount() > 1) {
    throw ConfigError("calf " + command + " runs as one process (" + why +
                      "); start it without mpirun");
  }
}

}  // namespace calf::cli
