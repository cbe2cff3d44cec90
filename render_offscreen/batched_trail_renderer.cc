#include "render_offscreen/batched_trail_renderer.h"

#include <algorithm>
#include <cstddef>

#include "core/error.h"
#include "core/visual/colormap.h"

namespace calf::render {

namespace cv = core::visual;

namespace {
// the agent of a vertex is gl_VertexID / stride: glMultiDrawArrays' gl_VertexID includes
// the strip's first index
const char* const kVertexShader = R"(#version 330 core
layout(location = 0) in vec3 a_pos;
layout(location = 1) in uint a_mode;
uniform mat4 u_vp;
uniform vec3 u_colors[5];
uniform int u_stride;
uniform int u_training;
flat out vec3 v_color;
void main() {
  int agent = gl_VertexID / u_stride;
  uint mode = min(a_mode, 3u);
  int index = (mode == 0u && agent == u_training) ? 4 : int(mode);
  v_color = u_colors[index];
  gl_Position = u_vp * vec4(a_pos, 1.0);
}
)";
const char* const kFragmentShader = R"(#version 330 core
flat in vec3 v_color;
out vec4 frag;
void main() { frag = vec4(v_color, 1.0); }
)";
static_assert(sizeof(cv::Rgb) == 3 * sizeof(float), "colour table is read as floats");
constexpr GLsizeiptr kVertexBytes = sizeof(BatchedTrailRenderer::Vertex);
}  // namespace

BatchedTrailRenderer::BatchedTrailRenderer(int initial_capacity)
    : program_("batched_trails", kVertexShader, kFragmentShader),
      u_vp_(program_.Uniform("u_vp")),
      u_colors_(program_.Uniform("u_colors")),
      u_stride_(program_.Uniform("u_stride")),
      u_training_(program_.Uniform("u_training")) {
  capacity_ = std::max(initial_capacity, 0);
  BindAttributes();
}

void BatchedTrailRenderer::BindAttributes() {
  CALF_GL_CHECK(glBindVertexArray(vao_.id()));
  CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, buffer_.id()));
  CALF_GL_CHECK(glEnableVertexAttribArray(0));
  CALF_GL_CHECK(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, kVertexBytes, nullptr));
  CALF_GL_CHECK(glEnableVertexAttribArray(1));
  CALF_GL_CHECK(glVertexAttribIPointer(1, 1, GL_UNSIGNED_BYTE, kVertexBytes,
                                       reinterpret_cast<const void*>(offsetof(Vertex, mode))));
  CALF_GL_CHECK(glBindVertexArray(0));
}

void BatchedTrailRenderer::Reserve(int agents, int trail_length) {
  const GLsizeiptr stride_bytes = static_cast<GLsizeiptr>(trail_length + 1) * kVertexBytes;
  if (trail_length != trail_length_) {
    // a new ring length: the old content is useless, start over
    trail_length_ = trail_length;
    capacity_ = std::max(agents, capacity_);
    CALF_GL_CHECK(glBindBuffer(GL_ARRAY_BUFFER, buffer_.id()));
    CALF_GL_CHECK(glBufferData(GL_ARRAY_BUFFER, std::max<GLsizeiptr>(1, capacity_) * stride_bytes,
                               nullptr, GL_DYNAMIC_DRAW));
    std::fill(synced_.begin(), synced_.end(), 0);
    synced_.resize(capacity_, 0);
  } else if (agents > capacity_) {
    // grow at least twofold and copy the trails already uploaded on the GPU
    const int grown = std::max(agents, 2 * capacity_);
    GlBuffer bigger;
    CALF_GL_CHECK(glBindBuffer(GL_COPY_WRITE_BUFFER, bigger.id()));
    CALF_GL_CHECK(
        glBufferData(GL_COPY_WRITE_BUFFER, grown * stride_bytes, nullptr, GL_DYNAMIC_DRAW));
    if (capacity_ > 0) {
      CALF_GL_CHECK(glBindBuffer(GL_COPY_READ_BUFFER, buffer_.id()));
      CALF_GL_CHECK(glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0,
                                        capacity_ * stride_bytes));
    }
    buffer_ = std::move(bigger);
    capacity_ = grown;
    synced_.resize(capacity_, 0);
  } else {
    return;
  }
  BindAttributes();
  staging_.resize(trail_length_ + 1);
  firsts_.reserve(2 * static_cast<size_t>(capacity_));
  counts_.reserve(2 * static_cast<size_t>(capacity_));
}

