#include "mpi/session.h"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace calf::mpi {
namespace {
const Session* g_session = nullptr;
}  // namespace

// An MPI call failed: nothing collective can be trusted any more, so end the job.
void CheckMpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  MPI_Error_string(rc, text, &len);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "calf: error: rank %d: %s failed: %s\n", rank, what, text);
  MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::kRuntime));
  std::abort();
}

namespace {

void Check(int rc, const char* what) { CheckMpi(rc, what); }

template <typename T>
std::vector<T> Gather(const std::vector<T>& values, MPI_Datatype type) {
  const Session* s = Session::Current();
  CALF_CHECK(s != nullptr) << "MPI collective without a session";
  int count = static_cast<int>(values.size());
  std::vector<int> counts(s->rank() == 0 ? s->size() : 0), offsets(counts.size());
  Check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::vector<T> out;
  if (s->rank() == 0) {
    int total = 0;
    for (int r = 0; r < s->size(); ++r) {
      offsets[r] = total;
      total += counts[r];
    }
    out.resize(total);
  }
  Check(MPI_Gatherv(values.data(), count, type, out.data(), counts.data(), offsets.data(), type, 0,
                    MPI_COMM_WORLD),
        "MPI_Gatherv");
  return out;
}

}  // namespace

bool Launched() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

Session::Session(int* argc, char*** argv) {
  CALF_CHECK(g_session == nullptr) << "one MPI session per process";
  int provided = 0;
  Check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  Check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  g_session = this;
}

Session::~Session() {
  g_session = nullptr;
  MPI_Finalize();
}

const Session* Session::Current() { return g_session; }

void AbortJob(const std::string& command, const std::string& what, ExitCode code) {
  const int rank = g_session != nullptr ? g_session->rank() : 0;
  std::fprintf(stderr, "calf %s: error: rank %d: %s\n", command.c_str(), rank, what.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, static_cast<int>(code));
  std::abort();
}

void Agree(const Error* failure) {
  const Session* s = Session::Current();
  CALF_CHECK(s != nullptr) << "MPI collective without a session";
  // the lowest failing rank, or size when every rank succeeded
  const int mine = failure != nullptr ? s->rank() : s->size();
  int first = s->size();
  Check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  if (first == s->size()) return;
  std::string text;
  if (s->rank() == first) {
    text = std::to_string(static_cast<int>(failure->code())) + " " + failure->what();
  }
  text = Broadcast(text, first);
  const size_t space = text.find(' ');
  const auto code = static_cast<ExitCode>(std::atoi(text.substr(0, space).c_str()));
  const std::string what = "rank " + std::to_string(first) + ": " + text.substr(space + 1);
  if (s->rank() == 0) throw Error(what, code);
  throw ReportedElsewhereError(what, code);
}

BlockShare ShareOfBlocks(int64_t n, int64_t block, int rank, int ranks) {
  const int64_t blocks = (n + block - 1) / block;
  const int64_t b0 = blocks * rank / ranks, b1 = blocks * (rank + 1) / ranks;
  const int64_t first = std::min(n, b0 * block);
  return {first, std::min(n, b1 * block) - first};
}

int AllreduceMax(int value) {
  int out = 0;
  Check(MPI_Allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
  return out;
}

void AllreduceSum(int64_t* values, int count) {
  Check(MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD),
        "MPI_Allreduce");
}

std::string Broadcast(std::string text, int root) {
  int len = static_cast<int>(text.size());
  Check(MPI_Bcast(&len, 1, MPI_INT, root, MPI_COMM_WORLD), "MPI_Bcast");
  text.resize(static_cast<size_t>(len));
  Check(MPI_Bcast(text.data(), len, MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
  return text;
}

std::vector<double> GatherToRoot(const std::vector<double>& values) {
  return Gather(values, MPI_DOUBLE);
}

std::vector<int64_t> GatherToRoot(const std::vector<int64_t>& values) {
  return Gather(values, MPI_INT64_T);
}

void Barrier() { Check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

}  // namespace calf::mpi
