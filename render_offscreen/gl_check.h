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

}  // namespace calf::render

/// Runs a GL call, then throws RenderError if glGetError reports an error. Always on.
#define CALF_GL_CHECK(call)                                  \
  do {                                                       \
    call;                                                    \
    ::calf::render::CheckGlError(#call, __FILE__, __LINE__); \
  } while (0)

/// Per-frame variant: checked after every call in Debug builds; in Release the renderers
/// check once at the end of each frame (CheckGlError("frame", ...)), so errors still throw.
#ifdef NDEBUG
#define CALF_GL_CHECK_HOT(call) \
  do {                          \
    call;                       \
  } while (0)
#else
#define CALF_GL_CHECK_HOT(call) CALF_GL_CHECK(call)
#endif
