#pragma once
// calf's use of MPI (the C API, MPI_COMM_WORLD): the session, and the few collectives a
// distributed run needs. Every MPI return code is checked; MPI_ERRORS_RETURN is set so that a
// failure becomes calf's message and MPI_Abort, not MPI's default abort.

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace calf::mpi {

/// True when an MPI launcher started this process (OpenMPI's OMPI_COMM_WORLD_SIZE, PMI_SIZE
/// of MPICH/Hydra and Slurm's PMI-2, PMIX_RANK of PMIx launchers such as `srun --mpi=pmix`);
/// calf then initialises MPI, else it does not.
bool Launched();

/// MPI_Init_thread (funneled: only the main thread calls MPI; OpenMP threads do not) on
/// construction, MPI_Finalize on destruction. At most one per process.
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// The live session, or null (no MPI, or not launched by an MPI launcher).
  static const Session* Current();
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0;
  int size_ = 1;
};

/// Ends the whole job (exit 3, one line naming the rank and `what`) unless `rc` is
/// MPI_SUCCESS: after a failed MPI call nothing collective can be trusted any more.
void CheckMpi(int rc, const char* what);

/// Prints "calf <command>: error: rank R: <what>" and ends the whole job with `code`
/// (MPI_Abort): for failures after the ranks stopped agreeing step by step.
[[noreturn]] void AbortJob(const std::string& command, const std::string& what, ExitCode code);

/// Agreement on a phase's outcome: every rank calls it with its own result (`failure` null
/// when it succeeded). When any rank failed, every rank throws the failure of the lowest
/// failing rank, prefixed "rank R: " — on rank 0 as an Error with its exit code, on the other
/// ranks as ReportedElsewhereError (so the job prints one line).
void Agree(const Error* failure);

/// Runs `f` on every rank and Agrees on its outcome (an exception of `f` is the failure).
template <typename F>
void AllOrNone(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    Agree(&e);
    return;  // not reached: Agree throws
  } catch (const std::exception& e) {
    const Error internal(std::string("internal error: ") + e.what(), ExitCode::kRuntime);
    Agree(&internal);
    return;
  }
  Agree(nullptr);
}

/// Items [first, first + count) of rank `rank` of `ranks` when `n` items are cut into whole
/// blocks of `block` and rank r takes blocks ⌊B·r/R⌋ … ⌊B·(r+1)/R⌋−1 of the B blocks (a rank
/// may get none). Depends on neither threads nor timing: the split of the distributed run's
/// agents and of the training environments.
struct BlockShare {
  int64_t first = 0, count = 0;
};
BlockShare ShareOfBlocks(int64_t n, int64_t block, int rank, int ranks);

/// MPI_Allreduce(MAX) of one int.
int AllreduceMax(int value);
/// MPI_Allreduce(SUM) of int64 values (exact, so the order does not matter).
void AllreduceSum(int64_t* values, int count);
/// Rank `root`'s string on every rank.
std::string Broadcast(std::string text, int root = 0);
/// Every rank's `values` concatenated in rank order, on rank 0 (empty elsewhere).
std::vector<double> GatherToRoot(const std::vector<double>& values);
std::vector<int64_t> GatherToRoot(const std::vector<int64_t>& values);
/// MPI_Barrier.
void Barrier();

}  // namespace calf::mpi
