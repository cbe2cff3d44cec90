#pragma once
// The render target: a multisampled framebuffer object resolved into an RGBA8 one and read
// back into a CPU Image.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "render_offscreen/gl_check.h"
#include "render_offscreen/image.h"

namespace calf::render {

/// Largest accepted image side in pixels.
inline constexpr int kMaxRenderSize = 16384;

/// Largest accepted image in pixels (8192x8192; a 16384x16384 4x-MSAA framebuffer needs
/// 8 GiB, which llvmpipe refuses as "incomplete").
inline constexpr int64_t kMaxRenderPixels = int64_t{8192} * 8192;

/// Throws ConfigError unless 1 <= width, height <= kMaxRenderSize and
/// width * height <= kMaxRenderPixels.
void ValidateRenderSize(int width, int height);

/// A rectangle of pixels in GL's window coordinates (origin at the bottom left): columns
/// [x0, x1), rows [y0, y1). Empty when x0 >= x1 or y0 >= y1.
struct GlRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x0 >= x1 || y0 >= y1; }
  /// The smallest rectangle holding both (an empty one adds nothing).
  GlRect Union(const GlRect& o) const {
    if (empty()) return o;
    if (o.empty()) return *this;
    return {std::min(x0, o.x0), std::min(y0, o.y0), std::max(x1, o.x1), std::max(y1, o.y1)};
  }
};

/// A width×height colour (RGBA8) + depth (24/8) framebuffer with `samples` MSAA samples
/// (0 or 1 = no multisampling), plus a single-sample RGBA8 resolve framebuffer. Needs a
/// current context for its whole life. Not thread-safe.
class OffscreenTarget {
 public:
  /// Throws ConfigError for a bad size or more samples than GL_MAX_SAMPLES, RenderError
  /// when the framebuffer is incomplete.
  OffscreenTarget(int width, int height, int samples);
  ~OffscreenTarget();
  OffscreenTarget(const OffscreenTarget&) = delete;
  OffscreenTarget& operator=(const OffscreenTarget&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }
  int samples() const { return samples_; }

  /// Binds the multisampled framebuffer for drawing and sets the viewport to it.
  void Bind();
  /// Binds, then clears colour to (r, g, b, a) and depth to 1.
  void Clear(float r, float g, float b, float a);
  /// Resolves the samples (glBlitFramebuffer) and reads the pixels into `out`, resized to
  /// width×height, top row first. Waits for the GPU.
  void ReadPixels(Image* out);
  /// What a window's buffer swap does with the frame: resolves the samples into the
  /// single-sample buffer and waits until the frame is finished (glFinish), without reading it
  /// back to memory (a visualiser shows its frames; only a screenshot reads them). With a
  /// rectangle, only its pixels are resolved: the caller knows the rest did not change since
  /// the last resolve.
  void Present();
  void Present(const GlRect& rect);
  /// Reads the single-sample buffer as the last ReadPixels or Present left it (what a
  /// window would show), without resolving again.
  void ReadResolved(Image* out);

  /// Copies every sample of the multisampled colour, depth and stencil buffers into a
  /// snapshot of the same formats (created at the first call), so RestoreSnapshot can start a
  /// later frame from this state instead of drawing it again. Exact copies (same formats and
  /// sample counts). Leaves the multisampled framebuffer bound.
  void StoreSnapshot();
  /// Copies the snapshot back into the multisampled buffers (colour, depth, stencil) and
  /// binds them: all of it, or only `rect` (the caller knows the rest still holds it).
  /// Precondition: StoreSnapshot was called.
  void RestoreSnapshot();
  void RestoreSnapshot(const GlRect& rect);

  /// The whole target as a rectangle.
  GlRect Full() const { return {0, 0, width_, height_}; }

 private:
  void Release();
  void CopySamples(GLuint from, GLuint to, const GlRect& rect);
  // a framebuffer of `samples_` samples: RGBA8 colour and depth/stencil renderbuffers
  void MakeMultisampled(int width, int height, GLuint* fbo, GLuint* color, GLuint* depth,
                        const char* what);

  int width_;
  int height_;
  int samples_;
  GLuint msaa_fbo_ = 0;
  GLuint msaa_color_ = 0;
  GLuint msaa_depth_ = 0;
  GLuint resolve_fbo_ = 0;
  GLuint resolve_color_ = 0;
  GLuint snapshot_fbo_ = 0;  // StoreSnapshot: colour + depth/stencil, as the msaa buffers
  GLuint snapshot_color_ = 0;
  GLuint snapshot_depth_ = 0;
  std::vector<uint8_t> row_;  // scratch row for the vertical flip
};

}  // namespace calf::render
