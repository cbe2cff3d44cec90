#pragma once
// A FrameSink that renders each frame offscreen and writes it as a PNG (atomically, with
// the run, step, config hash, version, camera and renderer as text chunks).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "render_offscreen/scene_feed.h"
#include "render_offscreen/scene_renderer.h"

namespace calf::render {

/// One written PNG and what drawing it cost.
struct ShotRecord {
  std::string path;
  int64_t step = 0;
  int width = 0, height = 0;
  int64_t agents = 0;
  int64_t draw_calls = 0, bytes_uploaded = 0;
  int64_t trail_draw_calls = 0, trail_bytes_uploaded = 0;
};

/// Writes one PNG per frame at path_of(step). The GL context is created in Begin; a context
/// that cannot be created is a RenderError with exit code 2 (an environment to fix). Not
/// thread-safe.
class PngShots : public FrameSink {
 public:
  /// `camera_name` is stored in the PNG text (e.g. "iso"); `annotate` draws annotated
  /// frames (annotation.h), else bare ones.
  PngShots(RenderOptions options, std::string camera_name,
           std::function<std::string(int64_t step)> path_of, bool annotate = false);
  ~PngShots() override;

  void Begin(const FeedInfo& info) override;
  void Frame(const CalfScene& scene, int64_t step) override;

  const std::vector<ShotRecord>& records() const { return records_; }

 private:
  RenderOptions options_;
  std::string camera_name_;
  std::function<std::string(int64_t)> path_of_;
  bool annotate_;
  FeedInfo info_;
  std::unique_ptr<FeedRenderer> renderer_;
  std::vector<ShotRecord> records_;
};

}  // namespace calf::render
