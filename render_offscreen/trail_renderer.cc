#include "render_offscreen/trail_renderer.h"

#include "core/error.h"
#include "render_offscreen/batched_trail_renderer.h"
#include "render_offscreen/per_agent_trails.h"

namespace calf::render {

namespace internal {
const char* const kSolidVertexShader = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
uniform mat4 u_vp;
void main() { gl_Position = u_vp * vec4(a_pos, 1.0); }
)";
const char* const kSolidFragmentShader = R"(#version 330 core
uniform vec3 u_color;
out vec4 frag;
void main() { frag = vec4(u_color, 1.0); }
)";
}  // namespace internal

TrailRendererKind ParseTrailRendererKind(const std::string& name) {
  if (name == "batched") return TrailRendererKind::kBatched;
  if (name == "per-agent" || name == "per_agent") return TrailRendererKind::kPerAgent;
  throw ConfigError("trail renderer '" + name + "' is unknown; use batched or per-agent");
}

std::unique_ptr<TrailRenderer> MakeTrailRenderer(TrailRendererKind kind, int rebuild_every) {
  if (kind == TrailRendererKind::kPerAgent) {
    return std::make_unique<PerAgentTrails>(rebuild_every);
  }
  return std::make_unique<BatchedTrailRenderer>();
}

}  // namespace calf::render
