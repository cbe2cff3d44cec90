#include "core/train/trainer.h"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/io/trajectory_schema.h"
#include "core/policy/calf_selector.h"
#include "core/policy/nominal.h"
#include "core/policy/torch_model.h"
#include "core/sim/random.h"
#include "core/train/binary_io.h"
#include "core/train/td3_reference.h"
#include "core/version.h"

namespace calf::core::train {
namespace {

using nlohmann::json;

constexpr char kCheckpointMagic[8] = {'C', 'A', 'L', 'F', 'T', 'R', 'N', '1'};
constexpr uint32_t kCheckpointVersion = 1;

// ---- JSON config helpers ------------------------------------------------------------------

template <typename T>
void Read(const json& j, const std::string& key, T* out, const std::string& where) {
  const json& v = j.at(key);
  bool ok;
  if constexpr (std::is_same_v<T, bool>) {
    ok = v.is_boolean();
  } else if constexpr (std::is_same_v<T, std::string>) {
    ok = v.is_string();
  } else if constexpr (std::is_unsigned_v<T>) {
    ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
  } else if constexpr (std::is_integral_v<T>) {
    ok = v.is_number_integer();
  } else {
    ok = v.is_number();
  }
  if (!ok) throw ConfigError(where + ": key '" + key + "' has a wrong value " + v.dump());
  *out = v.get<T>();
}

json CalfJson(const CalfParams& c) {
  return {{"nu_bar", c.nu_bar},
          {"kappa_low", c.kappa_low},
          {"kappa_up", c.kappa_up},
          {"lambda_relax", c.lambda_relax}};
}

json NominalJson(const NominalParams& n) {
  return {{"kp", n.kp},
          {"kd", n.kd},
          {"k_rho", n.k_rho},
          {"k_alpha", n.k_alpha},
          {"k_theta", n.k_theta}};
}

// ---- atomic file writing -------------------------------------------------------------------

std::string TempPath(const std::string& path) {
  return path + ".tmp." + std::to_string(static_cast<long>(getpid()));
}

void RenameInto(const std::string& tmp, const std::string& path) {
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw IoError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message(),
                  ExitCode::kRuntime);
  }
}

// ---- HDF5 (C API, every return code checked) -----------------------------------------------

class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id < 0) throw IoError("hdf5: cannot " + what, ExitCode::kRuntime);
  }
  ~H5Handle() {
    if (id_ >= 0) closer_(id_);
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  hid_t get() const { return id_; }
  // closes now and checks the result (a failed close can mean unwritten data)
  void Close(const std::string& what) {
    const herr_t rc = closer_(id_);
    id_ = -1;
    if (rc < 0) throw IoError("hdf5: cannot close " + what, ExitCode::kRuntime);
  }

 private:
  hid_t id_;
  Closer closer_;
};

void H5Check(herr_t rc, const std::string& what) {
  if (rc < 0) throw IoError("hdf5: cannot " + what, ExitCode::kRuntime);
}

template <typename T>
void WriteDataset(hid_t group, const std::string& name, hid_t type, const std::vector<T>& data) {
  const hsize_t n = data.size();
  H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "create dataspace for " + name);
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create property list");
  // no modification times: identical runs give byte-identical files
  H5Check(H5Pset_obj_track_times(dcpl.get(), 0), "disable time tracking");
  H5Handle ds(
      H5Dcreate2(group, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose, "create dataset " + name);
  if (n > 0)
    H5Check(H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
            "write dataset " + name);
  ds.Close("dataset " + name);
}

void WriteStringAttr(hid_t obj, const std::string& name, const std::string& value) {
  H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
  H5Check(H5Tset_size(type.get(), value.empty() ? 1 : value.size()), "set string size");
  H5Check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set string charset");
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar dataspace");
  H5Handle attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose, "create attribute " + name);
  const std::string v = value.empty() ? std::string(1, '\0') : value;
  H5Check(H5Awrite(attr.get(), type.get(), v.data()), "write attribute " + name);
}

template <typename T>
void WriteScalarAttr(hid_t obj, const std::string& name, hid_t type, T value) {
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create scalar dataspace");
  H5Handle attr(H5Acreate2(obj, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose, "create attribute " + name);
  H5Check(H5Awrite(attr.get(), type, &value), "write attribute " + name);
}

}  // namespace

