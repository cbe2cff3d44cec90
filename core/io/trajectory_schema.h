#pragma once
// Names and enums shared by the trajectory writer and reader (layout in docs/formats.md).

#include <cstdint>
#include <vector>

#include "core/io/h5_file.h"

namespace calf::core {

/// Version of the trajectory layout, stored as the root attribute `schema_version`.
inline constexpr int64_t kTrajectorySchemaVersion = 1;

/// Members of the `modes` enum: certified=0, relax=1, fallback=2, nominal=3 (calf::core::Mode).
inline std::vector<H5EnumMember> TrajectoryModeMembers() {
  return {{"certified", 0}, {"relax", 1}, {"fallback", 2}, {"nominal", 3}};
}

/// Members of the `done` enum: none=0, goal=1, out_of_bounds=2, time_limit=3
/// (calf::core::DoneReason).
inline std::vector<H5EnumMember> TrajectoryDoneMembers() {
  return {{"none", 0}, {"goal", 1}, {"out_of_bounds", 2}, {"time_limit", 3}};
}

}  // namespace calf::core
