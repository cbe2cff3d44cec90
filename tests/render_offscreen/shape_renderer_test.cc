// The shape layer (render_offscreen/shape_renderer.h) in the scene renderer: shapes land where
// their geometry projects (pixels against the camera's own projection, inside and outside
// each shape), take their colour shaded by the light, and the cached design keeps giving the
// baseline's pixels while shapes move.

#include "render_offscreen/shape_renderer.h"

#include <Eigen/LU>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "render_offscreen/camera.h"
#include "render_offscreen/scene_renderer.h"
#include "tests/render_offscreen/render_test_context.h"

using calf::render::testing::TestContext;
namespace cr = calf::render;
using calf::core::env::ShapeKind;

namespace {

bool IsBackground(const uint8_t* p) { return p[0] == 255 && p[1] == 255 && p[2] == 255; }

// a shape turned by `angle` about the world's vertical axis (Y)
cr::SceneShape Turned(ShapeKind kind, float angle, std::array<float, 3> size,
                      std::array<float, 3> pos, std::array<float, 4> rgba) {
  cr::SceneShape s;
  s.kind = kind;
  std::copy(size.begin(), size.end(), s.size);
  std::copy(pos.begin(), pos.end(), s.pos);
  const float c = std::cos(angle), n = std::sin(angle);
  // columns: local x -> (c, 0, -n), local y -> Y, local z -> (n, 0, c)
  const float axes[9] = {c, 0.0F, -n, 0.0F, 1.0F, 0.0F, n, 0.0F, c};
  std::copy(axes, axes + 9, s.axes);
  std::copy(rgba.begin(), rgba.end(), s.rgba);
  return s;
}

// the world point (X, Z) on the floor under a pixel centre of an orthographic top view
std::array<float, 2> TopViewWorld(const Eigen::Matrix4f& vp, int w, int h, int px, int py) {
  const float nx = (px + 0.5F) / w * 2.0F - 1.0F, ny = 1.0F - (py + 0.5F) / h * 2.0F;
  // ndc = A·(X, Z) + b, Y does not move a point on screen in the top view
  Eigen::Matrix2f a;
  a << vp(0, 0), vp(0, 2), vp(1, 0), vp(1, 2);
  const Eigen::Vector2f xz = a.inverse() * Eigen::Vector2f(nx - vp(0, 3), ny - vp(1, 3));
  return {xz.x(), xz.y()};
}

cr::RenderOptions TopOptions() {
  cr::RenderOptions o;
  o.width = 320;
  o.height = 240;
  o.camera = cr::CameraPreset::kTop;
  o.grid = false;
  o.bounds.extent = 3.0F;
  o.bounds.height = 2.0F;
  return o;
}

// one frame holding `shape` alone (no goal, no agents)
cr::Image RenderAlone(cr::SceneRenderer& r, const cr::SceneShape& shape) {
  cr::SceneFrame f;
  f.show_goal = false;
  f.shapes = &shape;
  f.num_shapes = 1;
  return r.Render(f);
}

}  // namespace

