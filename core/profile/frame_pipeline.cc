#include "core/profile/frame_pipeline.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/profile/run_writer.h"
#include "core/train/td3/td3_algorithm.h"
#include "core/train/trainer.h"
#include "core/visual/surface_batch.h"

namespace calf::core::profile {
namespace {

constexpr float kAgentLift = 0.05F;  // agents float just above the surface
constexpr int kTrainingAgent = 0;    // the agent the statistics panel follows

SimConfig MakeSimConfig(const ProfileConfig& c, const OptimizationFlags& flags, int64_t n) {
  SimConfig s;
  s.env.fused_step = FusedStep(c, flags);
  s.system = c.system;
  s.policy = "calf";
  s.num_agents = n;
  s.seed = c.seed;
  s.steps = c.frames;
  return s;
}

visual::SurfaceOptions MakeSurfaceOptions(const ProfileConfig& c) {
  visual::SurfaceOptions o;
  o.grid = static_cast<int>(c.grid);
  o.extent = 5.0F;
  o.height_scale = static_cast<float>(c.height_scale);
  o.epsilon = static_cast<float>(c.epsilon);
  o.ema_alpha = 0.1F;
  return o;
}

PolicyModels MakePolicyModels(const PipelineModels& m, const OptimizationFlags& flags) {
  if (m.actor == nullptr || m.critic_q1 == nullptr || m.critic_q2 == nullptr) {
    throw PolicyError("profile: the actor and both critic heads are required");
  }
  PolicyModels p;
  p.actor = *m.actor;
  p.critic = *m.critic_q1;
  if (!flags.batched_inference) {
    if (m.torch_actor == nullptr || m.torch_critic == nullptr) {
      throw PolicyError("profile: batched_inference off needs the LibTorch actor and critic");
    }
    p.torch_actor = m.torch_actor;
    p.torch_critic = m.torch_critic;
  }
  return p;
}

}  // namespace

FramePipeline::FramePipeline(const ProfileConfig& config, const OptimizationFlags& flags,
                             int64_t n_agents, const PipelineModels& models,
                             FrameRenderHook* render, RunWriter* writer)
    : config_(config),
      flags_(flags),
      n_(n_agents),
      models_(models),
      render_(render),
      writer_(writer),
      profiler_(config.frames),
      surface_(MakeSurfaceOptions(config)),
      trails_(static_cast<int>(n_agents), static_cast<int>(config.trail_length)),
      per_agent_meshes_(static_cast<int>(config.trail_rebuild_freq)) {
  if (n_agents < 1 || n_agents > 100000000) {
    throw ConfigError("profile: agent count " + std::to_string(n_agents) + " is out of range");
  }
  sim_ = std::make_unique<Simulator>(MakeSimConfig(config, flags, n_agents),
                                     MakePolicyModels(models, flags));
  sim_->Reset(state_);
  state_dim_ = state_.state_dim;
  action_dim_ = state_.action_dim;
  const int critic_obs = sim_->spec().critic_obs_dim();
  critic_obs_.resize(sim_->spec().obs_dim);
  critic_in_.resize(critic_obs + action_dim_);
  if (config.train) {
    train::TrainConfig tc;
    tc.system = config.system;
    tc.seed = config.seed;
    tc.Validate();
    trainer_ = std::make_unique<train::Trainer>(tc);
    // the trainer acts nominally and does not update for its first start_training_step
    // steps; run them here so that every profiled frame carries one TD3 update
    auto& td3 = trainer_->As<train::Td3Algorithm>();
    for (int64_t k = 0; k < tc.As<train::Td3Config>().start_training_step; ++k) td3.Step();
  }
  trails_.SetTrainingAgent(kTrainingAgent);
  xyz_.assign(static_cast<size_t>(n_) * 3, 0.0F);
  modes_u8_.assign(static_cast<size_t>(n_), 0);
  returns_.assign(static_cast<size_t>(n_), 0.0);
  counts_.reserve(static_cast<size_t>(config.frames));
  // the heat map's critic inputs never change: states (x, v, 0...) on the grid, zero action.
  // Eigen takes [state, action] rows; LibTorch (baseline) separate state and action tensors
  const int g = surface_.grid();
  const size_t g2 = static_cast<size_t>(g) * g;
  const bool rows = flags.batched_inference;
  const int width = rows ? critic_obs + action_dim_ : critic_obs;
  std::vector<float>& grid = rows ? grid_inputs_ : grid_states_;
  grid.assign(g2 * width, 0.0F);
  if (!rows) grid_actions_.assign(g2 * action_dim_, 0.0F);
  for (int iv = 0; iv < g; ++iv) {
    for (int ix = 0; ix < g; ++ix) {
      float* in = &grid[(static_cast<size_t>(iv) * g + ix) * width];
      in[0] = surface_.Coordinate(ix);
      in[1] = surface_.Coordinate(iv);
    }
  }
  grid_q1_.resize(g2);
  grid_q2_.resize(g2);
  grid_q_.resize(g2);
}

FramePipeline::~FramePipeline() = default;

void FramePipeline::RunFrame(bool record) {
  profiler_.BeginFrame();
  current_counts_ = FrameCounts{};
  // the sections run back to back: one clock read per section (FrameProfiler::Lap)
  Physics();
  profiler_.Lap(Section::kPhysics);
  Visuals();
  profiler_.Lap(Section::kVisuals);
  Ui();
  profiler_.Lap(Section::kUi);
  if (Heatmap()) profiler_.Lap(Section::kHeatmap);
  if (Render()) profiler_.Lap(Section::kRender);
  if (Io()) profiler_.Lap(Section::kIo);
  const FrameTimes& t = profiler_.EndFrame(record);
  last_frame_ms_ = t.total_ms;
  if (record) {
    counts_.push_back(current_counts_);
    pending_times_ = t;
    pending_counts_ = current_counts_;
    pending_row_ = true;
  }
  ++frame_;
}

void FramePipeline::FlushPendingRow() {
  if (pending_row_ && writer_ != nullptr) writer_->AppendFrame(pending_times_, pending_counts_);
  pending_row_ = false;
}

void FramePipeline::Physics() {
  sim_->Step(state_, static_cast<int>(config_.threads));
  // one critic forward per Simulator block (batched) or per agent (LibTorch, batch of one)
  current_counts_.critic_queries +=
      flags_.batched_inference ? (n_ + Simulator::kBlock - 1) / Simulator::kBlock : n_;
  if (trainer_) {
    trainer_->As<train::Td3Algorithm>().Step();
    current_counts_.critic_queries += 1;
  }
  // episode bookkeeping in agent order (the SimState zeroes a finished episode's return)
  episode_ended_ = false;
  for (int64_t i = 0; i < n_; ++i) {
    returns_[i] += state_.rewards[i];
    if (state_.done[i] != DoneReason::kNone) {
      ++episodes_finished_;
      finished_return_sum_ += returns_[i];
      returns_[i] = 0.0;
      episode_ended_ = true;
    }
  }
}

void FramePipeline::Visuals() {
  const int threads = static_cast<int>(config_.threads);
  for (int64_t i = 0; i < n_; ++i) modes_u8_[i] = static_cast<uint8_t>(state_.modes[i]);
  if (flags_.vectorized_heights) {
    visual::LiftToSurfaceBatched(surface_, state_.states.data(), state_dim_, n_, kAgentLift,
                                 xyz_.data(), threads);
  } else {
    visual::LiftToSurface(surface_, state_.states.data(), state_dim_, n_, kAgentLift, xyz_.data());
  }
  for (int64_t i = 0; i < n_; ++i) {
    if (state_.done[i] != DoneReason::kNone) trails_.ClearAgent(static_cast<int>(i));
  }
  const bool append = frame_ % config_.trail_decimation == 0;
  if (append) trails_.AppendAll(xyz_.data(), modes_u8_.data(), static_cast<int>(n_), threads);
  // the shared buffer takes this frame's points from xyz_ (same data as the store's slots)
  const MeshWork work = flags_.batched_trails
                            ? batched_mesh_.Update(trails_, static_cast<int>(n_), threads,
                                                   append ? xyz_.data() : nullptr,
                                                   append ? modes_u8_.data() : nullptr)
                            : per_agent_meshes_.Update(trails_, static_cast<int>(n_));
  trails_.ClearDirty();
  current_counts_.mesh_updates += work.mesh_updates;
  current_counts_.bytes_uploaded += work.bytes_prepared;
  // without a renderer: the draws the design would issue (trails + surface + agents)
  current_counts_.draw_calls =
      (flags_.batched_trails ? batched_mesh_.DrawCalls() : per_agent_meshes_.DrawCalls()) + 2;
}

double FramePipeline::QueryCritic(int64_t agent, const double* a) {
  ++current_counts_.critic_queries;
  // the agent's critic input as the simulator builds it: observation, extras, action
  const env::Environment& env = sim_->environment();
  const env::EnvSpec& spec = env.spec();
  const int e = spec.env_state_dim, c = spec.critic_obs_dim();
  const env::AgentBlock block{
      state_.first_agent + agent,         1,
      &state_.states[agent * state_dim_], e > 0 ? &state_.env_states[agent * e] : nullptr,
      &state_.episode_step[agent],        config_.seed,
      static_cast<uint64_t>(state_.step)};
  env.Observe(block, critic_obs_.data());
  float* in = critic_in_.data();
  env.CriticInput(block, critic_obs_.data(), a, in);
  float q1 = 0.0F, q2 = 0.0F;
  if (flags_.batched_inference) {
    models_.critic_q1->Forward(in, 1, &q1, ws_);
  } else {
    models_.torch_critic->TorchCriticForward(in, in + c, 1, &q1, &q2);
  }
  return q1;
}

void FramePipeline::Ui() {
  const double* a0 = &state_.actions[kTrainingAgent * action_dim_];
  auto rates = [&](double* certified, double* relax, double* fallback) {
    int64_t c[4] = {0, 0, 0, 0};
    for (int64_t i = 0; i < n_; ++i) ++c[static_cast<int>(state_.modes[i]) & 3];
    *certified = static_cast<double>(c[0]) / n_;
    *relax = static_cast<double>(c[1]) / n_;
    *fallback = static_cast<double>(c[2]) / n_;
  };
  const double mean_reward =
      episodes_finished_ > 0 ? finished_return_sum_ / episodes_finished_ : 0.0;
  const double fps = last_frame_ms_ > 0 ? 1000.0 / last_frame_ms_ : 0.0;
  auto profiler_line = [&]() {
    const FrameTimes& t = profiler_.current();
    char buf[200];
    std::snprintf(buf, sizeof(buf),
                  "physics %.2f | visuals %.2f | ui %.2f | heatmap %.2f | render %.2f | io %.2f ms",
                  t.section_ms[0], t.section_ms[1], t.section_ms[2], t.section_ms[3],
                  t.section_ms[4], t.section_ms[5]);
    return std::string(buf);
  };
  if (!flags_.stats_cache) {
    // baseline: a critic query and a full text rebuild every frame
    std::array<double, kNumStatKeys> v{};
    v[static_cast<int>(StatKey::kQValue)] = QueryCritic(kTrainingAgent, a0);
    v[static_cast<int>(StatKey::kEpisodeReward)] = mean_reward;
    v[static_cast<int>(StatKey::kEpisodes)] = static_cast<double>(episodes_finished_);
    rates(&v[3], &v[4], &v[5]);
    v[static_cast<int>(StatKey::kPRelax)] = state_.calf.p_relax[kTrainingAgent];
    v[static_cast<int>(StatKey::kFps)] = fps;
    ui_text_direct_ = FormatStatsText(v);
    profiler_text_direct_ = profiler_line();
    return;
  }
  const int64_t f = frame_;
  if (cache_.QValueDue(f)) cache_.Set(StatKey::kQValue, QueryCritic(kTrainingAgent, a0), f);
  if (episode_ended_) cache_.MarkEpisodeEnded();
  if (cache_.EpisodeStatsDirty()) {
    cache_.Set(StatKey::kEpisodes, static_cast<double>(episodes_finished_), f);
    cache_.Set(StatKey::kEpisodeReward, mean_reward, f);
  }
  if (cache_.TextDue(f)) {
    double c = 0, r = 0, fb = 0;
    rates(&c, &r, &fb);
    cache_.Set(StatKey::kCertifiedRate, c, f);
    cache_.Set(StatKey::kRelaxRate, r, f);
    cache_.Set(StatKey::kFallbackRate, fb, f);
    cache_.Set(StatKey::kPRelax, state_.calf.p_relax[kTrainingAgent], f);
    cache_.Set(StatKey::kFps, fps, f);
  }
  ui_text_ = &cache_.Text(f);
  profiler_text_ = &cache_.ProfilerText(f, profiler_line);
}

bool FramePipeline::HeatmapDue() const {
  // frame 0 builds the surface; later updates are counted from the first measured frame,
  // so that a sweep shorter than heatmap_update_freq still measures one update
  if (frame_ == 0) return true;
  const int64_t since = frame_ - config_.warmup;
  return since >= 0 && since % config_.heatmap_update_freq == 0;
}

bool FramePipeline::Heatmap() {
  if (!HeatmapDue()) return false;
  const int g = surface_.grid();
  const int64_t points = static_cast<int64_t>(g) * g;
  if (flags_.batched_inference) {
    models_.critic_q1->Forward(grid_inputs_.data(), points, grid_q1_.data(), ws_);
    models_.critic_q2->Forward(grid_inputs_.data(), points, grid_q2_.data(), ws_);
    current_counts_.critic_queries += 1;
  } else {
    // baseline: one LibTorch call over the whole grid (the per-agent batch-of-one calls are
    // the physics section's)
    models_.torch_critic->TorchCriticForward(grid_states_.data(), grid_actions_.data(), points,
                                             grid_q1_.data(), grid_q2_.data());
    current_counts_.critic_queries += 1;
  }
  for (int64_t p = 0; p < points; ++p) grid_q_[p] = std::min(grid_q1_[p], grid_q2_[p]);
  surface_.Update(grid_q_.data(), points);
  // the rebuilt surface vertices (position + colour) go to the GPU
  current_counts_.bytes_uploaded += points * 7 * 4;
  return true;
}

bool FramePipeline::Render() {
  if (render_ == nullptr) return false;
  FrameView view;
  view.frame = frame_;
  view.surface = &surface_;
  view.agent_positions = xyz_.data();
  view.agent_modes = modes_u8_.data();
  view.num_agents = n_;
  view.trails = &trails_;
  const RenderWork work = render_->Render(view);
  current_counts_.draw_calls = work.draw_calls;
  current_counts_.bytes_uploaded = work.bytes_uploaded;
  return true;
}

bool FramePipeline::Io() {
  if (writer_ == nullptr) return false;
  writer_->AppendTrajectory(state_.states.data(), modes_u8_.data());
  FlushPendingRow();
  return true;
}

}  // namespace calf::core::profile
