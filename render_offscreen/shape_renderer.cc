#include "render_offscreen/shape_renderer.h"

#include <algorithm>
#include <cmath>

#include "render_offscreen/gl_program.h"

namespace calf::render {

namespace {

using core::env::ShapeKind;

const char* const kShapeVertexShader = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in vec3 i_c0;
layout(location = 3) in vec3 i_c1;
layout(location = 4) in vec3 i_c2;
layout(location = 5) in vec3 i_t;
layout(location = 6) in vec4 i_color;
uniform mat4 u_vp;
out vec3 v_normal;
flat out vec3 v_color;
void main() {
  mat3 m = mat3(i_c0, i_c1, i_c2);
  v_normal = transpose(inverse(m)) * a_normal;
  v_color = i_color.rgb;
  gl_Position = u_vp * vec4(m * a_pos + i_t, 1.0);
}
)";
const char* const kShapeFragmentShader = R"(#version 330 core
in vec3 v_normal;
flat in vec3 v_color;
uniform vec3 u_light;
out vec4 frag;
void main() {
  float d = max(dot(normalize(v_normal), u_light), 0.0);
  frag = vec4(v_color * (0.35 + 0.65 * d), 1.0);
}
)";

// the meshes, in this order in the vertex buffer
enum Mesh { kBoxMesh = 0, kSphereMesh = 1, kCylinderMesh = 2, kNumMeshes = 3 };

struct Vertex {
  float p[3], n[3];
};

// the instance of a unit mesh: world = [c0 c1 c2]·local + t
struct Instance {
  float c[9], t[3], rgba[4];
};
static_assert(sizeof(Instance) == 16 * sizeof(float), "instance layout");

void Push(std::vector<Vertex>& v, float x, float y, float z, float nx, float ny, float nz) {
  v.push_back(Vertex{{x, y, z}, {nx, ny, nz}});
}

// the cube [-1, 1]³, flat normals
void BuildBox(std::vector<Vertex>& v) {
  for (int axis = 0; axis < 3; ++axis) {
    for (float s : {-1.0F, 1.0F}) {
      const int u = (axis + 1) % 3, w = (axis + 2) % 3;
      const float corners[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
      for (int tri : {0, 1, 2, 0, 2, 3}) {
        float p[3], n[3] = {0.0F, 0.0F, 0.0F};
        p[axis] = s;
        p[u] = corners[tri][0];
        p[w] = corners[tri][1];
        n[axis] = s;
        Push(v, p[0], p[1], p[2], n[0], n[1], n[2]);
      }
    }
  }
}

// the unit sphere in latitude bands, smooth normals
void BuildSphere(std::vector<Vertex>& v) {
  constexpr int kLat = 12, kLon = 24;
  const auto point = [&](int i, int j) {
    const double th = M_PI * i / kLat, ph = 2.0 * M_PI * j / kLon;
    const auto x = static_cast<float>(std::sin(th) * std::cos(ph));
    const auto y = static_cast<float>(std::sin(th) * std::sin(ph));
    const auto z = static_cast<float>(std::cos(th));
    Push(v, x, y, z, x, y, z);
  };
  for (int i = 0; i < kLat; ++i) {
    for (int j = 0; j < kLon; ++j) {
      point(i, j);
      point(i + 1, j);
      point(i + 1, j + 1);
      point(i, j);
      point(i + 1, j + 1);
      point(i, j + 1);
    }
  }
}

// the cylinder of radius 1 along z in [-1, 1] with its end discs
void BuildCylinder(std::vector<Vertex>& v) {
  constexpr int kSeg = 24;
  for (int j = 0; j < kSeg; ++j) {
    const double a0 = 2.0 * M_PI * j / kSeg, a1 = 2.0 * M_PI * (j + 1) / kSeg;
    const auto x0 = static_cast<float>(std::cos(a0)), y0 = static_cast<float>(std::sin(a0));
    const auto x1 = static_cast<float>(std::cos(a1)), y1 = static_cast<float>(std::sin(a1));
    // side
    Push(v, x0, y0, -1, x0, y0, 0);
    Push(v, x1, y1, -1, x1, y1, 0);
    Push(v, x1, y1, 1, x1, y1, 0);
    Push(v, x0, y0, -1, x0, y0, 0);
    Push(v, x1, y1, 1, x1, y1, 0);
    Push(v, x0, y0, 1, x0, y0, 0);
    // ends
    for (float s : {-1.0F, 1.0F}) {
      Push(v, 0, 0, s, 0, 0, s);
      Push(v, x0, y0, s, 0, 0, s);
      Push(v, x1, y1, s, 0, 0, s);
    }
  }
}

bool Positive(float v) { return std::isfinite(v) && v > 0.0F; }

// an instance of a unit mesh scaled by (sx, sy, sz) along the shape's axes, centred at c
Instance Make(const SceneShape& s, float sx, float sy, float sz, const float* c) {
  Instance in;
  const float scale[3] = {sx, sy, sz};
  for (int j = 0; j < 3; ++j) {
    for (int i = 0; i < 3; ++i) in.c[3 * j + i] = s.axes[3 * j + i] * scale[j];
    in.t[j] = c[j];
  }
  std::copy(s.rgba, s.rgba + 4, in.rgba);
  return in;
}

}  // namespace

