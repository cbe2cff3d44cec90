#include "core/sim/simulator.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/policy/calf_selector.h"
#include "core/policy/nominal.h"
#include "core/sim/random.h"
#include "core/sim/threads.h"

namespace calf::core {

Simulator::Simulator(const SimConfig& config, PolicyModels models)
    : config_(config), models_(std::move(models)) {
  config_.Validate();
  kind_ = config_.system_kind();
  spec_ = &GetSystemSpec(kind_);
  policy_ = config_.policy_kind();
  const int d = spec_->state_dim, m = spec_->action_dim;
  if (policy_ != PolicyKind::kNominal) {
    if (models_.actor.empty()) throw PolicyError("policy '" + config_.policy + "' needs an actor");
    if (models_.actor.input_dim() != d || models_.actor.output_dim() != m) {
      throw PolicyError("actor maps " + std::to_string(models_.actor.input_dim()) + " -> " +
                        std::to_string(models_.actor.output_dim()) + " but " + spec_->name +
                        " needs " + std::to_string(d) + " -> " + std::to_string(m));
    }
  }
  if ((models_.torch_actor == nullptr) != (models_.torch_critic == nullptr) &&
      policy_ == PolicyKind::kCalf) {
    throw PolicyError("the LibTorch per-agent path needs both the actor and the critic module");
  }
  if (policy_ == PolicyKind::kCalf) {
    if (models_.critic.empty()) throw PolicyError("policy 'calf' needs a critic");
    if (models_.critic.input_dim() != d + m || models_.critic.output_dim() != 1) {
      throw PolicyError("critic maps " + std::to_string(models_.critic.input_dim()) + " -> " +
                        std::to_string(models_.critic.output_dim()) + " but " + spec_->name +
                        " needs " + std::to_string(d + m) + " -> 1");
    }
  }
}

void Simulator::ResetAgent(SimState& s, int64_t i) const {
  // the episode starting after step k begins at time k+1; the initial one at time 0
  const uint64_t time = static_cast<uint64_t>(s.step) + (s.step > 0 || s.episode[i] > 0 ? 1 : 0);
  AgentRandom rng(config_.seed, static_cast<uint64_t>(i));
  const int d = spec_->state_dim;
  double* x = &s.states[i * d];
  const double r = config_.reset_range;
  for (int j = 0; j < d; ++j) {
    const double u = rng.Uniform(time, DrawPurpose::kReset, static_cast<uint32_t>(j));
    x[j] = -r + 2.0 * r * u;
  }
  // the unicycle's heading is drawn over the whole circle
  if (kind_ == SystemKind::kDifferentialDrive) x[2] = -M_PI + 2.0 * M_PI * (x[2] + r) / (2.0 * r);
}

void Simulator::Reset(SimState& s, const std::vector<double>* initial) const {
  const int d = spec_->state_dim, m = spec_->action_dim;
  s.Resize(config_.num_agents, d, m, config_.calf.lambda_relax);
  if (initial) {
    if (static_cast<int64_t>(initial->size()) != config_.num_agents * d) {
      throw ConfigError("initial states hold " + std::to_string(initial->size() / d) +
                        " agents but num_agents is " + std::to_string(config_.num_agents));
    }
    s.states = *initial;
  } else {
    for (int64_t i = 0; i < s.num_agents; ++i) ResetAgent(s, i);
  }
}

void Simulator::StepBlock(SimState& s, int64_t begin, int64_t end, MlpWorkspace& ws,
                          std::vector<float>& scratch) const {
  const int d = spec_->state_dim, m = spec_->action_dim;
  const int64_t n = end - begin;
  const float nan = std::numeric_limits<float>::quiet_NaN();

  // batched inference for the block: actor on states, critic on [state, actor action]
  float* s_f = nullptr;
  float* a_f = nullptr;
  float* sa_f = nullptr;
  float* q_f = nullptr;
  if (policy_ != PolicyKind::kNominal) {
    scratch.resize(n * (d + m + (d + m) + 1));
    s_f = scratch.data();
    a_f = s_f + n * d;
    sa_f = a_f + n * m;
    q_f = sa_f + n * (d + m);
    for (int64_t k = 0; k < n * d; ++k) s_f[k] = static_cast<float>(s.states[begin * d + k]);
    if (torch_per_agent()) {
      for (int64_t k = 0; k < n; ++k)
        models_.torch_actor->TorchActorForward(s_f + k * d, 1, a_f + k * m);
    } else {
      models_.actor.Forward(s_f, n, a_f, ws);
    }
    if (policy_ == PolicyKind::kCalf) {
      for (int64_t k = 0; k < n; ++k) {
        double a[3];
        for (int j = 0; j < m; ++j) a[j] = a_f[k * m + j];
        ClipAction(*spec_, a);
        for (int j = 0; j < d; ++j) sa_f[k * (d + m) + j] = s_f[k * d + j];
        for (int j = 0; j < m; ++j) sa_f[k * (d + m) + d + j] = static_cast<float>(a[j]);
      }
      if (torch_per_agent()) {
        float q2 = 0.0f;
        for (int64_t k = 0; k < n; ++k) {
          // the LibTorch forward takes state and action apart
          models_.torch_critic->TorchCriticForward(sa_f + k * (d + m), sa_f + k * (d + m) + d, 1,
                                                   q_f + k, &q2);
        }
      } else {
        models_.critic.Forward(sa_f, n, q_f, ws);
      }
    }
  }

  for (int64_t i = begin; i < end; ++i) {
    const int64_t k = i - begin;
    double* x = &s.states[i * d];
    double* act = &s.actions[i * m];
    if (policy_ == PolicyKind::kNominal) {
      NominalAction(kind_, config_.nominal, x, act);
      s.modes[i] = Mode::kNominal;
      s.q_values[i] = nan;
    } else {
      double actor[3];
      for (int j = 0; j < m; ++j) actor[j] = a_f[k * m + j];
      ClipAction(*spec_, actor);
      if (policy_ == PolicyKind::kActor) {
        for (int j = 0; j < m; ++j) act[j] = actor[j];
        s.modes[i] = Mode::kRelax;  // the actor acting without a certificate
        s.q_values[i] = nan;
      } else {
        double nominal[3];
        NominalAction(kind_, config_.nominal, x, nominal);
        AgentRandom rng(config_.seed, static_cast<uint64_t>(i));
        CalfInput in{x, actor, nominal, static_cast<double>(q_f[k]),
                     rng.Uniform(static_cast<uint64_t>(s.step), DrawPurpose::kRelax)};
        s.modes[i] = CalfSelect(config_.calf, in, d, m, i, s.calf, act);
        s.q_values[i] = q_f[k];
      }
    }

    // dynamics, reward and episode bookkeeping
    double next[3];
    s.rewards[i] = Reward(kind_, x, act);
    Rk4Step(kind_, x, act, config_.dt, next);
    for (int j = 0; j < d; ++j) x[j] = next[j];
    s.episode_return[i] += s.rewards[i];
    s.episode_step[i] += 1;
    DoneReason done = DoneReason::kNone;
    if (GoalDistance(kind_, x) < config_.goal_epsilon) {
      done = DoneReason::kGoal;
    } else if (OutOfBounds(kind_, x, config_.boundary_limit) || !std::isfinite(x[0])) {
      done = DoneReason::kOutOfBounds;
    } else if (s.episode_step[i] >= config_.max_steps_per_episode) {
      done = DoneReason::kTimeLimit;
    }
    s.done[i] = done;
    if (done != DoneReason::kNone) {
      s.episode[i] += 1;
      s.episode_step[i] = 0;
      s.episode_return[i] = 0.0;
      CalfResetCertificate(s.calf, i);
      ResetAgent(s, i);
    }
  }
}

void Simulator::Step(SimState& s, int threads) const {
  const int64_t n = s.num_agents;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  // never more threads than blocks: idle threads only add barrier cost
  const int nthreads =
      static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(ResolveThreads(threads), blocks)));
  const int used_threads = torch_per_agent() ? 1 : nthreads;
  std::vector<std::exception_ptr> errors(nthreads);

  // exceptions must not leave the parallel region: each thread keeps its first one
