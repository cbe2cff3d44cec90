#include "core/profile/frame_profiler.h"

namespace calf::core::profile {

const char* SectionName(Section section) {
  switch (section) {
    case Section::kPhysics:
      return "physics";
    case Section::kVisuals:
      return "visuals";
    case Section::kUi:
      return "ui";
    case Section::kHeatmap:
      return "heatmap";
    case Section::kRender:
      return "render";
    case Section::kIo:
      return "io";
  }
  return "unknown";
}

FrameProfiler::FrameProfiler(int64_t expected_frames) {
  if (expected_frames > 0) frames_.reserve(static_cast<size_t>(expected_frames));
}

void FrameProfiler::BeginFrame() {
  current_ = FrameTimes{};
  frame_start_ = Clock::now();
  mark_ = frame_start_;
}

const FrameTimes& FrameProfiler::EndFrame(bool record) {
  current_.total_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - frame_start_).count();
  if (record) frames_.push_back(current_);
  return current_;
}

}  // namespace calf::core::profile
