#pragma once
// The render section of a profiled frame as an interface, so core never depends on a
// renderer: the CLI plugs in the offscreen renderer, tests plug in fakes.

#include <cstdint>

#include "core/visual/surface.h"
#include "core/visual/trail_store.h"

namespace calf::core::profile {

/// What one frame shows. Plain data pointing at the pipeline's arrays, valid during Render.
struct FrameView {
  int64_t frame = 0;                             ///< Frame index (warm-up included).
  const visual::HeatSurface* surface = nullptr;  ///< The value surface.
  const float* agent_positions = nullptr;        ///< [num_agents*3] world (x, height, v).
  const uint8_t* agent_modes = nullptr;          ///< [num_agents] core::Mode values.
  int64_t num_agents = 0;
  const visual::TrailStore* trails = nullptr;  ///< Every agent's trail.
};

/// GL work of one rendered frame.
struct RenderWork {
  int64_t draw_calls = 0;
  int64_t bytes_uploaded = 0;
};

/// Renders frames for the profiler. Implementations choose their trail drawing design at
/// construction. Render may throw calf::RenderError (exit 3). Not thread-safe.
class FrameRenderHook {
 public:
  virtual ~FrameRenderHook() = default;
  /// Renders `view` (offscreen, result discarded) and returns the GL work it took.
  virtual RenderWork Render(const FrameView& view) = 0;
  /// A short description for the profile ("llvmpipe (LLVM 15.0.6, 256 bits) 640x360").
  virtual const char* description() const = 0;
};

}  // namespace calf::core::profile
