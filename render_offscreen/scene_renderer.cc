#include "render_offscreen/scene_renderer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/visual/colormap.h"
#include "render_offscreen/gl_program.h"
#include "render_offscreen/offscreen_target.h"

namespace calf::render {

namespace cv = core::visual;

namespace {

const char* const kSurfaceVertexShader = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
layout(location = 1) in vec4 a_color;
uniform mat4 u_vp;
out vec4 v_color;
void main() {
  v_color = a_color;
  gl_Position = u_vp * vec4(a_pos, 1.0);
}
)";
const char* const kSurfaceFragmentShader = R"(#version 330 core
in vec4 v_color;
out vec4 frag;
void main() { frag = v_color; }
)";

// discs: a mode-coloured (or u_fill) centre with a dark outline
const char* const kPointVertexShader = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
layout(location = 1) in uint a_mode;
uniform mat4 u_vp;
uniform float u_size;
uniform vec3 u_colors[5];
uniform int u_by_mode;
uniform vec3 u_fill;
flat out vec3 v_fill;
void main() {
  v_fill = u_by_mode != 0 ? u_colors[min(a_mode, 3u)] : u_fill;
  gl_Position = u_vp * vec4(a_pos, 1.0);
  gl_PointSize = u_size;
}
)";
const char* const kPointFragmentShader = R"(#version 330 core
flat in vec3 v_fill;
out vec4 frag;
void main() {
  float r = length(gl_PointCoord * 2.0 - 1.0);
  if (r > 1.0) discard;
  frag = vec4(r > 0.65 ? vec3(0.05) : v_fill, 1.0);
}
)";

struct PointVertex {
  float x, y, z;
  uint8_t mode;
  uint8_t pad[3];
};
static_assert(sizeof(PointVertex) == 16, "point vertex layout");

// World bounding box of points, grown point by point.
struct WorldBox {
  float lo[3] = {1e30F, 1e30F, 1e30F}, hi[3] = {-1e30F, -1e30F, -1e30F};
  bool empty() const { return lo[0] > hi[0]; }
  void Add(const float* p) {
    for (int j = 0; j < 3; ++j) {
      lo[j] = std::min(lo[j], p[j]);
      hi[j] = std::max(hi[j], p[j]);
    }
  }
};

// The pixels the moving parts of `frame` (trails, shapes, agents, goal markers) can touch: their
// world bounding box projected through `vp`, widened by half the largest point sprite and a
// margin for line rasterisation and multisampling; the whole target when a corner is behind
// the camera or a coordinate is not finite. Conservative: a superset of what they cover.
GlRect MovingPartsRect(const SceneFrame& frame, const Eigen::Matrix4f& vp, const GlRect& full,
                       float largest_point_px) {
  WorldBox box;
  for (int64_t i = 0; frame.agent_positions != nullptr && i < frame.num_agents; ++i)
    box.Add(frame.agent_positions + i * 3);
  if (frame.show_goal) box.Add(frame.goal.data());
  for (int64_t i = 0; frame.shapes != nullptr && i < frame.num_shapes; ++i) {
    // the shape's bounding sphere, as two corners of its bounding cube
    const SceneShape& s = frame.shapes[i];
    const float r = ShapeBoundingRadius(s);
    const float lo[3] = {s.pos[0] - r, s.pos[1] - r, s.pos[2] - r};
    const float hi[3] = {s.pos[0] + r, s.pos[1] + r, s.pos[2] + r};
    box.Add(lo);
    box.Add(hi);
  }
  for (int64_t i = 0; frame.goal_positions != nullptr && i < frame.num_goals; ++i)
    box.Add(frame.goal_positions + i * 3);
  if (frame.trails != nullptr) {
    const cv::TrailStore& t = *frame.trails;
    const int length = t.trail_length();
    for (int a = 0; a < t.max_agents(); ++a) {
      const int count = t.count(a), first = t.oldest(a);
      for (int k = 0; k < count; ++k) box.Add(t.position(a, (first + k) % length));
    }
  }
  if (box.empty()) return {};
  float x0 = 1e30F, y0 = 1e30F, x1 = -1e30F, y1 = -1e30F;
  for (int c = 0; c < 8; ++c) {
    const Eigen::Vector4f p(box.lo[0] + ((c & 1) ? box.hi[0] - box.lo[0] : 0.0F),
                            box.lo[1] + ((c & 2) ? box.hi[1] - box.lo[1] : 0.0F),
                            box.lo[2] + ((c & 4) ? box.hi[2] - box.lo[2] : 0.0F), 1.0F);
    const Eigen::Vector4f q = vp * p;
    if (!(q.w() > 1e-6F) || !std::isfinite(q.x()) || !std::isfinite(q.y())) return full;
    const float sx = (q.x() / q.w() * 0.5F + 0.5F) * static_cast<float>(full.x1);
    const float sy = (q.y() / q.w() * 0.5F + 0.5F) * static_cast<float>(full.y1);
    x0 = std::min(x0, sx);
    y0 = std::min(y0, sy);
    x1 = std::max(x1, sx);
    y1 = std::max(y1, sy);
  }
  const float margin = 0.5F * largest_point_px + 3.0F;
  const auto clampi = [](float v, int lo, int hi) {
    return static_cast<int>(std::min<float>(std::max<float>(v, lo), hi));
  };
  return {clampi(std::floor(x0 - margin), 0, full.x1), clampi(std::floor(y0 - margin), 0, full.y1),
          clampi(std::ceil(x1 + margin), 0, full.x1), clampi(std::ceil(y1 + margin), 0, full.y1)};
}

}  // namespace

