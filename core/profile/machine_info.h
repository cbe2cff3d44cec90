#pragma once
// Facts about the machine and process recorded with every profile.

#include <string>

namespace calf::core::profile {

/// The machine a profile runs on.
struct MachineInfo {
  std::string cpu_model;  ///< "model name" of /proc/cpuinfo ("unknown" when unreadable).
  int cores = 1;          ///< Logical CPUs (std::thread::hardware_concurrency, at least 1).
  std::string hostname;   ///< gethostname ("unknown" on failure).
};

/// Reads the machine facts. Never throws.
MachineInfo ReadMachineInfo();

/// CPU seconds (user + system) used by this process so far.
double ProcessCpuSeconds();

/// Resident memory of this process in MiB (from /proc/self/statm; 0 when unreadable).
double ResidentMemoryMb();

/// Current UTC time as ISO 8601 ("2026-11-22T01:02:03Z").
std::string UtcNow();

}  // namespace calf::core::profile
