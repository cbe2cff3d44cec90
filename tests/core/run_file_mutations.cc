// Issue 19, row 6: changes bytes of a run file and reads each variant the way
// `calf screenshot --run f --step 1` does (TrajectoryReader, the config attribute, the step
// index, the state/mode/done/episode rows), each in a forked child so that a crash or a hang
// is counted, not fatal. A crash is told apart by where it happened: inside HDF5's global heap
// (H5HG*, which calf's fixed-length strings avoid), elsewhere inside HDF5 (its object-header
// parsers: documented in docs/fuzzing.md, outside calf's reach), or in calf. Prints the
// outcomes; exits 1 when a variant crashed outside HDF5 or in its global heap, hung, or threw
// something other than calf::Error.
// Usage: calf_run_file_mutations <run.h5> <scratch dir> <stride> [first last]
//   every `stride`-th byte in [first, last) (default: the whole file) is set to 0x00, 0xFF and
//   its value XOR 0x40, one change per variant.

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/trajectory_reader.h"
#include "core/sim/config.h"

namespace {

enum ChildExit { kRead = 0, kRefused = 2, kOther = 4, kInHdf5 = 5, kInGlobalHeap = 6 };

// The child's handler of a crash: which library holds the frames on the stack (not
// async-signal-safe, but the process is ending anyway)
void OnCrash(int) {
  void* frames[64];
  const int n = backtrace(frames, 64);
  bool in_hdf5 = false, in_global_heap = false;
  for (int i = 0; i < n; ++i) {
    Dl_info info;
    if (dladdr(frames[i], &info) == 0) continue;
    if (info.dli_fname != nullptr && std::strstr(info.dli_fname, "libhdf5") != nullptr) {
      in_hdf5 = true;
      if (info.dli_sname != nullptr && std::strncmp(info.dli_sname, "H5HG", 4) == 0) {
        in_global_heap = true;
      }
    }
  }
  _exit(in_global_heap ? kInGlobalHeap : in_hdf5 ? kInHdf5 : 128);
}

// what screenshot --run reads before rendering: exit 0 = read, 2 = calf::Error, 4 = another
// exception
int ReadLikeScreenshot(const std::string& path) {
  try {
    calf::core::TrajectoryReader reader(path);
    calf::core::SimConfig config;
    config.ApplyJson(reader.info().meta.config_json, path + " (attribute config)");
    // as screenshot --run: the state dimension of the config's system, before any read
    if (reader.info().state_dim != calf::core::env::FindSpec(config.system).state_dim) {
      throw calf::IoError("state dimension of another system");
    }
    const int64_t row = reader.FindRow(1).value_or(0);
    reader.ReadRows<float>("states", 0, std::min<int64_t>(row + 1, reader.RowCount("states")));
    const int64_t rows = std::min<int64_t>(row, reader.RowCount("modes"));
    reader.ReadRows<uint8_t>("modes", 0, rows);
    reader.ReadRows<uint8_t>("done", 0, rows);
    reader.ReadRows<int32_t>("episode", 0, rows);
    reader.EnumMembers("modes");
    return kRead;
  } catch (const calf::Error&) {
    return kRefused;
  } catch (...) {
    return kOther;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    std::fprintf(stderr, "usage: %s <run.h5> <scratch dir> <stride> [first last]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::vector<char> good((std::istreambuf_iterator<char>(in)), {});
  if (good.empty()) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  const long stride = std::max(1L, std::atol(argv[3]));
  const long first = argc == 6 ? std::atol(argv[4]) : 0;
  const long last = argc == 6 ? std::min<long>(std::atol(argv[5]), good.size()) : good.size();
  const std::string path = std::string(argv[2]) + "/mutant.h5";
  std::map<std::string, int> outcomes;
  int findings = 0;
  void* warm[1];
  backtrace(warm, 1);  // loads libgcc's unwinder before any crash
  for (long pos = first; pos < last; pos += stride) {
    const unsigned char old = static_cast<unsigned char>(good[pos]);
    for (unsigned char value : {static_cast<unsigned char>(0x00), static_cast<unsigned char>(0xFF),
                                static_cast<unsigned char>(old ^ 0x40)}) {
      if (value == old) continue;
      std::vector<char> bad = good;
      bad[pos] = static_cast<char>(value);
      std::ofstream(path, std::ios::binary | std::ios::trunc).write(bad.data(), bad.size());
      const pid_t child = fork();
      if (child == 0) {
        for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, OnCrash);
        alarm(30);  // a hang is a finding (30 s: the machine may be busy)
        _exit(ReadLikeScreenshot(path));
      }
      int status = 0;
      waitpid(child, &status, 0);
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      const bool hung = WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
      std::string outcome;
      if (code == kRead) {
        outcome = "read";
      } else if (code == kRefused) {
        outcome = "refused (calf::Error)";
      } else if (code == kInHdf5) {
        outcome = "crashed inside HDF5 (object headers, not the global heap)";
        std::printf("inside hdf5: byte %ld = 0x%02x\n", pos, value);
      } else {
        outcome = code == kInGlobalHeap ? "crashed in HDF5's global heap"
                  : code == kOther      ? "other exception"
                  : hung                ? "hung (> 30 s)"
                                        : "crashed outside HDF5";
        ++findings;
        std::printf("finding: byte %ld = 0x%02x: %s\n", pos, value, outcome.c_str());
      }
      ++outcomes[outcome];
    }
  }
  for (const auto& [outcome, count] : outcomes) std::printf("%6d %s\n", count, outcome.c_str());
  return findings == 0 ? 0 : 1;
}
