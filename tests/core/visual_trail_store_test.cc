#include <catch2/catch.hpp>
#include <vector>

#include "core/error.h"
#include "core/visual/trail_store.h"

namespace cv = calf::core::visual;

namespace {
// point k of an agent: (k, 10*agent, -k)
void AppendPoint(cv::TrailStore& s, int agent, int k, uint8_t mode = 0) {
  const float p[3] = {static_cast<float>(k), 10.0F * agent, -static_cast<float>(k)};
  s.Append(agent, p, mode);
}
}  // namespace

TEST_CASE("Trail ring overwrites the oldest point once full", "[visual][trails]") {
  cv::TrailStore s(1, 4);
  for (int k = 0; k < 6; ++k) AppendPoint(s, 0, k, static_cast<uint8_t>(k % 4));
  REQUIRE(s.count(0) == 4);
  REQUIRE(s.head(0) == 2);
  REQUIRE(s.oldest(0) == 2);
  REQUIRE(s.appended(0) == 6);
  // slots hold points 4, 5, 2, 3
  const int expect[4] = {4, 5, 2, 3};
  for (int slot = 0; slot < 4; ++slot) {
    REQUIRE(s.position(0, slot)[0] == expect[slot]);
    REQUIRE(s.position(0, slot)[2] == -expect[slot]);
    REQUIRE(s.mode(0, slot) == expect[slot] % 4);
  }
}

TEST_CASE("Trail dirty ranges cover the slots written since ClearDirty, wrapping in two",
          "[visual][trails]") {
  cv::TrailStore s(2, 4);
  cv::SlotRange r[2];
  REQUIRE(s.DirtyRanges(0, r) == 0);
  for (int k = 0; k < 3; ++k) AppendPoint(s, 0, k);
  REQUIRE(s.DirtyRanges(0, r) == 1);
  REQUIRE(r[0].begin == 0);
  REQUIRE(r[0].end == 3);
  REQUIRE(s.DirtyRanges(1, r) == 0);
  s.ClearDirty();
  REQUIRE(s.DirtyRanges(0, r) == 0);
  AppendPoint(s, 0, 3);
  AppendPoint(s, 0, 4);  // slots 3 then 0
  REQUIRE(s.DirtyRanges(0, r) == 2);
  REQUIRE(r[0].begin == 3);
  REQUIRE(r[0].end == 4);
  REQUIRE(r[1].begin == 0);
  REQUIRE(r[1].end == 1);
  REQUIRE(s.dirty_count(0) == 2);
  // more writes than slots: the whole ring, once
  for (int k = 5; k < 12; ++k) AppendPoint(s, 0, k);
  REQUIRE(s.dirty_count(0) == 4);
  REQUIRE(s.DirtyRanges(0, r) == 1);
  REQUIRE(r[0].begin == 0);
  REQUIRE(r[0].end == 4);
}

TEST_CASE("Trail dirty agent list keeps first-write order and empties on ClearDirty",
          "[visual][trails]") {
  cv::TrailStore s(3, 5);
  AppendPoint(s, 2, 0);
  AppendPoint(s, 0, 0);
  AppendPoint(s, 2, 1);
  REQUIRE(s.dirty_agents() == std::vector<int>{2, 0});
  s.ClearDirty();
  REQUIRE(s.dirty_agents().empty());
  REQUIRE(s.dirty_count(2) == 0);
}

TEST_CASE("Trail Grow keeps every trail, head and dirty range", "[visual][trails]") {
  cv::TrailStore s(2, 3);
  for (int k = 0; k < 4; ++k) AppendPoint(s, 0, k, 1);
  AppendPoint(s, 1, 7, 2);
  s.Grow(5);
  REQUIRE(s.max_agents() == 5);
  REQUIRE(s.count(0) == 3);
  REQUIRE(s.head(0) == 1);
  REQUIRE(s.position(0, 0)[0] == 3);
  REQUIRE(s.position(0, 1)[0] == 1);
  REQUIRE(s.position(0, 2)[0] == 2);
  REQUIRE(s.count(1) == 1);
  REQUIRE(s.position(1, 0)[1] == 10.0F);
  REQUIRE(s.mode(1, 0) == 2);
  REQUIRE(s.dirty_agents() == std::vector<int>{0, 1});
  REQUIRE(s.count(4) == 0);
  AppendPoint(s, 4, 9);
  REQUIRE(s.position(4, 0)[1] == 40.0F);
  s.Grow(1);  // shrinking is a no-op
  REQUIRE(s.max_agents() == 5);
}

