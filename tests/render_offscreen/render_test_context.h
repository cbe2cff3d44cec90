#pragma once
// One EGL context shared by the render tests of a binary (creating one per test is slow).

#include <memory>

#include "render_offscreen/egl_context.h"

namespace calf::render::testing {

/// The shared context, made current. A RenderError (no EGL) propagates and fails the test
/// with its message.
inline std::shared_ptr<EglContext> TestContext() {
  static std::shared_ptr<EglContext> ctx = std::make_shared<EglContext>();
  ctx->MakeCurrent();
  return ctx;
}

}  // namespace calf::render::testing
