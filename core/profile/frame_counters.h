#pragma once
// Per-frame work counters of the profiled frame pipeline.

#include <cstdint>

namespace calf::core::profile {

/// Work done in one frame (definitions in docs/profile-format.md).
struct FrameCounts {
  int64_t critic_queries = 0;  ///< Critic forward calls (a batched call counts once).
  int64_t draw_calls = 0;      ///< GL draw calls (render on) or the design's planned ones.
  int64_t mesh_updates = 0;    ///< Trail meshes rebuilt (baseline) or buffer updates (shared).
  int64_t bytes_uploaded = 0;  ///< GL bytes uploaded (render on) or vertex bytes prepared.
};

}  // namespace calf::core::profile
