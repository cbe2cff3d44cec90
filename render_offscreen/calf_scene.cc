#include "render_offscreen/calf_scene.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/visual/colormap.h"

namespace calf::render {

namespace cv = core::visual;

std::vector<float> CriticSurfaceValues(const std::vector<core::Mlp>& critic_heads,
                                       const core::env::EnvSpec& spec,
                                       const cv::SurfaceOptions& surface) {
  const int d = spec.critic_obs_dim();  // the critic takes observations (and extras)
  const int m = spec.action_dim;
  if (critic_heads.empty()) throw PolicyError("the critic has no heads; give a critic model");
  for (const core::Mlp& h : critic_heads) {
    if (h.input_dim() != d + m || h.output_dim() != 1) {
      throw PolicyError("critic head maps " + std::to_string(h.input_dim()) + " -> " +
                        std::to_string(h.output_dim()) + " but " + spec.name + " needs " +
                        std::to_string(d + m) + " -> 1; give this system's critic");
    }
  }
  // the grid coordinates, computed exactly as HeatSurface does
  const cv::HeatSurface grid(surface);
  const int g = grid.grid();
  const int64_t n = static_cast<int64_t>(g) * g;
  std::vector<float> in(static_cast<size_t>(n) * (d + m), 0.0F);
  for (int iv = 0; iv < g; ++iv) {
    for (int ix = 0; ix < g; ++ix) {
      float* row = &in[(static_cast<size_t>(iv) * g + ix) * (d + m)];
      row[0] = grid.Coordinate(ix);
      row[1] = grid.Coordinate(iv);
      // the unicycle's heading and every action coordinate stay zero
    }
  }
  std::vector<float> q(n, 0.0F), out(n);
  core::MlpWorkspace ws;
  for (size_t h = 0; h < critic_heads.size(); ++h) {
    critic_heads[h].Forward(in.data(), n, out.data(), ws);
    for (int64_t i = 0; i < n; ++i) q[i] = h == 0 ? out[i] : std::min(q[i], out[i]);
  }
  return q;
}

std::string ConfigHash(const std::string& text) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

CalfScene::CalfScene(const core::env::EnvSpec& spec, int64_t num_agents,
                     const CalfSceneOptions& options)
    : spec_(spec), num_agents_(num_agents), options_(options), surface_(options.surface) {
  if (num_agents < 0) {
    throw ConfigError("number of agents " + std::to_string(num_agents) + " is negative");
  }
  if (options.trail_length < 0 || options.trail_length == 1) {
    throw ConfigError("trail length " + std::to_string(options.trail_length) +
                      " must be 0 (no trails) or at least 2");
  }
  if (options.trail_length > 0) {
    trails_ = std::make_unique<cv::TrailStore>(static_cast<int>(num_agents), options.trail_length);
  }
  scratch_.resize(static_cast<size_t>(num_agents) * spec.state_dim);
  positions_.resize(static_cast<size_t>(num_agents) * 3);
  modes_.assign(num_agents, cv::kModeNominal);
}

namespace {

// state (x, y, z) -> world (X, Y up, Z): centred on the box's floor
void ToWorld(const CalfSceneOptions& o, const float* s, float* w) {
  w[0] = s[0] - 0.5F * (o.box_lo[0] + o.box_hi[0]);
  w[1] = s[2] - o.box_lo[2];
  w[2] = s[1] - 0.5F * (o.box_lo[1] + o.box_hi[1]);
}

}  // namespace

void CalfScene::SetGoals(const float* goals) {
  if (!options_.world3d) return;
  goals_.resize(static_cast<size_t>(num_agents_) * 3);
  for (int64_t i = 0; i < num_agents_; ++i) ToWorld(options_, goals + i * 3, &goals_[i * 3]);
}

// a point (s0, s1) of the first two state coordinates on the floor, world coordinates
std::array<float, 3> CalfScene::FloorPoint(double s0, double s1) const {
  if (options_.world3d) {
    return {static_cast<float>(s0) - 0.5F * (options_.box_lo[0] + options_.box_hi[0]), 0.0F,
            static_cast<float>(s1) - 0.5F * (options_.box_lo[1] + options_.box_hi[1])};
  }
  return {static_cast<float>(s0), 0.0F, static_cast<float>(s1)};
}

void CalfScene::ConfigureRender(RenderOptions* ro) const {
  const core::env::ScenarioTerms& sc = options_.scenario;
  const auto segment = [&](std::vector<float>& lines, double a0, double a1, double b0, double b1) {
    const auto a = FloorPoint(a0, a1), b = FloorPoint(b0, b1);
    lines.insert(lines.end(), {a[0], a[1], a[2], b[0], b[1], b[2]});
  };
  if (sc.spot_weight > 0.0) {
    // the spot's cost contours at 1 and 2 sigma: weight*exp(-1/2) and weight*exp(-2)
    FloorMark spot{{}, {0.85F, 0.15F, 0.55F}};
    constexpr int kSegments = 72;
    for (double k : {1.0, 2.0}) {
      for (int i = 0; i < kSegments; ++i) {
        const double t0 = 2.0 * M_PI * i / kSegments, t1 = 2.0 * M_PI * (i + 1) / kSegments;
        segment(spot.lines, sc.spot_x + k * sc.spot_sigma_x * std::cos(t0),
                sc.spot_y + k * sc.spot_sigma_y * std::sin(t0),
                sc.spot_x + k * sc.spot_sigma_x * std::cos(t1),
                sc.spot_y + k * sc.spot_sigma_y * std::sin(t1));
      }
    }
    ro->floor_marks.push_back(std::move(spot));
  }
  if (sc.region_min.size() == 2 && sc.region_max.size() == 2) {
    FloorMark zone{{}, {0.95F, 0.55F, 0.05F}};
    const double x0 = sc.region_min[0], y0 = sc.region_min[1];
    const double x1 = sc.region_max[0], y1 = sc.region_max[1];
    segment(zone.lines, x0, y0, x1, y0);
    segment(zone.lines, x1, y0, x1, y1);
    segment(zone.lines, x1, y1, x0, y1);
    segment(zone.lines, x0, y1, x0, y0);
    ro->floor_marks.push_back(std::move(zone));
  }
  if (laid_out()) ro->floor_color = {0.90F, 0.91F, 0.93F, 1.0F};  // bodies stand on a floor
  if (!options_.world3d) return;
  const float hx = 0.5F * (options_.box_hi[0] - options_.box_lo[0]);
  const float hy = 0.5F * (options_.box_hi[1] - options_.box_lo[1]);
  ro->draw_box = true;
  ro->box_lo = {-hx, 0.0F, -hy};
  ro->box_hi = {hx, options_.box_hi[2] - options_.box_lo[2], hy};
}

void CalfScene::SetCritic(const std::vector<core::Mlp>& critic_heads) {
  if (options_.world3d) return;  // no value surface over a 3-D world
  const std::vector<float> q = CriticSurfaceValues(critic_heads, spec_, options_.surface);
  surface_.Update(q.data(), static_cast<int64_t>(q.size()));
  has_surface_ = true;
}

void CalfScene::Lift(const float* states) {
  std::copy(states, states + scratch_.size(), scratch_.begin());
  if (options_.world3d) {
    for (int64_t i = 0; i < num_agents_; ++i) {
      ToWorld(options_, states + i * spec_.state_dim, &positions_[i * 3]);
    }
  } else if (has_surface_) {
    cv::LiftToSurface(surface_, scratch_.data(), spec_.state_dim, num_agents_, options_.agent_lift,
                      positions_.data());
  } else {
    // no surface: agents ride just above the floor grid
    for (int64_t i = 0; i < num_agents_; ++i) {
      positions_[i * 3] = states[i * spec_.state_dim];
      positions_[i * 3 + 1] = options_.agent_lift;
      positions_[i * 3 + 2] = states[i * spec_.state_dim + 1];
    }
  }
  if (!laid_out()) return;
  for (int64_t i = 0; i < num_agents_; ++i) {
    float dx, dy;
    CellOffset(i, &dx, &dy);
    positions_[i * 3] += dx;
    positions_[i * 3 + 2] += dy;
  }
  Bodies();
}

void CalfScene::CellOffset(int64_t agent, float* dx, float* dy) const {
  const int64_t col = agent % cells_, row = agent / cells_;
  *dx = (static_cast<float>(col) - 0.5F * static_cast<float>(cells_ - 1)) * spacing_;
  *dy = (static_cast<float>(row) - 0.5F * static_cast<float>(rows_ - 1)) * spacing_;
}

namespace {

// a family-frame shape (z up) in world coordinates (Y up): X = x, Y = z, Z = y, the axes
// mapped alike (a reflection: the primitives are symmetric, so they look the same)
SceneShape ToScene(const core::env::BodyShape& b, const CalfSceneOptions& o) {
  SceneShape s;
  s.kind = b.kind;
  for (int j = 0; j < 3; ++j) s.size[j] = static_cast<float>(b.size[j]);
  const float p[3] = {static_cast<float>(b.pos[0]), static_cast<float>(b.pos[1]),
                      static_cast<float>(b.pos[2])};
  if (o.world3d) {
    ToWorld(o, p, s.pos);
  } else {
    s.pos[0] = p[0];
    s.pos[1] = p[2];
    s.pos[2] = p[1];
  }
  // column j = local axis j: rot is row-major, so its entries (i, j) are rot[3 * i + j]
  for (int j = 0; j < 3; ++j) {
    s.axes[3 * j] = static_cast<float>(b.rot[j]);
    s.axes[3 * j + 1] = static_cast<float>(b.rot[6 + j]);
    s.axes[3 * j + 2] = static_cast<float>(b.rot[3 + j]);
  }
  std::copy(b.rgba, b.rgba + 4, s.rgba);
  return s;
}

}  // namespace

void CalfScene::Bodies() {
  body_scratch_.clear();
  const core::env::AgentBlock all{0, num_agents_, scratch_.data(), nullptr, nullptr, 0, 0};
  options_.bodies->BodyShapes(all, &body_scratch_);
  shapes_.resize(body_scratch_.size());
  for (size_t k = 0; k < body_scratch_.size(); ++k) {
    shapes_[k] = ToScene(body_scratch_[k], options_);
    float dx, dy;
    CellOffset(body_scratch_[k].agent, &dx, &dy);
    shapes_[k].pos[0] += dx;
    shapes_[k].pos[2] += dy;
  }
}

// the grid of cells, from the bodies at the scene's first states (scratch_)
void CalfScene::LayOut() {
  if (!options_.bodies || num_agents_ == 0) return;
  body_scratch_.clear();
  const core::env::AgentBlock all{0, num_agents_, scratch_.data(), nullptr, nullptr, 0, 0};
  options_.bodies->BodyShapes(all, &body_scratch_);
  if (body_scratch_.empty()) return;
  // the widest reach of a body from its agent's position (the state's first two coordinates)
  float reach = 0.0F, top = 0.0F;
  for (const core::env::BodyShape& b : body_scratch_) {
    const SceneShape s = ToScene(b, options_);
    const float r = ShapeBoundingRadius(s);
    const double* state = &scratch_[b.agent * spec_.state_dim];
    reach = std::max({reach, static_cast<float>(std::abs(b.pos[0] - state[0])) + r,
                      static_cast<float>(std::abs(b.pos[1] - state[1])) + r});
    top = std::max(top, s.pos[1] + r);
  }
  if (!std::isfinite(reach) || !std::isfinite(top)) return;
  spacing_ = std::max(1.0F, 0.5F * std::ceil(3.0F * reach / 0.5F));
  cells_ = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(num_agents_))));
  rows_ = (num_agents_ + cells_ - 1) / cells_;
  body_top_ = top;
}

