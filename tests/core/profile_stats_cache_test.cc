#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "core/profile/stats_cache.h"

using calf::core::profile::FormatStatsText;
using calf::core::profile::StatKey;
using calf::core::profile::StatsCache;

TEST_CASE("Stats cache asks for the Q-value every ten frames", "[profile][stats_cache]") {
  StatsCache cache;
  REQUIRE(cache.QValueDue(0));
  cache.Set(StatKey::kQValue, -1.5, 0);
  for (int f = 1; f < 10; ++f) REQUIRE_FALSE(cache.QValueDue(f));
  REQUIRE(cache.QValueDue(10));
  cache.Set(StatKey::kQValue, -1.5, 10);
  REQUIRE_FALSE(cache.QValueDue(19));
  REQUIRE(cache.QValueDue(20));
}

TEST_CASE("Stats cache rebuilds the text only when due and a value changed",
          "[profile][stats_cache]") {
  StatsCache cache;
  REQUIRE(cache.Set(StatKey::kQValue, 2.0, 0));
  REQUIRE(cache.Set(StatKey::kFps, 60.0, 0));
  const std::string first = cache.Text(0);
  REQUIRE(cache.text_rebuilds() == 1);
  REQUIRE_FALSE(cache.dirty(StatKey::kQValue));
  // due at 5 but nothing changed: no rebuild
  REQUIRE_FALSE(cache.Set(StatKey::kFps, 60.0, 5));
  REQUIRE(cache.Text(5) == first);
  REQUIRE(cache.text_rebuilds() == 1);
  // changed at 6, not due before 10
  REQUIRE(cache.Set(StatKey::kFps, 30.0, 6));
  REQUIRE(cache.dirty(StatKey::kFps));
  REQUIRE(cache.Text(7) == first);
  REQUIRE(cache.text_rebuilds() == 1);
  const std::string second = cache.Text(10);
  REQUIRE(cache.text_rebuilds() == 2);
  REQUIRE(second != first);
  std::array<double, calf::core::profile::kNumStatKeys> values;
  for (int k = 0; k < calf::core::profile::kNumStatKeys; ++k) {
    values[k] = cache.Get(static_cast<StatKey>(k));
  }
  REQUIRE(second == FormatStatsText(values));
  REQUIRE(second.find("30.0 FPS") != std::string::npos);
}

TEST_CASE("Stats cache marks episode statistics dirty only at an episode end",
          "[profile][stats_cache]") {
  StatsCache cache;
  REQUIRE(cache.EpisodeStatsDirty());  // nothing shown yet
  cache.Set(StatKey::kEpisodes, 0.0, 0);
  REQUIRE_FALSE(cache.EpisodeStatsDirty());
  cache.MarkEpisodeEnded();
  REQUIRE(cache.EpisodeStatsDirty());
  cache.Set(StatKey::kEpisodeReward, -3.0, 4);
  REQUIRE_FALSE(cache.EpisodeStatsDirty());
}

TEST_CASE("Stats cache treats an unchanged NaN as unchanged", "[profile][stats_cache]") {
  StatsCache cache;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  REQUIRE(std::isnan(cache.Get(StatKey::kPRelax)));
  REQUIRE_FALSE(cache.Set(StatKey::kPRelax, nan, 0));
  REQUIRE(cache.Set(StatKey::kPRelax, 0.5, 0));
  REQUIRE_FALSE(cache.Set(StatKey::kPRelax, 0.5, 1));
}

TEST_CASE("Stats cache builds the profiler text every thirty frames", "[profile][stats_cache]") {
  StatsCache cache;
  int builds = 0;
  for (int f = 0; f < 95; ++f) {
    cache.ProfilerText(f, [&]() { return "line " + std::to_string(++builds); });
  }
  REQUIRE(builds == 4);  // frames 0, 30, 60, 90
  REQUIRE(cache.ProfilerText(95, [] { return std::string("x"); }) == "line 4");
}
