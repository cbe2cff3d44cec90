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

/// Longest trail per agent, in points (`--trail`).
inline constexpr int64_t kMaxTrailPoints = 1'000'000;
/// Most trail points of a whole scene (agents x trail length): 2^26, about 0.8 GB of trail
/// vertices; beyond it `std::bad_alloc` used to end a screenshot as an "internal error".
inline constexpr int64_t kMaxSceneTrailPoints = int64_t{1} << 26;

/// Throws ConfigError when `agents` agents with `trail`-point trails exceed
/// kMaxSceneTrailPoints (naming both numbers and the limit). `source` says where the agent
/// count came from ("--agents", or the run file).
void CheckSceneBudget(int64_t agents, int64_t trail, const std::string& source);

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

/// Options shared by both feeds.
struct FeedOptions {
  int trail = 600;  ///< Points per agent trail (0 = none, else >= 2).
  int threads = 0;  ///< Live: simulation threads (0 = all); the frames do not depend on it.
  /// Critic of the value surface given explicitly ("" = the run's, or none for a live policy
  /// without a critic). A relative path recorded in a run file and missing from the working
  /// directory is looked up next to the run file.
  std::string critic_path;
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
