// libFuzzer target: the run-file reader behind `calf screenshot --run` as the command runs it
// (render::ReadRunWindow: TrajectoryReader's checks, the recorded config, the rows of the run's
// last step and their trail window), first in a forked child (core::ReadInChildFirst), then in
// this process when the child succeeded. What calf promises for any file: a calf::Error or
// success; a crash or hang of HDF5 (Debian's 1.10.8, not instrumented) inside the child comes
// back as calf's clean refusal. A finding is anything else: another exception, a sanitizer
// report in calf's code (in the child too), a child that ends without a word, a refusal that
// differs between the child and this process.
//
// The input is a whole run file (seeds: `calf run` of each family). libFuzzer's own mutations
// insert and erase bytes, which shifts every HDF5 address after them and is refused early; the
// custom mutator below mostly changes bytes in place (set to 0x00/0xFF, flip a bit, a random
// byte, +-1), so the file's structure stays and the mutations reach HDF5's and calf's checks
// of each object. A crash inside HDF5 (told apart by the first frame of AddressSanitizer's
// report outside the sanitizer and libc) is saved as hdf5/<crc>.h5 with the report in
// hdf5/<crc>.txt in the working directory; the count is printed at exit.
#include <fcntl.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "core/error.h"
#include "core/io/checksum.h"
#include "core/io/read_in_child.h"
#include "fuzz/fuzz_util.h"
#include "render_offscreen/run_window.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

// the child's time limit: HDF5 loops forever on some files; the CLI allows 60 s and more
constexpr double kChildTimeoutS = 5.0;
// the child's exit code when a sanitizer report in calf's code ended it
constexpr int kCalfFindingExit = 77;

std::string g_report_path;       // where the child leaves AddressSanitizer's report
const char* g_report = nullptr;  // the child's report, set by the sanitizer before it dies
int64_t g_hdf5_crashes = 0;      // inputs whose child crashed inside HDF5
int64_t g_hdf5_timeouts = 0;     // inputs whose child was stopped after kChildTimeoutS
int64_t g_read = 0, g_refused = 0;
int64_t g_silent_retries = 0;  // children that ended without a report, then read again
bool g_selftest = false;       // $CALF_FUZZ_SELFTEST: see the child's read below

void OnReport(const char* text) { g_report = text; }

// True when the report's first frame outside the sanitizer runtime and libc is in libhdf5
// (calf's frames carry source lines; the runtime's show as "run_file_fuzz+0x...").
bool InsideHdf5(const char* report) {
  if (report == nullptr) return false;
  // no allocation here: this runs while the sanitizer dies
  auto has = [](const char* from, const char* to, const char* what) {
    const size_t n = std::strlen(what);
    for (const char* q = from; q + n <= to; ++q) {
      if (std::memcmp(q, what, n) == 0) return true;
    }
    return false;
  };
  // the callback gets AddressSanitizer's whole message buffer (64 KiB, appended to since the
  // fuzzer started, inherited by the child): this error's frames follow its last "ERROR:"
  for (const char* q = std::strstr(report, "ERROR: AddressSanitizer"); q != nullptr;
       q = std::strstr(q + 1, "ERROR: AddressSanitizer"))
    report = q;
  for (const char* p = std::strstr(report, "    #"); p != nullptr;
       p = std::strstr(p + 1, "    #")) {
    const char* end = std::strchr(p, '\n');
    if (end == nullptr) end = p + std::strlen(p);
    // the sanitizer's runtime (its interceptors: memcpy, strdup, malloc, ...) has no source
    // line in this binary, calf's code has; libc's frames: the caller is the culprit
    if (has(p, end, "/run_file_fuzz+0x") || has(p, end, "/libc.so")) continue;
    return has(p, end, "libhdf5");
  }
  return false;
}

// The child's death (a sanitizer report): a crash inside HDF5 ends it by a signal, as HDF5's
// crash ends the CLI's child; a report in calf's code ends it without a word, which the
// parent turns into a finding.
void OnChildDeath() {
  const int fd = open(g_report_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (g_report != nullptr) {
      ssize_t ignored = write(fd, g_report, std::strlen(g_report));
      (void)ignored;
    }
    close(fd);
  }
  if (InsideHdf5(g_report)) kill(getpid(), SIGKILL);
  _exit(kCalfFindingExit);
}

void PrintCounts() {
  std::fprintf(stderr,
               "run_file_fuzz: %lld read, %lld refused, of which %lld crashed HDF5 in the child "
               "(saved in hdf5/) and %lld hung it for %.0f s; %lld silent children retried\n",
               static_cast<long long>(g_read), static_cast<long long>(g_refused),
               static_cast<long long>(g_hdf5_crashes), static_cast<long long>(g_hdf5_timeouts),
               kChildTimeoutS, static_cast<long long>(g_silent_retries));
}

