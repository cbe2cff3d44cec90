#include "render_offscreen/scene_renderer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/visual/colormap.h"
#include "core/visual/surface.h"
#include "core/visual/trail_store.h"
#include "render_offscreen/camera.h"
#include "render_offscreen/gl_check.h"
#include "render_offscreen/gl_program.h"
#include "render_offscreen/offscreen_target.h"
#include "render_offscreen/trail_renderer.h"
#include "tests/render_offscreen/render_test_context.h"

using calf::render::testing::TestContext;
namespace cr = calf::render;
namespace cv = calf::core::visual;

namespace {

int CountDiffering(const cr::Image& a, const cr::Image& b) {
  int n = 0;
  for (size_t i = 0; i < a.pixels.size(); i += 4) {
    if (a.pixels[i] != b.pixels[i] || a.pixels[i + 1] != b.pixels[i + 1] ||
        a.pixels[i + 2] != b.pixels[i + 2]) {
      ++n;
    }
  }
  return n;
}

// a small scene with every element
struct SmallScene {
  cv::HeatSurface surface{[] {
    cv::SurfaceOptions o;
    o.grid = 16;
    return o;
  }()};
  cv::TrailStore trails{5, 30};
  std::vector<float> agents;
  std::vector<uint8_t> modes;
  SmallScene() {
    std::vector<float> q(16 * 16);
    for (int iv = 0; iv < 16; ++iv) {
      for (int ix = 0; ix < 16; ++ix) {
        q[iv * 16 + ix] = std::sqrt(static_cast<float>(ix * ix + iv * iv));
      }
    }
    surface.Update(q.data(), static_cast<int64_t>(q.size()));
    for (int k = 0; k < 40; ++k) {
      for (int a = 0; a < 5; ++a) {
        const float t = 0.1F * k + a;
        const float x = 4.0F * std::cos(t), v = 4.0F * std::sin(1.3F * t);
        const float p[3] = {x, surface.HeightAt(x, v) + 0.05F, v};
        trails.Append(a, p, static_cast<uint8_t>((k / 7 + a) % 4));
      }
    }
    for (int a = 0; a < 5; ++a) {
      const float* p = trails.position(a, (trails.head(a) + 29) % 30);
      agents.insert(agents.end(), {p[0], p[1], p[2]});
      modes.push_back(static_cast<uint8_t>(a % 4));
    }
  }
  cr::SceneFrame Frame() const {
    cr::SceneFrame f;
    f.surface = &surface;
    f.trails = &trails;
    f.agent_positions = agents.data();
    f.agent_modes = modes.data();
    f.num_agents = 5;
    f.goal = {0.0F, surface.HeightAt(0.0F, 0.0F), 0.0F};
    return f;
  }
};

}  // namespace

TEST_CASE("EGL gives a current OpenGL 3.3 or later core context", "[render]") {
  auto ctx = TestContext();
  INFO("platform " << ctx->platform() << " renderer " << ctx->renderer() << " version "
                   << ctx->version());
  GLint major = 0, minor = 0, profile = 0;
  CALF_GL_CHECK(glGetIntegerv(GL_MAJOR_VERSION, &major));
  CALF_GL_CHECK(glGetIntegerv(GL_MINOR_VERSION, &minor));
  CALF_GL_CHECK(glGetIntegerv(GL_CONTEXT_PROFILE_MASK, &profile));
  REQUIRE(major * 10 + minor >= 33);
  REQUIRE((profile & GL_CONTEXT_CORE_PROFILE_BIT) != 0);
  REQUIRE(ctx->max_samples() >= 4);
}

TEST_CASE("The EGL device platform gives a context too", "[render][egl-device]") {
  cr::EglContext device(cr::EglPlatform::kDevice);
  REQUIRE(device.platform() == "device");
  REQUIRE_FALSE(device.renderer().empty());
  TestContext();  // back to the shared context
}

TEST_CASE("Unknown EGL platform, camera and trail renderer names are config errors", "[render]") {
  REQUIRE_THROWS_AS(cr::ParseEglPlatform("x11"), calf::ConfigError);
  REQUIRE_THROWS_AS(cr::ParseCameraPreset("side"), calf::ConfigError);
  REQUIRE_THROWS_AS(cr::ParseTrailRendererKind("fast"), calf::ConfigError);
  // the message gives the CLI's spelling, and both spellings parse
  REQUIRE_THROWS_WITH(cr::ParseTrailRendererKind("fast"),
                      Catch::Contains("use batched or per-agent"));
  REQUIRE(cr::ParseTrailRendererKind("per-agent") == cr::TrailRendererKind::kPerAgent);
  REQUIRE(cr::ParseTrailRendererKind("per_agent") == cr::TrailRendererKind::kPerAgent);
  REQUIRE(cr::ParseTrailRendererKind("batched") == cr::TrailRendererKind::kBatched);
  REQUIRE(cr::ParseCameraPreset("top") == cr::CameraPreset::kTop);
}

