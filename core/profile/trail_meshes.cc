#include "core/profile/trail_meshes.h"

#include <omp.h>

#include <algorithm>

#include "core/error.h"
#include "core/threads.h"
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

MeshWork BatchedTrailMesh::Update(const visual::TrailStore& store, int num_agents, int threads,
                                  const float* newest_xyz, const uint8_t* newest_modes) {
  MeshWork work;
  const int length = store.trail_length();
  shared_vertices_ = static_cast<int64_t>(store.max_agents()) * length;
  if (static_cast<int>(synced_appended_.size()) < store.max_agents()) {
    synced_appended_.resize(store.max_agents(), 0);
  }
  // new slots per agent, then their offsets in the staging list (agent order)
  offsets_.resize(static_cast<size_t>(num_agents) + 1);
  offsets_[0] = 0;
  for (int a = 0; a < num_agents; ++a) {
    const uint64_t fresh = store.appended(a) - synced_appended_[a];
    offsets_[a + 1] = offsets_[a] + static_cast<int64_t>(std::min<uint64_t>(fresh, length));
  }
  const int64_t total = offsets_[num_agents];
  staged_.resize(static_cast<size_t>(total) * kTrailVertexFloats);
  staged_slots_.resize(static_cast<size_t>(total));
  const int nthreads = num_agents < 4096 ? 1 : ResolveThreads(threads);
#pragma omp parallel for schedule(static) num_threads(nthreads)
  for (int a = 0; a < num_agents; ++a) {
    if (offsets_[a + 1] == offsets_[a]) continue;
    if (newest_xyz != nullptr && offsets_[a + 1] - offsets_[a] == 1) {
      // the one new slot is the newest point, which the caller holds contiguously
      const int slot = store.head(a) == 0 ? length - 1 : store.head(a) - 1;
      const int64_t k = offsets_[a];
      float* out = &staged_[static_cast<size_t>(k) * kTrailVertexFloats];
      const float* p = newest_xyz + static_cast<size_t>(a) * 3;
      const visual::Rgb color = visual::ModeColor(newest_modes[a], a == store.training_agent());
      out[0] = p[0];
      out[1] = p[1];
      out[2] = p[2];
      out[3] = color.r;
      out[4] = color.g;
      out[5] = color.b;
      out[6] = 1.0F;
      staged_slots_[k] = static_cast<int64_t>(a) * length + slot;
      synced_appended_[a] = store.appended(a);
      continue;
    }
    visual::SlotRange ranges[2];
    const int n = store.RangesSince(a, synced_appended_[a], ranges);
    int64_t k = offsets_[a];
    for (int r = 0; r < n; ++r) {
      for (int s = ranges[r].begin; s < ranges[r].end; ++s, ++k) {
        WriteTrailVertex(store, a, s, &staged_[static_cast<size_t>(k) * kTrailVertexFloats]);
        staged_slots_[k] = static_cast<int64_t>(a) * length + s;
      }
    }
    synced_appended_[a] = store.appended(a);
  }
  if (total > 0) {
    work.mesh_updates = 1;
    work.bytes_prepared = total * kTrailVertexBytes;
  }
  return work;
}

void BatchedTrailMesh::ApplyTo(std::vector<float>* shared) const {
  const size_t need = static_cast<size_t>(shared_vertices_) * kTrailVertexFloats;
  if (shared->size() < need) shared->resize(need, 0.0F);
  for (size_t k = 0; k < staged_slots_.size(); ++k) {
    std::copy_n(&staged_[k * kTrailVertexFloats], kTrailVertexFloats,
                &(*shared)[static_cast<size_t>(staged_slots_[k]) * kTrailVertexFloats]);
  }
}

}  // namespace calf::core::profile
