#pragma once
// The interface of the two trail renderers (PerAgentTrails, BatchedTrailRenderer). Both draw
// every trail of a TrailStore as line strips into the bound framebuffer and give the same
// pixels for the same store: a segment takes the colour of its end point's mode (flat
// shading, last-vertex convention), the training agent's certified segments are yellow.

#include <Eigen/Core>
#include <memory>
#include <string>

#include "core/visual/trail_store.h"
#include "render_offscreen/gl_counters.h"

namespace calf::render {

/// Draws the trails of a TrailStore. Needs the context it was created in to be current.
/// Not thread-safe.
class TrailRenderer {
 public:
  virtual ~TrailRenderer() = default;
  /// Brings the GPU copy up to date with `store` (uploads counted in `counters`). The
  /// renderer remembers what it uploaded itself, so several renderers can share one store
  /// and the store's ClearDirty() is not needed by them. Throws RenderError on GL errors.
  virtual void Update(const core::visual::TrailStore& store, GlCounters* counters) = 0;
  /// Draws the trails as of the last Update with the view-projection `view_proj`
  /// (draw calls counted in `counters`). Depth test LEQUAL, depth writes on.
  virtual void Draw(const core::visual::TrailStore& store, const Eigen::Matrix4f& view_proj,
                    GlCounters* counters) = 0;
  /// "per_agent" or "batched".
  virtual const char* name() const = 0;
};

/// The trail renderers calf has.
enum class TrailRendererKind { kBatched, kPerAgent };

/// Parses "batched" or "per-agent" (the CLI spelling; "per_agent" is accepted too); throws
/// ConfigError naming the accepted names otherwise.
TrailRendererKind ParseTrailRendererKind(const std::string& name);

/// Creates a renderer of `kind` (rebuild_every is used by PerAgentTrails only). Needs a
/// current context.
std::unique_ptr<TrailRenderer> MakeTrailRenderer(TrailRendererKind kind, int rebuild_every = 1);

namespace internal {
/// Shader sources shared by the trail renderers and the scene (plain flat colour lines).
extern const char* const kSolidVertexShader;
extern const char* const kSolidFragmentShader;
}  // namespace internal

}  // namespace calf::render
