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
  // m = (orthonormal axes) x (scales): its inverse transpose is m x (scales)^-2
  v_normal = m * (a_normal / vec3(dot(i_c0, i_c0), dot(i_c1, i_c1), dot(i_c2, i_c2)));
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

// the meshes, in this order in the vertex and index buffers
// (each round one in two levels of detail: fine, then coarse for shapes a few pixels wide)
enum Mesh {
  kBoxMesh,
  kSphereMesh,
  kHemisphereMesh,
  kCylinderMesh,
  kSphereCoarse,
  kHemisphereCoarse,
  kCylinderCoarse,
  kNumMeshes
};
constexpr int kCoarse = kSphereCoarse - kSphereMesh;  // from a fine mesh to its coarse one

// below this projected bounding radius [pixels] round shapes take their coarse meshes
constexpr float kCoarseBelowPx = 6.0F;

struct Vertex {
  float p[3], n[3];
};

// the instance of a unit mesh: world = [c0 c1 c2]·local + t
struct Instance {
  float c[9], t[3], rgba[4];
};
static_assert(sizeof(Instance) == 16 * sizeof(float), "instance layout");

// indexed meshes: llvmpipe shades a vertex once for the triangles that share it
struct MeshData {
  std::vector<Vertex> v;
  std::vector<uint32_t> i;
  uint32_t Add(float x, float y, float z, float nx, float ny, float nz) {
    v.push_back(Vertex{{x, y, z}, {nx, ny, nz}});
    return static_cast<uint32_t>(v.size() - 1);
  }
  void Quad(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    i.insert(i.end(), {a, b, c, a, c, d});
  }
};

// the cube [-1, 1]³, flat normals (4 vertices per face)
void BuildBox(MeshData& m) {
  for (int axis = 0; axis < 3; ++axis) {
    for (float s : {-1.0F, 1.0F}) {
      const int u = (axis + 1) % 3, w = (axis + 2) % 3;
      const float corners[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
      uint32_t k[4];
      for (int c = 0; c < 4; ++c) {
        float p[3], n[3] = {0.0F, 0.0F, 0.0F};
        p[axis] = s;
        p[u] = corners[c][0];
        p[w] = corners[c][1];
        n[axis] = s;
        k[c] = m.Add(p[0], p[1], p[2], n[0], n[1], n[2]);
      }
      m.Quad(k[0], k[1], k[2], k[3]);
    }
  }
}

// the unit sphere (or its upper half, z >= 0) in latitude bands, smooth normals
void BuildSphereBands(MeshData& m, int bands, double max_polar, int kLon) {
  const auto first = static_cast<uint32_t>(m.v.size());
  for (int i = 0; i <= bands; ++i) {
    const double th = max_polar * i / bands;
    for (int j = 0; j <= kLon; ++j) {
      const double ph = 2.0 * M_PI * j / kLon;
      const auto x = static_cast<float>(std::sin(th) * std::cos(ph));
      const auto y = static_cast<float>(std::sin(th) * std::sin(ph));
      const auto z = static_cast<float>(std::cos(th));
      m.Add(x, y, z, x, y, z);
    }
  }
  const auto at = [&](int i, int j) { return first + static_cast<uint32_t>(i * (kLon + 1) + j); };
  for (int i = 0; i < bands; ++i) {
    for (int j = 0; j < kLon; ++j) m.Quad(at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
  }
}
void BuildSphere(MeshData& m) { BuildSphereBands(m, 10, M_PI, 20); }
void BuildHemisphere(MeshData& m) { BuildSphereBands(m, 5, M_PI / 2.0, 20); }
void BuildSphereCoarse(MeshData& m) { BuildSphereBands(m, 4, M_PI, 8); }
void BuildHemisphereCoarse(MeshData& m) { BuildSphereBands(m, 2, M_PI / 2.0, 8); }

// the cylinder of radius 1 along z in [-1, 1] with its end discs
void BuildCylinderSegments(MeshData& m, int kSeg) {
  const auto first = static_cast<uint32_t>(m.v.size());
  for (int j = 0; j <= kSeg; ++j) {
    const double a = 2.0 * M_PI * j / kSeg;
    const auto x = static_cast<float>(std::cos(a)), y = static_cast<float>(std::sin(a));
    m.Add(x, y, -1, x, y, 0);
    m.Add(x, y, 1, x, y, 0);
  }
  for (int j = 0; j < kSeg; ++j) {
    const uint32_t k = first + 2 * j;
    m.Quad(k, k + 2, k + 3, k + 1);
  }
  for (float s : {-1.0F, 1.0F}) {
    const uint32_t centre = m.Add(0, 0, s, 0, 0, s);
    for (int j = 0; j <= kSeg; ++j) {
      const double a = 2.0 * M_PI * j / kSeg;
      m.Add(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)), s, 0, 0, s);
    }
    for (int j = 0; j < kSeg; ++j) {
      m.i.insert(m.i.end(), {centre, centre + 1 + j, centre + 2 + j});
    }
  }
}

