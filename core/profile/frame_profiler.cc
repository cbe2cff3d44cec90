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

double LapClock::TickMs() {
#if defined(__x86_64__) || defined(_M_X64)
  // ticks per steady_clock interval of >= 20 ms: the read pairs' jitter (~100 ns) is then
  // below 1e-5 of the rate (a thread-safe static: calibrated once per process)
  static const double ms_per_tick = [] {
    using C = std::chrono::steady_clock;
    const C::time_point t0 = C::now();
    const uint64_t k0 = Now();
    C::time_point t1 = t0;
    while (t1 - t0 < std::chrono::milliseconds(20)) t1 = C::now();
    const uint64_t k1 = Now();
    return std::chrono::duration<double, std::milli>(t1 - t0).count() /
           static_cast<double>(k1 - k0);
  }();
  return ms_per_tick;
#else
  return 1e-6;  // steady_clock nanoseconds
#endif
}

FrameProfiler::FrameProfiler(int64_t expected_frames) : tick_ms_(LapClock::TickMs()) {
  if (expected_frames > 0) frames_.reserve(static_cast<size_t>(expected_frames));
}

void FrameProfiler::BeginFrame() {
  current_ = FrameTimes{};
  frame_start_ = LapClock::Now();
  mark_ = frame_start_;
}

const FrameTimes& FrameProfiler::EndFrame(bool record) {
  current_.total_ms = static_cast<double>(LapClock::Now() - frame_start_) * tick_ms_;
  if (record) frames_.push_back(current_);
  return current_;
}

}  // namespace calf::core::profile
