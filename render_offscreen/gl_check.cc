#include "render_offscreen/gl_check.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace calf::render {

std::string GlErrorName(GLenum error) {
  switch (error) {
    case GL_INVALID_ENUM:
      return "GL_INVALID_ENUM";
    case GL_INVALID_VALUE:
      return "GL_INVALID_VALUE";
    case GL_INVALID_OPERATION:
      return "GL_INVALID_OPERATION";
    case GL_INVALID_FRAMEBUFFER_OPERATION:
      return "GL_INVALID_FRAMEBUFFER_OPERATION";
    case GL_OUT_OF_MEMORY:
      return "GL_OUT_OF_MEMORY";
    case GL_STACK_OVERFLOW:
      return "GL_STACK_OVERFLOW";
    case GL_STACK_UNDERFLOW:
      return "GL_STACK_UNDERFLOW";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "0x%04X", static_cast<unsigned>(error));
      return buf;
    }
  }
}

void CheckGlError(const char* what, const char* file, int line) {
  GLenum e = glGetError();
  if (e == GL_NO_ERROR) return;
  std::string errors;
  // drain every pending flag (bounded: a lost context can report errors forever)
  for (int i = 0; i < 8 && e != GL_NO_ERROR; ++i, e = glGetError()) {
    if (!errors.empty()) errors += ", ";
    errors += GlErrorName(e);
  }
  throw RenderError("gl error " + errors + " after " + what + " at " + file + ":" +
                    std::to_string(line));
}

bool GlDebugFromEnv() {
  const char* value = std::getenv("CALF_GL_DEBUG");
  return value != nullptr && value[0] != '\0' && std::strcmp(value, "0") != 0;
}

}  // namespace calf::render