float ShapeBoundingRadius(const SceneShape& s) {
  const float a = std::abs(s.size[0]), b = std::abs(s.size[1]), c = std::abs(s.size[2]);
  switch (s.kind) {
    case ShapeKind::kSphere:
      return a;
    case ShapeKind::kCapsule:
      return a + b;
    case ShapeKind::kEllipsoid:
      return std::max({a, b, c});
    case ShapeKind::kCylinder:
      return std::sqrt(a * a + b * b);
    case ShapeKind::kBox:
      return std::sqrt(a * a + b * b + c * c);
  }
  return 0.0F;
}

struct ShapeRenderer::Gl {
  Gl() : program("scene_shapes", kShapeVertexShader, kShapeFragmentShader) {}
  GlProgram program;
  GlVertexArray vao;
  GlBuffer mesh_vbo;
  GlBuffer instance_vbo;
  GLint first[kNumMeshes] = {0, 0, 0};
  GLsizei count[kNumMeshes] = {0, 0, 0};
  std::vector<Instance> staging[kNumMeshes];  // per mesh, reused frame to frame
  std::vector<Instance> all;
};

ShapeRenderer::ShapeRenderer() : gl_(std::make_unique<Gl>()) {
  std::vector<Vertex> v;
  const auto add = [&](Mesh mesh, void (*build)(std::vector<Vertex>&)) {
    gl_->first[mesh] = static_cast<GLint>(v.size());
    build(v);
    gl_->count[mesh] = static_cast<GLsizei>(v.size()) - gl_->first[mesh];
  };
  add(kBoxMesh, BuildBox);
  add(kSphereMesh, BuildSphere);
  add(kCylinderMesh, BuildCylinder);

  CALF_GL_CHECK(glBindVertexArray(gl_->vao.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, gl_->mesh_vbo.id()));
  CALF_GL_CHECK(glBufferData(GL_ARRAY_BUFFER, v.size() * sizeof(Vertex), v.data(), GL_STATIC_DRAW));
  CALF_GL_CHECK(glEnableVertexAttribArray(0));
  CALF_GL_CHECK(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, sizeof(Vertex), nullptr));
  CALF_GL_CHECK(glEnableVertexAttribArray(1));
  CALF_GL_CHECK(glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, sizeof(Vertex),
                                      reinterpret_cast<const void*>(3 * sizeof(float))));
  // the instance attributes advance once per instance; their offsets are set per draw
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, gl_->instance_vbo.id()));
  for (GLuint a = 2; a <= 6; ++a) {
    CALF_GL_CHECK(glEnableVertexAttribArray(a));
    CALF_GL_CHECK(glVertexAttribDivisor(a, 1));
  }
  CALF_GL_CHECK(glBindVertexArray(0));
}

