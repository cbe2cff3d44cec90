#pragma once
// Shader programs and RAII handles of GL objects. Every constructor and destructor needs
// the owning context to be current; none of these types is thread-safe.

#include <string>
#include <utility>

#include "render_offscreen/gl_check.h"

namespace calf::render {

/// A linked vertex + fragment shader program.
class GlProgram {
 public:
  /// Compiles and links; throws RenderError naming `name`, the stage and the driver's info
  /// log when compiling or linking fails.
  GlProgram(const std::string& name, const std::string& vertex_source,
            const std::string& fragment_source);
  ~GlProgram();
  GlProgram(const GlProgram&) = delete;
  GlProgram& operator=(const GlProgram&) = delete;

  GLuint id() const { return id_; }
  /// glUseProgram.
  void Use() const;
  /// Location of a uniform; throws RenderError when the program has no active uniform of
  /// that name (a typo or a uniform the compiler removed).
  GLint Uniform(const char* name) const;

 private:
  std::string name_;
  GLuint id_ = 0;
};

/// A buffer object name (glGenBuffers / glDeleteBuffers).
class GlBuffer {
 public:
  GlBuffer();
  ~GlBuffer();
  GlBuffer(GlBuffer&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
  GlBuffer& operator=(GlBuffer&& o) noexcept {
    std::swap(id_, o.id_);
    return *this;
  }
  GLuint id() const { return id_; }

 private:
  GLuint id_ = 0;
};

/// A vertex array object name (glGenVertexArrays / glDeleteVertexArrays).
class GlVertexArray {
 public:
  GlVertexArray();
  ~GlVertexArray();
  GlVertexArray(GlVertexArray&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
  GlVertexArray& operator=(GlVertexArray&& o) noexcept {
    std::swap(id_, o.id_);
    return *this;
  }
  GLuint id() const { return id_; }

 private:
  GLuint id_ = 0;
};

}  // namespace calf::render
