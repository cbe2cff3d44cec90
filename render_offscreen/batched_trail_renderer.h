#pragma once
// The optimized trail renderer: every trail in one vertex buffer, ring-buffer writes, only
// the new points uploaded, all trails drawn with one glMultiDrawArrays.

#include <cstdint>
#include <vector>

#include "render_offscreen/gl_program.h"
#include "render_offscreen/trail_renderer.h"

namespace calf::render {

/// One buffer of capacity x (trail_length + 1) vertices of 16 bytes (x, y, z float, mode
/// byte, 3 padding bytes) mirroring the TrailStore rings; slot trail_length repeats slot 0
/// so a wrapped ring is drawn as two strips [oldest, L] and [0, head) with the same
/// segments, in the same order, as the linear per-agent strip. Update uploads only the
/// points appended since the last Update (glBufferSubData per dirty range: 16 bytes per new
/// point, plus 16 when slot 0 was written). When the store has more agents than the
/// capacity, the buffer grows (at least doubling) and its content is copied on the GPU.
/// Draw issues one glMultiDrawArrays for all trails. Needs a current context. Not
/// thread-safe.
class BatchedTrailRenderer : public TrailRenderer {
 public:
  /// `initial_capacity` agents are allocated up front (grown on demand).
  explicit BatchedTrailRenderer(int initial_capacity = 0);

  void Update(const core::visual::TrailStore& store, GlCounters* counters) override;
  void Draw(const core::visual::TrailStore& store, const Eigen::Matrix4f& view_proj,
            GlCounters* counters) override;
  const char* name() const override { return "batched"; }

  /// Agents the GPU buffer holds.
  int capacity() const { return capacity_; }

  /// One GPU vertex.
  struct Vertex {
    float x, y, z;
    uint8_t mode;
    uint8_t pad[3];
  };
  static_assert(sizeof(Vertex) == 16, "vertex layout");

 private:
  void Reserve(int agents, int trail_length);
  void BindAttributes();

  GlProgram program_;
  GlVertexArray vao_;
  GlBuffer buffer_;
  GLint u_vp_, u_colors_, u_stride_, u_training_;
  int capacity_ = 0;
  int trail_length_ = 0;
  const core::visual::TrailStore* store_ = nullptr;
  std::vector<uint64_t> synced_;  // store.appended(agent) at the last upload
  std::vector<Vertex> staging_;
  std::vector<GLint> firsts_;
  std::vector<GLsizei> counts_;
};

}  // namespace calf::render
