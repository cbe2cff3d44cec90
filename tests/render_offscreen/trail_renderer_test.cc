#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "core/visual/colormap.h"
#include "core/visual/trail_store.h"
#include "render_offscreen/batched_trail_renderer.h"
#include "render_offscreen/per_agent_trails.h"
#include "render_offscreen/scene_renderer.h"
#include "tests/render_offscreen/render_test_context.h"

using calf::render::testing::TestContext;
namespace cr = calf::render;
namespace cv = calf::core::visual;

namespace {

// random walks with runs of modes; agent a gets a different number of points so some rings
// are partly filled, some wrapped, and one restarts after ClearAgent
class RandomTrails {
 public:
  RandomTrails(int agents, int length, uint32_t seed)
      : store(agents, length), rng_(seed), pos_(agents * 3), mode_(agents, 0) {
    std::uniform_real_distribution<float> u(-4.0F, 4.0F);
    for (int a = 0; a < agents; ++a) {
      pos_[a * 3] = u(rng_);
      pos_[a * 3 + 1] = 0.2F;
      pos_[a * 3 + 2] = u(rng_);
    }
  }
  void Step(int agent) {
    std::normal_distribution<float> step(0.0F, 0.15F);
    std::uniform_int_distribution<int> flip(0, 9);
    float* p = &pos_[agent * 3];
    p[0] = std::clamp(p[0] + step(rng_), -5.0F, 5.0F);
    p[1] = 0.2F + 0.1F * std::sin(p[0]);
    p[2] = std::clamp(p[2] + step(rng_), -5.0F, 5.0F);
    if (flip(rng_) == 0) mode_[agent] = static_cast<uint8_t>((mode_[agent] + 1 + flip(rng_)) % 4);
    store.Append(agent, p, mode_[agent]);
  }
  void StepAll() {
    for (int a = 0; a < store.max_agents(); ++a) Step(a);
  }
  void Grow(int agents) {
    const int old = store.max_agents();
    store.Grow(agents);
    pos_.resize(agents * 3, 0.5F);
    mode_.resize(agents, 1);
    for (int a = old; a < agents; ++a) pos_[a * 3] = -4.0F + 0.2F * a;
  }
  cv::TrailStore store;