TEST_CASE("A failing GL call throws a RenderError naming the error", "[render]") {
  TestContext();
  try {
    CALF_GL_CHECK(glBindBuffer(0x1234, 0));
    FAIL("no error thrown");
  } catch (const calf::RenderError& e) {
    REQUIRE(std::string(e.what()).find("GL_INVALID_ENUM") != std::string::npos);
    REQUIRE(std::string(e.what()).find("glBindBuffer") != std::string::npos);
  }
}

TEST_CASE("A shader that does not compile throws a RenderError with the info log", "[render]") {
  TestContext();
  try {
    cr::GlProgram p("broken", "#version 330 core\nvoid main() { nonsense; }\n",
                    "#version 330 core\nout vec4 f; void main() { f = vec4(1); }\n");
    FAIL("no error thrown");
  } catch (const calf::RenderError& e) {
    const std::string what = e.what();
    REQUIRE(what.find("vertex shader of program 'broken' does not compile") != std::string::npos);
    REQUIRE(what.find("nonsense") != std::string::npos);
  }
}

TEST_CASE("Clearing the target gives the clear colour in every pixel", "[render]") {
  TestContext();
  cr::OffscreenTarget target(64, 48, 4);
  target.Clear(0.2F, 0.4F, 0.6F, 1.0F);
  cr::Image img;
  target.ReadPixels(&img);
  REQUIRE(img.width == 64);
  REQUIRE(img.height == 48);
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* p = img.at(x, y);
      REQUIRE(p[0] == 51);
      REQUIRE(p[1] == 102);
      REQUIRE(p[2] == 153);
      REQUIRE(p[3] == 255);
    }
  }
}

TEST_CASE("A single triangle covers the lower-left half, top row first", "[render]") {
  TestContext();
  const int w = 80, h = 60;
  cr::OffscreenTarget target(w, h, 4);
  target.Clear(0.0F, 0.0F, 0.0F, 1.0F);
  cr::GlProgram prog("triangle", cr::internal::kSolidVertexShader,
                     cr::internal::kSolidFragmentShader);
  // NDC (-1,-1), (1,-1), (-1,1): the half below the anti-diagonal
  const float verts[9] = {-1, -1, 0, 1, -1, 0, -1, 1, 0};
  cr::GlVertexArray vao;
  cr::GlBuffer vbo;
  CALF_GL_CHECK(glBindVertexArray(vao.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, vbo.id()));
  CALF_GL_CHECK(glBufferData(GL_ARRAY_BUFFER, sizeof(verts), verts, GL_STATIC_DRAW));
  CALF_GL_CHECK(glEnableVertexAttribArray(0));
  CALF_GL_CHECK(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 0, nullptr));
  prog.Use();
  const Eigen::Matrix4f id = Eigen::Matrix4f::Identity();
  CALF_GL_CHECK(glUniformMatrix4fv(prog.Uniform("u_vp"), 1, GL_FALSE, id.data()));
  CALF_GL_CHECK(glUniform3f(prog.Uniform("u_color"), 1.0F, 0.0F, 0.0F));
  CALF_GL_CHECK(glDisable(GL_DEPTH_TEST));
  CALF_GL_CHECK(glDrawArrays(GL_TRIANGLES, 0, 3));
  CALF_GL_CHECK(glBindVertexArray(0));
  cr::Image img;
  target.ReadPixels(&img);
  int covered = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      // pixel centre in NDC; image row 0 is the top (NDC y = +1)
      const float nx = (x + 0.5F) / w * 2.0F - 1.0F;
      const float ny = 1.0F - (y + 0.5F) / h * 2.0F;
      const float dist = (nx + ny) / std::sqrt(2.0F);  // signed distance to the edge
      const uint8_t* p = img.at(x, y);
      if (dist < -0.05F) {
        REQUIRE(p[0] == 255);
        ++covered;
      } else if (dist > 0.05F) {
        REQUIRE(p[0] == 0);
      }
      REQUIRE(p[1] == 0);
    }
  }
  REQUIRE(covered > w * h * 2 / 5);  // the half minus the band left out around the edge
}

