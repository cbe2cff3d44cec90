#pragma once
// The baseline trail renderer: one vertex buffer per agent, rebuilt in full, one draw call
// per agent and mode segment.

#include <cstdint>
#include <vector>

#include "render_offscreen/gl_program.h"
#include "render_offscreen/trail_renderer.h"

namespace calf::render {

/// One GL buffer per agent holding its trail oldest point first (12 bytes per point). An
/// agent's buffer is rebuilt in full (glBufferData) once `rebuild_every` points were
/// appended since the last rebuild, or when its trail was cleared; between rebuilds the
/// drawn trail lags behind. Draws one glDrawArrays per agent and run of equal mode, the
/// colour set as a uniform. Needs a current context. Not thread-safe.
class PerAgentTrails : public TrailRenderer {
 public:
  /// Throws ConfigError when rebuild_every < 1.
  explicit PerAgentTrails(int rebuild_every = 1);

  void Update(const core::visual::TrailStore& store, GlCounters* counters) override;
  void Draw(const core::visual::TrailStore& store, const Eigen::Matrix4f& view_proj,
            GlCounters* counters) override;
  const char* name() const override { return "per_agent"; }

 private:
  struct Run {
    int first;     // first vertex of the strip
    int count;     // vertices of the strip (>= 2)
    uint8_t mode;  // mode of the run: colour of every segment of the strip
  };
  struct Agent {
    GlBuffer buffer;
    uint64_t built_appended = 0;
    uint64_t built_version = 0;
    bool built = false;
    std::vector<Run> runs;
  };

  int rebuild_every_;
  const core::visual::TrailStore* store_ = nullptr;  // the store the buffers mirror
  GlProgram program_;
  GlVertexArray vao_;
  GLint u_vp_, u_color_;
  std::vector<Agent> agents_;
  std::vector<float> staging_;  // one linearised trail
};

}  // namespace calf::render