TEST_CASE("A box is drawn where it projects and the background everywhere else",
          "[render][shapes]") {
  const cr::RenderOptions o = TopOptions();
  cr::SceneRenderer r(o, TestContext());
  const float angle = 0.5F;
  const cr::SceneShape box = Turned(ShapeKind::kBox, angle, {0.9F, 0.3F, 0.5F}, {1.0F, 0.3F, -0.8F},
                                    {0.8F, 0.2F, 0.1F, 1.0F});
  const cr::Image img = RenderAlone(r, box);
  const Eigen::Matrix4f vp = cr::SceneViewProjection(o);

  // the top face's colour: rgb × (ambient 0.35 + diffuse 0.65 · (n·l)), n = +Y
  const float ly = 1.0F / Eigen::Vector3f(0.45F, 1.0F, 0.7F).norm();
  const float shade = 0.35F + 0.65F * ly;
  const int want[3] = {static_cast<int>(std::lround(0.8F * shade * 255)),
                       static_cast<int>(std::lround(0.2F * shade * 255)),
                       static_cast<int>(std::lround(0.1F * shade * 255))};
  const float px_per_unit = 0.5F * o.height / (1.08F * o.bounds.extent);
  const float margin = 1.5F / px_per_unit;  // a pixel and a half, in world units
  int inside = 0, outside = 0;
  for (int y = 0; y < o.height; ++y) {
    for (int x = 0; x < o.width; ++x) {
      const auto w = TopViewWorld(vp, o.width, o.height, x, y);
      // in the box's frame: local x along (c, -n), local z along (n, c) in (X, Z)
      const float dx = w[0] - box.pos[0], dz = w[1] - box.pos[2];
      const float lx = std::cos(angle) * dx - std::sin(angle) * dz;
      const float lz = std::sin(angle) * dx + std::cos(angle) * dz;
      const uint8_t* p = img.at(x, y);
      INFO("pixel " << x << ", " << y);
      if (std::abs(lx) < box.size[0] - margin && std::abs(lz) < box.size[2] - margin) {
        ++inside;
        REQUIRE(std::abs(p[0] - want[0]) <= 2);
        REQUIRE(std::abs(p[1] - want[1]) <= 2);
        REQUIRE(std::abs(p[2] - want[2]) <= 2);
      } else if (std::abs(lx) > box.size[0] + margin || std::abs(lz) > box.size[2] + margin) {
        ++outside;
        REQUIRE(IsBackground(p));
      }
    }
  }
  // the box's footprint (1.8 × 1.0 world units) at ~18.5 px per unit, less the borders
  CHECK(inside > 400);
  CHECK(outside > o.width * o.height / 2);
}

TEST_CASE("Under the iso camera a box covers its centre's projection and not the far floor",
          "[render][shapes]") {
  cr::RenderOptions o;
  o.width = 320;
  o.height = 240;
  o.grid = false;
  o.bounds.extent = 2.0F;
  o.bounds.height = 1.0F;
  cr::SceneRenderer r(o, TestContext());
  const cr::SceneShape box = Turned(ShapeKind::kBox, 0.3F, {0.4F, 0.2F, 0.3F}, {-0.5F, 0.2F, 0.4F},
                                    {0.1F, 0.3F, 0.9F, 1.0F});
  const cr::Image img = RenderAlone(r, box);
  const Eigen::Matrix4f vp = cr::SceneViewProjection(o);
  const Eigen::Vector2f c =
      cr::ProjectToPixel(vp, o.width, o.height, box.pos[0], box.pos[1], box.pos[2]);
  const uint8_t* p = img.at(static_cast<int>(c.x()), static_cast<int>(c.y()));
  // a lit face of the blue box: blue dominates, not the background
  REQUIRE_FALSE(IsBackground(p));
  CHECK(p[2] > p[0] + 60);
  // the other corners of the floor stay background
  for (float sx : {-1.5F, 1.5F}) {
    for (float sz : {-1.5F, 1.5F}) {
      if (sx < 0.0F && sz > 0.0F) continue;  // the box's own corner
      const Eigen::Vector2f q = cr::ProjectToPixel(vp, o.width, o.height, sx, 0.0F, sz);
      CHECK(IsBackground(img.at(static_cast<int>(q.x()), static_cast<int>(q.y()))));
    }
  }
}

