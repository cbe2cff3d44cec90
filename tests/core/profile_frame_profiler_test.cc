#include <catch2/catch.hpp>
#include <chrono>

#include "core/profile/frame_profiler.h"

using namespace calf::core::profile;

namespace {
constexpr double kRate = 1.0 - 1e-3;

// waits until the steady clock has advanced by at least `ms`
void SpinFor(double ms) {
  const auto start = std::chrono::steady_clock::now();
  while (
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() <
      ms) {
  }
}
}  // namespace

TEST_CASE("Scoped timers add their time to their own section", "[profile][profiler]") {
  FrameProfiler p(4);
  p.BeginFrame();
  {
    ScopedTimer t(&p, Section::kVisuals);
    SpinFor(1.0);
  }
  {
    ScopedTimer t(&p, Section::kVisuals);  // a section may be timed twice: times add up
    SpinFor(1.0);
  }
  {
    ScopedTimer t(&p, Section::kIo);
    SpinFor(0.5);
  }
  const FrameTimes& f = p.EndFrame();
  // LapClock's rate is calibrated against steady_clock: allow its 1e-3 relative error
  REQUIRE(f.section_ms[static_cast<int>(Section::kVisuals)] >= 2.0 * kRate);
  REQUIRE(f.section_ms[static_cast<int>(Section::kIo)] >= 0.5 * kRate);
  REQUIRE(f.section_ms[static_cast<int>(Section::kPhysics)] == 0.0);
  double sum = 0;
  for (double s : f.section_ms) sum += s;
  REQUIRE(f.total_ms >= sum);
  REQUIRE(p.frames().size() == 1);
}

TEST_CASE("Unrecorded frames are not kept and a new frame starts from zero",
          "[profile][profiler]") {
  FrameProfiler p;
  p.BeginFrame();
  p.Add(Section::kUi, 3.0);
  REQUIRE(p.EndFrame(false).section_ms[static_cast<int>(Section::kUi)] == 3.0);
  REQUIRE(p.frames().empty());
  p.BeginFrame();
  REQUIRE(p.current().section_ms[static_cast<int>(Section::kUi)] == 0.0);
  p.Add(Section::kHeatmap, 1.5);
  p.EndFrame(true);
  REQUIRE(p.frames().size() == 1);
  REQUIRE(p.frames()[0].section_ms[static_cast<int>(Section::kHeatmap)] == 1.5);
  p.Clear();
  REQUIRE(p.frames().empty());
}

TEST_CASE("Section names follow the schema order", "[profile][profiler]") {
  const char* want[] = {"physics", "visuals", "ui", "heatmap", "render", "io"};
  for (int s = 0; s < kNumSections; ++s) {
    REQUIRE(std::string(SectionName(static_cast<Section>(s))) == want[s]);
  }
}

TEST_CASE("Laps split the frame into back-to-back sections", "[profile][profiler]") {
  FrameProfiler p;
  p.BeginFrame();
  SpinFor(1.0);
  p.Lap(Section::kPhysics);
  SpinFor(0.5);
  p.Lap(Section::kUi);
  SpinFor(0.5);
  p.Mark();  // not attributed to any section
  p.Lap(Section::kIo);
  const FrameTimes& f = p.EndFrame();
  REQUIRE(f.section_ms[static_cast<int>(Section::kPhysics)] >= 1.0 * kRate);
  REQUIRE(f.section_ms[static_cast<int>(Section::kUi)] >= 0.5 * kRate);
  REQUIRE(f.section_ms[static_cast<int>(Section::kIo)] < 0.5);
  double sum = 0;
  for (double s : f.section_ms) sum += s;
  REQUIRE(f.total_ms >= sum + 0.5 * kRate);
}

TEST_CASE("The lap clock measures milliseconds as the steady clock does", "[profile][profiler]") {
  REQUIRE(LapClock::TickMs() > 0.0);
  for (double ms : {2.0, 10.0}) {
    const uint64_t k0 = LapClock::Now();
    const auto t0 = std::chrono::steady_clock::now();
    SpinFor(ms);
    const uint64_t k1 = LapClock::Now();
    const double steady =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const double lap = static_cast<double>(k1 - k0) * LapClock::TickMs();
    INFO(ms << " ms: lap clock " << lap << " ms, steady clock " << steady << " ms");
    REQUIRE(lap == Approx(steady).epsilon(0.01).margin(0.01));
  }
}
