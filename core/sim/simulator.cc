#include "core/sim/simulator.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/policy/calf_selector.h"
#include "core/random/agent_random.h"
#include "core/threads.h"

namespace calf::core {

// per-thread buffers of one block, reused across blocks and steps
struct Simulator::Scratch {
  MlpWorkspace ws;
  std::vector<float> obs, extras, actor_in, actor_out, critic_in, q;
  std::vector<double> actor, nominal, error;
  std::vector<uint64_t> counters;
  std::vector<uint8_t> reset;
};

Simulator::Simulator(const SimConfig& config, PolicyModels models)
    : config_(config), models_(std::move(models)) {
  config_.Validate();
  env_ = env::MakeEnvironment(config_.system, config_.env);
  policy_ = config_.policy_kind();
  const env::EnvSpec& spec = env_->spec();
  const int o = spec.obs_dim, m = spec.action_dim;
  if (models_.recurrent != nullptr && policy_ != PolicyKind::kActor) {
    throw PolicyError("a recurrent policy runs only as --policy actor");
  }
  if (policy_ != PolicyKind::kNominal && models_.recurrent == nullptr) {
    if (models_.actor.empty()) throw PolicyError("policy '" + config_.policy + "' needs an actor");
    // an actor on the observation, or on the observation and the extras (EnvSpec)
    const int in = models_.actor.input_dim(), c = spec.critic_obs_dim();
    if ((in != o && in != c) || models_.actor.output_dim() != m) {
      throw PolicyError(
          "actor maps " + std::to_string(in) + " -> " + std::to_string(models_.actor.output_dim()) +
          " but " + spec.name + " needs " + std::to_string(o) + " -> " + std::to_string(m) +
          (c != o ? " (or " + std::to_string(c) + " -> " + std::to_string(m) + " with the extras)"
                  : std::string()));
    }
    actor_in_dim_ = in;
  }
  if ((models_.torch_actor == nullptr) != (models_.torch_critic == nullptr) &&
      policy_ == PolicyKind::kCalf) {
    throw PolicyError("the LibTorch per-agent path needs both the actor and the critic module");
  }
  if (policy_ == PolicyKind::kCalf) {
    if (models_.critic.empty()) throw PolicyError("policy 'calf' needs a critic");
    const int c = spec.critic_obs_dim();
    if (models_.critic.input_dim() != c + m || models_.critic.output_dim() != 1) {
      throw PolicyError("critic maps " + std::to_string(models_.critic.input_dim()) + " -> " +
                        std::to_string(models_.critic.output_dim()) + " but " + spec.name +
                        " needs " + std::to_string(c + m) + " -> 1");
    }
  }
}

Simulator::~Simulator() = default;

void Simulator::Reset(SimState& s, const std::vector<double>* initial, int64_t first_agent) const {
  const env::EnvSpec& spec = env_->spec();
  const int d = spec.state_dim;
  s.Resize(config_.num_agents, d, spec.action_dim, spec.env_state_dim, config_.calf.lambda_relax);
  s.first_agent = first_agent;
  s.hidden_size = models_.recurrent != nullptr ? models_.recurrent->hidden_size() : 0;
  s.hidden.assign(s.num_agents * s.hidden_size, 0.0f);
  s.cell.assign(s.num_agents * s.hidden_size, 0.0f);
  if (initial) {
    if (static_cast<int64_t>(initial->size()) != config_.num_agents * d) {
      throw ConfigError("initial states hold " + std::to_string(initial->size() / d) +
                        " agents but num_agents is " + std::to_string(config_.num_agents));
    }
    s.states = *initial;
    // the environment state (a goal, ...) still comes from the agent's stream
    if (spec.env_state_dim == 0) return;
  }
  // the initial episode starts at time 0
  const int64_t n = s.num_agents;
  std::vector<uint64_t> counters(kBlock, 0);
  std::vector<double> keep;
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t count = std::min(kBlock, n - begin);
    env::AgentBlock block{
        first_agent + begin, count, &s.states[begin * d],
        s.env_states.empty() ? nullptr : &s.env_states[begin * spec.env_state_dim],
        &s.episode_step[begin]};
    if (initial) keep.assign(block.state, block.state + count * d);
    env_->Reset(block, config_.seed, counters.data(), nullptr);
    if (initial) {
      std::copy(keep.begin(), keep.end(), block.state);
      env_->StateChanged(block);
    }
  }
}

