#include "render_offscreen/gl_program.h"

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

GLuint Compile(const std::string& name, GLenum stage, const std::string& source) {
  const char* stage_name = stage == GL_VERTEX_SHADER ? "vertex" : "fragment";
  GLuint shader = glCreateShader(stage);
  CheckGlError("glCreateShader", __FILE__, __LINE__);
  if (shader == 0) throw RenderError("gl: glCreateShader returned 0 for " + name);
  const char* src = source.c_str();
  CALF_GL_CHECK(glShaderSource(shader, 1, &src, nullptr));
  CALF_GL_CHECK(glCompileShader(shader));
  GLint ok = GL_FALSE;
  CALF_GL_CHECK(glGetShaderiv(shader, GL_COMPILE_STATUS, &ok));
  if (ok != GL_TRUE) {
    const std::string log = ShaderLog(shader);
    glDeleteShader(shader);
    throw RenderError("gl: the " + std::string(stage_name) + " shader of program '" + name +
                      "' does not compile: " + log);
  }
  return shader;
}

}  // namespace

GlProgram::GlProgram(const std::string& name, const std::string& vertex_source,
                     const std::string& fragment_source)
    : name_(name) {
  GLuint vs = Compile(name, GL_VERTEX_SHADER, vertex_source);
  GLuint fs = 0;
  try {
    fs = Compile(name, GL_FRAGMENT_SHADER, fragment_source);
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  id_ = glCreateProgram();
  CheckGlError("glCreateProgram", __FILE__, __LINE__);
  CALF_GL_CHECK(glAttachShader(id_, vs));
  CALF_GL_CHECK(glAttachShader(id_, fs));
  CALF_GL_CHECK(glLinkProgram(id_));
  // the program keeps the compiled code; the shader objects can go
  CALF_GL_CHECK(glDeleteShader(vs));
  CALF_GL_CHECK(glDeleteShader(fs));
  GLint ok = GL_FALSE;
  CALF_GL_CHECK(glGetProgramiv(id_, GL_LINK_STATUS, &ok));
  if (ok != GL_TRUE) {
    const std::string log = ProgramLog(id_);
    glDeleteProgram(id_);
    id_ = 0;
    throw RenderError("gl: program '" + name + "' does not link: " + log);
  }
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