#pragma omp parallel num_threads(used_threads)
  {
    MlpWorkspace ws;
    std::vector<float> scratch;
    const int tid = omp_get_thread_num();
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
      if (errors[tid]) continue;
      try {
        StepBlock(s, b * kBlock, std::min(n, (b + 1) * kBlock), ws, scratch);
      } catch (...) {
        errors[tid] = std::current_exception();
      }
    }
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  s.step += 1;
}

std::vector<double> ReadInitialStatesCsv(const std::string& path, int64_t num_agents,
                                         int state_dim) {
  std::ifstream in(path);
  if (!in) throw ConfigError("initial states '" + path + "': cannot read the file");
  std::vector<double> out;
  std::string line;
  int64_t lineno = 0, rows = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#') continue;
    std::vector<double> row;
    std::stringstream ss(line);
    std::string cell;
    bool numeric = true;
    while (std::getline(ss, cell, ',')) {
      try {
        size_t used = 0;
        double v = std::stod(cell, &used);
        if (cell.find_first_not_of(" \t", used) != std::string::npos) numeric = false;
        row.push_back(v);
      } catch (const std::exception&) {
        numeric = false;
      }
    }
    if (!numeric) {
      if (rows == 0 && out.empty() && lineno == 1) continue;  // a header line
      throw ConfigError("initial states '" + path + "' line " + std::to_string(lineno) +
                        ": not a row of numbers");
    }
    for (double v : row) {
      if (!std::isfinite(v)) {
        throw ConfigError("initial states '" + path + "' line " + std::to_string(lineno) +
                          ": a value is not finite (nan or inf); give finite numbers");
      }
    }
    if (static_cast<int>(row.size()) != state_dim) {
      throw ConfigError("initial states '" + path + "' line " + std::to_string(lineno) + ": " +
                        std::to_string(row.size()) + " values, the system's state has " +
                        std::to_string(state_dim));
    }
    out.insert(out.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows != num_agents) {
    throw ConfigError("initial states '" + path + "': " + std::to_string(rows) + " rows for " +
                      std::to_string(num_agents) +
                      " agents; give one row per agent (or set --agents " + std::to_string(rows) +
                      ")");
  }
  return out;
}

}  // namespace calf::core
