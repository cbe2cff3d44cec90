#include "render_offscreen/calf_scene.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/policy/torch_model.h"
#include "core/sim/simulator.h"
#include "core/visual/colormap.h"
#include "render_offscreen/scene_renderer.h"
#include "tests/render_offscreen/render_test_context.h"

using calf::render::testing::TestContext;
namespace cc = calf::core;
namespace cr = calf::render;
namespace cv = calf::core::visual;

namespace {

// q = w . input + b: a one-layer critic head with a value known in closed form
cc::Mlp LinearHead(const std::vector<float>& w, float b) {
  cc::DenseLayer layer;
  layer.weight = Eigen::MatrixXf(1, static_cast<int>(w.size()));
  for (size_t i = 0; i < w.size(); ++i) layer.weight(0, static_cast<int>(i)) = w[i];
  layer.bias = Eigen::VectorXf::Constant(1, b);
  return cc::Mlp({layer});
}

// a CALF simulation with random networks and short episodes (resets every 30 steps)
struct LiveScene {
  LiveScene(int agents, int trail, uint64_t seed) {
    config.num_agents = agents;
    config.seed = seed;
    config.env.max_steps_per_episode = 30;
    const cc::env::EnvSpec& spec = cc::env::FindSpec("point_mass");
    Eigen::VectorXf scale = Eigen::VectorXf::Constant(1, static_cast<float>(spec.max_action[0]));
    models.actor = cc::MakeRandomMlp({2, 16, 16, 1}, cc::Activation::kRelu, cc::Activation::kTanh,
                                     scale, seed + 1);
    heads = {cc::MakeRandomMlp({3, 16, 16, 1}, cc::Activation::kRelu, cc::Activation::kIdentity, {},
                               seed + 2),
             cc::MakeRandomMlp({3, 16, 16, 1}, cc::Activation::kRelu, cc::Activation::kIdentity, {},
                               seed + 3)};
    models.critic = heads[0];
    sim = std::make_unique<cc::Simulator>(config, models);
    cr::CalfSceneOptions so;
    so.trail_length = trail;
    scene = std::make_unique<cr::CalfScene>(spec, agents, so);
    scene->SetCritic(heads);
    sim->Reset(state);
    Sync(false);
  }
  void Step() {
    sim->Step(state, 1);
    Sync(true);
  }
  void Sync(bool advance) {
    std::vector<float> s(state.states.begin(), state.states.end());
    if (!advance) {
      scene->Start(s.data());
      return;
    }
    std::vector<uint8_t> modes(state.num_agents), reset(state.num_agents);
    for (int64_t i = 0; i < state.num_agents; ++i) {
      modes[i] = static_cast<uint8_t>(state.modes[i]);
      reset[i] = state.done[i] != cc::DoneReason::kNone ? 1 : 0;
      resets += reset[i];
    }
    scene->Advance(s.data(), modes.data(), reset.data());
  }

  cc::SimConfig config;
  cc::PolicyModels models;
  std::vector<cc::Mlp> heads;
  std::unique_ptr<cc::Simulator> sim;
  std::unique_ptr<cr::CalfScene> scene;
  cc::SimState state;
  int resets = 0;
};

cr::RenderOptions Options(cr::TrailRendererKind kind, cr::CameraPreset camera) {
  cr::RenderOptions o;
  o.width = 480;
  o.height = 270;
  o.camera = camera;
  o.trails = kind;
  return o;
}

}  // namespace