void BuildCylinder(MeshData& m) { BuildCylinderSegments(m, 20); }
void BuildCylinderCoarse(MeshData& m) { BuildCylinderSegments(m, 8); }

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
  GlBuffer mesh_ibo;
  GlBuffer instance_vbo;
  size_t first[kNumMeshes] = {};              // first index of each mesh
  GLsizei count[kNumMeshes] = {};             // its indices
  std::vector<Instance> staging[kNumMeshes];  // per mesh, reused frame to frame
  std::vector<Instance> all;
};

ShapeRenderer::ShapeRenderer() : gl_(std::make_unique<Gl>()) {
  MeshData m;
  const auto add = [&](Mesh mesh, void (*build)(MeshData&)) {
    gl_->first[mesh] = m.i.size();
    build(m);
    gl_->count[mesh] = static_cast<GLsizei>(m.i.size() - gl_->first[mesh]);
  };
  add(kBoxMesh, BuildBox);
  add(kSphereMesh, BuildSphere);
  add(kHemisphereMesh, BuildHemisphere);
  add(kCylinderMesh, BuildCylinder);
  add(kSphereCoarse, BuildSphereCoarse);
  add(kHemisphereCoarse, BuildHemisphereCoarse);
  add(kCylinderCoarse, BuildCylinderCoarse);
  const std::vector<Vertex>& v = m.v;

  CALF_GL_CHECK(glBindVertexArray(gl_->vao.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, gl_->mesh_vbo.id()));
  CALF_GL_CHECK(glBufferData(GL_ARRAY_BUFFER, v.size() * sizeof(Vertex), v.data(), GL_STATIC_DRAW));
  CALF_GL_CHECK(glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, gl_->mesh_ibo.id()));  // held by the VAO
  CALF_GL_CHECK(glBufferData(GL_ELEMENT_ARRAY_BUFFER, m.i.size() * sizeof(uint32_t), m.i.data(),
                             GL_STATIC_DRAW));
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
                         int viewport_height, GlCounters* counters) {
  Gl& g = *gl_;
  for (auto& s : g.staging) s.clear();

  // the pixels per world unit at clip w = 1 (the projection's vertical scale)
  const float px_scale =
      0.5F * static_cast<float>(viewport_height) * view_proj.block<1, 3>(1, 0).norm();

  // every shape as instances of the unit meshes
  for (int64_t i = 0; i < count; ++i) {
    const SceneShape& s = shapes[i];
    const float r = s.size[0], h = s.size[1];
    // round meshes: coarse when the shape is only a few pixels wide
    const float w = view_proj(3, 0) * s.pos[0] + view_proj(3, 1) * s.pos[1] +
                    view_proj(3, 2) * s.pos[2] + view_proj(3, 3);
    const int lod =
        w > 0.0F && ShapeBoundingRadius(s) * px_scale / w < kCoarseBelowPx ? kCoarse : 0;
    const int sphere = kSphereMesh + lod, hemisphere = kHemisphereMesh + lod;
    const int cylinder = kCylinderMesh + lod;
    switch (s.kind) {
      case ShapeKind::kSphere:
        if (Positive(r)) g.staging[sphere].push_back(Make(s, r, r, r, s.pos));
        break;
      case ShapeKind::kEllipsoid:
        if (Positive(r) && Positive(h) && Positive(s.size[2])) {
          g.staging[sphere].push_back(Make(s, r, h, s.size[2], s.pos));
        }
        break;
      case ShapeKind::kBox:
        if (Positive(r) && Positive(h) && Positive(s.size[2])) {
          g.staging[kBoxMesh].push_back(Make(s, r, h, s.size[2], s.pos));
        }
        break;
      case ShapeKind::kCylinder:
        if (Positive(r) && Positive(h)) g.staging[cylinder].push_back(Make(s, r, r, h, s.pos));
        break;
      case ShapeKind::kCapsule:
        // a cylinder between two half spheres at the ends of the axis (local z = ±h)
        if (!Positive(r) || !(std::isfinite(h) && h >= 0.0F)) break;
        if (h > 0.0F) g.staging[cylinder].push_back(Make(s, r, r, h, s.pos));
        for (float sign : {-1.0F, 1.0F}) {
          // a half sphere turned outward (z scaled by -1 at the lower end)
          const float c[3] = {s.pos[0] + sign * h * s.axes[6], s.pos[1] + sign * h * s.axes[7],
                              s.pos[2] + sign * h * s.axes[8]};
          g.staging[hemisphere].push_back(Make(s, r, r, sign * r, c));
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
    gl.DrawElementsInstanced(GL_TRIANGLES, g.count[mesh], GL_UNSIGNED_INT,
                             reinterpret_cast<const void*>(g.first[mesh] * sizeof(uint32_t)),
                             static_cast<GLsizei>(n));
    offset += n;
  }
  CALF_GL_CHECK_HOT(glBindVertexArray(0));
}

}  // namespace calf::render
