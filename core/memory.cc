#include "core/memory.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/error.h"

namespace calf::core {

int64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return int64_t{1} << 62;
  return static_cast<int64_t>(pages) * page;
}

int64_t MemoryLimitBytes() {
  const int64_t physical = PhysicalMemoryBytes();
  const char* limit = std::getenv("CALF_MEMORY_LIMIT_MB");
  if (limit == nullptr) return physical;
  char* end = nullptr;
  const long long mb = std::strtoll(limit, &end, 10);
  if (end == limit || *end != '\0' || mb <= 0 || mb > (int64_t{1} << 40)) return physical;
  return std::min(physical, static_cast<int64_t>(mb) << 20);
}

void CheckMemory(double bytes, const std::string& what, const std::string& hint) {
  const int64_t limit = MemoryLimitBytes();
  if (bytes <= static_cast<double>(limit)) return;
  throw ConfigError(what + " needs " + std::to_string(static_cast<int64_t>(bytes / (1 << 20))) +
                    " MiB, more than the memory available (" + std::to_string(limit >> 20) +
                    " MiB); " + hint);
}

}  // namespace calf::core