ShapeRenderer::~ShapeRenderer() = default;

void ShapeRenderer::Draw(const SceneShape* shapes, int64_t count, const Eigen::Matrix4f& view_proj,
                         GlCounters* counters) {
  Gl& g = *gl_;
  for (auto& s : g.staging) s.clear();

  // every shape as instances of the unit meshes
  for (int64_t i = 0; i < count; ++i) {
    const SceneShape& s = shapes[i];
    const float r = s.size[0], h = s.size[1];
    switch (s.kind) {
      case ShapeKind::kSphere:
        if (Positive(r)) g.staging[kSphereMesh].push_back(Make(s, r, r, r, s.pos));
        break;
      case ShapeKind::kEllipsoid:
        if (Positive(r) && Positive(h) && Positive(s.size[2])) {
          g.staging[kSphereMesh].push_back(Make(s, r, h, s.size[2], s.pos));
        }
        break;
      case ShapeKind::kBox:
        if (Positive(r) && Positive(h) && Positive(s.size[2])) {
          g.staging[kBoxMesh].push_back(Make(s, r, h, s.size[2], s.pos));
        }
        break;
      case ShapeKind::kCylinder:
        if (Positive(r) && Positive(h)) g.staging[kCylinderMesh].push_back(Make(s, r, r, h, s.pos));
        break;
      case ShapeKind::kCapsule:
        // a cylinder between two spheres at the ends of the axis (local z = ±h)
        if (!Positive(r) || !(std::isfinite(h) && h >= 0.0F)) break;
        if (h > 0.0F) g.staging[kCylinderMesh].push_back(Make(s, r, r, h, s.pos));
        for (float sign : {-1.0F, 1.0F}) {
          const float c[3] = {s.pos[0] + sign * h * s.axes[6], s.pos[1] + sign * h * s.axes[7],
                              s.pos[2] + sign * h * s.axes[8]};
          g.staging[kSphereMesh].push_back(Make(s, r, r, r, c));
        }
        break;
    }
  }
  size_t total = 0;
  for (const auto& s : g.staging) total += s.size();
  if (total == 0) return;

  // one upload, then one instanced draw per mesh over its range of the buffer
  g.all.clear();
  for (const auto& s : g.staging) g.all.insert(g.all.end(), s.begin(), s.end());
  CountingGl gl(counters);
  CALF_GL_CHECK_HOT(glBindVertexArray(g.vao.id()));
  CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, g.instance_vbo.id()));
  gl.BufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(total * sizeof(Instance)), g.all.data(),
                GL_STREAM_DRAW);
  g.program.Use();
  CALF_GL_CHECK_HOT(glUniformMatrix4fv(g.program.Uniform("u_vp"), 1, GL_FALSE, view_proj.data()));
  const Eigen::Vector3f light = Eigen::Vector3f(0.45F, 1.0F, 0.7F).normalized();
  CALF_GL_CHECK_HOT(glUniform3f(g.program.Uniform("u_light"), light.x(), light.y(), light.z()));
  size_t offset = 0;
  for (int mesh = 0; mesh < kNumMeshes; ++mesh) {
    const size_t n = g.staging[mesh].size();
    if (n == 0) continue;
    const auto at = [&](size_t floats) {
      return reinterpret_cast<const void*>((offset * 16 + floats) * sizeof(float));
    };
    constexpr GLsizei kStride = sizeof(Instance);
    for (GLuint a = 0; a < 4; ++a) {
      CALF_GL_CHECK_HOT(glVertexAttribPointer(2 + a, 3, GL_FLOAT, GL_FALSE, kStride, at(3 * a)));
    }
    CALF_GL_CHECK_HOT(glVertexAttribPointer(6, 4, GL_FLOAT, GL_FALSE, kStride, at(12)));
    gl.DrawArraysInstanced(GL_TRIANGLES, g.first[mesh], g.count[mesh], static_cast<GLsizei>(n));
    offset += n;
  }
  CALF_GL_CHECK_HOT(glBindVertexArray(0));
}

}  // namespace calf::render