TEST_CASE("The critic surface is the minimum of the two heads at zero action", "[render][scene]") {
  const cc::env::EnvSpec& pm = cc::env::FindSpec("point_mass");
  cv::SurfaceOptions so;
  so.grid = 5;
  so.extent = 2.0F;
  // q1 = x - v + 3a, q2 = -x + 0.5: the action weight must not matter (a = 0)
  const std::vector<cc::Mlp> heads = {LinearHead({1.0F, -1.0F, 3.0F}, 0.0F),
                                      LinearHead({-1.0F, 0.0F, 7.0F}, 0.5F)};
  const std::vector<float> q = cr::CriticSurfaceValues(heads, pm, so);
  REQUIRE(q.size() == 25);
  for (int iv = 0; iv < 5; ++iv) {
    for (int ix = 0; ix < 5; ++ix) {
      const float x = -2.0F + ix, v = -2.0F + iv;
      INFO("x " << x << " v " << v);
      REQUIRE(q[iv * 5 + ix] == Approx(std::min(x - v, -x + 0.5F)).margin(1e-6));
    }
  }
}

TEST_CASE("The unicycle surface spans (x, y) at heading 0", "[render][scene]") {
  const cc::env::EnvSpec& dd = cc::env::FindSpec("differential_drive");
  cv::SurfaceOptions so;
  so.grid = 3;
  so.extent = 1.0F;
  // weights on θ and on both action coordinates vanish: θ = 0 and a = 0
  const std::vector<cc::Mlp> heads = {LinearHead({2.0F, 3.0F, 100.0F, 50.0F, -50.0F}, 1.0F)};
  const std::vector<float> q = cr::CriticSurfaceValues(heads, dd, so);
  for (int iy = 0; iy < 3; ++iy) {
    for (int ix = 0; ix < 3; ++ix) {
      REQUIRE(q[iy * 3 + ix] == Approx(2.0F * (ix - 1) + 3.0F * (iy - 1) + 1.0F).margin(1e-6));
    }
  }
}

TEST_CASE("A critic of the wrong shape is a policy error", "[render][scene]") {
  const cc::env::EnvSpec& pm = cc::env::FindSpec("point_mass");
  REQUIRE_THROWS_AS(cr::CriticSurfaceValues({LinearHead({1.0F, 1.0F}, 0.0F)}, pm, {}),
                    calf::PolicyError);
  REQUIRE_THROWS_AS(cr::CriticSurfaceValues({}, pm, {}), calf::PolicyError);
  REQUIRE_THROWS_AS(cr::CalfScene(pm, 3, cr::CalfSceneOptions{1, {}, 0.05F}), calf::ConfigError);
}

TEST_CASE("Agents sit on the surface and a reset starts a new trail", "[render][scene]") {
  const cc::env::EnvSpec& pm = cc::env::FindSpec("point_mass");
  cr::CalfSceneOptions so;
  so.trail_length = 10;
  so.agent_lift = 0.25F;
  cr::CalfScene scene(pm, 2, so);
  scene.SetCritic({LinearHead({1.0F, 2.0F, 0.0F}, 0.0F)});
  const float s0[] = {1.0F, -2.0F, 0.5F, 0.25F};
  scene.Start(s0);
  for (int a = 0; a < 2; ++a) {
    const float x = s0[a * 2], v = s0[a * 2 + 1];
    REQUIRE(scene.positions()[a * 3] == x);
    REQUIRE(scene.positions()[a * 3 + 1] == scene.surface().HeightAt(x, v) + 0.25F);
    REQUIRE(scene.positions()[a * 3 + 2] == v);
  }
  const float s1[] = {1.5F, -2.0F, 0.0F, 0.0F};
  const uint8_t modes[] = {cv::kModeRelax, cv::kModeFallback};
  const uint8_t reset[] = {0, 1};
  scene.Advance(s1, modes, reset);
  REQUIRE(scene.trails()->count(0) == 2);
  REQUIRE(scene.trails()->count(1) == 1);  // agent 1's episode ended: its trail restarts
  REQUIRE(scene.modes()[0] == cv::kModeRelax);
  REQUIRE(scene.modes()[1] == cv::kModeFallback);
  const int last = (scene.trails()->head(0) + 9) % 10;
  REQUIRE(scene.trails()->mode(0, last) == cv::kModeRelax);
  REQUIRE(scene.trails()->position(0, last)[0] == 1.5F);
}

