#pragma once
// Per-frame section timings of `calf profile`: a scoped timer adds the wall time of a block to
// one section of the current frame; the profiler keeps one row of section times per frame.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace calf::core::profile {

/// The sections of one frame, in schema order (docs/profile-format.md).
enum class Section : int { kPhysics = 0, kVisuals, kUi, kHeatmap, kRender, kIo };

/// Number of sections.
inline constexpr int kNumSections = 6;

/// Schema name of a section ("physics", "visuals", "ui", "heatmap", "render", "io").
const char* SectionName(Section section);

/// Milliseconds spent in each section during one frame, and the whole frame.
struct FrameTimes {
  std::array<double, kNumSections> section_ms{};  ///< Indexed by Section.
  double total_ms = 0.0;                          ///< BeginFrame to EndFrame.
};

/// A cheap monotonic tick counter for lap timing: the CPU's time-stamp counter on x86-64
/// (invariant on current CPUs: constant rate, synchronised across cores), else steady_clock
/// nanoseconds. TickMs() converts ticks to milliseconds; on x86-64 the rate is calibrated once
/// per process against steady_clock (about 20 ms, at the first call).
struct LapClock {
  static uint64_t Now() {
#if defined(__x86_64__) || defined(_M_X64)
    return __builtin_ia32_rdtsc();
#else
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
#endif
  }
  /// Milliseconds per tick.
  static double TickMs();
};

/// Collects FrameTimes. A frame is BeginFrame(), laps or ScopedTimers (sections may repeat;
/// their times add up), EndFrame(). Every mark reads LapClock (a few ns a read on x86-64;
/// a ScopedTimer reads it twice, a lap once). Cost per frame measured by calf_bench_profile. Not
/// thread-safe: time sections from the thread that runs the frame.
class FrameProfiler {
 public:
  using Clock = std::chrono::steady_clock;

  /// Reserves room for `expected_frames` rows so recording does not allocate.
  explicit FrameProfiler(int64_t expected_frames = 0);

  /// Starts a frame: clears the current row and notes the start time.
  void BeginFrame();
  /// Ends the frame: sets total_ms and appends the row to frames() when `record` is true
  /// (false for warm-up frames). Returns the finished row.
  const FrameTimes& EndFrame(bool record = true);

  /// Adds `ms` to `section` of the current frame (what ScopedTimer calls).
  void Add(Section section, double ms) { current_.section_ms[static_cast<int>(section)] += ms; }

  /// Lap timing for sections that run back to back: adds the time since the previous mark
  /// (BeginFrame or the last Lap) to `section` and moves the mark to now. One clock read per
  /// section instead of a ScopedTimer's two; anything run between two laps is counted in
  /// the later one.
  void Lap(Section section) {
    const uint64_t now = LapClock::Now();
    Add(section, static_cast<double>(now - mark_) * tick_ms_);
    mark_ = now;
  }
  /// Moves the lap mark to now without attributing the time since the last mark (the time
  /// stays in the frame total only).
  void Mark() { mark_ = LapClock::Now(); }

  /// The row of the frame in progress (or of the last finished frame).
  const FrameTimes& current() const { return current_; }
  /// Every recorded frame, in order.
  const std::vector<FrameTimes>& frames() const { return frames_; }
  /// Forgets the recorded frames (keeps the reserved memory).
  void Clear() { frames_.clear(); }

 private:
  double tick_ms_;  // LapClock::TickMs(), cached
  uint64_t frame_start_ = 0;
  uint64_t mark_ = 0;
  FrameTimes current_;
  std::vector<FrameTimes> frames_;
};

/// Times the enclosing scope into one section of a FrameProfiler (RAII). A null profiler
/// makes it a no-op. Not copyable.
class ScopedTimer {
 public:
  ScopedTimer(FrameProfiler* profiler, Section section)
      : profiler_(profiler), section_(section), start_(LapClock::Now()) {}
  ~ScopedTimer() {
    if (profiler_ != nullptr) {
      profiler_->Add(section_, static_cast<double>(LapClock::Now() - start_) * LapClock::TickMs());
    }
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  FrameProfiler* profiler_;
  Section section_;
  uint64_t start_;
};

}  // namespace calf::core::profile
