// The safety property CALF promises: with relaxation off, an agent driven by a bad actor and
// critic still reaches the goal from every start from which the nominal controller does, given
// a long enough horizon. The actor and critic are random networks (a "deliberately bad"
// agent), the critic at two output scales: as initialised (|q| < ~1) and multiplied by 3,000
// (the magnitude of the shipped critics, which are trained on rewards times reward_scale 10).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/env/registry.h"
#include "core/sim/simulator.h"

using namespace calf::core;

namespace {

constexpr int64_t kAgents = 128;
constexpr int kHorizon = 5000;

PolicyModels BadModels(const std::string& system, uint64_t seed, float critic_scale) {
  const env::EnvSpec& spec = env::FindSpec(system);
  Eigen::VectorXf scale(spec.action_dim);
  for (int j = 0; j < spec.action_dim; ++j) scale[j] = float(spec.max_action[j]);
  PolicyModels m;
  m.actor = MakeRandomMlp({spec.obs_dim, 64, 64, spec.action_dim}, Activation::kRelu,
                          Activation::kTanh, scale, seed);
  const Mlp q = MakeRandomMlp({spec.critic_obs_dim() + spec.action_dim, 64, 64, 1},
                              Activation::kRelu, Activation::kIdentity, {}, seed + 1);
  Eigen::VectorXf qs(1);
  qs[0] = critic_scale;
  m.critic = Mlp(q.layers(), qs);
  return m;
}

SimConfig LongConfig(const std::string& system, const std::string& policy,
                     const CalfParams& calf) {
  SimConfig c;
  c.system = system;
  c.policy = policy;
  c.num_agents = kAgents;
  c.seed = 7;
  c.env.max_steps_per_episode = kHorizon;
  c.calf = calf;
  return c;
}

// how each agent's first episode (from the start state of the agent's stream) ended
std::vector<DoneReason> FirstEpisodes(const Simulator& sim) {
  SimState s;
  sim.Reset(s);
  std::vector<DoneReason> first(kAgents, DoneReason::kNone);
  for (int k = 0; k < kHorizon; ++k) {
    sim.Step(s, 0);
    for (int64_t i = 0; i < kAgents; ++i) {
      if (first[i] == DoneReason::kNone && s.done[i] != DoneReason::kNone) first[i] = s.done[i];
    }
  }
  return first;
}

// agents the nominal brings home but CALF does not
int64_t Misses(const std::vector<DoneReason>& nominal, const std::vector<DoneReason>& calf) {
  int64_t misses = 0;
  for (int64_t i = 0; i < kAgents; ++i) {
    if (nominal[i] == DoneReason::kGoal && calf[i] != DoneReason::kGoal) ++misses;
  }
  return misses;
}

}  // namespace

TEST_CASE("CALF with a random actor and critic and no relaxation reaches the goal wherever "
          "the nominal controller does",
          "[core][calf][safety]") {
  const CalfParams eval = CalfParams::Evaluation();
  REQUIRE(eval.lambda_relax == 0.0);
  for (const char* system : {"point_mass", "differential_drive"}) {
    const std::vector<DoneReason> nominal =
        FirstEpisodes(Simulator(LongConfig(system, "nominal", eval), PolicyModels{}));
    int64_t reached = 0;
    for (DoneReason r : nominal) reached += r == DoneReason::kGoal;
    INFO(system);
    REQUIRE(reached == kAgents);  // the nominal brings every start home within the horizon
    for (uint64_t seed : {1u, 2u, 3u, 4u}) {
      for (float scale : {1.0f, 3000.0f}) {
        const Simulator calf(LongConfig(system, "calf", eval), BadModels(system, seed, scale));
        INFO("seed " << seed << ", critic scale " << scale);
        CHECK(Misses(nominal, FirstEpisodes(calf)) == 0);
      }
    }
  }
}

TEST_CASE("The safety test can fail: a required improvement far below the critic's scale lets "
          "a bad agent miss starts the nominal controller reaches",
          "[core][calf][safety]") {
  // nu_bar 0.01 (the training default) against a critic of magnitude ~3,000 allows ~10^5
  // certified steps per episode: the bound on the actor's steps is vacuous within the horizon
  CalfParams loose;
  loose.lambda_relax = 0.0;
  int64_t misses = 0;
  for (const char* system : {"point_mass", "differential_drive"}) {
    const std::vector<DoneReason> nominal =
        FirstEpisodes(Simulator(LongConfig(system, "nominal", loose), PolicyModels{}));
    for (uint64_t seed : {1u, 2u, 3u}) {
      const Simulator calf(LongConfig(system, "calf", loose), BadModels(system, seed, 3000.0f));
      misses += Misses(nominal, FirstEpisodes(calf));
    }
  }
  CHECK(misses > 0);
}