TEST_CASE("Without a critic agents ride on the floor and no surface is drawn", "[render][scene]") {
  const cc::env::EnvSpec& pm = cc::env::FindSpec("point_mass");
  cr::CalfScene scene(pm, 1, {});
  const float s[] = {2.0F, 3.0F};
  scene.Start(s);
  REQUIRE(scene.Frame().surface == nullptr);
  REQUIRE(scene.positions()[1] == Approx(0.05F));
}

TEST_CASE("Per-agent and batched renderers draw a simulated CALF scene identically",
          "[render][scene][trails]") {
  // 40 agents, 50-point trails, resets every 30 steps: partial, wrapped and restarted rings
  LiveScene live(40, 50, 3);
  for (int k = 0; k < 45; ++k) live.Step();
  REQUIRE(live.resets > 0);
  for (auto camera : {cr::CameraPreset::kIso, cr::CameraPreset::kTop}) {
    cr::SceneRenderer batched(Options(cr::TrailRendererKind::kBatched, camera), TestContext());
    cr::SceneRenderer per_agent(Options(cr::TrailRendererKind::kPerAgent, camera), TestContext());
    for (int frame = 0; frame < 4; ++frame) {
      INFO("camera " << cr::CameraPresetName(camera) << " frame " << frame);
      const cr::Image b = batched.Render(live.scene->Frame());
      const cr::Image p = per_agent.Render(live.scene->Frame());
      REQUIRE(b.pixels == p.pixels);
      // the surface and the trails are on screen: more than a few colours
      int non_white = 0;
      for (size_t i = 0; i < b.pixels.size(); i += 4) {
        non_white += (b.pixels[i] & b.pixels[i + 1] & b.pixels[i + 2]) != 255 ? 1 : 0;
      }
      REQUIRE(non_white > 480 * 270 / 10);
      for (int k = 0; k < 9; ++k) live.Step();
    }
  }
}

TEST_CASE("On a simulated scene batched trails take 1-3 draws and O(N) bytes per frame",
          "[render][scene][trails]") {
  const int n = 120, trail = 60;
  LiveScene live(n, trail, 5);
  for (int k = 0; k < 80; ++k) live.Step();  // every ring wrapped or restarted
  cr::SceneRenderer batched(Options(cr::TrailRendererKind::kBatched, cr::CameraPreset::kIso),
                            TestContext());
  cr::SceneRenderer per_agent(Options(cr::TrailRendererKind::kPerAgent, cr::CameraPreset::kIso),
                              TestContext());
  batched.Render(live.scene->Frame());
  per_agent.Render(live.scene->Frame());
  for (int frame = 0; frame < 3; ++frame) {
    live.Step();
    batched.Render(live.scene->Frame());
    per_agent.Render(live.scene->Frame());
    const cr::GlCounters& b = batched.last_counters().trails;
    const cr::GlCounters& p = per_agent.last_counters().trails;
    int64_t points = 0;
    for (int a = 0; a < n; ++a) points += live.scene->trails()->count(a);
    INFO("frame " << frame << " points " << points);
    REQUIRE(b.draw_calls >= 1);
    REQUIRE(b.draw_calls <= 3);
    REQUIRE(p.draw_calls >= n);
    // one new 16-byte vertex per agent (twice when it lands in the mirrored slot 0)
    REQUIRE(b.bytes_uploaded >= 16 * n);
    REQUIRE(b.bytes_uploaded <= 32 * n);
    // per-agent re-uploads every whole trail: 12 bytes per stored point
    REQUIRE(p.bytes_uploaded == 12 * points);
  }
}