struct SceneRenderer::Gl {
  Gl(const RenderOptions& o)
      : target(o.width, o.height, o.msaa_samples),
        solid("scene_solid", internal::kSolidVertexShader, internal::kSolidFragmentShader),
        surface("scene_surface", kSurfaceVertexShader, kSurfaceFragmentShader),
        points("scene_points", kPointVertexShader, kPointFragmentShader) {}

  OffscreenTarget target;
  GlProgram solid;
  GlProgram surface;
  GlProgram points;
  // grid overlay: static lines
  GlVertexArray grid_vao;
  GlBuffer grid_vbo;
  GLsizei grid_vertices = 0;
  GLsizei box_vertices = 0;  // after the grid's in the same buffer
  GLint floor_first = 0;     // the floor fill's 6 vertices, after the box's
  struct MarkRange {
    GLint first;
    GLsizei count;
    std::array<float, 3> color;
  };
  std::vector<MarkRange> marks;  // the floor marks, after the box's vertices
  // surface: positions and colours re-uploaded when the surface changes
  GlVertexArray surface_vao;
  GlBuffer surface_pos;
  GlBuffer surface_color;
  GlBuffer surface_index;
  const cv::HeatSurface* surface_src = nullptr;
  uint64_t surface_version = 0;
  GLsizei surface_indices = 0;
  // agents and goal: one point vertex each
  GlVertexArray point_vao;
  GlBuffer point_vbo;
  std::vector<PointVertex> point_staging;
  // cache_static_layers: what the stored snapshot shows
  bool cache_stored = false;
  const cv::HeatSurface* cache_surface = nullptr;
  uint64_t cache_version = 0;
  Eigen::Matrix4f cache_vp = Eigen::Matrix4f::Zero();
  // the pixels the last frame's moving parts could touch (all else holds the snapshot), and
  // whether the resolved buffer holds the last frame (so a present resolves only changes)
  GlRect dirty;
  bool resolve_current = false;
};

void ValidateRenderOptions(const RenderOptions& o) {
  ValidateRenderSize(o.width, o.height);
  if (o.msaa_samples < 0) {
    throw ConfigError("msaa samples " + std::to_string(o.msaa_samples) +
                      " is negative; use 0 (off), 2, 4 or 8");
  }
  if (o.rebuild_every < 1) {
    throw ConfigError("rebuild_every " + std::to_string(o.rebuild_every) + " must be at least 1");
  }
}

Eigen::Matrix4f SceneViewProjection(const RenderOptions& o) {
  if (o.fit_view) return FittedViewProjection(o.camera, o.width, o.height, o.bounds, o.view_rect);
  return ViewProjection(o.camera, o.width, o.height, o.bounds);
}