TEST_CASE("Trail AppendAll equals one Append per agent", "[visual][trails]") {
  cv::TrailStore a(3, 4), b(3, 4);
  std::vector<float> pos(9);
  std::vector<uint8_t> modes(3);
  for (int step = 0; step < 6; ++step) {
    for (int i = 0; i < 3; ++i) {
      for (int c = 0; c < 3; ++c) pos[i * 3 + c] = step * 100.0F + i * 10.0F + c;
      modes[i] = static_cast<uint8_t>((step + i) % 4);
      b.Append(i, &pos[i * 3], modes[i]);
    }
    a.AppendAll(pos.data(), modes.data(), 3);
  }
  for (int i = 0; i < 3; ++i) {
    REQUIRE(a.head(i) == b.head(i));
    REQUIRE(a.count(i) == b.count(i));
  }
  REQUIRE(std::vector<float>(a.positions(), a.positions() + 36) ==
          std::vector<float>(b.positions(), b.positions() + 36));
  REQUIRE(std::vector<uint8_t>(a.modes(), a.modes() + 12) ==
          std::vector<uint8_t>(b.modes(), b.modes() + 12));
}

TEST_CASE("Trail ClearAgent empties one trail and restarts at the head", "[visual][trails]") {
  cv::TrailStore s(2, 4);
  for (int k = 0; k < 3; ++k) AppendPoint(s, 0, k);
  const uint64_t v = s.version(0);
  s.ClearAgent(0);
  REQUIRE(s.count(0) == 0);
  REQUIRE(s.version(0) == v + 1);
  AppendPoint(s, 0, 5);
  REQUIRE(s.count(0) == 1);
  REQUIRE(s.oldest(0) == 3);
}

TEST_CASE("Trail store rejects a trail shorter than two points", "[visual][trails]") {
  REQUIRE_THROWS_AS(cv::TrailStore(4, 1), calf::ConfigError);
  REQUIRE_THROWS_AS(cv::TrailStore(-1, 10), calf::ConfigError);
}

TEST_CASE("Parallel AppendAll of many agents equals serial Appends, dirty order included",
          "[visual][trails]") {
  const int n = 5000, len = 3;  // above the parallel threshold; rings wrap
  cv::TrailStore a(n, len), b(n, len);
  std::vector<float> pos(static_cast<size_t>(n) * 3);
  std::vector<uint8_t> modes(n);
  for (int step = 0; step < 5; ++step) {
    for (int i = 0; i < n; ++i) {
      for (int c = 0; c < 3; ++c) pos[i * 3 + c] = step * 1e4F + i + 0.1F * c;
      modes[i] = static_cast<uint8_t>((step * 7 + i) % 4);
    }
    // some agents start clean each step so the dirty list is rebuilt in a mixed order
    if (step == 2) {
      a.ClearDirty();
      b.ClearDirty();
      b.Append(4321, &pos[4321 * 3], modes[4321]);
      a.Append(4321, &pos[4321 * 3], modes[4321]);
    }
    for (int i = 0; i < n; ++i) b.Append(i, &pos[i * 3], modes[i]);
    a.AppendAll(pos.data(), modes.data(), n, 2);
  }
  REQUIRE(a.dirty_agents() == b.dirty_agents());
  for (int i = 0; i < n; ++i) {
    REQUIRE(a.head(i) == b.head(i));
    REQUIRE(a.count(i) == b.count(i));
    REQUIRE(a.dirty_count(i) == b.dirty_count(i));
    REQUIRE(a.appended(i) == b.appended(i));
    cv::SlotRange ra[2], rb[2];
    REQUIRE(a.DirtyRanges(i, ra) == b.DirtyRanges(i, rb));
    REQUIRE(ra[0].begin == rb[0].begin);
  }
  const size_t slots = static_cast<size_t>(n) * len;
  REQUIRE(std::vector<float>(a.positions(), a.positions() + slots * 3) ==
          std::vector<float>(b.positions(), b.positions() + slots * 3));
  REQUIRE(std::vector<uint8_t>(a.modes(), a.modes() + slots) ==
          std::vector<uint8_t>(b.modes(), b.modes() + slots));
}
