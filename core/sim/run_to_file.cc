#include "core/sim/run_to_file.h"

#include <chrono>
#include <vector>

#include "core/env/registry.h"
#include "core/io/output_file.h"
#include "core/io/trajectory_writer.h"
#include "core/sim/load_policy.h"
#include "core/sim/simulator.h"

namespace calf::core {
namespace {

// One recorded transition waiting for the state that follows it in the file: with K > 1
// the row of step i·K is appended only at step (i+1)·K (or the run's last step).
struct PendingRow {
  bool has_row = false;
  StepRecord rec;
  std::vector<double> actions, rewards;
  std::vector<float> q;
  std::vector<uint8_t> modes, done;
  std::vector<int32_t> episode;
  std::vector<int32_t> contacts;  // families with EnvSpec::contacts_index >= 0

  // copy = false points into `state` (valid when the row is appended in the same step)
  void Capture(const SimState& st, const std::vector<int32_t>& ep, int64_t step, bool copy,
               int contacts_index) {
    rec.step = step;
    if (contacts_index >= 0) {
      // the count after the step (a reset leaves it), taken now: the row may wait for K steps
      contacts.resize(st.num_agents);
      for (int64_t i = 0; i < st.num_agents; ++i) {
        contacts[i] = static_cast<int32_t>(st.env_states[i * st.env_state_dim + contacts_index]);
      }
      rec.contacts = contacts.data();
    }
    const auto* st_modes = reinterpret_cast<const uint8_t*>(st.modes.data());
    const auto* st_done = reinterpret_cast<const uint8_t*>(st.done.data());
    if (copy) {
      actions = st.actions;
      rewards = st.rewards;
      q = st.q_values;
      modes.assign(st_modes, st_modes + st.num_agents);
      done.assign(st_done, st_done + st.num_agents);
      episode = ep;
      rec.actions = actions.data();
      rec.rewards = rewards.data();
      rec.q_values = q.data();
      rec.modes = modes.data();
      rec.done = done.data();
      rec.episode = episode.data();
    } else {
      rec.actions = st.actions.data();
      rec.rewards = st.rewards.data();
      rec.q_values = st.q_values.data();
      rec.modes = st_modes;
      rec.done = st_done;
      rec.episode = ep.data();
    }
    has_row = true;
  }

  // observations and goals of the state that follows the row (families with a goal)
  std::vector<float> next_obs;
  std::vector<double> next_goals;

  void AppendTo(TrajectoryWriter& writer, const Simulator& sim, const SimState& st) {
    if (!has_row) return;
    rec.next_states = st.states.data();
    if (sim.spec().goal_dim > 0) {
      next_obs.resize(st.num_agents * sim.spec().obs_dim);
      next_goals.resize(st.num_agents * sim.spec().goal_dim);
      sim.Observe(st, next_obs.data(), next_goals.data());
      rec.next_obs = next_obs.data();
      rec.next_goals = next_goals.data();
    }
    writer.Append(rec);
    has_row = false;
  }
};

}  // namespace

void ResolveSimConfig(SimConfig& config) {
  config.Validate();
  const env::EnvSpec& canonical = env::FindSpec(config.system);
  config.system = canonical.name;
  if (config.policy == "nominal") config.policy = canonical.nominal_policy;
  if (config.policy_kind() != PolicyKind::kNominal) {
    config.actor_path = ResolveActorPath(config);
    if (config.policy_kind() == PolicyKind::kCalf) config.critic_path = ResolveCriticPath(config);
  }
}

RunOutcome RunToFile(const SimConfig& config, const std::string& out, int threads,
                     const RunHooks& hooks, const AgentSlice& slice) {
  CheckOutputFile(out, "trajectory");  // before the slow part: model loading and simulation
  PreparedSim prepared(config, slice);
  const Simulator& sim = prepared.sim;
  SimState& state = prepared.state;
  const env::EnvSpec& spec = sim.spec();
  const int64_t count = state.num_agents;  // the slice's

  const TrajectoryMeta meta{config.ToJson(), config.seed, spec.name, config.policy};
  TrajectoryWriterOptions wopt;
  wopt.compress = config.compress;
  // a family with a moving goal records what the policy saw and where the goal was
  std::vector<float> obs0;
  std::vector<double> goals0;
  if (spec.goal_dim > 0) {
    wopt.obs_dim = spec.obs_dim;
    wopt.goal_dim = spec.goal_dim;
    obs0.resize(count * spec.obs_dim);
    goals0.resize(count * spec.goal_dim);
    sim.Observe(state, obs0.data(), goals0.data());
  }
  wopt.contacts = spec.contacts_index >= 0;
  TrajectoryWriter writer(out, count, spec.state_dim, spec.action_dim, meta, wopt);
  writer.WriteInitialStates(state.states.data(), obs0.empty() ? nullptr : obs0.data(),
                            goals0.empty() ? nullptr : goals0.data());
  if (hooks.ready) hooks.ready();

  RunOutcome outcome;
  outcome.stats = RunStats(count);
  std::vector<int32_t> episode_during(count);
  PendingRow pending;
  const int64_t every = config.record_every;
  const auto t0 = std::chrono::steady_clock::now();
  int64_t k = 0;
  bool interrupted = false;
  for (; k < config.steps; ++k) {
    if (hooks.interrupted && hooks.interrupted()) {
      interrupted = true;
      break;
    }
    sim.Step(state, threads);
    outcome.stats.Observe(state);
    // row i holds the transition at step i*K; states[i+1] is the state at step (i+1)*K (or
    // the final state), so with K > 1 the transition waits in `pending` until then
    if (k % every == 0) {
      for (int64_t i = 0; i < state.num_agents; ++i) {
        episode_during[i] = state.episode[i] - (state.done[i] != DoneReason::kNone ? 1 : 0);
      }
      pending.Capture(state, episode_during, k, every > 1, spec.contacts_index);
    }
    if ((k + 1) % every == 0 || k + 1 == config.steps) pending.AppendTo(writer, sim, state);
    if (hooks.progress) hooks.progress(k + 1);
  }
  if (pending.has_row) pending.AppendTo(writer, sim, state);  // interrupted between recorded steps
  writer.Finish(!interrupted);
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  outcome.steps = k;
  outcome.complete = !interrupted;
  return outcome;
}

}  // namespace calf::core
