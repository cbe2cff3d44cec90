#include "core/threads.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>

namespace calf::core {

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  static const int all = [] {
    const char* env = std::getenv("OMP_NUM_THREADS");
    const int n = env != nullptr ? std::atoi(env) : 0;
    return n > 0 ? n : std::max(1, omp_get_num_procs());
  }();
  return all;
}

}  // namespace calf::core