SceneRenderer::SceneRenderer(const RenderOptions& options, std::shared_ptr<EglContext> context)
    : options_(options), context_(std::move(context)) {
  ValidateRenderOptions(options);
  if (!context_) context_ = std::make_shared<EglContext>();
  context_->MakeCurrent();
  gl_ = std::make_unique<Gl>(options_);
  trails_ = MakeTrailRenderer(options_.trails, options_.rebuild_every);

  // grid: floor lines every unit over [-extent, extent]² at y = 0
  std::vector<float> lines;
  const float e = options_.bounds.extent;
  const int steps = static_cast<int>(std::floor(e));
  for (int i = -steps; i <= steps; ++i) {
    const float c = static_cast<float>(i);
    lines.insert(lines.end(), {c, 0.0F, -e, c, 0.0F, e, -e, 0.0F, c, e, 0.0F, c});
  }
  // the border, also when the extent is not a whole number
  lines.insert(lines.end(), {-e, 0.0F, -e, e,  0.0F, -e, e,  0.0F, -e, e,  0.0F, e,
                             e,  0.0F, e,  -e, 0.0F, e,  -e, 0.0F, e,  -e, 0.0F, -e});
  gl_->grid_vertices = static_cast<GLsizei>(lines.size() / 3);
  // the world box's 12 edges after the grid lines, drawn darker
  if (options_.draw_box) {
    const auto& lo = options_.box_lo;
    const auto& hi = options_.box_hi;
    const auto corner = [&](int c) {
      return std::array<float, 3>{(c & 1) ? hi[0] : lo[0], (c & 2) ? hi[1] : lo[1],
                                  (c & 4) ? hi[2] : lo[2]};
    };
    for (int c = 0; c < 8; ++c) {
      for (int bit : {1, 2, 4}) {
        if (c & bit) continue;  // each edge once, from its lower corner
        const auto a = corner(c), b = corner(c | bit);
        lines.insert(lines.end(), {a[0], a[1], a[2], b[0], b[1], b[2]});
      }
    }
  }
  gl_->box_vertices = static_cast<GLsizei>(lines.size() / 3) - gl_->grid_vertices;
  // the floor's fill: two triangles just below the grid (lines at the same depth would
  // fight with them)
  gl_->floor_first = static_cast<GLint>(lines.size() / 3);
  const float below = -1e-3F * std::max(e, 1.0F);
  lines.insert(lines.end(), {-e, below, -e, e, below, -e, e, below, e, -e, below, -e, e, below, e,
                             -e, below, e});
  for (const FloorMark& mark : options_.floor_marks) {
    const auto first = static_cast<GLint>(lines.size() / 3);
    lines.insert(lines.end(), mark.lines.begin(), mark.lines.end());
    gl_->marks.push_back({first, static_cast<GLsizei>(mark.lines.size() / 3), mark.color});
  }
  CALF_GL_CHECK(glBindVertexArray(gl_->grid_vao.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, gl_->grid_vbo.id()));
  CALF_GL_CHECK(
      glBufferData(GL_ARRAY_BUFFER, lines.size() * sizeof(float), lines.data(), GL_STATIC_DRAW));
  CALF_GL_CHECK(glEnableVertexAttribArray(0));
  CALF_GL_CHECK(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 0, nullptr));

  CALF_GL_CHECK(glBindVertexArray(gl_->surface_vao.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, gl_->surface_pos.id()));
  CALF_GL_CHECK(glEnableVertexAttribArray(0));
  CALF_GL_CHECK(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 0, nullptr));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, gl_->surface_color.id()));
  CALF_GL_CHECK(glEnableVertexAttribArray(1));
  CALF_GL_CHECK(glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, 0, nullptr));
  CALF_GL_CHECK(glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, gl_->surface_index.id()));

  CALF_GL_CHECK(glBindVertexArray(gl_->point_vao.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, gl_->point_vbo.id()));
  CALF_GL_CHECK(glEnableVertexAttribArray(0));
  CALF_GL_CHECK(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, sizeof(PointVertex), nullptr));
  CALF_GL_CHECK(glEnableVertexAttribArray(1));
  CALF_GL_CHECK(glVertexAttribIPointer(1, 1, GL_UNSIGNED_BYTE, sizeof(PointVertex),
                                       reinterpret_cast<const void*>(12)));
  CALF_GL_CHECK(glBindVertexArray(0));
}

SceneRenderer::~SceneRenderer() {
  // GL objects die with the context current; nothing sensible to do if that fails
  try {
    if (context_) context_->MakeCurrent();
  } catch (const Error&) {
  }
  trails_.reset();
  shapes_.reset();
  gl_.reset();
}

void SceneRenderer::ReadPresented(Image* out) {
  context_->MakeCurrent();
  gl_->target.ReadResolved(out);
}

Image SceneRenderer::Render(const SceneFrame& frame) {
  Image img;
  Render(frame, &img);
  return img;
}