TEST_CASE("Render sizes of 0 or above 16384 are config errors", "[render]") {
  cr::RenderOptions o;
  o.width = 0;
  REQUIRE_THROWS_AS(cr::ValidateRenderOptions(o), calf::ConfigError);
  o.width = 16385;
  REQUIRE_THROWS_AS(cr::ValidateRenderOptions(o), calf::ConfigError);
  o.width = 640;
  o.height = 0;
  REQUIRE_THROWS_AS(cr::SceneRenderer(o, TestContext()), calf::ConfigError);
  o.height = 16384;
  REQUIRE_NOTHROW(cr::ValidateRenderOptions(o));
  cr::RenderOptions def;
  REQUIRE(def.width == 1280);
  REQUIRE(def.height == 720);
}

TEST_CASE("The same inputs render byte-identical images twice", "[render]") {
  SmallScene scene;
  cr::RenderOptions o;
  o.width = 320;
  o.height = 180;
  cr::SceneRenderer r(o, TestContext());
  const cr::Image a = r.Render(scene.Frame());
  const cr::Image b = r.Render(scene.Frame());
  cr::SceneRenderer r2(o, TestContext());
  const cr::Image c = r2.Render(scene.Frame());
  REQUIRE(a.pixels == b.pixels);
  REQUIRE(a.pixels == c.pixels);
  // and the frame is not blank
  const cr::Image blank(320, 180, 255, 255, 255, 255);
  REQUIRE(CountDiffering(a, blank) > 320 * 180 / 10);
}

TEST_CASE("The iso and top cameras give different images", "[render]") {
  SmallScene scene;
  cr::RenderOptions o;
  o.width = 320;
  o.height = 180;
  cr::SceneRenderer r(o, TestContext());
  const cr::Image iso = r.Render(scene.Frame());
  r.SetCamera(cr::CameraPreset::kTop);
  const cr::Image top = r.Render(scene.Frame());
  REQUIRE(CountDiffering(iso, top) > 320 * 180 / 20);
}

TEST_CASE("The top camera puts the goal at the image centre and +x to the right", "[render]") {
  cr::RenderOptions o;
  o.width = 200;
  o.height = 100;
  o.camera = cr::CameraPreset::kTop;
  o.grid = false;
  o.agent_size_px = 6.0F;
  cr::SceneRenderer r(o, TestContext());
  const float agents[6] = {2.5F, 0.1F, 0.0F, 0.0F, 0.1F, 2.5F};
  cr::SceneFrame f;
  f.goal = {0.0F, 0.0F, 0.0F};
  f.agent_positions = agents;
  const uint8_t modes[2] = {cv::kModeRelax, cv::kModeFallback};
  f.agent_modes = modes;
  f.num_agents = 2;
  const cr::Image img = r.Render(f);
  // goal fill (1, 0.1, 0.6) at the centre
  const uint8_t* c = img.at(100, 50);
  REQUIRE(c[0] == 255);
  REQUIRE(c[1] == 26);
  REQUIRE(c[2] == 153);
  // the view spans ±1.08·5·aspect in x and ±1.08·5 in v: x = 2.5 lands at 100 + 2.5/10.8·100
  const int ax = static_cast<int>(100 + 2.5F / 10.8F * 100.0F);
  const uint8_t* relax = img.at(ax, 50);
  REQUIRE(relax[0] == 51);  // relax (0.2, 0.8, 0.3)
  REQUIRE(relax[1] == 204);
  // v = 2.5 is above the centre: row 50 - 2.5/5.4·50
  const int ay = static_cast<int>(50 - 2.5F / 5.4F * 50.0F);
  const uint8_t* fallback = img.at(100, ay);
  REQUIRE(fallback[0] == 230);  // fallback (0.9, 0.2, 0.2)
  REQUIRE(fallback[1] == 51);
}

