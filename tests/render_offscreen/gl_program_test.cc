#include "render_offscreen/gl_program.h"

#include <EGL/egl.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "render_offscreen/trail_renderer.h"
#include "tests/render_offscreen/render_test_context.h"

using calf::render::testing::TestContext;
namespace cr = calf::render;

namespace {

// names of the live shader and program objects (one namespace in GL) among the first 4096
std::vector<GLuint> LiveShadersAndPrograms() {
  std::vector<GLuint> ids;
  for (GLuint id = 1; id < 4096; ++id) {
    if (glIsShader(id) == GL_TRUE || glIsProgram(id) == GL_TRUE) ids.push_back(id);
  }
  return ids;
}

const char* const kVertex = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
void main() { gl_Position = vec4(a_pos, 1.0); }
)";
// calls a function that is declared but defined nowhere: compiles, does not link
const char* const kFragmentWithUndefinedFunction = R"(#version 330 core
out vec4 frag;
vec4 Shade();
void main() { frag = Shade(); }
)";

}  // namespace

TEST_CASE("A program that does not compile or link throws and leaves no GL objects behind",
          "[render][gl]") {
  TestContext();
  const std::vector<GLuint> before = LiveShadersAndPrograms();
  REQUIRE_THROWS_WITH(cr::GlProgram("unlinkable", kVertex, kFragmentWithUndefinedFunction),
                      Catch::Contains("program 'unlinkable' does not link"));
  REQUIRE(LiveShadersAndPrograms() == before);
  REQUIRE_THROWS_WITH(cr::GlProgram("broken", kVertex, "#version 330 core\nnope\n"),
                      Catch::Contains("fragment shader of program 'broken' does not compile"));
  REQUIRE(LiveShadersAndPrograms() == before);
  // a program that links frees its shader objects with itself
  {
    cr::GlProgram ok("solid", cr::internal::kSolidVertexShader, cr::internal::kSolidFragmentShader);
    REQUIRE(glIsProgram(ok.id()) == GL_TRUE);
  }
  REQUIRE(LiveShadersAndPrograms() == before);
  REQUIRE(glGetError() == GL_NO_ERROR);
}

TEST_CASE("Creating a program without a current context is a RenderError, not a crash",
          "[render][gl]") {
  TestContext();
  EGLDisplay display = eglGetCurrentDisplay();
  REQUIRE(display != EGL_NO_DISPLAY);
  REQUIRE(eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT) == EGL_TRUE);
  // glvnd answers every GL call without a context with a no-op: glCreateShader returns 0
  REQUIRE_THROWS_WITH(
      cr::GlProgram("orphan", cr::internal::kSolidVertexShader, cr::internal::kSolidFragmentShader),
      Catch::Contains("returned 0"));
  TestContext();  // current again for the next tests
}