void CalfScene::Start(const float* states) {
  if (!layout_decided_) {
    layout_decided_ = true;
    std::copy(states, states + scratch_.size(), scratch_.begin());
    LayOut();
  }
  Lift(states);
  std::fill(modes_.begin(), modes_.end(), cv::kModeNominal);
  if (!trails_) return;
  for (int64_t i = 0; i < num_agents_; ++i) {
    trails_->ClearAgent(static_cast<int>(i));
    trails_->Append(static_cast<int>(i), &positions_[i * 3], cv::kModeNominal);
  }
}

void CalfScene::Advance(const float* states, const uint8_t* modes, const uint8_t* reset) {
  Lift(states);
  std::copy(modes, modes + num_agents_, modes_.begin());
  if (!trails_) return;
  for (int64_t i = 0; i < num_agents_; ++i) {
    const int a = static_cast<int>(i);
    if (reset != nullptr && reset[i] != 0) trails_->ClearAgent(a);
    trails_->Append(a, &positions_[i * 3], modes[i]);
  }
}

SceneFrame CalfScene::Frame() const {
  SceneFrame f;
  f.surface = has_surface_ ? &surface_ : nullptr;
  // bodies stand for their agents: no disc (the trails carry the modes)
  f.agent_positions = laid_out() ? nullptr : positions_.data();
  f.agent_modes = modes_.data();
  f.num_agents = num_agents_;
  f.trails = trails_.get();
  f.shapes = shapes_.empty() ? nullptr : shapes_.data();
  f.num_shapes = static_cast<int64_t>(shapes_.size());
  if (options_.world3d) {
    f.show_goal = false;
    f.goal_positions = goals_.empty() ? nullptr : goals_.data();
    f.num_goals = goals_.empty() ? 0 : num_agents_;
    return f;
  }
  f.show_goal = !laid_out();  // the origin is no agent's goal between the cells
  f.goal = {
      0.0F,
      has_surface_ ? surface_.HeightAt(0.0F, 0.0F) + options_.agent_lift : options_.agent_lift,
      0.0F};
  return f;
}

std::array<float, 2> CalfScene::FloorOrigin() const {
  if (!options_.world3d) return {0.0F, 0.0F};
  return {0.5F * (options_.box_lo[0] + options_.box_hi[0]),
          0.5F * (options_.box_lo[1] + options_.box_hi[1])};
}

SceneBounds CalfScene::Bounds() const {
  SceneBounds b;
  if (laid_out()) {
    // the grid of cells (half its wider side) and the bodies' height
    b.extent = 0.5F * spacing_ * static_cast<float>(std::max(cells_, rows_));
    b.height = std::max(body_top_, 0.1F);
    return b;
  }
  if (options_.world3d) {
    b.extent = 0.5F * std::max(options_.box_hi[0] - options_.box_lo[0],
                               options_.box_hi[1] - options_.box_lo[1]);
    b.height = options_.box_hi[2] - options_.box_lo[2];
    return b;
  }
  b.extent = options_.surface.extent;
  b.height = options_.surface.height_scale + options_.surface.epsilon;
  return b;
}

}  // namespace calf::render
