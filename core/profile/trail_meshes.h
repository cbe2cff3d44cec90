#pragma once
// The CPU side of trail drawing in the two designs: per-agent meshes rebuilt in full
// (baseline) and one shared buffer updated in the changed ring slots only (optimized).
// Both prepare the same vertices from a core::visual::TrailStore and count their work.

#include <cstdint>
#include <vector>

#include "core/visual/trail_store.h"

namespace calf::core::profile {

/// Floats per prepared trail vertex: position (3) and RGBA colour (4).
inline constexpr int kTrailVertexFloats = 7;
/// Bytes per prepared trail vertex.
inline constexpr int64_t kTrailVertexBytes = kTrailVertexFloats * 4;

/// Work of one mesh update call.
struct MeshWork {
  int64_t mesh_updates = 0;    ///< Meshes (per-agent) or buffer updates (shared) written.
  int64_t bytes_prepared = 0;  ///< Vertex bytes written (what a GL upload would send).
};

/// Writes the vertex of `agent`'s ring slot `slot` (position and mode colour) to `out`.
void WriteTrailVertex(const visual::TrailStore& store, int agent, int slot, float* out);

/// Baseline: one vertex array per agent holding its trail oldest point first, rebuilt in
/// full once `rebuild_every` points were appended since its last rebuild or when the trail
/// was cleared; drawn with one draw call per agent and run of equal mode. Not thread-safe.
class PerAgentTrailMeshes {
 public:
  /// `rebuild_every` >= 1 (checked, a bug otherwise).
  explicit PerAgentTrailMeshes(int rebuild_every);
  /// Rebuilds the due meshes of agents [0, num_agents) of `store`.
  MeshWork Update(const visual::TrailStore& store, int num_agents);
  /// Draw calls the meshes need: one per agent and run of equal mode (runs of >= 2 points).
  int64_t DrawCalls() const { return draw_calls_; }
  /// The prepared vertices of `agent` [points * kTrailVertexFloats].
  const std::vector<float>& mesh(int agent) const { return meshes_[agent].vertices; }

 private:
  struct Mesh {
    std::vector<float> vertices;
    uint64_t built_appended = 0;
    uint64_t built_version = 0;
    bool built = false;
    int64_t runs = 0;
  };
  int rebuild_every_;
  std::vector<Mesh> meshes_;
  int64_t draw_calls_ = 0;
};

/// Optimized: one shared buffer of max_agents × trail_length vertices laid out like the
/// store's rings (agent a's slot s at vertex a*trail_length + s), updated in place: each
/// Update gathers only the slots appended since the previous Update into a contiguous
/// staging list (vertices + destination indices), what one partial buffer update sends.
/// Counted as one buffer update when anything changed; drawn with one multi-draw. The
/// gather runs on OpenMP threads over agents (result independent of the thread count).
/// Not thread-safe.
class BatchedTrailMesh {
 public:
  /// Stages the new slots of agents [0, num_agents) of `store` (`threads` 0 = all).
  /// `newest_xyz` [num_agents*3] / `newest_modes` [num_agents] may give the points of the
  /// store's last AppendAll (the caller has them in agent order): agents with exactly one
  /// new slot then take their vertex from there instead of re-reading the store's strided
  /// rings. The staged data is identical either way.
  MeshWork Update(const visual::TrailStore& store, int num_agents, int threads = 0,
                  const float* newest_xyz = nullptr, const uint8_t* newest_modes = nullptr);
  /// Draw calls: one multi-draw for every trail.
  int64_t DrawCalls() const { return 1; }
  /// Vertices staged by the last Update [staged_slots().size() * kTrailVertexFloats].
  const std::vector<float>& staged() const { return staged_; }
  /// Destination vertex index in the shared buffer of each staged vertex, in agent order.
  const std::vector<int64_t>& staged_slots() const { return staged_slots_; }
  /// Writes the staged vertices into `shared` (resized to max_agents × trail_length
  /// vertices when smaller): what the GPU buffer holds after the update.
  void ApplyTo(std::vector<float>* shared) const;

 private:
  std::vector<float> staged_;
  std::vector<int64_t> staged_slots_;
  std::vector<int64_t> offsets_;
  std::vector<uint64_t> synced_appended_;
  int64_t shared_vertices_ = 0;
};

}  // namespace calf::core::profile