// ---- TrainConfig ---------------------------------------------------------------------------

void TrainConfig::ApplyPreset(const std::string& name) {
  if (name == "quick") {
    episodes = 100;
    max_steps_per_episode = 500;
    start_training_step = 50;
    td3.batch_size = 64;
  } else if (name == "standard") {
    episodes = 500;
    max_steps_per_episode = 750;
    start_training_step = 100;
    td3.batch_size = 64;
  } else if (name == "thorough") {
    episodes = 1000;
    max_steps_per_episode = 1000;
    start_training_step = 200;
    td3.batch_size = 128;
  } else {
    throw ConfigError("unknown preset '" + name + "'; use quick, standard or thorough");
  }
}

void TrainConfig::ApplyJson(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ConfigError(where + ": malformed JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw ConfigError(where + ": expected a JSON object at top level");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "system")
      Read(j, k, &system, where);
    else if (k == "backend")
      Read(j, k, &backend, where);
    else if (k == "seed")
      Read(j, k, &seed, where);
    else if (k == "episodes")
      Read(j, k, &episodes, where);
    else if (k == "max_steps_per_episode")
      Read(j, k, &max_steps_per_episode, where);
    else if (k == "start_training_step")
      Read(j, k, &start_training_step, where);
    else if (k == "replay_size")
      Read(j, k, &replay_size, where);
    else if (k == "expl_noise")
      Read(j, k, &expl_noise, where);
    else if (k == "reward_scale")
      Read(j, k, &reward_scale, where);
    else if (k == "checkpoint_every")
      Read(j, k, &checkpoint_every, where);
    else if (k == "actor_lr")
      Read(j, k, &td3.actor_lr, where);
    else if (k == "critic_lr")
      Read(j, k, &td3.critic_lr, where);
    else if (k == "discount")
      Read(j, k, &td3.discount, where);
    else if (k == "tau")
      Read(j, k, &td3.tau, where);
    else if (k == "policy_noise")
      Read(j, k, &td3.policy_noise, where);
    else if (k == "noise_clip")
      Read(j, k, &td3.noise_clip, where);
    else if (k == "policy_freq")
      Read(j, k, &td3.policy_freq, where);
    else if (k == "batch_size")
      Read(j, k, &td3.batch_size, where);
    else if (k == "dt")
      Read(j, k, &dt, where);
    else if (k == "goal_epsilon")
      Read(j, k, &goal_epsilon, where);
    else if (k == "boundary_limit")
      Read(j, k, &boundary_limit, where);
    else if (k == "reset_range")
      Read(j, k, &reset_range, where);
    else if (k == "hidden") {
      if (!it->is_array() || it->empty())
        throw ConfigError(where + ": key 'hidden' must be a non-empty array of layer sizes");
      std::vector<int> h;
      for (const json& v : *it) {
        if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > 4096)
          throw ConfigError(where + ": key 'hidden' has a wrong size " + v.dump() +
                            " (use integers in 1..4096)");
        h.push_back(v.get<int>());
      }
      td3.hidden = h;
    } else if (k == "calf" || k == "nominal") {
      // reuse the simulation config's parser for the shared sub-objects
      SimConfig tmp;
      tmp.calf = calf;
      tmp.nominal = nominal;
      tmp.ApplyJson(json{{k, *it}}.dump(), where);
      calf = tmp.calf;
      nominal = tmp.nominal;
    } else {
      throw ConfigError(where + ": unknown key '" + k + "' (see docs/training.md for the keys)");
    }
  }
}