TEST_CASE("Capsules, spheres, cylinders and ellipsoids cover their extent along their axes",
          "[render][shapes]") {
  const cr::RenderOptions o = TopOptions();
  cr::SceneRenderer r(o, TestContext());
  const Eigen::Matrix4f vp = cr::SceneViewProjection(o);
  // each lying along world X (local z -> X): radius 0.2, half-length 0.6
  const std::array<float, 4> green = {0.1F, 0.7F, 0.2F, 1.0F};
  struct Case {
    ShapeKind kind;
    std::array<float, 3> size;
    float reach;  // the extent along the axis from the centre
  };
  const Case cases[] = {{ShapeKind::kCapsule, {0.2F, 0.6F, 0.0F}, 0.8F},
                        {ShapeKind::kCylinder, {0.2F, 0.6F, 0.0F}, 0.6F},
                        {ShapeKind::kSphere, {0.5F, 0.0F, 0.0F}, 0.5F},
                        {ShapeKind::kEllipsoid, {0.2F, 0.2F, 0.7F}, 0.7F}};
  for (const Case& k : cases) {
    INFO("kind " << static_cast<int>(k.kind));
    const cr::SceneShape s =
        Turned(k.kind, static_cast<float>(M_PI) / 2.0F, k.size, {0.2F, 0.5F, 0.3F}, green);
    cr::SceneFrame f;
    f.show_goal = false;
    f.shapes = &s;
    f.num_shapes = 1;
    const cr::Image img = r.Render(f);
    const auto at = [&](float x, float z) {
      const Eigen::Vector2f q = cr::ProjectToPixel(vp, o.width, o.height, x, 0.5F, z);
      return img.at(static_cast<int>(q.x()), static_cast<int>(q.y()));
    };
    // covered a little inside either end of the axis, background a little beyond
    for (float sign : {-1.0F, 1.0F}) {
      const uint8_t* in = at(s.pos[0] + sign * (k.reach - 0.08F), s.pos[2]);
      CHECK_FALSE(IsBackground(in));
      CHECK(in[1] > in[0] + 40);
      CHECK(IsBackground(at(s.pos[0] + sign * (k.reach + 0.08F), s.pos[2])));
    }
  }
}

TEST_CASE("Cached static layers give the baseline's pixels while shapes move", "[render][cache]") {
  auto ctx = TestContext();
  cr::RenderOptions o;
  o.width = 320;
  o.height = 180;
  o.bounds.extent = 3.0F;
  o.bounds.height = 1.0F;
  o.floor_color = {0.9F, 0.91F, 0.93F, 1.0F};
  cr::RenderOptions cached_o = o;
  cached_o.cache_static_layers = true;
  cr::SceneRenderer full(o, ctx), cached(cached_o, ctx), presented(cached_o, ctx);
  cr::Image shown;
  std::vector<cr::SceneShape> shapes;
  for (int frame = 0; frame < 8; ++frame) {
    // a box, a capsule and a sphere travel across the floor (and shrink to one in the end)
    const float t = 0.6F * frame;
    shapes = {Turned(ShapeKind::kBox, t, {0.3F, 0.1F, 0.2F}, {-2.0F + t, 0.3F, 0.5F},
                     {0.8F, 0.6F, 0.3F, 1.0F}),
              Turned(ShapeKind::kCapsule, -t, {0.05F, 0.3F, 0.0F}, {1.5F - t, 0.2F, -1.0F},
                     {0.3F, 0.3F, 0.8F, 1.0F}),
              Turned(ShapeKind::kSphere, 0.0F, {0.1F, 0.0F, 0.0F}, {0.0F, 0.1F, 2.0F - t},
                     {0.2F, 0.2F, 0.2F, 1.0F})};
    if (frame == 7) shapes.resize(1);
    cr::SceneFrame f;
    f.show_goal = false;
    f.shapes = shapes.data();
    f.num_shapes = static_cast<int64_t>(shapes.size());
    const cr::Image a = full.Render(f);
    INFO("frame " << frame);
    REQUIRE(a.pixels != cr::Image(320, 180, 255, 255, 255, 255).pixels);
    CHECK(a.pixels == cached.Render(f).pixels);
    presented.Render(f, nullptr);
    presented.ReadPresented(&shown);
    CHECK(a.pixels == shown.pixels);
    // the shapes' four instanced draws (box, sphere, the capsule's half spheres and its
    // cylinder) are counted
    if (frame < 7) CHECK(full.last_counters().shapes.draw_calls == 4);
  }
}
