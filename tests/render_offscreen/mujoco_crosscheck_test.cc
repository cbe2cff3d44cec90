// Cross-check of the shape layer against MuJoCo's own renderer: the quadruped's bodies as
// calf draws them (Environment::BodyShapes -> ShapeRenderer, in MuJoCo's own z-up frame with
// MuJoCo's camera) and as mjr_render draws the same model and qpos (floor removed), through
// EGL on an OpenGL compatibility context (MuJoCo 2.2.2's renderer uses the fixed-function
// pipeline). The silhouettes (pixels that are not background) must overlap: IoU > 0.9.

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <mujoco/mujoco.h>

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "core/env/registry.h"
#include "render_offscreen/camera.h"
#include "render_offscreen/gl_check.h"
#include "render_offscreen/image.h"
#include "render_offscreen/offscreen_target.h"
#include "render_offscreen/shape_renderer.h"
#include "tests/render_offscreen/render_test_context.h"

namespace cc = calf::core;
namespace cr = calf::render;

namespace {

// a compatibility-profile context on the surfaceless Mesa platform, made current
struct CompatContext {
  EGLDisplay display = EGL_NO_DISPLAY;
  EGLContext context = EGL_NO_CONTEXT;
  CompatContext() {
    display = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
    REQUIRE(display != EGL_NO_DISPLAY);
    EGLint major = 0, minor = 0;
    REQUIRE(eglInitialize(display, &major, &minor) == EGL_TRUE);
    // no config (EGL_KHR_no_config_context, as calf's EglContext): surfaceless, FBOs only
    const EGLConfig config = nullptr;
    REQUIRE(eglBindAPI(EGL_OPENGL_API) == EGL_TRUE);
    const EGLint context_attribs[] = {EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                      EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT, EGL_NONE};
    context = eglCreateContext(display, config, EGL_NO_CONTEXT, context_attribs);
    REQUIRE(context != EGL_NO_CONTEXT);
    REQUIRE(eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, context) == EGL_TRUE);
  }
  ~CompatContext() {
    eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(display, context);  // the display stays: calf's contexts share it
  }
};

// OpenGL's glFrustum, column-major (the view is calf's LookAt, render_offscreen/camera.h)
Eigen::Matrix4f Frustum(float l, float r, float b, float t, float n, float f) {
  Eigen::Matrix4f m = Eigen::Matrix4f::Zero();
  m(0, 0) = 2 * n / (r - l);
  m(0, 2) = (r + l) / (r - l);
  m(1, 1) = 2 * n / (t - b);
  m(1, 2) = (t + b) / (t - b);
  m(2, 2) = -(f + n) / (f - n);
  m(2, 3) = -2 * f * n / (f - n);
  m(3, 2) = -1;
  return m;
}

}  // namespace