void TrainConfig::Validate() const {
  ParseSystem(system);
  if (backend != "eigen" && backend != "libtorch")
    throw ConfigError("config field 'backend' = '" + backend +
                      "' is unknown; use eigen or libtorch");
  auto positive = [](bool ok, const std::string& field, const std::string& value) {
    if (!ok)
      throw ConfigError("config field '" + field + "' = " + value + " is out of range; " +
                        "it must be positive");
  };
  positive(episodes > 0, "episodes", std::to_string(episodes));
  positive(max_steps_per_episode > 0, "max_steps_per_episode",
           std::to_string(max_steps_per_episode));
  positive(replay_size > 0, "replay_size", std::to_string(replay_size));
  positive(td3.batch_size > 0, "batch_size", std::to_string(td3.batch_size));
  positive(td3.policy_freq > 0, "policy_freq", std::to_string(td3.policy_freq));
  positive(dt > 0, "dt", std::to_string(dt));
  positive(reward_scale > 0, "reward_scale", std::to_string(reward_scale));
  positive(td3.actor_lr > 0 && td3.critic_lr > 0, "actor_lr/critic_lr",
           std::to_string(td3.actor_lr) + "/" + std::to_string(td3.critic_lr));
  if (start_training_step < 1)
    throw ConfigError(
        "config field 'start_training_step' must be at least 1 (the replay buffer "
        "must hold a transition before the first update)");
  if (checkpoint_every < 0) throw ConfigError("config field 'checkpoint_every' must be >= 0");
  if (!(td3.discount >= 0 && td3.discount <= 1))
    throw ConfigError("config field 'discount' must lie in [0, 1]");
  if (!(td3.tau > 0 && td3.tau <= 1)) throw ConfigError("config field 'tau' must lie in (0, 1]");
  if (!(expl_noise >= 0 && td3.policy_noise >= 0 && td3.noise_clip >= 0))
    throw ConfigError("config fields 'expl_noise', 'policy_noise', 'noise_clip' must be >= 0");
  if (!(calf.lambda_relax > 0 && calf.lambda_relax <= 1))
    throw ConfigError("config field 'calf.lambda_relax' must lie in (0, 1]");
}

std::string TrainConfig::ToJson(int indent) const {
  json j = {{"system", system},
            {"backend", backend},
            {"seed", seed},
            {"episodes", episodes},
            {"max_steps_per_episode", max_steps_per_episode},
            {"start_training_step", start_training_step},
            {"replay_size", replay_size},
            {"expl_noise", expl_noise},
            {"reward_scale", reward_scale},
            {"checkpoint_every", checkpoint_every},
            {"hidden", td3.hidden},
            {"actor_lr", td3.actor_lr},
            {"critic_lr", td3.critic_lr},
            {"discount", td3.discount},
            {"tau", td3.tau},
            {"policy_noise", td3.policy_noise},
            {"noise_clip", td3.noise_clip},
            {"policy_freq", td3.policy_freq},
            {"batch_size", td3.batch_size},
            {"dt", dt},
            {"goal_epsilon", goal_epsilon},
            {"boundary_limit", boundary_limit},
            {"reset_range", reset_range},
            {"calf", CalfJson(calf)},
            {"nominal", NominalJson(nominal)}};
  return j.dump(indent);
}

// ---- resolving explicit settings ---------------------------------------------------------

namespace {

// flags last: preset < config file < --system/--backend/--seed/--episodes/--checkpoint-every
void ApplyOverrides(const TrainOverrides& o, bool keep_run_length, TrainConfig& c) {
  if (o.preset) {
    const int64_t episodes = c.episodes;
    c.ApplyPreset(*o.preset);
    if (keep_run_length) c.episodes = episodes;
  }
  if (!o.config_json.empty()) c.ApplyJson(o.config_json, o.config_source);
  if (o.system) c.system = *o.system;
  if (o.backend) c.backend = *o.backend;
  if (o.seed) c.seed = *o.seed;
  if (o.episodes) c.episodes = *o.episodes;
  if (o.checkpoint_every) c.checkpoint_every = *o.checkpoint_every;
  // canonical name, so "unicycle" and "differential_drive" compare equal on resume
  c.system = GetSystemSpec(ParseSystem(c.system)).name;
}

// first key (dotted path, sorted) whose value differs between two JSON objects
std::string FirstDifference(const json& a, const json& b, const std::string& prefix) {
  for (auto it = b.begin(); it != b.end(); ++it) {
    const std::string key = prefix + it.key();
    if (!a.contains(it.key())) return key;
    const json& va = a.at(it.key());
    if (va.is_object() && it.value().is_object()) {
      const std::string d = FirstDifference(va, it.value(), key + ".");
      if (!d.empty()) return d;
    } else if (va != it.value()) {
      return key;
    }
  }
  return "";
}

}  // namespace

