#include "render_offscreen/offscreen_target.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace calf::render {

namespace {
void CheckComplete(const char* which) {
  const GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
  CheckGlError("glCheckFramebufferStatus", __FILE__, __LINE__);
  if (status != GL_FRAMEBUFFER_COMPLETE) {
    throw RenderError(std::string("gl: the ") + which + " framebuffer is incomplete (status " +
                      GlErrorName(status) + ")");
  }
}
}  // namespace

void ValidateRenderSize(int width, int height) {
  if (width < 1 || height < 1 || width > kMaxRenderSize || height > kMaxRenderSize ||
      int64_t{width} * height > kMaxRenderPixels) {
    throw ConfigError("render size " + std::to_string(width) + "x" + std::to_string(height) +
                      " is invalid; width and height must be in 1.." +
                      std::to_string(kMaxRenderSize) + " and width x height at most " +
                      std::to_string(kMaxRenderPixels) + " pixels (e.g. 8192x8192)");
  }
}

OffscreenTarget::OffscreenTarget(int width, int height, int samples)
    : width_(width), height_(height), samples_(samples <= 1 ? 0 : samples) {
  ValidateRenderSize(width, height);
  GLint max_samples = 0;
  CALF_GL_CHECK(glGetIntegerv(GL_MAX_SAMPLES, &max_samples));
  if (samples_ > max_samples) {
    throw ConfigError("msaa samples " + std::to_string(samples) + " exceed this driver's " +
                      std::to_string(max_samples) + "; use a smaller value");
  }
  // release everything made so far when a later step throws
  struct Guard {
    OffscreenTarget* self;
    bool armed = true;
    ~Guard() {
      if (armed) self->Release();
    }
  } guard{this};
  MakeMultisampled(width, height, &msaa_fbo_, &msaa_color_, &msaa_depth_, "multisampled");

  CALF_GL_CHECK(glGenRenderbuffers(1, &resolve_color_));
  CALF_GL_CHECK(glBindRenderbuffer(GL_RENDERBUFFER, resolve_color_));
  CALF_GL_CHECK(glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height));
  CALF_GL_CHECK(glGenFramebuffers(1, &resolve_fbo_));
  CALF_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, resolve_fbo_));
  CALF_GL_CHECK(glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                                          resolve_color_));
  CheckComplete("resolve");
  CALF_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, msaa_fbo_));
  guard.armed = false;
}

OffscreenTarget::~OffscreenTarget() { Release(); }

void OffscreenTarget::Release() {
  // deleting 0 names is a no-op, so a half-built target is released correctly
  glDeleteFramebuffers(1, &snapshot_fbo_);
  glDeleteRenderbuffers(1, &snapshot_depth_);
  glDeleteRenderbuffers(1, &snapshot_color_);
  snapshot_fbo_ = snapshot_depth_ = snapshot_color_ = 0;
  glDeleteFramebuffers(1, &resolve_fbo_);
  glDeleteRenderbuffers(1, &resolve_color_);
  glDeleteFramebuffers(1, &msaa_fbo_);
  glDeleteRenderbuffers(1, &msaa_depth_);
  glDeleteRenderbuffers(1, &msaa_color_);
  resolve_fbo_ = resolve_color_ = msaa_fbo_ = msaa_depth_ = msaa_color_ = 0;
}

void OffscreenTarget::Bind() {
  CALF_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, msaa_fbo_));
  CALF_GL_CHECK(glViewport(0, 0, width_, height_));
}

void OffscreenTarget::Clear(float r, float g, float b, float a) {
  Bind();
  CALF_GL_CHECK(glDepthMask(GL_TRUE));
  CALF_GL_CHECK(glClearColor(r, g, b, a));
  CALF_GL_CHECK(glClearDepth(1.0));
  CALF_GL_CHECK(glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT));
}

void OffscreenTarget::Present() { Present(Full()); }

void OffscreenTarget::Present(const GlRect& rect) {
  if (!rect.empty()) {
    CALF_GL_CHECK(glBindFramebuffer(GL_READ_FRAMEBUFFER, msaa_fbo_));
    CALF_GL_CHECK(glBindFramebuffer(GL_DRAW_FRAMEBUFFER, resolve_fbo_));
    CALF_GL_CHECK(glBlitFramebuffer(rect.x0, rect.y0, rect.x1, rect.y1, rect.x0, rect.y0, rect.x1,
                                    rect.y1, GL_COLOR_BUFFER_BIT, GL_NEAREST));
  }
  CALF_GL_CHECK(glFinish());
  CALF_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, msaa_fbo_));
}