void Simulator::Observe(const SimState& s, float* obs, double* goals) const {
  const env::EnvSpec& spec = env_->spec();
  const int d = spec.state_dim, e = spec.env_state_dim, o = spec.obs_dim, g = spec.goal_dim;
  std::vector<int64_t> episode_step(kBlock);
  for (int64_t begin = 0; begin < s.num_agents; begin += kBlock) {
    const int64_t count = std::min(kBlock, s.num_agents - begin);
    // Observe reads the state only; the block's views are non-const by the interface's type
    const env::AgentBlock block{
        s.first_agent + begin, count, const_cast<double*>(&s.states[begin * d]),
        e > 0 ? const_cast<double*>(&s.env_states[begin * e]) : nullptr, episode_step.data()};
    env_->Observe(block, obs + begin * o);
    if (goals == nullptr) continue;
    for (int64_t k = 0; k < count; ++k) {
      for (int j = 0; j < g; ++j) goals[(begin + k) * g + j] = s.env_states[(begin + k) * e + j];
    }
  }
}

void Simulator::StepBlock(SimState& s, int64_t begin, int64_t end, Scratch& w) const {
  const env::EnvSpec& spec = env_->spec();
  const int d = spec.state_dim, m = spec.action_dim, o = spec.obs_dim, e = spec.env_state_dim;
  const int64_t n = end - begin;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const env::AgentBlock block{
      s.first_agent + begin,        n,
      &s.states[begin * d],         e > 0 ? &s.env_states[begin * e] : nullptr,
      &s.episode_step[begin],       config_.seed,
      static_cast<uint64_t>(s.step)};
  double* act = &s.actions[begin * m];

  if (policy_ == PolicyKind::kNominal) {
    env_->Nominal(block, act);
    for (int64_t k = 0; k < n; ++k) {
      s.modes[begin + k] = Mode::kNominal;
      s.q_values[begin + k] = nan;
    }
  } else {
    // batched inference for the block: actor on observations, critic on [obs, extras, action]
    w.obs.resize(n * o);
    w.actor_out.resize(n * m);
    w.actor.resize(n * m);
    env_->Observe(block, w.obs.data());
    // the extras, once per block, for the actor (with actor_extras) and the critic
    const int ai = actor_in_dim_, x = spec.critic_extra_dim;
    const bool critic_runs = policy_ == PolicyKind::kCalf;
    const bool actor_sees_extras = ai != o && models_.recurrent == nullptr;
    w.extras.resize(n * x);
    if (x > 0 && (critic_runs || actor_sees_extras)) env_->CriticExtras(block, w.extras.data());
    // the actor's rows: the observations, or the observations and the extras
    const float* actor_in = w.obs.data();
    if (actor_sees_extras) {
      w.actor_in.resize(n * ai);
      for (int64_t k = 0; k < n; ++k) {
        for (int j = 0; j < o; ++j) w.actor_in[k * ai + j] = w.obs[k * o + j];
        for (int j = 0; j < x; ++j) w.actor_in[k * ai + o + j] = w.extras[k * x + j];
      }
      actor_in = w.actor_in.data();
    }
    if (models_.recurrent != nullptr) {
      const int64_t H = s.hidden_size;
      models_.recurrent->Forward(w.obs.data(), n, &s.hidden[begin * H], &s.cell[begin * H],
                                 w.actor.data());
    } else {
      if (torch_per_agent()) {
        for (int64_t k = 0; k < n; ++k)
          models_.torch_actor->TorchActorForward(actor_in + k * ai, 1, &w.actor_out[k * m]);
      } else {
        models_.actor.Forward(actor_in, n, w.actor_out.data(), w.ws);
      }
      for (int64_t k = 0; k < n * m; ++k) w.actor[k] = w.actor_out[k];
    }
    for (int64_t k = 0; k < n; ++k) {
      uint8_t any = 0;
      for (int j = 0; j < m; ++j) any |= std::isnan(w.actor[k * m + j]) ? 1 : 0;
      s.nan_action[begin + k] = any;
    }
    env_->ClipActions(w.actor.data(), n);

    if (policy_ == PolicyKind::kActor) {
      for (int64_t k = 0; k < n * m; ++k) act[k] = w.actor[k];
      for (int64_t k = 0; k < n; ++k) {
        s.modes[begin + k] = Mode::kRelax;  // the actor acting without a certificate
        s.q_values[begin + k] = nan;
      }
    } else {
      // the critic's rows: observation, the family's extras (EnvSpec::critic_extra_dim), action
      const int c = spec.critic_obs_dim();
      w.critic_in.resize(n * (c + m));
      w.q.resize(n);
      env_->CriticInput(n, w.obs.data(), w.extras.data(), w.actor.data(), w.critic_in.data());
      if (torch_per_agent()) {
        float q2 = 0.0f;
        for (int64_t k = 0; k < n; ++k) {
          // the LibTorch forward takes observation and action apart
          const float* row = &w.critic_in[k * (c + m)];
          models_.torch_critic->TorchCriticForward(row, row + c, 1, &w.q[k], &q2);
        }
      } else {
        models_.critic.Forward(w.critic_in.data(), n, w.q.data(), w.ws);
      }
      const int ne = spec.error_dim;
      w.nominal.resize(n * m);
      w.error.resize(n * ne);
      env_->Nominal(block, w.nominal.data());
      env_->Error(block, w.error.data());
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = begin + k;
        const AgentRandom rng(config_.seed, static_cast<uint64_t>(s.first_agent + i));
        CalfInput in{&s.states[i * d],
                     &w.actor[k * m],
                     &w.nominal[k * m],
                     static_cast<double>(w.q[k]),
                     rng.Uniform(static_cast<uint64_t>(s.step), DrawPurpose::kRelax),
                     &w.error[k * ne],
                     ne};
        s.modes[i] = CalfSelect(config_.calf, in, d, m, i, s.calf, act + k * m);
        s.q_values[i] = w.q[k];
      }
    }
  }

  // the environment's step: dynamics, reward, termination and the time limit
  uint8_t* moved = &s.target_moved[begin];
  std::fill(moved, moved + n, uint8_t{0});
  env_->Step(block, act, {&s.rewards[begin], &s.done[begin], moved});

  // episode bookkeeping; ended episodes restart from the agent's stream at time step+1
  w.reset.assign(n, 0);
  bool any_reset = false;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = begin + k;
    s.episode_return[i] += s.rewards[i];
    if (moved[k] != 0) CalfResetCertificate(s.calf, i);  // the Lyapunov target moved
    if (s.done[i] != DoneReason::kNone) {
      s.episode[i] += 1;
      s.episode_step[i] = 0;
      s.episode_return[i] = 0.0;
      CalfResetCertificate(s.calf, i);
      // a recurrent policy starts the new episode from a zero state, as in training
      std::fill_n(s.hidden.begin() + i * s.hidden_size, s.hidden_size, 0.0f);
      std::fill_n(s.cell.begin() + i * s.hidden_size, s.hidden_size, 0.0f);
      w.reset[k] = 1;
      any_reset = true;
    }
  }
  if (any_reset) {
    w.counters.assign(n, static_cast<uint64_t>(s.step) + 1);
    env_->Reset(block, config_.seed, w.counters.data(), w.reset.data());
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
    Scratch scratch;
    const int tid = omp_get_thread_num();
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
      if (errors[tid]) continue;
      try {
        StepBlock(s, b * kBlock, std::min(n, (b + 1) * kBlock), scratch);
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

}  // namespace calf::core