TrainConfig ResolveNewConfig(const TrainOverrides& overrides) {
  TrainConfig c;
  if (!overrides.preset) c.ApplyPreset("standard");
  ApplyOverrides(overrides, false, c);
  c.Validate();
  return c;
}

TrainConfig ResolveResumeConfig(const TrainConfig& checkpoint, const TrainOverrides& overrides,
                                const std::string& checkpoint_path) {
  TrainConfig c = checkpoint;
  ApplyOverrides(overrides, true, c);
  if (c.system != checkpoint.system) {
    throw ConfigError("checkpoint '" + checkpoint_path + "' was trained on " + checkpoint.system +
                      " but this run asks for " + c.system +
                      "; resume with the same system or start a new run");
  }
  // everything but the run length must agree, or the continuation would not be the same run
  json requested = json::parse(c.ToJson()), trained = json::parse(checkpoint.ToJson());
  for (const char* free_key : {"episodes", "checkpoint_every"}) {
    requested.erase(free_key);
    trained.erase(free_key);
  }
  const std::string field = FirstDifference(requested, trained, "");
  if (!field.empty()) {
    std::string pointer = "/" + field;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    const json::json_pointer at(pointer);
    throw ConfigError("checkpoint '" + checkpoint_path + "' was trained with " + field + " = " +
                      trained.at(at).dump() + " but this run asks for " + requested.at(at).dump() +
                      "; only --episodes and --checkpoint-every may change on --resume (drop " +
                      "the option or start a new run)");
  }
  c.Validate();
  return c;
}

// ---- Trainer -------------------------------------------------------------------------------

Mlp ToMlp(const Net& net) {
  std::vector<DenseLayer> layers;
  for (const Layer& l : net.layers) layers.push_back(DenseLayer{l.w, l.b, l.act});
  return Mlp(std::move(layers), net.output_scale);
}

void DrawInitialState(SystemKind kind, uint64_t seed, int64_t episode, double range,
                      double* state) {
  // same distribution as Simulator::ResetAgent, keyed by the episode index
  AgentRandom rng(seed, 0);
  const int d = GetSystemSpec(kind).state_dim;
  for (int j = 0; j < d; ++j) {
    const double u =
        rng.Uniform(static_cast<uint64_t>(episode), DrawPurpose::kReset, static_cast<uint32_t>(j));
    state[j] = -range + 2.0 * range * u;
  }
  if (kind == SystemKind::kDifferentialDrive) {
    const double u = rng.Uniform(static_cast<uint64_t>(episode), DrawPurpose::kReset, 2);
    state[2] = -M_PI + 2.0 * M_PI * u;
  }
}

Trainer::Trainer(const TrainConfig& config) : config_(config) {
  config_.Validate();
  kind_ = ParseSystem(config_.system);
  spec_ = &GetSystemSpec(kind_);
  td3_ = std::make_unique<Td3>(spec_->state_dim, spec_->action_dim, spec_->max_action, config_.td3,
                               config_.seed);
  buffer_ =
      std::make_unique<ReplayBuffer>(config_.replay_size, spec_->state_dim, spec_->action_dim);
  calf_.Resize(1, spec_->state_dim, spec_->action_dim, config_.calf.lambda_relax);
  state_.assign(spec_->state_dim, 0.0);
  ResetEpisode();
}

Trainer::~Trainer() = default;

void Trainer::ResetEpisode() {
  DrawInitialState(kind_, config_.seed, episodes_done(), config_.reset_range, state_.data());
  episode_step_ = 0;
  ep_reward_ = ep_critic_loss_ = ep_actor_loss_ = 0.0;
  ep_updates_ = ep_actor_updates_ = 0;
  for (int64_t& c : ep_modes_) c = 0;
  CalfResetCertificate(calf_, 0);
}

