#pragma once
// Feeds a CalfScene from a recorded run (`calf run`'s trajectory file) or from a live
// simulation, and hands the scene to a FrameSink at each requested global step. The one
// place that knows how a run file's rows map to scenes; `calf screenshot` writes PNGs from it
// (PngShots), a video writer is another sink.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/sim/config.h"
#include "render_offscreen/calf_scene.h"
#include "render_offscreen/run_window.h"

namespace calf::render {

class Annotator;

/// What a sink learns before the first frame.
struct FeedInfo {
  SceneBounds bounds;       ///< What the camera should frame.
  std::string label;        ///< The run file's path, or "live".
  std::string config_hash;  ///< ConfigHash of the config the frames come from.
  int64_t num_agents = 0;
  /// The scene the frames come from; a sink passes its RenderOptions through
  /// scene->ConfigureRender (a 3-D world sets its own camera framing).
  const CalfScene* scene = nullptr;
  std::string system;  ///< The system's name (annotated captions).
  std::string policy;  ///< The policy's name (annotated captions).
  double dt = 0.01;    ///< Seconds per step.
};

/// Consumes a feed: Begin once (after every input check, so a sink may start slow work such
/// as a GL context there), then Frame at each requested step, in increasing step order.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void Begin(const FeedInfo& info) = 0;
  /// `scene` shows the agents after global step `step` (0 = the initial states).
  virtual void Frame(const CalfScene& scene, int64_t step) = 0;
};

/// What every sink draws a feed's frames with: a SceneRenderer with `options` framed by the
/// feed (bounds, and the scene's own camera set-up for a 3-D world) in a new offscreen
/// context and, when annotating, the scene fitted to the frame's layout with the overlay
/// (annotation.h) drawn over it. Bare frames are the renderer's alone, unchanged. A context
/// that cannot be created, or a font that cannot be loaded, is a RenderError with exit code 2
/// (an environment the user must fix). Not thread-safe.
class FeedRenderer {
 public:
  FeedRenderer(RenderOptions options, const FeedInfo& info, bool annotate);
  ~FeedRenderer();

  /// Renders `scene` after global step `step` into `out`.
  void Render(const CalfScene& scene, int64_t step, Image* out);

  SceneRenderer& scene_renderer() { return *renderer_; }

 private:
  std::unique_ptr<SceneRenderer> renderer_;
  std::unique_ptr<Annotator> annotator_;
};

/// Replays `run_path` up to the last requested step. `steps` (sorted, unique) are global
/// steps; empty means the run's end (then the run must be complete or have record_every 1).
/// Returns the steps shown. Throws ConfigError (exit 2) for a step the file did not record or
/// beyond the run, IoError for a file whose state dimension does not match its system,
/// PolicyError for a bad critic — all before Begin.
std::vector<int64_t> FeedRun(const std::string& run_path, std::vector<int64_t> steps,
                             const FeedOptions& options, FrameSink& sink);

/// Simulates `config` (resolved here as `calf run` resolves it, so both hash the same config)
/// to the last of `steps` (sorted, unique, non-empty) and shows each. States pass through
/// float32 as in a trajectory file, so a run file of the same config renders the same pixels.
/// Throws ConfigError / PolicyError (exit 2) before Begin.
std::vector<int64_t> FeedLive(core::SimConfig config, const std::vector<int64_t>& steps,
                              const FeedOptions& options, FrameSink& sink);

}  // namespace calf::render