void OffscreenTarget::ReadPixels(Image* out) {
  CALF_GL_CHECK(glBindFramebuffer(GL_READ_FRAMEBUFFER, msaa_fbo_));
  CALF_GL_CHECK(glBindFramebuffer(GL_DRAW_FRAMEBUFFER, resolve_fbo_));
  CALF_GL_CHECK(glBlitFramebuffer(0, 0, width_, height_, 0, 0, width_, height_, GL_COLOR_BUFFER_BIT,
                                  GL_NEAREST));
  ReadResolved(out);
}

void OffscreenTarget::ReadResolved(Image* out) {
  CALF_GL_CHECK(glBindFramebuffer(GL_READ_FRAMEBUFFER, resolve_fbo_));
  CALF_GL_CHECK(glPixelStorei(GL_PACK_ALIGNMENT, 1));
  out->width = width_;
  out->height = height_;
  const size_t row = static_cast<size_t>(width_) * 4;
  out->pixels.resize(row * height_);
  CALF_GL_CHECK(glReadPixels(0, 0, width_, height_, GL_RGBA, GL_UNSIGNED_BYTE, out->pixels.data()));
  // GL's first row is the bottom one; Image wants the top row first
  row_.resize(row);
  uint8_t* tmp = row_.data();
  for (int y = 0; y < height_ / 2; ++y) {
    uint8_t* a = &out->pixels[row * y];
    uint8_t* b = &out->pixels[row * (height_ - 1 - y)];
    std::memcpy(tmp, a, row);
    std::memcpy(a, b, row);
    std::memcpy(b, tmp, row);
  }
  CALF_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, msaa_fbo_));
}

void OffscreenTarget::CopySamples(GLuint from, GLuint to, const GlRect& rect) {
  // same size, formats and sample count: a sample-for-sample copy, no resolve
  CALF_GL_CHECK_HOT(glBindFramebuffer(GL_READ_FRAMEBUFFER, from));
  CALF_GL_CHECK_HOT(glBindFramebuffer(GL_DRAW_FRAMEBUFFER, to));
  CALF_GL_CHECK_HOT(glBlitFramebuffer(
      rect.x0, rect.y0, rect.x1, rect.y1, rect.x0, rect.y0, rect.x1, rect.y1,
      GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT, GL_NEAREST));
  CALF_GL_CHECK_HOT(glBindFramebuffer(GL_FRAMEBUFFER, msaa_fbo_));
}

void OffscreenTarget::MakeMultisampled(int width, int height, GLuint* fbo, GLuint* color,
                                       GLuint* depth, const char* what) {
  CALF_GL_CHECK(glGenRenderbuffers(1, color));
  CALF_GL_CHECK(glBindRenderbuffer(GL_RENDERBUFFER, *color));
  CALF_GL_CHECK(
      glRenderbufferStorageMultisample(GL_RENDERBUFFER, samples_, GL_RGBA8, width, height));
  CALF_GL_CHECK(glGenRenderbuffers(1, depth));
  CALF_GL_CHECK(glBindRenderbuffer(GL_RENDERBUFFER, *depth));
  CALF_GL_CHECK(glRenderbufferStorageMultisample(GL_RENDERBUFFER, samples_, GL_DEPTH24_STENCIL8,
                                                 width, height));
  CALF_GL_CHECK(glGenFramebuffers(1, fbo));
  CALF_GL_CHECK(glBindFramebuffer(GL_FRAMEBUFFER, *fbo));
  CALF_GL_CHECK(
      glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, *color));
  CALF_GL_CHECK(glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT,
                                          GL_RENDERBUFFER, *depth));
  CheckComplete(what);
}

void OffscreenTarget::StoreSnapshot() {
  if (snapshot_fbo_ == 0) {
    MakeMultisampled(width_, height_, &snapshot_fbo_, &snapshot_color_, &snapshot_depth_,
                     "snapshot");
  }
  CopySamples(msaa_fbo_, snapshot_fbo_, Full());
}

void OffscreenTarget::RestoreSnapshot() { RestoreSnapshot(Full()); }

void OffscreenTarget::RestoreSnapshot(const GlRect& rect) {
  CALF_CHECK(snapshot_fbo_ != 0) << "RestoreSnapshot before StoreSnapshot";
  if (!rect.empty()) CopySamples(snapshot_fbo_, msaa_fbo_, rect);
  CALF_GL_CHECK_HOT(glBindFramebuffer(GL_FRAMEBUFFER, msaa_fbo_));
  CALF_GL_CHECK_HOT(glViewport(0, 0, width_, height_));
}

}  // namespace calf::render
