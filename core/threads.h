#pragma once
// The thread count calf uses for "--threads 0" (all cores).

namespace calf::core {

/// `threads` when positive; otherwise $OMP_NUM_THREADS when set, else the processors this
/// process may run on. Not omp_get_max_threads(): LibTorch's set_num_threads(1) lowers that
/// process-wide default to 1. Results never depend on the value (see Simulator).
int ResolveThreads(int threads);

}  // namespace calf::core
