#include <catch2/catch.hpp>
#include <vector>

#include "core/profile/trail_meshes.h"
#include "core/visual/colormap.h"

using namespace calf::core::profile;
namespace cv = calf::core::visual;

namespace {
void AppendStep(cv::TrailStore& store, int n, int step) {
  std::vector<float> xyz(n * 3);
  std::vector<uint8_t> modes(n);
  for (int a = 0; a < n; ++a) {
    xyz[a * 3] = static_cast<float>(a);
    xyz[a * 3 + 1] = static_cast<float>(step);
    xyz[a * 3 + 2] = 0.5F * step;
    modes[a] = static_cast<uint8_t>((step / 3 + a) % 4);
  }
  store.AppendAll(xyz.data(), modes.data(), n);
}
}  // namespace

TEST_CASE("Per-agent and shared trail meshes hold the same vertices", "[profile][trails]") {
  const int n = 4, length = 5;
  cv::TrailStore store(n, length);
  store.SetTrainingAgent(1);
  PerAgentTrailMeshes per_agent(1);
  BatchedTrailMesh batched;
  std::vector<float> gpu;  // what the shared GPU buffer holds after each partial update
  for (int step = 0; step < 12; ++step) {
    AppendStep(store, n, step);
    if (step == 7) store.ClearAgent(2);
    per_agent.Update(store, n);
    batched.Update(store, n);
    batched.ApplyTo(&gpu);
    for (int a = 0; a < n; ++a) {
      const auto& mesh = per_agent.mesh(a);
      REQUIRE(mesh.size() == static_cast<size_t>(store.count(a)) * kTrailVertexFloats);
      for (int k = 0; k < store.count(a); ++k) {
        const int slot = (store.oldest(a) + k) % length;
        const float* shared = &gpu[(static_cast<size_t>(a) * length + slot) * kTrailVertexFloats];
        for (int j = 0; j < kTrailVertexFloats; ++j) {
          REQUIRE(mesh[k * kTrailVertexFloats + j] == shared[j]);
        }
        // position and mode colour of the slot
        REQUIRE(mesh[k * kTrailVertexFloats] == store.position(a, slot)[0]);
        const cv::Rgb c = cv::ModeColor(store.mode(a, slot), a == 1);
        REQUIRE(mesh[k * kTrailVertexFloats + 3] == c.r);
      }
    }
  }
}

TEST_CASE("Per-agent meshes are rebuilt in full every rebuild_every additions",
          "[profile][trails]") {
  const int n = 3, length = 10;
  cv::TrailStore store(n, length);
  PerAgentTrailMeshes meshes(4);
  std::vector<int64_t> updates, bytes;
  for (int step = 0; step < 9; ++step) {
    AppendStep(store, n, step);
    const MeshWork w = meshes.Update(store, n);
    updates.push_back(w.mesh_updates);
    bytes.push_back(w.bytes_prepared);
  }
  // first build at the first point, then after 4 more points (steps 4 and 8)
  REQUIRE(updates == std::vector<int64_t>{3, 0, 0, 0, 3, 0, 0, 0, 3});
  REQUIRE(bytes[0] == 3 * 1 * kTrailVertexBytes);
  REQUIRE(bytes[4] == 3 * 5 * kTrailVertexBytes);
  REQUIRE(bytes[8] == 3 * 9 * kTrailVertexBytes);
  // a cleared trail is rebuilt at once
  store.ClearAgent(0);
  REQUIRE(meshes.Update(store, n).mesh_updates == 1);
  REQUIRE(meshes.mesh(0).empty());
}

TEST_CASE("The shared trail buffer uploads only the new slots in one update", "[profile][trails]") {
  const int n = 5, length = 6;  // 3 steps: no wrap-around
  cv::TrailStore store(n, length);
  BatchedTrailMesh batched;
  REQUIRE(batched.Update(store, n).mesh_updates == 0);
  AppendStep(store, n, 0);
  AppendStep(store, n, 1);
  MeshWork w = batched.Update(store, n);
  REQUIRE(w.mesh_updates == 1);
  REQUIRE(w.bytes_prepared == 2 * n * kTrailVertexBytes);
  AppendStep(store, n, 2);
  w = batched.Update(store, n);
  REQUIRE(w.bytes_prepared == n * kTrailVertexBytes);
  // the staged list names agent a's newest slot (2) in agent order
  REQUIRE(batched.staged_slots().size() == static_cast<size_t>(n));
  for (int a = 0; a < n; ++a) REQUIRE(batched.staged_slots()[a] == a * length + 2);
  REQUIRE(batched.DrawCalls() == 1);
}

TEST_CASE("Per-agent draw calls count one per agent and run of equal mode", "[profile][trails]") {
  cv::TrailStore store(2, 20);
  const float p[3] = {0, 0, 0};
  // agent 0: modes 0 0 0 1 1 -> two runs; agent 1: 2 2 3 -> one run (a single point is none)
  for (uint8_t m : {0, 0, 0, 1, 1}) store.Append(0, p, m);
  for (uint8_t m : {2, 2, 3}) store.Append(1, p, m);
  PerAgentTrailMeshes meshes(1);
  meshes.Update(store, 2);
  REQUIRE(meshes.DrawCalls() == 3);
}

TEST_CASE("The shared trail update does not depend on the thread count", "[profile][trails]") {
  const int n = 6000, length = 4;  // above the parallel threshold, wrapping rings
  cv::TrailStore a(n, length), b(n, length);
  BatchedTrailMesh one, two;
  for (int step = 0; step < 7; ++step) {
    AppendStep(a, n, step);
    AppendStep(b, n, step);
    if (step % 3 == 2) continue;  // skipped updates stage several slots per agent
    const MeshWork w1 = one.Update(a, n, 1);
    const MeshWork w2 = two.Update(b, n, 2);
    REQUIRE(w1.bytes_prepared == w2.bytes_prepared);
    REQUIRE(one.staged() == two.staged());
    REQUIRE(one.staged_slots() == two.staged_slots());
  }
}

TEST_CASE("Staging from the caller's newest points equals staging from the store",
          "[profile][trails]") {
  const int n = 5000, length = 3;
  cv::TrailStore a(n, length), b(n, length);
  a.SetTrainingAgent(7);
  b.SetTrainingAgent(7);
  BatchedTrailMesh from_store, from_points;
  for (int step = 0; step < 5; ++step) {
    std::vector<float> xyz(n * 3);
    std::vector<uint8_t> modes(n);
    for (int k = 0; k < n; ++k) {
      xyz[k * 3] = static_cast<float>(k);
      xyz[k * 3 + 1] = 0.25F * step;
      xyz[k * 3 + 2] = -1.0F * k;
      modes[k] = static_cast<uint8_t>((k + step) % 4);
    }
    a.AppendAll(xyz.data(), modes.data(), n);
    b.AppendAll(xyz.data(), modes.data(), n);
    from_store.Update(a, n, 2);
    from_points.Update(b, n, 2, xyz.data(), modes.data());
    REQUIRE(from_store.staged() == from_points.staged());
    REQUIRE(from_store.staged_slots() == from_points.staged_slots());
  }
}
