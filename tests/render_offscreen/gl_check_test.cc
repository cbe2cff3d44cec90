#include "render_offscreen/gl_check.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <utility>

#include "core/error.h"
#include "tests/render_offscreen/render_test_context.h"

using calf::render::testing::TestContext;
namespace cr = calf::render;

// ctest runs this case twice: as discovered (CALF_GL_DEBUG unset) and as
// render_gl_debug_env with CALF_GL_DEBUG=1 (tests/render_offscreen/CMakeLists.txt)
TEST_CASE("CALF_GL_DEBUG turns on per-call checks of CALF_GL_CHECK_HOT in Release builds",
          "[render][gl_debug]") {
  TestContext();
  const char* env = std::getenv("CALF_GL_DEBUG");
  const bool env_on = env != nullptr && std::string(env) != "" && std::string(env) != "0";
  REQUIRE(cr::GlDebugFromEnv() == env_on);
  REQUIRE(cr::GlDebugEnabled() == env_on);
#ifdef NDEBUG
  const bool per_call = env_on;
#else
  const bool per_call = true;  // Debug builds always check every call
#endif
  // binding a name glGenBuffers never returned is an error in a core profile context
  const auto bad_bind = [] { CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, 0x7ffffff0U)); };
  if (per_call) {
    REQUIRE_THROWS_WITH(bad_bind(), Catch::Contains("after glBindBuffer"));
  } else {
    REQUIRE_NOTHROW(bad_bind());
    // the error stays pending until the renderers' end-of-frame check reports it
    REQUIRE_THROWS_AS(cr::CheckGlError("frame", __FILE__, __LINE__), calf::RenderError);
  }
  REQUIRE(glGetError() == GL_NO_ERROR);
}

TEST_CASE("CALF_GL_DEBUG values: unset, empty and 0 are off, anything else is on",
          "[render][gl_debug]") {
  const char* old = std::getenv("CALF_GL_DEBUG");
  const std::string saved = old != nullptr ? old : "";
  for (const auto& [value, on] :
       {std::pair<const char*, bool>{"1", true}, {"yes", true}, {"0", false}, {"", false}}) {
    INFO("CALF_GL_DEBUG=" << value);
    setenv("CALF_GL_DEBUG", value, 1);
    REQUIRE(cr::GlDebugFromEnv() == on);
  }
  unsetenv("CALF_GL_DEBUG");
  REQUIRE_FALSE(cr::GlDebugFromEnv());
  if (old != nullptr) setenv("CALF_GL_DEBUG", saved.c_str(), 1);
}