void BatchedTrailRenderer::Update(const cv::TrailStore& store, GlCounters* counters) {
  CountingGl gl(counters);
  if (store_ != &store) {
    // another store: upload everything it holds
    store_ = &store;
    std::fill(synced_.begin(), synced_.end(), 0);
  }
  Reserve(store.max_agents(), store.trail_length());
  const int len = trail_length_;
  const GLsizeiptr stride = len + 1;
  CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, buffer_.id()));
  const int n = store.max_agents();
  for (int a = 0; a < n; ++a) {
    const uint64_t appended = store.appended(a);
    if (appended == synced_[a]) continue;
    if (appended < synced_[a]) synced_[a] = 0;  // a different store at the same address
    cv::SlotRange ranges[2];
    const int nr = store.RangesSince(a, synced_[a], ranges);
    bool wrote_slot0 = false;
    for (int r = 0; r < nr; ++r) {
      const cv::SlotRange& range = ranges[r];
      for (int s = range.begin; s < range.end; ++s) {
        const float* p = store.position(a, s);
        Vertex& v = staging_[s - range.begin];
        v = Vertex{p[0], p[1], p[2], store.mode(a, s), {0, 0, 0}};
      }
      gl.BufferSubData(GL_ARRAY_BUFFER, (a * stride + range.begin) * kVertexBytes,
                       range.size() * kVertexBytes, staging_.data());
      if (range.begin == 0) {
        wrote_slot0 = true;
        staging_[len] = staging_[0];
      }
    }
    if (wrote_slot0) {
      // the mirror slot L closes the ring for the first of the two strips
      gl.BufferSubData(GL_ARRAY_BUFFER, (a * stride + len) * kVertexBytes, kVertexBytes,
                       &staging_[len]);
    }
    synced_[a] = appended;
  }
  CheckGlError("batched trail update", __FILE__, __LINE__);
}

void BatchedTrailRenderer::Draw(const cv::TrailStore& store, const Eigen::Matrix4f& view_proj,
                                GlCounters* counters) {
  CountingGl gl(counters);
  if (store_ != &store || trail_length_ != store.trail_length()) return;  // never updated
  const int len = trail_length_;
  const int stride = len + 1;
  firsts_.clear();
  counts_.clear();
  const int n = std::min(store.max_agents(), capacity_);
  for (int a = 0; a < n; ++a) {
    const int c = store.count(a);
    if (c < 2) continue;
    const int o = store.oldest(a);
    const GLint base = a * stride;
    if (o + c <= len) {
      firsts_.push_back(base + o);
      counts_.push_back(c);
    } else {
      // wrapped: [o, L] (slot L repeats slot 0), then [0, head)
      firsts_.push_back(base + o);
      counts_.push_back(len + 1 - o);
      const int tail = o + c - len;
      if (tail >= 2) {
        firsts_.push_back(base);
        counts_.push_back(tail);
      }
    }
  }
  if (firsts_.empty()) return;
  program_.Use();
  CALF_GL_CHECK_HOT(glUniformMatrix4fv(u_vp_, 1, GL_FALSE, view_proj.data()));
  CALF_GL_CHECK_HOT(glUniform3fv(u_colors_, cv::kNumTrailColors,
                                 reinterpret_cast<const GLfloat*>(cv::TrailColorTable())));
  CALF_GL_CHECK_HOT(glUniform1i(u_stride_, stride));
  CALF_GL_CHECK_HOT(glUniform1i(u_training_, store.training_agent()));
  CALF_GL_CHECK_HOT(glBindVertexArray(vao_.id()));
  gl.MultiDrawArrays(GL_LINE_STRIP, firsts_.data(), counts_.data(),
                     static_cast<GLsizei>(firsts_.size()));
  CALF_GL_CHECK_HOT(glBindVertexArray(0));
  CheckGlError("batched trail draw", __FILE__, __LINE__);
}

}  // namespace calf::render
