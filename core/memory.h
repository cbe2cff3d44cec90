#pragma once
// The machine's memory, for refusing sizes that cannot be meant (a read or a buffer larger
// than the machine) before allocating: the allocation would be overcommitted, then the process
// killed, or end as std::bad_alloc ("internal error").

#include <cstdint>

namespace calf::core {

/// Physical memory of this machine in bytes (2^62 when unknown).
int64_t PhysicalMemoryBytes();

}  // namespace calf::core