TEST_CASE("A scenario's spot and speed-limit zone are drawn on the floor where they are",
          "[render][scene]") {
  const cc::env::EnvSpec& spec = cc::env::FindSpec("differential_drive");
  const std::vector<float> states = {3.5F, 3.5F, 0.0F};  // one agent, far from both marks
  cr::CalfSceneOptions plain_o;
  plain_o.trail_length = 0;
  cr::CalfSceneOptions marked_o = plain_o;
  auto& sc = marked_o.scenario;
  sc.spot_x = -2.0;
  sc.spot_y = 1.0;
  sc.spot_sigma_x = 0.5;
  sc.spot_sigma_y = 0.25;
  sc.spot_weight = 1.0;
  sc.region_min = {1.0, -3.0};
  sc.region_max = {2.0, -2.0};
  // a default scenario draws nothing; a spot and a zone draw one mark each
  for (const auto& [options, marks] :
       std::vector<std::pair<cr::CalfSceneOptions, size_t>>{{plain_o, 0}, {marked_o, 2}}) {
    cr::RenderOptions ro;
    cr::CalfScene(spec, 1, options).ConfigureRender(&ro);
    CHECK(ro.floor_marks.size() == marks);
  }
  const auto render = [&](const cr::CalfSceneOptions& so) {
    cr::CalfScene scene(spec, 1, so);
    scene.Start(states.data());
    cr::RenderOptions ro = Options(cr::TrailRendererKind::kBatched, cr::CameraPreset::kTop);
    scene.ConfigureRender(&ro);
    cr::SceneRenderer r(ro, TestContext());
    return std::make_pair(r.Render(scene.Frame()), cr::SceneViewProjection(ro));
  };
  const auto [plain, vp] = render(plain_o);
  const auto [marked, vp2] = render(marked_o);
  // every pixel the marks changed lies in the projected box of the spot's 2-sigma ellipse or
  // of the zone (widened by a pixel and a half for the lines' antialiasing), and both show
  const auto box = [&](float x0, float z0, float x1, float z1) {
    const Eigen::Vector2f a = cr::ProjectToPixel(vp, plain.width, plain.height, x0, 0.0F, z0);
    const Eigen::Vector2f b = cr::ProjectToPixel(vp, plain.width, plain.height, x1, 0.0F, z1);
    return std::array<float, 4>{std::min(a.x(), b.x()) - 1.5F, std::min(a.y(), b.y()) - 1.5F,
                                std::max(a.x(), b.x()) + 1.5F, std::max(a.y(), b.y()) + 1.5F};
  };
  const auto spot_box = box(-3.0F, 0.5F, -1.0F, 1.5F);
  const auto zone_box = box(1.0F, -3.0F, 2.0F, -2.0F);
  int in_spot = 0, in_zone = 0, elsewhere = 0;
  for (int y = 0; y < plain.height; ++y) {
    for (int x = 0; x < plain.width; ++x) {
      const size_t i = (static_cast<size_t>(y) * plain.width + x) * 4;
      if (std::equal(&plain.pixels[i], &plain.pixels[i] + 4, &marked.pixels[i])) continue;
      const float px = x + 0.5F, py = y + 0.5F;
      const auto inside = [&](const std::array<float, 4>& b) {
        return px >= b[0] && px <= b[2] && py >= b[1] && py <= b[3];
      };
      if (inside(spot_box)) {
        ++in_spot;
      } else if (inside(zone_box)) {
        ++in_zone;
      } else {
        ++elsewhere;
      }
    }
  }
  CHECK(in_spot > 20);
  CHECK(in_zone > 20);
  CHECK(elsewhere == 0);
}

