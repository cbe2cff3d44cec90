#include "core/profile/trail_meshes.h"

#include "core/error.h"
#include "core/visual/colormap.h"

namespace calf::core::profile {

void WriteTrailVertex(const visual::TrailStore& store, int agent, int slot, float* out) {
  const float* p = store.position(agent, slot);
  const visual::Rgb c = visual::ModeColor(store.mode(agent, slot), agent == store.training_agent());
  out[0] = p[0];
  out[1] = p[1];
  out[2] = p[2];
  out[3] = c.r;
  out[4] = c.g;
  out[5] = c.b;
  out[6] = 1.0F;
}

PerAgentTrailMeshes::PerAgentTrailMeshes(int rebuild_every) : rebuild_every_(rebuild_every) {
  CALF_CHECK(rebuild_every >= 1) << "rebuild_every " << rebuild_every;
}

MeshWork PerAgentTrailMeshes::Update(const visual::TrailStore& store, int num_agents) {
  MeshWork work;
  if (static_cast<int>(meshes_.size()) < num_agents) meshes_.resize(num_agents);
  const int length = store.trail_length();
  for (int a = 0; a < num_agents; ++a) {
    Mesh& m = meshes_[a];
    const uint64_t appended = store.appended(a);
    const uint64_t version = store.version(a);
    // a version step not explained by appends is a ClearAgent
    const bool cleared = m.built && (version - m.built_version) > (appended - m.built_appended);
    const bool due =
        !m.built ? appended > 0 || version > 0
                 : cleared || appended - m.built_appended >= static_cast<uint64_t>(rebuild_every_);
    if (!due) continue;
    const int count = store.count(a);
    const int oldest = store.oldest(a);
    draw_calls_ -= m.runs;
    m.vertices.resize(static_cast<size_t>(count) * kTrailVertexFloats);
    m.runs = 0;
    uint8_t run_mode = 0;
    int run_length = 0;
    for (int k = 0; k < count; ++k) {
      int slot = oldest + k;
      if (slot >= length) slot -= length;
      WriteTrailVertex(store, a, slot, &m.vertices[static_cast<size_t>(k) * kTrailVertexFloats]);
      const uint8_t mode = store.mode(a, slot);
      if (run_length > 0 && mode == run_mode) {
        ++run_length;
      } else {
        if (run_length >= 2) ++m.runs;
        run_mode = mode;
        run_length = 1;
      }
    }
    if (run_length >= 2) ++m.runs;
    draw_calls_ += m.runs;
    m.built = true;
    m.built_appended = appended;
    m.built_version = version;
    ++work.mesh_updates;
    work.bytes_prepared += static_cast<int64_t>(count) * kTrailVertexBytes;
  }
  return work;
}

MeshWork BatchedTrailMesh::Update(const visual::TrailStore& store, int num_agents) {
  MeshWork work;
  const size_t need =
      static_cast<size_t>(store.max_agents()) * store.trail_length() * kTrailVertexFloats;
  if (vertices_.size() < need) vertices_.resize(need);
  if (static_cast<int>(synced_appended_.size()) < store.max_agents()) {
    synced_appended_.resize(store.max_agents(), 0);
  }
  trail_length_ = store.trail_length();
  int64_t slots = 0;
  for (int a = 0; a < num_agents; ++a) {
    const uint64_t appended = store.appended(a);
    if (appended == synced_appended_[a]) continue;
    visual::SlotRange ranges[2];
    const int n = store.RangesSince(a, synced_appended_[a], ranges);
    float* base = &vertices_[static_cast<size_t>(a) * trail_length_ * kTrailVertexFloats];
    for (int r = 0; r < n; ++r) {
      for (int s = ranges[r].begin; s < ranges[r].end; ++s) {
        WriteTrailVertex(store, a, s, base + static_cast<size_t>(s) * kTrailVertexFloats);
      }
      slots += ranges[r].size();
    }
    synced_appended_[a] = appended;
  }
  if (slots > 0) {
    work.mesh_updates = 1;
    work.bytes_prepared = slots * kTrailVertexBytes;
  }
  return work;
}

}  // namespace calf::core::profile
