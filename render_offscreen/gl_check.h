#pragma once
// OpenGL entry points and error checking. Every GL call of calf goes through CALF_GL_CHECK
// (setup) or CALF_GL_CHECK_HOT (per-frame paths), so a failing call throws RenderError.

// glvnd's libOpenGL exports the GL 4.x core entry points directly: no loader needed
#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/glcorearb.h>

#include <string>

namespace calf::render {

/// Name of a GL error code ("GL_INVALID_OPERATION"), or its hex value when unknown.
std::string GlErrorName(GLenum error);

/// Throws RenderError naming `what` (the call), file:line and every pending GL error when
/// glGetError reports one. Needs a current context.
void CheckGlError(const char* what, const char* file, int line);

/// True when the environment variable CALF_GL_DEBUG is set to anything but "" or "0": then
/// CALF_GL_CHECK_HOT checks every call in Release builds too. Read once, at the first call;
/// thread-safe.
bool GlDebugFromEnv();

/// Cached GlDebugFromEnv(): one load and a branch per call, cheap enough for hot paths.
inline bool GlDebugEnabled() {
  static const bool enabled = GlDebugFromEnv();
  return enabled;
}

}  // namespace calf::render

/// Runs a GL call, then throws RenderError if glGetError reports an error. Always on.
#define CALF_GL_CHECK(call)                                  \
  do {                                                       \
    call;                                                    \
    ::calf::render::CheckGlError(#call, __FILE__, __LINE__); \
  } while (0)

/// Per-frame variant: checked after every call in Debug builds; in Release the renderers
/// check once at the end of each frame (CheckGlError("frame", ...)), so errors still throw,
/// unless CALF_GL_DEBUG=1 is set in the environment, which checks every call here too (the
/// error then names the failing call instead of the frame).
#ifdef NDEBUG
#define CALF_GL_CHECK_HOT(call)                                \
  do {                                                         \
    call;                                                      \
    if (::calf::render::GlDebugEnabled()) {                    \
      ::calf::render::CheckGlError(#call, __FILE__, __LINE__); \
    }                                                          \
  } while (0)
#else
#define CALF_GL_CHECK_HOT(call) CALF_GL_CHECK(call)
#endif