TEST_CASE("A family's bodies are drawn from its shapes, agents laid out in cells",
          "[render][scene][shapes]") {
  cc::env::EnvParams p;
  std::shared_ptr<const cc::env::Environment> env = cc::env::MakeEnvironment("quadruped", p);
  const cc::env::EnvSpec& spec = env->spec();
  const int n = 5;
  // every agent at its reset (all stand at the origin)
  std::vector<double> s(n * spec.state_dim), e(n * spec.env_state_dim);
  std::vector<uint64_t> counters(n, 0);
  const cc::env::AgentBlock block{0, n, s.data(), e.data(), nullptr, 3, 0};
  env->Reset(block, 3, counters.data(), nullptr);
  std::vector<float> states(s.begin(), s.end());

  cr::CalfSceneOptions so;
  so.trail_length = 10;
  so.bodies = env;
  cr::CalfScene scene(spec, n, so);
  scene.Start(states.data());
  REQUIRE(scene.laid_out());

  // the family's own shapes, through float like the scene's states
  std::vector<double> sd(states.begin(), states.end());
  std::vector<cc::env::BodyShape> body;
  env->BodyShapes({0, n, sd.data(), nullptr, nullptr, 0, 0}, &body);
  REQUIRE(body.size() == static_cast<size_t>(13 * n));
  REQUIRE(scene.shapes().size() == body.size());

  // each agent's shapes are its bodies mapped to world (X = x, Y = z, Z = y) and moved by one
  // offset per agent; the five offsets are distinct cells of a 3 x 2 grid
  std::vector<std::array<float, 2>> offsets(n);
  for (size_t k = 0; k < body.size(); ++k) {
    const cc::env::BodyShape& b = body[k];
    const cr::SceneShape& w = scene.shapes()[k];
    const float dx = w.pos[0] - static_cast<float>(b.pos[0]);
    const float dz = w.pos[2] - static_cast<float>(b.pos[1]);
    if (k % 13 == 0) offsets[b.agent] = {dx, dz};
    INFO("shape " << k);
    CHECK(dx == Approx(offsets[b.agent][0]).margin(1e-5));
    CHECK(dz == Approx(offsets[b.agent][1]).margin(1e-5));
    CHECK(w.pos[1] == Approx(b.pos[2]).margin(1e-6));
    CHECK(w.size[0] == Approx(b.size[0]));
    // local axis 2 (a capsule's length) in world: (r02, r22, r12)
    CHECK(w.axes[6] == Approx(b.rot[2]).margin(1e-6));
    CHECK(w.axes[7] == Approx(b.rot[8]).margin(1e-6));
    CHECK(w.axes[8] == Approx(b.rot[5]).margin(1e-6));
  }
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < i; ++j) {
      const float gap = std::max(std::abs(offsets[i][0] - offsets[j][0]),
                                 std::abs(offsets[i][1] - offsets[j][1]));
      CHECK(gap >= 1.0F);  // at least a cell apart
    }
  }
  // the camera frames every body; no goal marker, no discs
  const cr::SceneBounds b = scene.Bounds();
  for (const cr::SceneShape& w : scene.shapes()) {
    const float r = cr::ShapeBoundingRadius(w);
    CHECK(std::abs(w.pos[0]) + r <= b.extent);
    CHECK(std::abs(w.pos[2]) + r <= b.extent);
    CHECK(w.pos[1] + r <= b.height + 1e-5F);
  }
  CHECK(b.extent < 3.0F);  // close enough for five bodies to be large
  const cr::SceneFrame f = scene.Frame();
  CHECK(f.num_shapes == 13 * n);
  CHECK_FALSE(f.show_goal);
  CHECK(f.agent_positions == nullptr);
  // the trails start under the torsos, in their cells
  for (int i = 0; i < n; ++i) {
    CHECK(scene.positions()[i * 3] == Approx(states[i * spec.state_dim] + offsets[i][0]));
    CHECK(scene.positions()[i * 3 + 2] == Approx(states[i * spec.state_dim + 1] + offsets[i][1]));
  }

  // a family without shapes is not laid out
  cr::CalfSceneOptions po;
  po.bodies = cc::env::MakeEnvironment("point_mass", p);
  cr::CalfScene plain(cc::env::FindSpec("point_mass"), 2, po);
  const float pm[4] = {1.0F, 0.0F, -1.0F, 0.5F};
  plain.Start(pm);
  CHECK_FALSE(plain.laid_out());
  CHECK(plain.shapes().empty());
  CHECK(plain.Frame().show_goal);
}