bool Trainer::Step() {
  const int d = spec_->state_dim, m = spec_->action_dim;
  double action[3], nominal[3], actor[3], next[3];
  const double* s = state_.data();
  NominalAction(kind_, config_.nominal, s, nominal);
  Mode mode;
  if (step_ < config_.start_training_step) {
    for (int j = 0; j < m; ++j) action[j] = nominal[j];
    mode = Mode::kNominal;
  } else {
    // actor proposal with Gaussian exploration noise (std expl_noise·max_action), clipped
    AgentRandom rng(config_.seed, 0);
    td3_->Act(s, actor);
    for (int j = 0; j < m; ++j) {
      const auto t = static_cast<uint64_t>(step_);
      const double z = BoxMuller(rng.Uniform(t, DrawPurpose::kExploration, j, 0),
                                 rng.Uniform(t, DrawPurpose::kExploration, j, 1));
      actor[j] += z * config_.expl_noise * spec_->max_action[j];
    }
    ClipAction(*spec_, actor);
    const double q = td3_->Q1(s, actor);
    CalfInput in{s, actor, nominal, q,
                 rng.Uniform(static_cast<uint64_t>(step_), DrawPurpose::kRelax)};
    mode = CalfSelect(config_.calf, in, d, m, 0, calf_, action);
  }
  ClipAction(*spec_, action);

  const double reward = Reward(kind_, s, action);
  Rk4Step(kind_, s, action, config_.dt, next);
  ++episode_step_;
  DoneReason done = DoneReason::kNone;
  if (GoalDistance(kind_, next) < config_.goal_epsilon) {
    done = DoneReason::kGoal;
  } else if (OutOfBounds(kind_, next, config_.boundary_limit) || !std::isfinite(next[0])) {
    done = DoneReason::kOutOfBounds;
  } else if (episode_step_ >= config_.max_steps_per_episode) {
    done = DoneReason::kTimeLimit;
  }
  // a time limit is a truncation, not a terminal state: TD3 bootstraps through it
  const bool terminal = done == DoneReason::kGoal || done == DoneReason::kOutOfBounds;
  buffer_->Add(s, action, reward * config_.reward_scale, next, terminal);
  for (int j = 0; j < d; ++j) state_[j] = next[j];

  step_q_dag_.push_back(calf_.has_cert[0] ? static_cast<float>(calf_.q_dag[0])
                                          : std::numeric_limits<float>::quiet_NaN());
  step_mode_.push_back(static_cast<uint8_t>(mode));
  ep_modes_[static_cast<int>(mode)] += 1;
  ep_reward_ += reward;

  if (step_ >= config_.start_training_step) {
    const UpdateStats st = Update();
    ep_critic_loss_ += st.critic_loss;
    ++ep_updates_;
    if (st.actor_updated) {
      ep_actor_loss_ += st.actor_loss;
      ++ep_actor_updates_;
    }
  }
  ++step_;

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
  ResetEpisode();
  return true;
}

UpdateStats Trainer::Update() {
  if (config_.backend == "eigen") return td3_->Train(*buffer_, config_.seed);
  // same minibatch and smoothing noise as the Eigen update, then LibTorch's autograd + Adam
  if (!torch_) torch_ = std::make_unique<TorchTd3Reference>(*td3_);
  td3_->SampleBatch(*buffer_, config_.seed, batch_, normal_);
  const UpdateStats stats = torch_->TrainOnBatch(batch_, normal_);
  torch_->CopyTo(*td3_);
  return stats;
}

void Trainer::RunUntil(int64_t target,
                       const std::function<void(const EpisodeRecord&)>& on_episode) {
  target = std::min(target, config_.episodes);
  while (episodes_done() < target) {
    if (Step() && on_episode) on_episode(episodes_.back());
  }
}

void Trainer::SaveCheckpoint(const std::string& path) const {
  const std::string tmp = TempPath(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw IoError("cannot write checkpoint '" + tmp + "'; check the directory exists",
                    ExitCode::kRuntime);
    out.write(kCheckpointMagic, sizeof(kCheckpointMagic));
    WritePod<uint32_t>(out, kCheckpointVersion);
    WriteString(out, config_.ToJson());
    WriteString(out, spec_->name);
    WritePod<int32_t>(out, spec_->state_dim);
    WritePod<int32_t>(out, spec_->action_dim);
    WritePod<int64_t>(out, step_);
    WritePod<int64_t>(out, episode_step_);
    WriteVector(out, state_);
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
    out.write(kCheckpointMagic, sizeof(kCheckpointMagic));  // end marker
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw IoError("cannot write checkpoint '" + tmp + "' (disk full?)", ExitCode::kRuntime);
    }
  }
  RenameInto(tmp, path);
}

