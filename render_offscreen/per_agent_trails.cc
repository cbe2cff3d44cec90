#include "render_offscreen/per_agent_trails.h"

#include <string>

#include "core/error.h"
#include "core/visual/colormap.h"

namespace calf::render {

namespace cv = core::visual;

PerAgentTrails::PerAgentTrails(int rebuild_every)
    : rebuild_every_(rebuild_every),
      program_("per_agent_trails", internal::kSolidVertexShader, internal::kSolidFragmentShader),
      u_vp_(program_.Uniform("u_vp")),
      u_color_(program_.Uniform("u_color")) {
  if (rebuild_every < 1) {
    throw ConfigError("per-agent trails: rebuild_every " + std::to_string(rebuild_every) +
                      " must be at least 1");
  }
}

void PerAgentTrails::Update(const cv::TrailStore& store, GlCounters* counters) {
  CountingGl gl(counters);
  if (store_ != &store) {
    // another store: forget every buffer
    agents_.clear();
    store_ = &store;
  }
  const int n = store.max_agents();
  const int len = store.trail_length();
  while (static_cast<int>(agents_.size()) < n) agents_.emplace_back();
  staging_.resize(static_cast<size_t>(len) * 3);
  for (int a = 0; a < n; ++a) {
    Agent& ag = agents_[a];
    const uint64_t appended = store.appended(a);
    const uint64_t version = store.version(a);
    if (ag.built && ag.built_version == version) continue;
    // a version step not explained by appends is a ClearAgent, whether or not points were
    // appended after it (an episode reset clears and appends in the same step)
    const bool cleared = (version - ag.built_version) > (appended - ag.built_appended);
    if (ag.built && !cleared &&
        appended - ag.built_appended < static_cast<uint64_t>(rebuild_every_)) {
      continue;
    }
    // linearise the ring oldest point first and find the runs of equal mode
    const int count = store.count(a);
    const int oldest = store.oldest(a);
    ag.runs.clear();
    for (int i = 0; i < count; ++i) {
      const int slot = (oldest + i) % len;
      const float* p = store.position(a, slot);
      staging_[i * 3] = p[0];
      staging_[i * 3 + 1] = p[1];
      staging_[i * 3 + 2] = p[2];
    }
    // a segment i-1 -> i takes point i's mode: a run [b, e) of points draws [max(b,1)-1, e)
    int b = 0;
    while (b < count) {
      const uint8_t mode = store.mode(a, (oldest + b) % len);
      int e = b + 1;
      while (e < count && store.mode(a, (oldest + e) % len) == mode) ++e;
      const int first = (b > 0 ? b : 1) - 1;
      if (e - first >= 2) ag.runs.push_back({first, e - first, mode});
      b = e;
    }
    CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, ag.buffer.id()));
    // rebuilt in full: a new store for the whole trail every time
    if (count > 0) {
      gl.BufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(count) * 3 * sizeof(float),
                    staging_.data(), GL_DYNAMIC_DRAW);
    }
    ag.built = true;
    ag.built_appended = appended;
    ag.built_version = version;
  }
  CheckGlError("per-agent trail update", __FILE__, __LINE__);
}

void PerAgentTrails::Draw(const cv::TrailStore& store, const Eigen::Matrix4f& view_proj,
                          GlCounters* counters) {
  CountingGl gl(counters);
  program_.Use();
  CALF_GL_CHECK_HOT(glUniformMatrix4fv(u_vp_, 1, GL_FALSE, view_proj.data()));
  CALF_GL_CHECK_HOT(glBindVertexArray(vao_.id()));
  CALF_GL_CHECK_HOT(glEnableVertexAttribArray(0));
  const cv::Rgb* table = cv::TrailColorTable();
  const int n = static_cast<int>(agents_.size());
  for (int a = 0; a < n; ++a) {
    const Agent& ag = agents_[a];
    if (ag.runs.empty()) continue;
    CALF_GL_CHECK_HOT(glBindBuffer(GL_ARRAY_BUFFER, ag.buffer.id()));
    CALF_GL_CHECK_HOT(glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 0, nullptr));
    const bool training = a == store.training_agent();
    for (const Run& r : ag.runs) {
      const cv::Rgb& c = table[cv::TrailColorIndex(r.mode, training)];
      CALF_GL_CHECK_HOT(glUniform3f(u_color_, c.r, c.g, c.b));
      gl.DrawArrays(GL_LINE_STRIP, r.first, r.count);
    }
  }
  CALF_GL_CHECK_HOT(glBindVertexArray(0));
  CheckGlError("per-agent trail draw", __FILE__, __LINE__);
}

}  // namespace calf::render
