#pragma once
// Per-frame GL work counters and the one wrapper every counted GL call goes through, so
// `calf profile` can report draw calls and upload volume of the renderers.

#include <cstdint>

#include "render_offscreen/gl_check.h"

namespace calf::render {

/// GL work of one frame (or of one part of it, e.g. the trails).
struct GlCounters {
  int64_t draw_calls = 0;      ///< glDraw* / glMultiDraw* calls (a multi-draw counts once).
  int64_t bytes_uploaded = 0;  ///< Bytes passed to glBufferData / glBufferSubData.
  int64_t buffer_updates = 0;  ///< glBufferData / glBufferSubData calls with data.

  void Reset() { *this = GlCounters{}; }
  GlCounters& operator+=(const GlCounters& o) {
    draw_calls += o.draw_calls;
    bytes_uploaded += o.bytes_uploaded;
    buffer_updates += o.buffer_updates;
    return *this;
  }
};

/// The counting wrapper: forwards to GL (checked with CALF_GL_CHECK_HOT) and adds to the
/// counters it was given. Cheap to construct; not thread-safe.
class CountingGl {
 public:
  explicit CountingGl(GlCounters* counters) : c_(counters) {}

  void DrawArrays(GLenum mode, GLint first, GLsizei count) {
    CALF_GL_CHECK_HOT(glDrawArrays(mode, first, count));
    ++c_->draw_calls;
  }
  void DrawElementsInstanced(GLenum mode, GLsizei count, GLenum type, const void* offset,
                             GLsizei instances) {
    CALF_GL_CHECK_HOT(glDrawElementsInstanced(mode, count, type, offset, instances));
    ++c_->draw_calls;
  }
  void DrawArraysInstanced(GLenum mode, GLint first, GLsizei count, GLsizei instances) {
    CALF_GL_CHECK_HOT(glDrawArraysInstanced(mode, first, count, instances));
    ++c_->draw_calls;
  }
  void MultiDrawArrays(GLenum mode, const GLint* first, const GLsizei* count, GLsizei n) {
    CALF_GL_CHECK_HOT(glMultiDrawArrays(mode, first, count, n));
    ++c_->draw_calls;
  }
  void DrawElements(GLenum mode, GLsizei count, GLenum type, const void* offset) {
    CALF_GL_CHECK_HOT(glDrawElements(mode, count, type, offset));
    ++c_->draw_calls;
  }
  /// glBufferData; a null `data` (allocation only) uploads nothing and is not counted.
  void BufferData(GLenum target, GLsizeiptr size, const void* data, GLenum usage) {
    CALF_GL_CHECK_HOT(glBufferData(target, size, data, usage));
    if (data != nullptr) {
      c_->bytes_uploaded += size;
      ++c_->buffer_updates;
    }
  }
  void BufferSubData(GLenum target, GLintptr offset, GLsizeiptr size, const void* data) {
    CALF_GL_CHECK_HOT(glBufferSubData(target, offset, size, data));
    c_->bytes_uploaded += size;
    ++c_->buffer_updates;
  }

 private:
  GlCounters* c_;
};

}  // namespace calf::render
