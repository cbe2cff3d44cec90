#include "core/memory.h"

#include <unistd.h>

namespace calf::core {

int64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return int64_t{1} << 62;
  return static_cast<int64_t>(pages) * page;
}

}  // namespace calf::core
