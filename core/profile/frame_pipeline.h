#pragma once
// The visualiser's per-frame loop reproduced headless: physics, visuals, ui, heatmap, render
// and io sections, each optimisation of the optimized design switchable by a flag.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/policy/mlp.h"
#include "core/policy/torch_model.h"
#include "core/profile/frame_counters.h"
#include "core/profile/frame_profiler.h"
#include "core/profile/frame_render_hook.h"
#include "core/profile/profile_config.h"
#include "core/profile/stats_cache.h"
#include "core/profile/trail_meshes.h"
#include "core/sim/simulator.h"
#include "core/visual/surface.h"
#include "core/visual/trail_store.h"

namespace calf::core::train {
class Trainer;
}

namespace calf::core::profile {

class RunWriter;

/// The networks of a profile. The Eigen heads are required; the LibTorch modules are
/// required when batched_inference is off (checked by FramePipeline). Must outlive the
/// pipeline.
struct PipelineModels {
  const Mlp* actor = nullptr;      ///< state -> action.
  const Mlp* critic_q1 = nullptr;  ///< [state, action] -> q, first head.
  const Mlp* critic_q2 = nullptr;  ///< Second head.
  const TorchModel* torch_actor = nullptr;
  const TorchModel* torch_critic = nullptr;
};

/// One profiled scene of n_agents agents under the CALF policy. Both designs run the same
/// simulation: with batched_inference on they are bit-identical; with it off the LibTorch
/// path agrees with Eigen to ~1e-6. Not thread-safe; OpenMP is used inside sections.
class FramePipeline {
 public:
  /// `render` and `writer` may be null (no render section / no io writes; the io section
  /// is then empty). Throws ConfigError/PolicyError for inconsistent inputs.
  FramePipeline(const ProfileConfig& config, const OptimizationFlags& flags, int64_t n_agents,
                const PipelineModels& models, FrameRenderHook* render, RunWriter* writer);
  ~FramePipeline();

  /// Runs one frame; `record` = measured (its timings and counters are kept and written).
  void RunFrame(bool record);

  /// Frames run so far (warm-up included).
  int64_t frame() const { return frame_; }
  const FrameProfiler& profiler() const { return profiler_; }
  /// Counters of every recorded frame.
  const std::vector<FrameCounts>& counts() const { return counts_; }
  /// Counters of the last frame.
  const FrameCounts& last_counts() const { return current_counts_; }
  const SimState& state() const { return state_; }
  /// World positions of the agents [N*3] (x, height, v) of the last frame.
  const std::vector<float>& agent_positions() const { return xyz_; }
  const visual::HeatSurface& surface() const { return surface_; }
  const visual::TrailStore& trails() const { return trails_; }
  /// The statistics text as of the last frame.
  const std::string& ui_text() const { return *ui_text_; }
  /// The profiler text line as of the last frame.
  const std::string& profiler_text() const { return *profiler_text_; }
  /// Finished episodes and the sum of their returns.
  int64_t episodes_finished() const { return episodes_finished_; }
  const OptimizationFlags& flags() const { return flags_; }
  /// The training agent (`config.train`), else null.
  const train::Trainer* trainer() const { return trainer_.get(); }
  int64_t num_agents() const { return n_; }

  /// Writes the last recorded frame's timings (the io section of frame k writes frame
  /// k-1's row, so the final row is written here). Called by the sweep before Finish.
  void FlushPendingRow();

 private:
  void Physics();
  void Visuals();
  void Ui();
  // these return whether the section ran this frame
  bool Heatmap();
  bool HeatmapDue() const;
  bool Render();
  bool Io();
  double QueryCritic(int64_t agent, const double* action);

  ProfileConfig config_;
  OptimizationFlags flags_;
  int64_t n_;
  PipelineModels models_;
  FrameRenderHook* render_;
  RunWriter* writer_;
  std::unique_ptr<Simulator> sim_;
  std::unique_ptr<train::Trainer> trainer_;
  SimState state_;
  int state_dim_, action_dim_;
  FrameProfiler profiler_;
  int64_t frame_ = 0;
  FrameCounts current_counts_;
  std::vector<FrameCounts> counts_;
  bool pending_row_ = false;
  FrameTimes pending_times_;
  FrameCounts pending_counts_;
  // visuals
  visual::HeatSurface surface_;
  visual::TrailStore trails_;
  PerAgentTrailMeshes per_agent_meshes_;
  BatchedTrailMesh batched_mesh_;
  std::vector<float> xyz_;
  std::vector<uint8_t> modes_u8_;
  std::vector<double> returns_;  // running return per agent (SimState resets its own)
  int64_t episodes_finished_ = 0;
  double finished_return_sum_ = 0.0;
  bool episode_ended_ = false;
  // ui
  StatsCache cache_;
  std::string ui_text_direct_, profiler_text_direct_;
  const std::string* ui_text_ = &ui_text_direct_;
  const std::string* profiler_text_ = &profiler_text_direct_;
  double last_frame_ms_ = 0.0;
  // heatmap
  std::vector<float> grid_inputs_;                 // [state, action] rows (Eigen path)
  std::vector<float> grid_states_, grid_actions_;  // the same split (LibTorch path)
  std::vector<float> grid_q1_, grid_q2_, grid_q_;
  MlpWorkspace ws_;
  std::vector<float> critic_obs_;  // the observation of one QueryCritic
  std::vector<float> critic_in_;   // [observation, extras, action] of one QueryCritic
};

}  // namespace calf::core::profile