 private:
  std::mt19937 rng_;
  std::vector<float> pos_;
  std::vector<uint8_t> mode_;
};

RandomTrails MakeRandomScene() {
  RandomTrails t(37, 50, 1234);
  for (int a = 0; a < 37; ++a) {
    const int points = (a * 13) % 140 + 1;  // 1..140 points: partial and wrapped rings
    for (int k = 0; k < points; ++k) t.Step(a);
  }
  // a cleared agent restarting in the middle of its ring (wraps while not yet full)
  t.store.ClearAgent(5);
  for (int k = 0; k < 45; ++k) t.Step(5);
  t.store.SetTrainingAgent(7);
  return t;
}

cr::RenderOptions SmallOptions(cr::TrailRendererKind kind) {
  cr::RenderOptions o;
  o.width = 400;
  o.height = 300;
  o.camera = cr::CameraPreset::kTop;
  o.trails = kind;
  return o;
}

int CountColor(const cr::Image& img, cv::Rgb c) {
  // within one 8-bit step: 0.3 * 255 = 76.5 may round either way
  const auto near = [](uint8_t got, float v) { return std::abs(got - v * 255.0F) <= 1.0F; };
  int n = 0;
  for (size_t i = 0; i < img.pixels.size(); i += 4) {
    if (near(img.pixels[i], c.r) && near(img.pixels[i + 1], c.g) && near(img.pixels[i + 2], c.b)) {
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST_CASE("Per-agent and batched trail renderers render identical images", "[render][trails]") {
  RandomTrails t = MakeRandomScene();
  for (auto camera : {cr::CameraPreset::kTop, cr::CameraPreset::kIso}) {
    cr::RenderOptions po = SmallOptions(cr::TrailRendererKind::kPerAgent);
    cr::RenderOptions bo = SmallOptions(cr::TrailRendererKind::kBatched);
    po.camera = bo.camera = camera;
    cr::SceneRenderer per_agent(po, TestContext());
    cr::SceneRenderer batched(bo, TestContext());
    cr::SceneFrame f;
    f.trails = &t.store;
    f.show_goal = false;
    for (int frame = 0; frame < 3; ++frame) {
      INFO("camera " << cr::CameraPresetName(camera) << " frame " << frame);
      const cr::Image a = per_agent.Render(f);
      const cr::Image b = batched.Render(f);
      REQUIRE(a.pixels == b.pixels);
      // every mode colour and the training agent's yellow are on screen
      for (int c = 0; c < cv::kNumTrailColors; ++c) {
        INFO("colour " << c);
        REQUIRE(CountColor(a, cv::TrailColorTable()[c]) > 0);
      }
      // incremental frames: a few new points per agent, some wrapping past slot 0
      for (int k = 0; k < 7; ++k) t.StepAll();
    }
  }
}

TEST_CASE("Batched trails draw with one call whatever N, per-agent with at least N",
          "[render][trails]") {
  for (int n : {10, 200}) {
    RandomTrails t(n, 40, 7);
    for (int k = 0; k < 30; ++k) t.StepAll();
    cr::SceneFrame f;
    f.trails = &t.store;
    cr::SceneRenderer batched(SmallOptions(cr::TrailRendererKind::kBatched), TestContext());
    cr::SceneRenderer per_agent(SmallOptions(cr::TrailRendererKind::kPerAgent), TestContext());
    batched.Render(f);
    per_agent.Render(f);
    INFO("n " << n);
    REQUIRE(batched.last_counters().trails.draw_calls >= 1);
    REQUIRE(batched.last_counters().trails.draw_calls <= 3);
    REQUIRE(per_agent.last_counters().trails.draw_calls >= n);
    REQUIRE(per_agent.last_counters().total.draw_calls >
            per_agent.last_counters().trails.draw_calls);
  }
}

TEST_CASE("Batched uploads 16 bytes per new point, per-agent rebuilds whole trails",
          "[render][trails]") {
  const int n = 50, len = 20;
  RandomTrails t(n, len, 99);
  for (int a = 0; a < n; ++a) {
    for (int k = 0; k < (a % 25) + 5; ++k) t.Step(a);  // heads 5..29 mod 20: some at 0
  }
  cr::SceneFrame f;
  f.trails = &t.store;
  cr::SceneRenderer batched(SmallOptions(cr::TrailRendererKind::kBatched), TestContext());
  cr::RenderOptions po = SmallOptions(cr::TrailRendererKind::kPerAgent);
  cr::SceneRenderer per_agent(po, TestContext());
  po.rebuild_every = 4;
  cr::SceneRenderer lazy(po, TestContext());
  batched.Render(f);
  per_agent.Render(f);
  lazy.Render(f);
  for (int frame = 0; frame < 6; ++frame) {
    INFO("frame " << frame);
    int at_slot0 = 0;
    for (int a = 0; a < n; ++a) at_slot0 += t.store.head(a) == 0 ? 1 : 0;
    t.StepAll();
    batched.Render(f);
    per_agent.Render(f);
    lazy.Render(f);
    // one 16-byte vertex per agent, plus the mirror of slot 0 when it was written
    const cr::GlCounters& b = batched.last_counters().trails;
    REQUIRE(b.bytes_uploaded == 16 * (n + at_slot0));
    REQUIRE(b.buffer_updates == n + at_slot0);
    // per-agent: every trail uploaded again in full, 12 bytes per point
    int64_t points = 0;
    for (int a = 0; a < n; ++a) points += t.store.count(a);
    REQUIRE(per_agent.last_counters().trails.bytes_uploaded == 12 * points);
    REQUIRE(per_agent.last_counters().trails.buffer_updates == n);
    // rebuild_every 4: frames 3 (4 points since the first frame) rebuild, others upload 0
    const int64_t lazy_bytes = lazy.last_counters().trails.bytes_uploaded;
    if (frame == 3) {
      REQUIRE(lazy_bytes == 12 * points);
    } else {
      REQUIRE(lazy_bytes == 0);
    }
  }
}

TEST_CASE(
    "Per-agent trails rebuilt every 15 points redraw a trail cleared and appended in one step",
    "[render][trails]") {
  // what CalfScene::Advance and the profile loop do on an episode reset: ClearAgent, then the
  // new episode's first point(s) before the next frame; `calf profile --render on` uses
  // rebuild_every = trail_rebuild_freq (15 by default)
  RandomTrails t(12, 40, 21);
  for (int k = 0; k < 30; ++k) t.StepAll();
  cr::SceneFrame f;
  f.trails = &t.store;
  f.show_goal = false;
  cr::RenderOptions po = SmallOptions(cr::TrailRendererKind::kPerAgent);
  po.rebuild_every = 15;
  cr::SceneRenderer per_agent(po, TestContext());
  cr::SceneRenderer batched(SmallOptions(cr::TrailRendererKind::kBatched), TestContext());
  const cr::Image before = batched.Render(f);
  REQUIRE(per_agent.Render(f).pixels == before.pixels);  // the first frame builds every trail

  // one point after the clear (no segment left) and three points (two segments)
  t.store.ClearAgent(3);
  t.Step(3);
  t.store.ClearAgent(8);
  for (int k = 0; k < 3; ++k) t.Step(8);
  const cr::Image b = batched.Render(f);
  const cr::Image a = per_agent.Render(f);
  REQUIRE(b.pixels != before.pixels);  // the old trails are gone from the picture
  REQUIRE(a.pixels == b.pixels);
  // only the two cleared agents were rebuilt: 12 bytes per point of their new trails
  REQUIRE(per_agent.last_counters().trails.bytes_uploaded == 12 * (1 + 3));
}

TEST_CASE("Batched trails survive the store growing past the buffer capacity", "[render][trails]") {
  RandomTrails t(3, 30, 5);
  for (int k = 0; k < 40; ++k) t.StepAll();
  cr::SceneFrame f;
  f.trails = &t.store;
  auto ctx = TestContext();
  cr::SceneRenderer batched(SmallOptions(cr::TrailRendererKind::kBatched), ctx);
  cr::SceneRenderer per_agent(SmallOptions(cr::TrailRendererKind::kPerAgent), ctx);
  batched.Render(f);
  t.Grow(40);
  for (int k = 0; k < 10; ++k) t.StepAll();
  const cr::Image b = batched.Render(f);
  const cr::Image p = per_agent.Render(f);
  REQUIRE(b.pixels == p.pixels);
  auto& renderer = dynamic_cast<cr::BatchedTrailRenderer&>(batched.trail_renderer());
  REQUIRE(renderer.capacity() >= 40);
  // the old agents' points were not re-uploaded: only the 10 new points of agents 0..2
  // (+ mirrors) and the 10 points of each new agent
  REQUIRE(batched.last_counters().trails.bytes_uploaded <= 16 * (3 * 11 + 37 * 11));
}