std::unique_ptr<Trainer> Trainer::FromCheckpoint(const std::string& path,
                                                 const TrainOverrides& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read checkpoint '" + path + "': no such file or not readable");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::string(magic, 8) != std::string(kCheckpointMagic, 8))
    throw IoError("'" + path + "' is not a calf training checkpoint (bad magic)");
  const auto version = ReadPod<uint32_t>(in);
  if (version != kCheckpointVersion)
    throw IoError("checkpoint '" + path + "' has version " + std::to_string(version) +
                  ", this calf reads version " + std::to_string(kCheckpointVersion));
  TrainConfig config;
  try {
    config.ApplyJson(ReadString(in), path);
  } catch (const Error& e) {
    throw IoError("checkpoint '" + path + "' is corrupt: " + e.what());
  }
  const std::string system = ReadString(in);
  const auto d = ReadPod<int32_t>(in);
  const auto m = ReadPod<int32_t>(in);
  const SystemSpec& spec = GetSystemSpec(ParseSystem(config.system));
  if (system != spec.name || d != spec.state_dim || m != spec.action_dim)
    throw IoError("checkpoint '" + path + "' holds " + system + " with dims " + std::to_string(d) +
                  "/" + std::to_string(m) + ", which does not match " + spec.name + " (" +
                  std::to_string(spec.state_dim) + "/" + std::to_string(spec.action_dim) + ")");
  config = ResolveResumeConfig(config, overrides, path);
  auto t = std::make_unique<Trainer>(config);
  t->step_ = ReadPod<int64_t>(in);
  t->episode_step_ = ReadPod<int64_t>(in);
  t->state_ = ReadVector<double>(in, d);
  t->calf_.has_cert = ReadVector<uint8_t>(in, 1);
  t->calf_.s_dag = ReadVector<double>(in, d);
  t->calf_.a_dag = ReadVector<double>(in, m);
  t->calf_.q_dag = ReadVector<double>(in, 1);
  t->calf_.p_relax = ReadVector<double>(in, 1);
  if (t->state_.size() != static_cast<size_t>(d) || t->calf_.p_relax.size() != 1 ||
      t->calf_.has_cert.size() != 1 || t->calf_.q_dag.size() != 1)
    throw IoError("checkpoint '" + path + "' is corrupt (environment state)");
  t->ep_reward_ = ReadPod<double>(in);
  t->ep_critic_loss_ = ReadPod<double>(in);
  t->ep_actor_loss_ = ReadPod<double>(in);
  t->ep_updates_ = ReadPod<int64_t>(in);
  t->ep_actor_updates_ = ReadPod<int64_t>(in);
  ReadArray(in, t->ep_modes_, 4);
  t->td3_->Read(in);
  t->buffer_->Read(in);
  const int64_t max_rows = int64_t{1} << 40;
  const auto n_episodes = ReadPod<int64_t>(in);
  if (n_episodes < 0 || n_episodes > max_rows)
    throw IoError("checkpoint '" + path + "' is corrupt (episode count)");
  for (int64_t e = 0; e < n_episodes; ++e) {
    EpisodeRecord r;
    for (double* v : {&r.reward, &r.certified_rate, &r.relax_rate, &r.fallback_rate,
                      &r.nominal_rate, &r.p_relax, &r.critic_loss, &r.actor_loss})
      *v = ReadPod<double>(in);
    r.length = ReadPod<int64_t>(in);
    r.success = ReadPod<uint8_t>(in) != 0;
    t->episodes_.push_back(r);
  }
  t->step_q_dag_ = ReadVector<float>(in, max_rows);
  t->step_mode_ = ReadVector<uint8_t>(in, max_rows);
  in.read(magic, 8);
  if (!in || std::string(magic, 8) != std::string(kCheckpointMagic, 8))
    throw IoError("checkpoint '" + path + "' is truncated or corrupt (no end marker)");
  if (static_cast<int64_t>(t->step_q_dag_.size()) != t->step_)
    throw IoError("checkpoint '" + path + "' is corrupt (step log length)");
  if (t->config_.episodes < t->episodes_done()) {
    // running on would train nothing and rewrite the outputs with a shorter run length
    throw ConfigError("checkpoint '" + path + "' has already trained " +
                      std::to_string(t->episodes_done()) + " episodes, more than the " +
                      std::to_string(t->config_.episodes) + " episodes asked for; use --episodes " +
                      std::to_string(t->episodes_done()) + " or more to continue it");
  }
  return t;
}

