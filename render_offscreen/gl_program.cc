#include "render_offscreen/gl_program.h"

#include <utility>
#include <vector>

#include "core/error.h"

namespace calf::render {

namespace {

std::string ShaderLog(GLuint shader) {
  GLint len = 0;
  glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &len);
  std::vector<char> log(len > 1 ? len : 1, '\0');
  glGetShaderInfoLog(shader, static_cast<GLsizei>(log.size()), nullptr, log.data());
  std::string s(log.data());
  for (char& c : s) c = c == '\n' ? ' ' : c;  // one-line messages
  return s;
}

std::string ProgramLog(GLuint program) {
  GLint len = 0;
  glGetProgramiv(program, GL_INFO_LOG_LENGTH, &len);
  std::vector<char> log(len > 1 ? len : 1, '\0');
  glGetProgramInfoLog(program, static_cast<GLsizei>(log.size()), nullptr, log.data());
  std::string s(log.data());
  for (char& c : s) c = c == '\n' ? ' ' : c;
  return s;
}

// owns a shader object until released: every error path deletes it (the destructor runs
// while an exception unwinds, so it only deletes and never throws)
class ShaderObject {
 public:
  explicit ShaderObject(GLuint id) : id_(id) {}
  ~ShaderObject() {
    if (id_ != 0) glDeleteShader(id_);
  }
  ShaderObject(const ShaderObject&) = delete;
  ShaderObject& operator=(const ShaderObject&) = delete;
  GLuint id() const { return id_; }
  // gives up ownership
  GLuint Release() { return std::exchange(id_, 0); }
  // deletes the shader now, checked (a linked program keeps the compiled code)
  void Delete() {
    const GLuint id = id_;
    id_ = 0;
    CALF_GL_CHECK(glDeleteShader(id));
  }

 private:
  GLuint id_;
};

GLuint Compile(const std::string& name, GLenum stage, const std::string& source) {
  const char* stage_name = stage == GL_VERTEX_SHADER ? "vertex" : "fragment";
  const GLuint id = glCreateShader(stage);
  if (id == 0) {
    // 0 without a GL error means no current context; drain any error for the message
    CheckGlError("glCreateShader", __FILE__, __LINE__);
    throw RenderError("gl: glCreateShader returned 0 for the " + std::string(stage_name) +
                      " shader of program '" + name + "' (no current context?)");
  }
  ShaderObject shader(id);
  CheckGlError("glCreateShader", __FILE__, __LINE__);
  const char* src = source.c_str();
  CALF_GL_CHECK(glShaderSource(id, 1, &src, nullptr));
  CALF_GL_CHECK(glCompileShader(id));
  GLint ok = GL_FALSE;
  CALF_GL_CHECK(glGetShaderiv(id, GL_COMPILE_STATUS, &ok));
  if (ok != GL_TRUE) {
    throw RenderError("gl: the " + std::string(stage_name) + " shader of program '" + name +
                      "' does not compile: " + ShaderLog(id));
  }
  return shader.Release();
}

}  // namespace

GlProgram::GlProgram(const std::string& name, const std::string& vertex_source,
                     const std::string& fragment_source)
    : name_(name) {
  // the shader objects are deleted on every path; the program on every error path (the
  // destructor does not run when a constructor throws)
  ShaderObject vs(Compile(name, GL_VERTEX_SHADER, vertex_source));
  ShaderObject fs(Compile(name, GL_FRAGMENT_SHADER, fragment_source));
  const GLuint program = glCreateProgram();
  if (program == 0) {
    CheckGlError("glCreateProgram", __FILE__, __LINE__);
    throw RenderError("gl: glCreateProgram returned 0 for program '" + name +
                      "' (no current context?)");
  }
  try {
    CheckGlError("glCreateProgram", __FILE__, __LINE__);
    CALF_GL_CHECK(glAttachShader(program, vs.id()));
    CALF_GL_CHECK(glAttachShader(program, fs.id()));
    CALF_GL_CHECK(glLinkProgram(program));
    // the program keeps the compiled code; the shader objects can go
    vs.Delete();
    fs.Delete();
    GLint ok = GL_FALSE;
    CALF_GL_CHECK(glGetProgramiv(program, GL_LINK_STATUS, &ok));
    if (ok != GL_TRUE) {
      throw RenderError("gl: program '" + name + "' does not link: " + ProgramLog(program));
    }
  } catch (...) {
    glDeleteProgram(program);
    throw;
  }
  id_ = program;
}

GlProgram::~GlProgram() {
  if (id_ != 0) glDeleteProgram(id_);
}

void GlProgram::Use() const { CALF_GL_CHECK_HOT(glUseProgram(id_)); }

GLint GlProgram::Uniform(const char* uniform) const {
  const GLint loc = glGetUniformLocation(id_, uniform);
  CheckGlError("glGetUniformLocation", __FILE__, __LINE__);
  if (loc < 0) {
    throw RenderError("gl: program '" + name_ + "' has no active uniform '" + uniform + "'");
  }
  return loc;
}

GlBuffer::GlBuffer() { CALF_GL_CHECK(glGenBuffers(1, &id_)); }
GlBuffer::~GlBuffer() {
  if (id_ != 0) glDeleteBuffers(1, &id_);
}

GlVertexArray::GlVertexArray() { CALF_GL_CHECK(glGenVertexArrays(1, &id_)); }
GlVertexArray::~GlVertexArray() {
  if (id_ != 0) glDeleteVertexArrays(1, &id_);
}

}  // namespace calf::render
