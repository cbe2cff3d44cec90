#include "core/train/env_batch.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/env/registry.h"

namespace {

using calf::core::DoneReason;
using calf::core::train::EnvBatchStep;
using calf::core::train::LocalEnvBatch;

// actions that vary by environment and step, within the bounds
std::vector<double> Actions(const calf::core::env::EnvSpec& spec, int64_t first, int64_t count,
                            int step) {
  std::vector<double> a(count * spec.action_dim);
  for (int64_t k = 0; k < count; ++k) {
    for (int j = 0; j < spec.action_dim; ++j) {
      const double phase = 0.37 * static_cast<double>(first + k) + 0.11 * step + j;
      a[k * spec.action_dim + j] = spec.max_action[j] * std::sin(phase);
    }
  }
  return a;
}

struct Trace {
  std::vector<double> reward, state;
  std::vector<uint8_t> done, moved;
  std::vector<float> final_obs, obs;
};

// `steps` steps of environments [first, first + count) stepped as one LocalEnvBatch
Trace Run(const calf::core::env::Environment& env, int64_t first, int64_t count, int steps,
          int threads) {
  const auto& spec = env.spec();
  LocalEnvBatch batch(env, 11, first, count, threads);
  Trace t;
  std::vector<float> obs(count * spec.obs_dim), final_obs(obs.size());
  batch.ResetAll(0, obs.data());
  t.obs = obs;
  std::vector<double> reward(count);
  std::vector<DoneReason> done(count);
  std::vector<uint8_t> moved(count);
  for (int s = 0; s < steps; ++s) {
    const std::vector<double> a = Actions(spec, first, count, s);
    batch.Step(static_cast<uint64_t>(s), a.data(),
               EnvBatchStep{reward.data(), done.data(), moved.data(), final_obs.data(),
                            obs.data()});
    t.reward.insert(t.reward.end(), reward.begin(), reward.end());
    for (DoneReason d : done) t.done.push_back(static_cast<uint8_t>(d));
    t.moved.insert(t.moved.end(), moved.begin(), moved.end());
    t.final_obs.insert(t.final_obs.end(), final_obs.begin(), final_obs.end());
    t.obs.insert(t.obs.end(), obs.begin(), obs.end());
  }
  std::vector<double> state(count * spec.state_dim), env_state(count * spec.env_state_dim);
  std::vector<int64_t> ep_step(count);
  std::vector<uint64_t> episodes(count);
  batch.GetState(state.data(), env_state.data(), ep_step.data(), episodes.data());
  t.state = state;
  return t;
}

// rows [lo, hi) of a per-step trace of `count` environments with `width` values each
template <typename T>
std::vector<T> Columns(const std::vector<T>& v, int64_t count, int64_t width, int64_t lo,
                       int64_t hi) {
  std::vector<T> out;
  for (size_t row = 0; row < v.size() / (count * width); ++row) {
    const auto* p = v.data() + row * count * width;
    out.insert(out.end(), p + lo * width, p + hi * width);
  }
  return out;
}

}  // namespace

// The invariant calf train under mpirun rests on: a slice of the environments, keyed by the
// global index of its first one, steps exactly like those environments inside the whole batch.
TEST_CASE("LocalEnvBatch: slices step exactly like the whole batch", "[core][train][env_batch]") {
  for (const char* system : {"creature", "differential_drive"}) {
    calf::core::env::EnvParams params;
    params.max_steps_per_episode = 7;  // several restarts within the run
    if (std::string(system) == "creature") params.family["creature"]["goal_threshold"] = 6.0;
    const auto env = calf::core::env::MakeEnvironment(system, params);
    const auto& spec = env->spec();
    const int64_t n = 40, cut = 16;
    const int steps = 30;
    const Trace whole = Run(*env, 0, n, steps, 1);
    const Trace head = Run(*env, 0, cut, steps, 1);
    const Trace tail = Run(*env, cut, n - cut, steps, 2);
    INFO(system);
    CHECK(Columns(whole.reward, n, 1, 0, cut) == head.reward);
    CHECK(Columns(whole.reward, n, 1, cut, n) == tail.reward);
    CHECK(Columns(whole.done, n, 1, cut, n) == tail.done);
    CHECK(Columns(whole.moved, n, 1, cut, n) == tail.moved);
    CHECK(Columns(whole.final_obs, n, spec.obs_dim, cut, n) == tail.final_obs);
    CHECK(Columns(whole.obs, n, spec.obs_dim, cut, n) == tail.obs);
    CHECK(Columns(whole.state, n, spec.state_dim, cut, n) == tail.state);
    // the run exercised restarts (and, for the creature, goals drawn inside a step)
    CHECK(std::count(whole.done.begin(), whole.done.end(),
                     static_cast<uint8_t>(DoneReason::kTimeLimit)) >= n);
    if (std::string(system) == "creature") {
      CHECK(std::count(whole.moved.begin(), whole.moved.end(), 1) > 0);
    }
    // a slice keyed as if it started at 0 is a different set of environments
    const Trace misplaced = Run(*env, 0, n - cut, steps, 1);
    CHECK(misplaced.state != tail.state);
  }
}

TEST_CASE("LocalEnvBatch: SetState restores what GetState returned", "[core][train][env_batch]") {
  const auto env = calf::core::env::MakeEnvironment("creature", {});
  const auto& spec = env->spec();
  const int64_t n = 20;
  LocalEnvBatch a(*env, 5, 0, n, 1), b(*env, 5, 0, n, 1);
  std::vector<float> obs(n * spec.obs_dim), obs_b(obs.size()), fin(obs.size());
  a.ResetAll(0, obs.data());
  b.ResetAll(0, obs_b.data());
  std::vector<double> reward(n);
  std::vector<DoneReason> done(n);
  std::vector<uint8_t> moved(n);
  for (int s = 0; s < 5; ++s) {
    const auto act = Actions(spec, 0, n, s);
    a.Step(s, act.data(), {reward.data(), done.data(), moved.data(), fin.data(), obs.data()});
  }
  std::vector<double> state(n * spec.state_dim), es(n * spec.env_state_dim);
  std::vector<int64_t> ep(n);
  std::vector<uint64_t> eps(n);
  a.GetState(state.data(), es.data(), ep.data(), eps.data());
  b.SetState(state.data(), es.data(), ep.data(), eps.data());
  b.Observe(5, obs_b.data());
  CHECK(obs_b == obs);
  std::vector<double> reward_b(n);
  std::vector<float> fin_b(fin.size());
  const auto act = Actions(spec, 0, n, 5);
  a.Step(5, act.data(), {reward.data(), done.data(), moved.data(), fin.data(), obs.data()});
  b.Step(5, act.data(), {reward_b.data(), done.data(), moved.data(), fin_b.data(), obs_b.data()});
  CHECK(reward_b == reward);
  CHECK(obs_b == obs);
}