void Trainer::WriteLog(const std::string& path) const {
  const std::string tmp = TempPath(path);
  try {
    H5Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "create file property list");
    H5Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), H5Fclose,
                  "create '" + tmp + "' (does the directory exist?)");
    WriteStringAttr(file.get(), "config", config_.ToJson());
    WriteStringAttr(file.get(), "system", spec_->name);
    WriteStringAttr(file.get(), "calf_version", kVersion);
    WriteScalarAttr<uint64_t>(file.get(), "seed", H5T_NATIVE_UINT64, config_.seed);
    WriteScalarAttr<int64_t>(file.get(), "episodes", H5T_NATIVE_INT64, episodes_done());
    WriteScalarAttr<int64_t>(file.get(), "steps", H5T_NATIVE_INT64, step_);
    {
      H5Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "create group property list");
      H5Check(H5Pset_obj_track_times(gcpl.get(), 0), "disable time tracking");
      H5Handle g(H5Gcreate2(file.get(), "episode", H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                 "create group episode");
      auto column = [&](const char* name, auto getter) {
        std::vector<double> v;
        for (const EpisodeRecord& r : episodes_) v.push_back(getter(r));
        WriteDataset(g.get(), name, H5T_NATIVE_DOUBLE, v);
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
      WriteDataset(g.get(), "length", H5T_NATIVE_INT64, length);
      WriteDataset(g.get(), "success", H5T_NATIVE_UINT8, success);
      g.Close("group episode");
      H5Handle gs(H5Gcreate2(file.get(), "step", H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                  "create group step");
      WriteDataset(gs.get(), "q_dag", H5T_NATIVE_FLOAT, step_q_dag_);
      // the same enum as the run files' `modes` (docs/formats.md), so tools read both alike
      H5Handle mode_type(H5Tenum_create(H5T_STD_U8LE), H5Tclose, "create the mode enum type");
      for (const H5EnumMember& member : TrajectoryModeMembers())
        H5Check(H5Tenum_insert(mode_type.get(), member.name.c_str(), &member.value),
                "add mode enum member " + member.name);
      WriteDataset(gs.get(), "mode", mode_type.get(), step_mode_);
      gs.Close("group step");
    }
    file.Close("'" + tmp + "'");
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  RenameInto(tmp, path);
}

void Trainer::WriteModels(const std::string& dir) const {
  namespace fs = std::filesystem;
  const std::string actor_path = (fs::path(dir) / "actor.pt").string();
  const std::string critic_path = (fs::path(dir) / "critic.pt").string();
  const std::string json_path = (fs::path(dir) / "model.json").string();
  const std::string actor_tmp = TempPath(actor_path), critic_tmp = TempPath(critic_path),
                    json_tmp = TempPath(json_path);
  try {
    SaveActorTorchScript(ToMlp(td3_->actor), actor_tmp);
    SaveCriticTorchScript(ToMlp(td3_->q1), ToMlp(td3_->q2), spec_->state_dim, critic_tmp);
    json model = {{"format", "calf-model-1"},
                  {"system", spec_->name},
                  {"state_dim", spec_->state_dim},
                  {"action_dim", spec_->action_dim},
                  {"max_action", spec_->max_action},
                  {"hidden", config_.td3.hidden},
                  {"actor", "actor.pt"},
                  {"critic", "critic.pt"},
                  {"seed", config_.seed},
                  {"episodes_trained", episodes_done()},
                  {"steps_trained", step_},
                  {"calf_version", kVersion},
                  {"training", json::parse(config_.ToJson())}};
    std::ofstream out(json_tmp, std::ios::trunc);
    out << model.dump(2) << "\n";
    out.close();
    if (!out) throw IoError("cannot write '" + json_tmp + "'", ExitCode::kRuntime);
  } catch (...) {
    std::error_code ec;
    for (const auto& p : {actor_tmp, critic_tmp, json_tmp}) fs::remove(p, ec);
    throw;
  }
  RenameInto(actor_tmp, actor_path);
  RenameInto(critic_tmp, critic_path);
  RenameInto(json_tmp, json_path);
}

}  // namespace calf::core::train