// keeps an input that crashed HDF5, with the child's report
void SaveHdf5Crash(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  char name[16];
  std::snprintf(name, sizeof name, "%08x", calf::core::Crc32c(0, data, size));
  std::error_code ec;
  fs::create_directories("hdf5", ec);
  const fs::path base = fs::path("hdf5") / name;
  if (fs::exists(base.string() + ".h5")) return;
  if (std::FILE* f = std::fopen((base.string() + ".h5").c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  fs::rename(g_report_path, base.string() + ".txt", ec);
}

}  // namespace

// A huge allocation returns null, as glibc's malloc does without the sanitizer (or under a
// memory limit): HDF5 asked for 146 GB for a corrupt metadata size (H5C_protect) and refuses
// the file when it fails;
// AddressSanitizer's default is to abort. In calf's code operator new then throws
// std::bad_alloc, which is a finding (not a calf::Error).
extern "C" const char* __asan_default_options() {
  // above 2000 MB null before libFuzzer's malloc limit (2048 MB) sees it: in the child that
  // limit would end the read without a word (HDF5 asked calloc for 17 GB)
  return "allocator_may_return_null=1:max_allocation_size_mb=2000";
}

// LeakSanitizer: HDF5 leaks on some of its own error paths (e.g. H5Dopen2 of a corrupt layout
// message frees nothing it allocated); a handle calf forgot to close would not show up as a
// leak (HDF5's ID table still holds it), so every leak allocated inside libhdf5 is HDF5's.
// Without the list of suppressions used printed after every leak check: those lines filled
// AddressSanitizer's 64 KiB message buffer after ~330 checks, so the reports of later children
// no longer reached the callback above and HDF5's were taken for calf's (runs 4 and 5).
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }

extern "C" const char* __lsan_default_suppressions() { return "leak:libhdf5_serial.so\n"; }

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_report_path = "/tmp/calf_fuzz_" + std::to_string(getpid()) + ".report";
  std::atexit(PrintCounts);
  g_selftest = std::getenv("CALF_FUZZ_SELFTEST") != nullptr;
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  std::minstd_rand rng(seed);
  if (size == 0 || rng() % 8 == 0) return LLVMFuzzerMutate(data, size, max_size);
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < edits; ++k) {
    // half the edits in the first 16 KiB, where a small run file keeps its metadata
    const size_t span = rng() % 2 == 0 ? std::min<size_t>(size, 16384) : size;
    uint8_t& b = data[rng() % span];
    switch (rng() % 6) {
      case 0:
        b = 0x00;
        break;
      case 1:
        b = 0xFF;
        break;
      case 2:
        b ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 3:
        b = static_cast<uint8_t>(rng());
        break;
      case 4:
        ++b;
        break;
      default:
        --b;
        break;
    }
  }
  return size;
}

// The read `calf screenshot --run` does first, in a forked child; returns the child's refusal
// ("" when it read the file).
std::string ReadInChild(const std::string& path, const calf::render::FeedOptions& options) {
  std::string child_error;
  try {
    calf::core::ReadInChildFirst(
        path,
        [&] {
          __asan_set_error_report_callback(OnReport);
          __sanitizer_set_death_callback(OnChildDeath);
          if (g_selftest) {
            // CALF_FUZZ_SELFTEST=1: a heap overflow in calf's (instrumented) code in the
            // child, which must end the fuzzer with a crash (checks the classification)
            volatile char* p = new char[4];
            p[4] = 1;
            delete[] p;
          }
          calf::render::ReadRunWindow(path, {}, options);
        },
        kChildTimeoutS);
  } catch (const calf::Error& e) {
    child_error = e.what();
  }
  return child_error;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = calf::fuzz::WriteInput(data, size, ".h5");
  const calf::render::FeedOptions options;  // --trail 600, the run's own critic
  std::string child_error;
  for (int attempt = 0; attempt < 2; ++attempt) {
    child_error = ReadInChild(path, options);
    // once in the fourth 10-minute run a child ended without a report on an input whose read
    // crashes HDF5 (refused cleanly when run again, never reproduced): a second child decides;
    // a report in calf's code is deterministic and ends both
    if (child_error.find("without a report") == std::string::npos) break;
    if (attempt == 0) ++g_silent_retries;
  }
  if (child_error.rfind("internal error", 0) == 0) {
    std::fprintf(stderr, "run_file_fuzz: the child threw: %s\n", child_error.c_str());
    __builtin_trap();
  }
  if (child_error.find("without a report") != std::string::npos) {
    std::fprintf(stderr, "run_file_fuzz: the child died of a report in calf's code (above)\n");
    __builtin_trap();
  }
  if (child_error.find("crashed HDF5") != std::string::npos) {
    ++g_hdf5_crashes;
    ++g_refused;
    SaveHdf5Crash(data, size);
    return 0;
  }
  if (child_error.find("did not finish") != std::string::npos) {
    ++g_hdf5_timeouts;
    ++g_refused;
    return 0;
  }
  // the child survived: this process reads as the CLI does after a success, and after a
  // refusal reads too (coverage of calf's checks) and must refuse with the same words
  std::string parent_error;
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    try {
      calf::render::ReadRunWindow(path, {}, options);
    } catch (const calf::Error& e) {
      parent_error = e.what();
      throw;
    }
  });
  if (parent_error != child_error) {
    std::fprintf(stderr, "run_file_fuzz: the child said '%s', this process '%s'\n",
                 child_error.c_str(), parent_error.c_str());
    __builtin_trap();
  }
  ++(child_error.empty() ? g_read : g_refused);
  return 0;
}
