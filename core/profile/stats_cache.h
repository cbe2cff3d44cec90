#pragma once
// The optimized UI statistics: cached values with per-key dirty flags and update intervals,
// and a text panel rebuilt only when a shown value changed.

#include <array>
#include <cstdint>
#include <functional>
#include <string>

namespace calf::core::profile {

/// The values the statistics panel shows.
enum class StatKey : int {
  kQValue = 0,     ///< The training agent's current critic value (a critic query).
  kEpisodeReward,  ///< Mean return of the episodes finished so far.
  kEpisodes,       ///< Episodes finished so far.
  kCertifiedRate,  ///< Fraction of agents certified this frame.
  kRelaxRate,      ///< Fraction of agents relaxing this frame.
  kFallbackRate,   ///< Fraction of agents in fallback this frame.
  kPRelax,         ///< The training agent's relax probability.
  kFps,            ///< Frames per second of the last frame.
};
inline constexpr int kNumStatKeys = 8;

/// Update intervals in frames.
struct StatsIntervals {
  int64_t q_value = 10;        ///< Critic query for the Q-value.
  int64_t text = 5;            ///< Rates, P_relax, FPS refresh and text rebuild checks.
  int64_t profiler_text = 30;  ///< The profiler's own text line.
};

/// Formats the statistics panel from the values (shared by both designs, so both build the
/// same text from the same values).
std::string FormatStatsText(const std::array<double, kNumStatKeys>& values);

/// Cached statistics. A key is "due" when its interval has passed since its last update
/// (or it was never set); episode statistics are due only after MarkEpisodeEnded(). Set()
/// stores a value and marks the text dirty only when the value changed. Text() rebuilds the
/// text only when it is due (text interval passed) and something is dirty. Deterministic,
/// single-threaded.
class StatsCache {
 public:
  explicit StatsCache(const StatsIntervals& intervals = {});

  /// True when the Q-value should be queried at `frame` (never set, or >= q_value frames
  /// since the last query).
  bool QValueDue(int64_t frame) const;
  /// True when rates, P_relax and FPS should be refreshed and the text checked at `frame`.
  bool TextDue(int64_t frame) const;
  /// True when the profiler text line should be rebuilt at `frame`.
  bool ProfilerTextDue(int64_t frame) const;
  /// True after MarkEpisodeEnded() until the episode statistics are Set.
  bool EpisodeStatsDirty() const { return episode_stats_dirty_; }

  /// An episode ended: the episode statistics must be refreshed.
  void MarkEpisodeEnded() { episode_stats_dirty_ = true; }

  /// Stores `value` for `key` at `frame`. Returns true (and marks the text dirty) when it
  /// differs from the cached value (NaN equals NaN). Setting kEpisodeReward or kEpisodes
  /// clears the episode-ended flag.
  bool Set(StatKey key, double value, int64_t frame);
  /// The cached value (NaN before the first Set).
  double Get(StatKey key) const { return values_[static_cast<int>(key)]; }
  /// True when the key's value changed since the last text rebuild.
  bool dirty(StatKey key) const { return dirty_[static_cast<int>(key)]; }

  /// The panel text: rebuilt with FormatStatsText when TextDue(frame) and a value is dirty
  /// (clearing the dirty flags), otherwise the cached text.
  const std::string& Text(int64_t frame);
  /// Rebuilds the profiler line with `build` when ProfilerTextDue(frame) (otherwise `build`
  /// is not called); returns the cached line.
  const std::string& ProfilerText(int64_t frame, const std::function<std::string()>& build);

  /// Number of text rebuilds so far.
  int64_t text_rebuilds() const { return text_rebuilds_; }
  const StatsIntervals& intervals() const { return intervals_; }

 private:
  StatsIntervals intervals_;
  std::array<double, kNumStatKeys> values_;
  std::array<bool, kNumStatKeys> dirty_{};
  int64_t last_q_frame_ = -1;
  int64_t last_text_frame_ = -1;
  int64_t last_profiler_frame_ = -1;
  bool episode_stats_dirty_ = true;
  int64_t text_rebuilds_ = 0;
  std::string text_;
  std::string profiler_text_;
};

}  // namespace calf::core::profile
