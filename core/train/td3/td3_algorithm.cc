#include "core/train/td3/td3_algorithm.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "core/error.h"
#include "core/memory.h"
#include "core/policy/torch_model.h"
#include "core/random/agent_random.h"
#include "core/train/binary_io.h"
#include "core/train/td3/td3_reference.h"

namespace calf::core::train {

// ---- Td3Algorithm --------------------------------------------------------------------------

Td3Algorithm::Td3Algorithm(const TrainConfig& config, const env::Environment& env)
    : config_(config), params_(config_.As<Td3Config>()), env_(env) {
  const env::EnvSpec& spec = env_.spec();
  // the critics see the observation and the extras (EnvSpec), the actor the observation (and
  // the extras with actor_extras)
  const int c = spec.critic_obs_dim(), m = spec.action_dim;
  const int o = params_.actor_extras ? c : spec.obs_dim;
  // six networks, three Adam states of two moments, gradients: about 16 copies of the larger
  // of actor and critic (a config asking for more is refused before anything is allocated)
  double actor = 0.0, critic = 0.0;
  int a_in = o, c_in = c + m;
  for (int h : params_.td3.hidden) {
    actor += (a_in + 1.0) * h;
    critic += (c_in + 1.0) * h;
    a_in = c_in = h;
  }
  actor += (a_in + 1.0) * m;
  critic += a_in + 1.0;
  CheckMemory(16.0 * sizeof(float) * std::max(actor, critic),
              "hidden (" + std::to_string(params_.td3.hidden.size()) +
                  " layers: six networks, their Adam states)",
              "use fewer or smaller hidden layers");
  // the replay ring stores the critic's observations; the actor reads their first o entries
  td3_ = std::make_unique<Td3>(c, m, spec.max_action, params_.td3, config_.seed, o);
  buffer_ = std::make_unique<ReplayBuffer>(params_.replay_size, c, m);
  calf_.Resize(1, spec.state_dim, m, config_.calf.lambda_relax);
  state_.assign(spec.state_dim, 0.0);
  env_state_.assign(spec.env_state_dim, 0.0);
  obs_f_.resize(c);
  obs_.resize(c);
  next_obs_.resize(c);
  nominal_.resize(m);
  actor_.resize(m);
  action_.resize(m);
  error_.resize(spec.error_dim);
  ResetEpisode();
}

Td3Algorithm::~Td3Algorithm() = default;

env::AgentBlock Td3Algorithm::Block() {
  // the one training agent is agent 0 of its own population
  return {0,
          1,
          state_.data(),
          env_state_.empty() ? nullptr : env_state_.data(),
          &episode_step_,
          config_.seed,
          static_cast<uint64_t>(step_)};
}

void Td3Algorithm::ResetEpisode() {
  // episode e starts from the agent's stream at counter e
  const uint64_t counter = static_cast<uint64_t>(episodes_done());
  env_.Reset(Block(), config_.seed, &counter, nullptr);
  episode_step_ = 0;
  ep_reward_ = ep_critic_loss_ = ep_actor_loss_ = 0.0;
  ep_updates_ = ep_actor_updates_ = 0;
  for (int64_t& c : ep_modes_) c = 0;
  CalfResetCertificate(calf_, 0);
}

void Td3Algorithm::CriticObservation(const env::AgentBlock& block, double* out) {
  const env::EnvSpec& spec = env_.spec();
  const int o = spec.obs_dim, c = spec.critic_obs_dim();
  env_.Observe(block, obs_f_.data());
  env_.CriticExtras(block, obs_f_.data() + o);
  for (int j = 0; j < c; ++j) out[j] = obs_f_[j];
}

bool Td3Algorithm::Step() {
  const env::EnvSpec& spec = env_.spec();
  const int d = spec.state_dim, m = spec.action_dim;
  const env::AgentBlock block = Block();
  CriticObservation(block, obs_.data());
  env_.Nominal(block, nominal_.data());
  Mode mode;
  if (step_ < params_.start_training_step) {
    action_ = nominal_;
    mode = Mode::kNominal;
  } else {
    // actor proposal with Gaussian exploration noise (std expl_noise·max_action), clipped
    AgentRandom rng(config_.seed, 0);
    td3_->Act(obs_.data(), actor_.data());
    for (int j = 0; j < m; ++j) {
      const auto t = static_cast<uint64_t>(step_);
      const double z = BoxMuller(rng.Uniform(t, DrawPurpose::kExploration, j, 0),
                                 rng.Uniform(t, DrawPurpose::kExploration, j, 1));
      actor_[j] += z * params_.expl_noise * spec.max_action[j];
    }
    env_.ClipActions(actor_.data(), 1);
    const double q = td3_->Q1(obs_.data(), actor_.data());
    env_.Error(block, error_.data());
    CalfInput in{state_.data(),
                 actor_.data(),
                 nominal_.data(),
                 q,
                 rng.Uniform(static_cast<uint64_t>(step_), DrawPurpose::kRelax),
                 error_.data(),
                 spec.error_dim};
    mode = CalfSelect(config_.calf, in, d, m, 0, calf_, action_.data());
  }
  env_.ClipActions(action_.data(), 1);

  // the environment's steps, exactly as the simulator takes them: the decision is held for
  // action_repeat steps (fewer while the episode ends or the goal moves) and stored as one
  // transition with the summed reward
  double reward = 0.0;
  DoneReason done = DoneReason::kNone;
  for (int64_t k = 0; k < params_.action_repeat; ++k) {
    double r = 0.0;
    uint8_t moved = 0;
    env_.Step(block, action_.data(), {&r, &done, &moved});
    if (moved != 0) CalfResetCertificate(calf_, 0);
    reward += r;
    step_q_dag_.push_back(calf_.has_cert[0] ? static_cast<float>(calf_.q_dag[0])
                                            : std::numeric_limits<float>::quiet_NaN());
    step_mode_.push_back(static_cast<uint8_t>(mode));
    ep_modes_[static_cast<int>(mode)] += 1;
    ep_reward_ += r;
    ++step_;
    if (done != DoneReason::kNone || moved != 0) break;
  }
  CriticObservation(block, next_obs_.data());
  // a time limit is a truncation, not a terminal state: TD3 bootstraps through it
  buffer_->Add(obs_.data(), action_.data(), reward * params_.reward_scale, next_obs_.data(),
               IsTerminal(done));

  // one update per decision, once training has started
  if (step_ > params_.start_training_step) {
    const UpdateStats st = Update();
    ep_critic_loss_ += st.critic_loss;
    ++ep_updates_;
    if (st.actor_updated) {
      ep_actor_loss_ += st.actor_loss;
      ++ep_actor_updates_;
    }
  }

  if (done == DoneReason::kNone) return false;
  EpisodeRecord r;
  const double len = static_cast<double>(episode_step_);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.reward = ep_reward_;
  r.length = episode_step_;
  r.success = done == DoneReason::kGoal;
  r.certified_rate = ep_modes_[static_cast<int>(Mode::kCertified)] / len;
  r.relax_rate = ep_modes_[static_cast<int>(Mode::kRelax)] / len;
  r.fallback_rate = ep_modes_[static_cast<int>(Mode::kFallback)] / len;
  r.nominal_rate = ep_modes_[static_cast<int>(Mode::kNominal)] / len;
  r.p_relax = calf_.p_relax[0];
  r.critic_loss = ep_updates_ > 0 ? ep_critic_loss_ / ep_updates_ : nan;
  r.actor_loss = ep_actor_updates_ > 0 ? ep_actor_loss_ / ep_actor_updates_ : nan;
  episodes_.push_back(r);
  // no update leaves the losses NaN on purpose; an update that made them non-finite ends
  // training (the networks are NaN from then on, e.g. critic values outgrowing float)
  const auto check = [&](const char* what, double loss, int64_t updates) {
    if (updates > 0 && !std::isfinite(loss) && divergence_.empty()) {
      divergence_ = std::string("the ") + what + " loss of episode " +
                    std::to_string(episodes_.size()) + " is " +
                    (std::isnan(loss) ? "NaN" : "infinite");
    }
  };
  check("critic", r.critic_loss, ep_updates_);
  check("actor", r.actor_loss, ep_actor_updates_);
  ResetEpisode();
  return true;
}

UpdateStats Td3Algorithm::Update() {
  if (params_.backend == "eigen") return td3_->Train(*buffer_, config_.seed);
  // same minibatch and smoothing noise as the Eigen update, then LibTorch's autograd + Adam
  if (!torch_) torch_ = std::make_unique<TorchTd3Reference>(*td3_);
  td3_->SampleBatch(*buffer_, config_.seed, batch_, normal_);
  const UpdateStats stats = torch_->TrainOnBatch(batch_, normal_);
  torch_->CopyTo(*td3_);
  return stats;
}

void Td3Algorithm::RunEpisode() {
  while (!Step()) {
  }
}

std::string Td3Algorithm::ProgressText() const {
  if (episodes_.empty()) return "";
  const EpisodeRecord& r = episodes_.back();
  char text[200];
  std::snprintf(text, sizeof text, "reward %.1f %s cert %.2f relax %.2f fallback %.2f P_relax %.3f",
                r.reward, r.success ? "goal" : "    ", r.certified_rate, r.relax_rate,
                r.fallback_rate, r.p_relax);
  return text;
}

std::string Td3Algorithm::Divergence() const { return divergence_; }

std::string Td3Algorithm::SummaryText() const {
  const int64_t n = static_cast<int64_t>(episodes_.size());
  const int64_t tail = std::min<int64_t>(n, 20);
  int64_t successes = 0;
  for (int64_t i = n - tail; i < n; ++i) successes += episodes_[i].success ? 1 : 0;
  return "success in the last " + std::to_string(tail) + " episodes: " + std::to_string(successes);
}

// The layout after the common header is the one of checkpoint version 1 (the TD3-only
// trainer's), with the environment state added after the state from version 2 on.
void Td3Algorithm::Save(std::ostream& out) const {
  WritePod<int64_t>(out, step_);
  WritePod<int64_t>(out, episode_step_);
  WriteVector(out, state_);
  WriteVector(out, env_state_);
  WriteVector(out, calf_.has_cert);
  WriteVector(out, calf_.s_dag);
  WriteVector(out, calf_.a_dag);
  WriteVector(out, calf_.q_dag);
  WriteVector(out, calf_.p_relax);
  WritePod(out, ep_reward_);
  WritePod(out, ep_critic_loss_);
  WritePod(out, ep_actor_loss_);
  WritePod(out, ep_updates_);
  WritePod(out, ep_actor_updates_);
  WriteArray(out, ep_modes_, 4);
  td3_->Write(out);
  buffer_->Write(out);
  WritePod<int64_t>(out, episodes_done());
  for (const EpisodeRecord& r : episodes_) {
    // field by field: the struct's padding bytes would make files differ between runs
    for (double v : {r.reward, r.certified_rate, r.relax_rate, r.fallback_rate, r.nominal_rate,
                     r.p_relax, r.critic_loss, r.actor_loss})
      WritePod(out, v);
    WritePod<int64_t>(out, r.length);
    WritePod<uint8_t>(out, r.success ? 1 : 0);
  }
  WriteVector(out, step_q_dag_);
  WriteVector(out, step_mode_);
}

void Td3Algorithm::Load(std::istream& in, uint32_t version, const std::string& path) {
  const env::EnvSpec& spec = env_.spec();
  const int d = spec.state_dim, m = spec.action_dim;
  step_ = ReadPod<int64_t>(in);
  episode_step_ = ReadPod<int64_t>(in);
  state_ = ReadVector<double>(in, d);
  if (version >= 2) env_state_ = ReadVector<double>(in, spec.env_state_dim);
  calf_.has_cert = ReadVector<uint8_t>(in, 1);
  calf_.s_dag = ReadVector<double>(in, d);
  calf_.a_dag = ReadVector<double>(in, m);
  calf_.q_dag = ReadVector<double>(in, 1);
  calf_.p_relax = ReadVector<double>(in, 1);
  if (state_.size() != static_cast<size_t>(d) ||
      env_state_.size() != static_cast<size_t>(spec.env_state_dim) || calf_.p_relax.size() != 1 ||
      calf_.has_cert.size() != 1 || calf_.q_dag.size() != 1 ||
      calf_.s_dag.size() != static_cast<size_t>(d) || calf_.a_dag.size() != static_cast<size_t>(m))
    throw IoError("checkpoint '" + path + "' is corrupt (environment state)");
  ep_reward_ = ReadPod<double>(in);
  ep_critic_loss_ = ReadPod<double>(in);
  ep_actor_loss_ = ReadPod<double>(in);
  ep_updates_ = ReadPod<int64_t>(in);
  ep_actor_updates_ = ReadPod<int64_t>(in);
  ReadArray(in, ep_modes_, 4);
  td3_->Read(in);
  buffer_->Read(in);
  const int64_t max_rows = int64_t{1} << 40;
  const auto n_episodes = ReadPod<int64_t>(in);
  if (n_episodes < 0 || n_episodes > max_rows)
    throw IoError("checkpoint '" + path + "' is corrupt (episode count)");
  episodes_.clear();
  for (int64_t e = 0; e < n_episodes; ++e) {
    EpisodeRecord r;
    for (double* v : {&r.reward, &r.certified_rate, &r.relax_rate, &r.fallback_rate,
                      &r.nominal_rate, &r.p_relax, &r.critic_loss, &r.actor_loss})
      *v = ReadPod<double>(in);
    r.length = ReadPod<int64_t>(in);
    r.success = ReadPod<uint8_t>(in) != 0;
    episodes_.push_back(r);
  }
  step_q_dag_ = ReadVector<float>(in, max_rows);
  step_mode_ = ReadVector<uint8_t>(in, max_rows);
  if (static_cast<int64_t>(step_q_dag_.size()) != step_ ||
      static_cast<int64_t>(step_mode_.size()) != step_)
    throw IoError("checkpoint '" + path + "' is corrupt (step log length)");
}

std::vector<LogGroup> Td3Algorithm::Log() const {
  LogGroup episode{"episode", {}};
  auto column = [&](const char* name, auto getter) {
    std::vector<double> v;
    for (const EpisodeRecord& r : episodes_) v.push_back(getter(r));
    episode.columns.push_back({name, std::move(v)});
  };
  column("reward", [](const EpisodeRecord& r) { return r.reward; });
  column("certified_rate", [](const EpisodeRecord& r) { return r.certified_rate; });
  column("relax_rate", [](const EpisodeRecord& r) { return r.relax_rate; });
  column("fallback_rate", [](const EpisodeRecord& r) { return r.fallback_rate; });
  column("nominal_rate", [](const EpisodeRecord& r) { return r.nominal_rate; });
  column("p_relax", [](const EpisodeRecord& r) { return r.p_relax; });
  column("critic_loss", [](const EpisodeRecord& r) { return r.critic_loss; });
  column("actor_loss", [](const EpisodeRecord& r) { return r.actor_loss; });
  std::vector<int64_t> length;
  std::vector<uint8_t> success;
  for (const EpisodeRecord& r : episodes_) {
    length.push_back(r.length);
    success.push_back(r.success ? 1 : 0);
  }
  episode.columns.push_back({"length", std::move(length)});
  episode.columns.push_back({"success", std::move(success)});
  LogGroup step{"step", {}};
  step.columns.push_back({"q_dag", step_q_dag_});
  step.columns.push_back({"mode", step_mode_, true});
  return {std::move(episode), std::move(step)};
}

std::vector<OutputFile> Td3Algorithm::ExportModels(const std::string& dir,
                                                   nlohmann::json& model_json) const {
  namespace fs = std::filesystem;
  std::vector<OutputFile> files;
  files.emplace_back((fs::path(dir) / "actor.pt").string(), "actor model");
  files.emplace_back((fs::path(dir) / "critic.pt").string(), "critic model");
  SaveActorTorchScript(ToMlp(td3_->actor), files[0]);
  SaveCriticTorchScript(ToMlp(td3_->q1), ToMlp(td3_->q2), env_.spec().critic_obs_dim(), files[1]);
  model_json["hidden"] = params_.td3.hidden;
  model_json["actor"] = "actor.pt";
  model_json["critic"] = "critic.pt";
  model_json["critic_obs_dim"] = env_.spec().critic_obs_dim();
  return files;
}

namespace {

std::unique_ptr<AlgorithmParams> MakeParams() { return std::make_unique<Td3Config>(); }

std::unique_ptr<Algorithm> Make(const TrainConfig& config, const env::Environment& env,
                                const EnvBatchMaker& /*one environment: no batch*/) {
  return std::make_unique<Td3Algorithm>(config, env);
}

}  // namespace

AlgorithmEntry Td3Entry() {
  return {"td3", "CALF + TD3 (twin critic, delayed actor updates, target smoothing)", &MakeParams,
          &Make};
}

}  // namespace calf::core::train
