// Evaluates a trained model with the Simulator API (the same code path as `calf run`):
// N random starts, one episode each of at most `steps` steps, for the nominal controller,
// the actor alone and CALF. Prints success rate, mean episode cost (negative reward) and the
// mode fractions.
//   calf_train_eval <model_dir> [system=point_mass] [agents=1000] [steps=750] [seed=12345]

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/policy/torch_model.h"
#include "core/sim/simulator.h"

namespace {

using namespace calf::core;

struct Result {
  double success = 0, cost = 0, modes[4] = {0, 0, 0, 0};
};

Result Evaluate(const std::string& policy, const std::string& system, const std::string& dir,
                int64_t agents, int64_t steps, uint64_t seed) {
  SimConfig c;
  c.system = system;
  c.policy = policy;
  c.num_agents = agents;
  c.steps = steps;
  c.env.max_steps_per_episode = steps;
  c.seed = seed;
  c.Validate();
  const env::EnvSpec& spec = env::FindSpec(c.system);
  PolicyModels models;
  if (policy == "actor" || policy == "calf") {
    models.actor = TorchModel::Load(dir + "/actor.pt", TorchModel::Role::kActor, spec)->heads()[0];
    models.critic =
        TorchModel::Load(dir + "/critic.pt", TorchModel::Role::kCritic, spec)->heads()[0];
  }
  Simulator sim(c, models);
  SimState s;
  sim.Reset(s);
  std::vector<uint8_t> finished(agents, 0);
  std::vector<double> cost(agents, 0.0);
  Result r;
  double mode_steps = 0;
  for (int64_t t = 0; t < steps; ++t) {
    sim.Step(s);
    for (int64_t i = 0; i < agents; ++i) {
      if (finished[i]) continue;  // only each agent's first episode counts
      cost[i] -= s.rewards[i];
      r.modes[static_cast<int>(s.modes[i])] += 1;
      mode_steps += 1;
      if (s.done[i] != DoneReason::kNone) {
        finished[i] = 1;
        if (s.done[i] == DoneReason::kGoal) r.success += 1;
      }
    }
  }
  for (int64_t i = 0; i < agents; ++i) r.cost += cost[i];
  r.success /= static_cast<double>(agents);
  r.cost /= static_cast<double>(agents);
  for (double& m : r.modes) m /= mode_steps;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: calf_train_eval <model_dir> [system] [agents] [steps] [seed]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::string system = argc > 2 ? argv[2] : "point_mass";
  const int64_t agents = argc > 3 ? std::atoll(argv[3]) : 1000;
  const int64_t steps = argc > 4 ? std::atoll(argv[4]) : 750;
  const uint64_t seed = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 12345;
  try {
    std::printf("%-8s %8s %12s %10s %8s %9s %8s\n", "policy", "success", "mean_cost", "certified",
                "relax", "fallback", "nominal");
    for (const std::string policy : {"nominal", "actor", "calf"}) {
      const Result r = Evaluate(policy, system, dir, agents, steps, seed);
      std::printf("%-8s %7.1f%% %12.2f %10.3f %8.3f %9.3f %8.3f\n", policy.c_str(),
                  100.0 * r.success, r.cost, r.modes[0], r.modes[1], r.modes[2], r.modes[3]);
    }
  } catch (const calf::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
  return 0;
}