void SceneRenderer::Render(const SceneFrame& frame, Image* out) {
  context_->MakeCurrent();
  counters_ = FrameCounters{};
  CountingGl gl(&counters_.total);
  Gl& g = *gl_;
  const Eigen::Matrix4f vp = SceneViewProjection(options_);
  const auto& bg = options_.background;
  CALF_GL_CHECK_HOT(glEnable(GL_DEPTH_TEST));
  CALF_GL_CHECK_HOT(glDepthFunc(GL_LEQUAL));
  CALF_GL_CHECK_HOT(glDepthMask(GL_TRUE));
  CALF_GL_CHECK_HOT(glDisable(GL_BLEND));
  CALF_GL_CHECK_HOT(glDisable(GL_CULL_FACE));
  CALF_GL_CHECK_HOT(glEnable(GL_PROGRAM_POINT_SIZE));

  // the layers, drawn in this order: floor fill, grid and box, trails, shapes, agents and
  // goals, the surface
  const auto draw_static_lines = [&] {
    const auto& fc = options_.floor_color;
    if (fc[3] > 0.0F) {
      g.solid.Use();
      CALF_GL_CHECK_HOT(glUniformMatrix4fv(g.solid.Uniform("u_vp"), 1, GL_FALSE, vp.data()));
      CALF_GL_CHECK_HOT(glUniform3f(g.solid.Uniform("u_color"), fc[0], fc[1], fc[2]));
      CALF_GL_CHECK_HOT(glBindVertexArray(g.grid_vao.id()));
      gl.DrawArrays(GL_TRIANGLES, g.floor_first, 6);
    }
    if (options_.grid) {
      g.solid.Use();
      CALF_GL_CHECK_HOT(glUniformMatrix4fv(g.solid.Uniform("u_vp"), 1, GL_FALSE, vp.data()));
      CALF_GL_CHECK_HOT(glUniform3f(g.solid.Uniform("u_color"), 0.72F, 0.72F, 0.72F));
      CALF_GL_CHECK_HOT(glBindVertexArray(g.grid_vao.id()));
      gl.DrawArrays(GL_LINES, 0, g.grid_vertices);
    }
    if (g.box_vertices > 0) {
      g.solid.Use();
      CALF_GL_CHECK_HOT(glUniformMatrix4fv(g.solid.Uniform("u_vp"), 1, GL_FALSE, vp.data()));
      CALF_GL_CHECK_HOT(glUniform3f(g.solid.Uniform("u_color"), 0.25F, 0.25F, 0.3F));
      CALF_GL_CHECK_HOT(glBindVertexArray(g.grid_vao.id()));
      gl.DrawArrays(GL_LINES, g.grid_vertices, g.box_vertices);
    }
    for (const Gl::MarkRange& mark : g.marks) {
      g.solid.Use();
      CALF_GL_CHECK_HOT(glUniformMatrix4fv(g.solid.Uniform("u_vp"), 1, GL_FALSE, vp.data()));
      CALF_GL_CHECK_HOT(
          glUniform3f(g.solid.Uniform("u_color"), mark.color[0], mark.color[1], mark.color[2]));
      CALF_GL_CHECK_HOT(glBindVertexArray(g.grid_vao.id()));
      gl.DrawArrays(GL_LINES, mark.first, mark.count);
    }
  };
  const auto draw_moving = [&] {
    if (frame.trails != nullptr) {
      trails_->Update(*frame.trails, &counters_.trails);
      trails_->Draw(*frame.trails, vp, &counters_.trails);
    }
    if (frame.shapes != nullptr && frame.num_shapes > 0) {
      if (!shapes_) shapes_ = std::make_unique<ShapeRenderer>();
      shapes_->Draw(frame.shapes, frame.num_shapes, vp, options_.height, &counters_.shapes);
    }
    const float agent_px = options_.agent_size_px > 0.0F
                               ? options_.agent_size_px
                               : std::max(3.0F, std::round(options_.height / 144.0F));
    const int64_t n = frame.agent_positions != nullptr ? frame.num_agents : 0;
    const int64_t ng = frame.goal_positions != nullptr ? frame.num_goals : 0;
    const size_t points = static_cast<size_t>(n) + (frame.show_goal ? 1 : 0) + ng;
    if (points > 0) {
      g.point_staging.resize(points);
      for (int64_t i = 0; i < n; ++i) {
        const float* p = frame.agent_positions + i * 3;
        const uint8_t m = frame.agent_modes != nullptr ? frame.agent_modes[i] : cv::kModeNominal;
        g.point_staging[i] = PointVertex{p[0], p[1], p[2], m, {0, 0, 0}};
      }
      if (frame.show_goal) {
        g.point_staging[n] = PointVertex{frame.goal[0], frame.goal[1], frame.goal[2], 0, {0, 0, 0}};
      }
      const int64_t g0 = n + (frame.show_goal ? 1 : 0);  // first per-agent goal marker
      for (int64_t i = 0; i < ng; ++i) {
        const float* p = frame.goal_positions + i * 3;
        g.point_staging[g0 + i] = PointVertex{p[0], p[1], p[2], 0, {0, 0, 0}};
      }
      CALF_GL_CHECK_HOT(glBindVertexArray(g.point_vao.id()));
      CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, g.point_vbo.id()));
      gl.BufferData(GL_ARRAY_BUFFER, points * sizeof(PointVertex), g.point_staging.data(),
                    GL_STREAM_DRAW);
      g.points.Use();
      CALF_GL_CHECK_HOT(glUniformMatrix4fv(g.points.Uniform("u_vp"), 1, GL_FALSE, vp.data()));
      CALF_GL_CHECK_HOT(glUniform3fv(g.points.Uniform("u_colors"), cv::kNumTrailColors,
                                     reinterpret_cast<const GLfloat*>(cv::TrailColorTable())));
      if (n > 0) {
        CALF_GL_CHECK_HOT(glUniform1f(g.points.Uniform("u_size"), agent_px));
        const bool by_mode = frame.agent_modes != nullptr;
        CALF_GL_CHECK_HOT(glUniform1i(g.points.Uniform("u_by_mode"), by_mode ? 1 : 0));
        CALF_GL_CHECK_HOT(glUniform3f(g.points.Uniform("u_fill"), 0.1F, 0.1F, 0.1F));
        gl.DrawArrays(GL_POINTS, 0, static_cast<GLsizei>(n));
      }
      if (frame.show_goal) {
        CALF_GL_CHECK_HOT(glUniform1f(g.points.Uniform("u_size"), 3.0F * agent_px));
        CALF_GL_CHECK_HOT(glUniform1i(g.points.Uniform("u_by_mode"), 0));
        CALF_GL_CHECK_HOT(glUniform3f(g.points.Uniform("u_fill"), 1.0F, 0.1F, 0.6F));
        gl.DrawArrays(GL_POINTS, static_cast<GLint>(n), 1);
      }
      if (ng > 0) {
        CALF_GL_CHECK_HOT(glUniform1f(g.points.Uniform("u_size"), 2.0F * agent_px));
        CALF_GL_CHECK_HOT(glUniform1i(g.points.Uniform("u_by_mode"), 0));
        CALF_GL_CHECK_HOT(glUniform3f(g.points.Uniform("u_fill"), 1.0F, 0.1F, 0.6F));
        gl.DrawArrays(GL_POINTS, static_cast<GLint>(g0), static_cast<GLsizei>(ng));
      }
    }
  };
  const auto draw_surface = [&] {
    if (frame.surface != nullptr) {
      const cv::HeatSurface& s = *frame.surface;
      CALF_GL_CHECK_HOT(glBindVertexArray(g.surface_vao.id()));
      if (g.surface_src != &s || g.surface_version != s.version()) {
        CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, g.surface_pos.id()));
        gl.BufferData(GL_ARRAY_BUFFER, s.positions().size() * sizeof(float), s.positions().data(),
                      GL_DYNAMIC_DRAW);
        CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, g.surface_color.id()));
        gl.BufferData(GL_ARRAY_BUFFER, s.colors().size() * sizeof(float), s.colors().data(),
                      GL_DYNAMIC_DRAW);
        if (g.surface_src != &s || g.surface_indices != static_cast<GLsizei>(s.indices().size())) {
          gl.BufferData(GL_ELEMENT_ARRAY_BUFFER, s.indices().size() * sizeof(uint32_t),
                        s.indices().data(), GL_STATIC_DRAW);
          g.surface_indices = static_cast<GLsizei>(s.indices().size());
        }
        g.surface_src = &s;
        g.surface_version = s.version();
      }
      CALF_GL_CHECK_HOT(glEnable(GL_BLEND));
      CALF_GL_CHECK_HOT(glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE,
                                            GL_ONE_MINUS_SRC_ALPHA));
      CALF_GL_CHECK_HOT(glDepthMask(GL_FALSE));
      g.surface.Use();
      CALF_GL_CHECK_HOT(glUniformMatrix4fv(g.surface.Uniform("u_vp"), 1, GL_FALSE, vp.data()));
      gl.DrawElements(GL_TRIANGLES, g.surface_indices, GL_UNSIGNED_INT, nullptr);
      CALF_GL_CHECK_HOT(glDepthMask(GL_TRUE));
      CALF_GL_CHECK_HOT(glDisable(GL_BLEND));
    }
  };

  GlRect moving = g.target.Full();  // what the moving parts may touch (cached design)
  if (!options_.cache_static_layers) {
    // opaque parts first: grid, trails, agents, goal; the translucent surface last (blended,
    // depth-tested, not writing depth)
    g.target.Clear(bg[0], bg[1], bg[2], bg[3]);
    draw_static_lines();
    draw_moving();
    draw_surface();
  } else {
    // the static layers (grid, box, surface) as they are before anything moves over them:
    // drawn once per surface update or camera change, then restored sample for sample
    const bool valid = g.cache_stored && g.cache_surface == frame.surface &&
                       (frame.surface == nullptr || g.cache_version == frame.surface->version()) &&
                       g.cache_vp == vp;
    // dirty rectangles: only what the last frame's moving parts changed is restored, the
    // surface is blended again only inside this frame's, and a present resolves only the two
    const float agent_px = options_.agent_size_px > 0.0F
                               ? options_.agent_size_px
                               : std::max(3.0F, std::round(options_.height / 144.0F));
    moving = MovingPartsRect(frame, vp, g.target.Full(), 3.0F * agent_px);
    if (valid) {
      g.target.RestoreSnapshot(g.dirty);
    } else {
      g.resolve_current = false;
      g.target.Clear(bg[0], bg[1], bg[2], bg[3]);
      CALF_GL_CHECK_HOT(glStencilMask(0xFF));
      CALF_GL_CHECK_HOT(glClearStencil(0));
      CALF_GL_CHECK_HOT(glClear(GL_STENCIL_BUFFER_BIT));
      draw_static_lines();
      draw_surface();
      g.target.StoreSnapshot();
      g.cache_stored = true;
      g.cache_surface = frame.surface;
      g.cache_version = frame.surface != nullptr ? frame.surface->version() : 0;
      g.cache_vp = vp;
    }
    // the moving parts mark the samples they cover (stencil 1, where they pass the depth test,
    // as in the baseline order) ...
    CALF_GL_CHECK_HOT(glEnable(GL_STENCIL_TEST));
    CALF_GL_CHECK_HOT(glStencilFunc(GL_ALWAYS, 1, 0xFF));
    CALF_GL_CHECK_HOT(glStencilOp(GL_KEEP, GL_KEEP, GL_REPLACE));
    draw_moving();
    // ... and only there the surface is blended over them again; every other sample already
    // holds the surface over the grid, exactly as drawing everything would leave it
    CALF_GL_CHECK_HOT(glStencilFunc(GL_EQUAL, 1, 0xFF));
    CALF_GL_CHECK_HOT(glStencilOp(GL_KEEP, GL_KEEP, GL_KEEP));
    if (!moving.empty()) {
      CALF_GL_CHECK_HOT(glEnable(GL_SCISSOR_TEST));
      CALF_GL_CHECK_HOT(
          glScissor(moving.x0, moving.y0, moving.x1 - moving.x0, moving.y1 - moving.y0));
      draw_surface();
      CALF_GL_CHECK_HOT(glDisable(GL_SCISSOR_TEST));
    }
    CALF_GL_CHECK_HOT(glDisable(GL_STENCIL_TEST));
  }
  CALF_GL_CHECK_HOT(glBindVertexArray(0));
  CheckGlError("scene frame", __FILE__, __LINE__);
  if (out != nullptr) {
    g.target.ReadPixels(out);
  } else if (options_.cache_static_layers && g.resolve_current) {
    g.target.Present(g.dirty.Union(moving));
  } else {
    g.target.Present();
  }
  g.dirty = moving;
  g.resolve_current = options_.cache_static_layers;
  counters_.total += counters_.trails;
  counters_.total += counters_.shapes;
}

}  // namespace calf::render
