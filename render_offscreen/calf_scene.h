#pragma once
// The CALF scene of one simulation: the critic's value surface over the state plane, the
// agents lifted onto it and their trails coloured by mode. Fed step by step from a live
// Simulator or from the rows of a trajectory file; produces SceneFrames for SceneRenderer.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/env/environment.h"
#include "core/policy/mlp.h"
#include "core/visual/surface.h"
#include "core/visual/trail_store.h"
#include "render_offscreen/camera.h"
#include "render_offscreen/scene_renderer.h"

namespace calf::render {

/// Options of a CalfScene.
struct CalfSceneOptions {
  /// Points kept per agent trail; 0 draws no trails, else >= 2.
  int trail_length = 600;
  /// Surface geometry; `extent` is also the half-width of the framed box (use the run's
  /// boundary_limit so the whole allowed region is on screen).
  core::visual::SurfaceOptions surface;
  /// World height added to the surface height at an agent's position (keeps discs and
  /// trails above the surface).
  float agent_lift = 0.05F;
  /// A family in 3-D space with a goal per agent (the creature): agents are drawn at their
  /// position in the world box [box_lo, box_hi] (state coordinates x, y, z; world X = x,
  /// Y = z, Z = y, centred on the box's floor), with the box's edges and each agent's goal;
  /// no critic surface. See core::env::Environment::WorldBox.
  bool world3d = false;
  std::array<float, 3> box_lo = {0.0F, 0.0F, 0.0F};
  std::array<float, 3> box_hi = {0.0F, 0.0F, 0.0F};
  /// The run's scenario (core/env/env_params.h): its spot (the 1σ and 2σ ellipses) and its
  /// speed-limit zone (the outline) are drawn on the floor, in the first two state
  /// coordinates' plane. Nothing is drawn for the defaults.
  core::env::ScenarioTerms scenario = {};
  /// The family's environment, whose Environment::BodyShapes draws the agents' bodies; null
  /// (or a family that gives no shapes) = agents as discs only. With shapes the agents are
  /// laid out side by side (CalfScene, "Bodies").
  std::shared_ptr<const core::env::Environment> bodies = nullptr;
};

/// The critic surface of a system: q(s, 0) = min over the critic's heads, on the surface grid
/// (point (ix, iv) at index iv*grid + ix). The state is (x, v) for the point mass and
/// (x, y, θ = 0) for the differential drive; the action is zero. Heads must map
/// state_dim + action_dim -> 1 (PolicyError otherwise). Deterministic, single-threaded.
std::vector<float> CriticSurfaceValues(const std::vector<core::Mlp>& critic_heads,
                                       const core::env::EnvSpec& spec,
                                       const core::visual::SurfaceOptions& surface);

/// 64-bit FNV-1a hash of `text` as 16 lowercase hex digits (the PNG `config_hash`).
std::string ConfigHash(const std::string& text);

/// The scene state of N agents. World axes: first state coordinate -> X, surface height ->
/// Y, second state coordinate (v for the point mass, y for the differential drive) -> Z; the
/// unicycle's heading is not drawn. Agents sit at (s0, height(s0, s1) + agent_lift, s1).
/// Trails hold the positions after each step, the point taking the mode of the step that
/// led to it (a segment is drawn in its end point's mode); an agent whose episode was reset
/// starts a new trail. Deterministic: the same calls give the same frames. Not thread-safe.
///
/// Bodies: when the family gives shapes (CalfSceneOptions::bodies) at the first Start, each
/// agent is drawn from them (family frame z up -> world Y up: X = x, Y = z, Z = y, as for
/// the 3-D world). The agents of such a family are separate worlds that may all stand at the
/// same place (every quadruped resets at the origin), so the scene lays them out on a square
/// grid of cells, agent i in row i / c, column i % c (c = ceil(sqrt(N))), centred on the
/// origin: its shapes and trail are drawn shifted by its cell's centre (the spacing is 1.5×
/// the widest body of the first Start — twice its farthest bounding-sphere reach from the
/// agent's position —, rounded up to a step of 0.5, at least 1). The camera then
/// frames the grid of cells (Bounds), not boundary_limit, over a filled floor
/// (ConfigureRender); the floor axes have no ticks (laid_out()), no goal marker and no agent
/// discs are drawn (the trails carry the modes).
class CalfScene {
 public:
  /// Throws ConfigError when num_agents < 0 or trail_length is 1 or negative.
  CalfScene(const core::env::EnvSpec& spec, int64_t num_agents, const CalfSceneOptions& options);

