// Linked into every benchmark program: records in Google Benchmark's context which BLAS the
// process actually loaded (LibTorch and numpy use whatever libblas.so.3 points to; the
// reference BLAS is 10-16x slower than OpenBLAS for PPO's products, so a figure without it
// cannot be compared).

#include <benchmark/benchmark.h>

#include <fstream>
#include <set>
#include <string>

namespace {

// the shared objects mapped into this process whose path names a BLAS
std::string LoadedBlas() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> found;
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos) found.insert(path);
  }
  std::string out;
  for (const std::string& p : found) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "none loaded" : out;
}

const bool kRegistered = [] {
  benchmark::AddCustomContext("blas", LoadedBlas());
  return true;
}();

}  // namespace
