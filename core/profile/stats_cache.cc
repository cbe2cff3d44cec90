#include "core/profile/stats_cache.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace calf::core::profile {
namespace {

bool Due(int64_t last, int64_t interval, int64_t frame) {
  return last < 0 || frame - last >= interval;
}

}  // namespace

std::string FormatStatsText(const std::array<double, kNumStatKeys>& v) {
  char buf[320];
  std::snprintf(buf, sizeof(buf),
                "Q %.4f | episodes %.0f, mean reward %.3f | certified %.1f%% relax %.1f%% "
                "fallback %.1f%% | P_relax %.4f | %.1f FPS",
                v[0], v[2], v[1], 100.0 * v[3], 100.0 * v[4], 100.0 * v[5], v[6], v[7]);
  return buf;
}

StatsCache::StatsCache(const StatsIntervals& intervals) : intervals_(intervals) {
  values_.fill(std::numeric_limits<double>::quiet_NaN());
}

bool StatsCache::QValueDue(int64_t frame) const {
  return Due(last_q_frame_, intervals_.q_value, frame);
}

bool StatsCache::TextDue(int64_t frame) const {
  return Due(last_text_frame_, intervals_.text, frame);
}

bool StatsCache::ProfilerTextDue(int64_t frame) const {
  return Due(last_profiler_frame_, intervals_.profiler_text, frame);
}

bool StatsCache::Set(StatKey key, double value, int64_t frame) {
  const int k = static_cast<int>(key);
  if (key == StatKey::kQValue) last_q_frame_ = frame;
  if (key == StatKey::kEpisodeReward || key == StatKey::kEpisodes) episode_stats_dirty_ = false;
  const double old = values_[k];
  const bool same = old == value || (std::isnan(old) && std::isnan(value));
  if (same) return false;
  values_[k] = value;
  dirty_[k] = true;
  return true;
}

const std::string& StatsCache::Text(int64_t frame) {
  if (!TextDue(frame)) return text_;
  last_text_frame_ = frame;
  bool any = false;
  for (bool d : dirty_) any = any || d;
  if (!any) return text_;
  text_ = FormatStatsText(values_);
  dirty_.fill(false);
  ++text_rebuilds_;
  return text_;
}

const std::string& StatsCache::ProfilerText(int64_t frame,
                                            const std::function<std::string()>& build) {
  if (ProfilerTextDue(frame)) {
    last_profiler_frame_ = frame;
    profiler_text_ = build();
  }
  return profiler_text_;
}

}  // namespace calf::core::profile