TEST_CASE("The quadruped's shapes have MuJoCo's own renderer's silhouette", "[render][mujoco]") {
  const auto env = cc::env::MakeEnvironment("quadruped", cc::env::EnvParams{});
  const cc::env::EnvSpec& spec = env->spec();
  // one agent at its reset pose, tilted and with bent legs so the view is not symmetric
  std::vector<double> s(spec.state_dim), e(spec.env_state_dim);
  const uint64_t counter = 0;
  env->Reset({0, 1, s.data(), e.data(), nullptr, 5, 0}, 5, &counter, nullptr);
  s[3] = std::cos(0.2);
  s[4] = std::sin(0.2);  // 0.4 rad about x
  s[7 + 1] += 0.4;
  s[7 + 5] -= 0.5;
  std::vector<cc::env::BodyShape> body;
  env->BodyShapes({0, 1, s.data(), nullptr, nullptr, 0, 0}, &body);
  REQUIRE(body.size() == 13);

  // MuJoCo's picture: the same model file and qpos, a free camera at the torso
  char error[500] = "";
  mjModel* m = mj_loadXML((std::string(CALF_SOURCE_DIR) + "/data/quadruped/quadruped.xml").c_str(),
                          nullptr, error, sizeof error);
  REQUIRE(m != nullptr);
  mjData* d = mj_makeData(m);
  std::copy(s.begin(), s.begin() + m->nq, d->qpos);
  mj_forward(m, d);
  mjvCamera cam;
  mjvOption opt;
  mjvScene scn;
  mjrContext con;
  mjv_defaultCamera(&cam);
  mjv_defaultOption(&opt);
  mjv_defaultScene(&scn);
  mjr_defaultContext(&con);
  cam.type = mjCAMERA_FREE;
  for (int i = 0; i < 3; ++i) cam.lookat[i] = d->qpos[i];
  cam.distance = 1.6;
  cam.azimuth = 130;
  cam.elevation = -25;
  mjv_makeScene(m, &scn, 1000);
  mjv_updateScene(m, d, &opt, nullptr, &cam, mjCAT_ALL, &scn);
  // the floor plane out (calf draws its own floor)
  int kept = 0;
  for (int i = 0; i < scn.ngeom; ++i) {
    if (scn.geoms[i].objtype == mjOBJ_GEOM && scn.geoms[i].objid == 0) continue;
    scn.geoms[kept++] = scn.geoms[i];
  }
  REQUIRE(kept == 13);
  scn.ngeom = kept;
  const int w = 320, h = 240;
  std::vector<unsigned char> theirs(3 * w * h);
  mjvGLCamera view{};
  {
    CompatContext compat;
    mjr_makeContext(m, &con, mjFONTSCALE_100);
    mjr_setBuffer(mjFB_OFFSCREEN, &con);
    REQUIRE(con.currentBuffer == mjFB_OFFSCREEN);
    const mjrRect viewport = {0, 0, w, h};
    mjr_render(viewport, &scn, &con);
    mjr_readPixels(theirs.data(), nullptr, viewport, &con);  // bottom row first
    mjr_freeContext(&con);
    view = mjv_averageCamera(scn.camera, scn.camera + 1);
  }

  // calf's picture: the shapes in MuJoCo's frame through MuJoCo's camera and frustum
  auto ctx = calf::render::testing::TestContext();
  std::vector<cr::SceneShape> shapes(body.size());
  for (size_t k = 0; k < body.size(); ++k) {
    cr::SceneShape& sh = shapes[k];
    sh.kind = body[k].kind;
    for (int i = 0; i < 3; ++i) {
      sh.size[i] = static_cast<float>(body[k].size[i]);
      sh.pos[i] = static_cast<float>(body[k].pos[i]);
      for (int j = 0; j < 3; ++j) sh.axes[3 * j + i] = static_cast<float>(body[k].rot[3 * i + j]);
    }
    std::copy(body[k].rgba, body[k].rgba + 4, sh.rgba);
  }
  const float half = 0.5F * w / h * (view.frustum_top - view.frustum_bottom);
  const Eigen::Matrix4f vp =
      Frustum(view.frustum_center - half, view.frustum_center + half, view.frustum_bottom,
              view.frustum_top, view.frustum_near, view.frustum_far) *
      cr::LookAt(Eigen::Vector3f(view.pos[0], view.pos[1], view.pos[2]),
                 Eigen::Vector3f(view.pos[0] + view.forward[0], view.pos[1] + view.forward[1],
                                 view.pos[2] + view.forward[2]),
                 Eigen::Vector3f(view.up[0], view.up[1], view.up[2]));
  cr::OffscreenTarget target(w, h, 4);
  target.Clear(0.0F, 0.0F, 0.0F, 1.0F);
  CALF_GL_CHECK(glEnable(GL_DEPTH_TEST));
  CALF_GL_CHECK(glDepthFunc(GL_LEQUAL));
  cr::GlCounters counters;
  cr::ShapeRenderer renderer;
  renderer.Draw(shapes.data(), static_cast<int64_t>(shapes.size()), vp, h, &counters);
  calf::render::CheckGlError("shapes", __FILE__, __LINE__);
  cr::Image ours;
  target.ReadPixels(&ours);

  // silhouettes: anything brighter than the black background
  int both = 0, either = 0, mine = 0, its = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const uint8_t* p = ours.at(x, y);
      const unsigned char* q = &theirs[3 * ((h - 1 - y) * w + x)];
      const bool a = p[0] + p[1] + p[2] > 24, b = q[0] + q[1] + q[2] > 24;
      both += a && b;
      either += a || b;
      mine += a;
      its += b;
    }
  }
  INFO("calf " << mine << " px, MuJoCo " << its << " px, both " << both << ", either " << either);
  REQUIRE(its > w * h / 20);  // MuJoCo drew the body large enough to judge
  const double iou = static_cast<double>(both) / either;
  CHECK(iou > 0.9);
  mjv_freeScene(&scn);
  mj_deleteData(d);
  mj_deleteModel(m);
}