  /// Sets the surface from a critic (CriticSurfaceValues). Without a critic the surface is
  /// not drawn and agents ride at height agent_lift above the floor.
  void SetCritic(const std::vector<core::Mlp>& critic_heads);

  /// Starts every trail at `states` [N*d] (agent-major); modes are nominal until Advance.
  /// The first Start also decides the layout of bodies (see above; Bounds depends on it).
  void Start(const float* states);
  /// Adds one step: `states` [N*d] after the step, `modes` [N] (core::Mode values) of the
  /// step, `reset` [N] non-zero where the agent's episode ended in the step (its new trail
  /// starts at `states`); `reset` may be null.
  void Advance(const float* states, const uint8_t* modes, const uint8_t* reset);

  /// 3-D worlds: every agent's goal [N*3] in state coordinates (drawn as markers).
  void SetGoals(const float* goals);

  /// Sets the render options' static geometry: a 3-D world's box edges (world coordinates),
  /// the scenario's floor marks (spot ellipses, speed-limit zone) and, with bodies, the
  /// floor's fill.
  void ConfigureRender(RenderOptions* options) const;

  /// The current frame; points into this scene (valid until the next Start/Advance).
  SceneFrame Frame() const;

  /// The floor point (world coordinates) of (s0, s1) in the first two state coordinates.
  std::array<float, 3> FloorPoint(double s0, double s1) const;
  /// The box the cameras must frame.
  SceneBounds Bounds() const;

  /// The state coordinates (first, second) at the world origin of the floor: (0, 0) on a
  /// surface, the box's horizontal centre in a 3-D world (axis tick labels add it).
  std::array<float, 2> FloorOrigin() const;

  /// True when agents are drawn in the cells of a grid (bodies), not at their positions.
  bool laid_out() const { return cells_ > 0; }
  /// The current bodies in world coordinates (empty without bodies).
  const std::vector<SceneShape>& shapes() const { return shapes_; }

  const core::env::EnvSpec& spec() const { return spec_; }
  int64_t num_agents() const { return num_agents_; }
  bool has_surface() const { return has_surface_; }
  const core::visual::HeatSurface& surface() const { return surface_; }
  /// The trails, or null when trail_length is 0.
  const core::visual::TrailStore* trails() const { return trails_.get(); }
  /// World positions of the agents [N*3].
  const std::vector<float>& positions() const { return positions_; }
  /// Mode of each agent's last step [N].
  const std::vector<uint8_t>& modes() const { return modes_; }

 private:
  void Lift(const float* states);
  void LayOut();
  void CellOffset(int64_t agent, float* dx, float* dy) const;
  void Bodies();

  core::env::EnvSpec spec_;
  int64_t num_agents_;
  CalfSceneOptions options_;
  core::visual::HeatSurface surface_;
  bool has_surface_ = false;
  std::unique_ptr<core::visual::TrailStore> trails_;
  std::vector<double> scratch_;  // states as double for LiftToSurface
  std::vector<float> positions_;
  std::vector<uint8_t> modes_;
  std::vector<float> goals_;  // 3-D worlds: goal markers in world coordinates [N*3]
  // bodies: the shapes of the current states, the grid of cells (0 = no layout) and its pitch
  std::vector<core::env::BodyShape> body_scratch_;
  std::vector<SceneShape> shapes_;
  bool layout_decided_ = false;
  int64_t cells_ = 0;  // columns (and at most this many rows)
  int64_t rows_ = 0;
  float spacing_ = 0.0F;
  float body_top_ = 0.0F;  // the highest body point at the first Start (world Y)
};

}  // namespace calf::render