TEST_CASE("Cached static layers give the same pixels as drawing every layer, frame by frame",
          "[render][cache]") {
  auto ctx = TestContext();
  SmallScene scene;
  cr::RenderOptions o;
  o.width = 320;
  o.height = 180;
  o.bounds.extent = 5.0F;
  cr::RenderOptions cached_o = o;
  cached_o.cache_static_layers = true;
  // the baseline's drawing (per-agent trails) against the optimized one (batched, cached)
  o.trails = cr::TrailRendererKind::kPerAgent;
  cr::RenderOptions batched_o = o;
  batched_o.trails = cr::TrailRendererKind::kBatched;
  cr::SceneRenderer full(o, ctx), cached(cached_o, ctx), batched(batched_o, ctx);
  // the optimized design as calf profile --render on drives it: frames presented (dirty
  // rectangles restored, blended and resolved), never read back in between
  cr::SceneRenderer presented(cached_o, ctx);
  cr::Image shown;
  std::vector<float> q(16 * 16);
  int frames_checked = 0;
  for (int frame = 0; frame < 12; ++frame) {
    // trails grow (and wrap: 30 points), agents move, the surface changes every 4th frame,
    // the camera once
    for (int a = 0; a < 5; ++a) {
      const float t = 0.13F * frame + a;
      const float x = 3.0F * std::cos(t), v = 3.0F * std::sin(t);
      const float p[3] = {x, scene.surface.HeightAt(x, v) + 0.05F, v};
      scene.trails.Append(a, p, static_cast<uint8_t>((frame + a) % 4));
      scene.agents[a * 3] = p[0];
      scene.agents[a * 3 + 1] = p[1];
      scene.agents[a * 3 + 2] = p[2];
    }
    if (frame % 4 == 3) {
      for (size_t i = 0; i < q.size(); ++i) q[i] = std::sin(0.1F * i + frame);
      scene.surface.Update(q.data(), static_cast<int64_t>(q.size()));
    }
    if (frame == 8) {
      full.SetCamera(cr::CameraPreset::kTop);
      cached.SetCamera(cr::CameraPreset::kTop);
      batched.SetCamera(cr::CameraPreset::kTop);
      presented.SetCamera(cr::CameraPreset::kTop);
    }
    const cr::Image a = full.Render(scene.Frame());
    const cr::Image b = cached.Render(scene.Frame());
    INFO("frame " << frame);
    REQUIRE(CountDiffering(a, b) == 0);
    CHECK(a.pixels == b.pixels);  // alpha too
    presented.Render(scene.Frame(), nullptr);
    presented.ReadPresented(&shown);
    REQUIRE(CountDiffering(a, shown) == 0);
    CHECK(a.pixels == shown.pixels);
    ++frames_checked;
    // a frame that reuses the snapshot skips the grid (one call fewer than the same trail
    // renderer drawing everything); one that stores it draws grid and surface once more
    batched.Render(scene.Frame());
    const int64_t drawn = batched.last_counters().total.draw_calls;
    const bool reused = frame % 4 != 3 && frame != 8 && frame != 0;
    CHECK(cached.last_counters().total.draw_calls == (reused ? drawn - 1 : drawn + 1));
  }
  CHECK(frames_checked == 12);
  // the moving parts shrink to one corner: what they covered in the last frame must be
  // restored and shown without them (a present resolves the last frame's rectangle too)
  for (int a = 0; a < 5; ++a) {
    scene.trails.ClearAgent(a);
    const float p[3] = {4.0F, scene.surface.HeightAt(4.0F, 4.0F) + 0.05F, 4.0F};
    scene.trails.Append(a, p, 0);
    std::copy(p, p + 3, &scene.agents[a * 3]);
  }
  const cr::Image corner = full.Render(scene.Frame());
  presented.Render(scene.Frame(), nullptr);
  presented.ReadPresented(&shown);
  CHECK(CountDiffering(corner, shown) == 0);
  // one agent alone hopping about: its rectangle is a point widened by the sprite's size, and
  // the sprite must lie inside it (or its pixels of the last frame would stay)
  for (int k = 0; k < 3; ++k) {
    const float x = -2.0F + 2.0F * k, v = 1.0F - k;
    const float p[3] = {x, scene.surface.HeightAt(x, v) + 0.05F, v};
    std::copy(p, p + 3, &scene.agents[0]);
    cr::SceneFrame lone = scene.Frame();
    lone.trails = nullptr;
    lone.show_goal = false;
    lone.num_agents = 1;
    const cr::Image want = full.Render(lone);
    presented.Render(lone, nullptr);
    presented.ReadPresented(&shown);
    INFO("hop " << k);
    CHECK(CountDiffering(want, shown) == 0);
  }

  // the snapshot must not leak into a frame without a surface: the scene without it matches too
  cr::SceneFrame bare = scene.Frame();
  bare.surface = nullptr;
  CHECK(full.Render(bare).pixels == cached.Render(bare).pixels);
}
