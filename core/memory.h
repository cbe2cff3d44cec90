#pragma once
// The machine's memory, for refusing sizes that cannot be meant (a read or a buffer larger
// than the machine) before allocating: the allocation would be overcommitted, then the process
// killed, or end as std::bad_alloc ("internal error").

#include <cstdint>
#include <string>

namespace calf::core {

/// Physical memory of this machine in bytes (2^62 when unknown).
int64_t PhysicalMemoryBytes();

/// The memory one run may plan for: PhysicalMemoryBytes, lowered by $CALF_MEMORY_LIMIT_MB
/// when set to a positive number (a container's limit, which the machine's figure does not
/// show; the fuzz targets set it).
int64_t MemoryLimitBytes();

/// Throws ConfigError when `bytes` exceeds MemoryLimitBytes: "<what> needs N MiB, more than
/// the memory available (M MiB); <hint>".
void CheckMemory(double bytes, const std::string& what, const std::string& hint);

}  // namespace calf::core
