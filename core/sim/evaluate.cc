#include "core/sim/evaluate.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/sim/prepared_sim.h"
#include "core/sim/run_to_file.h"

namespace calf::core {
namespace {

constexpr const char* kModeKeys[4] = {"certified", "relax", "fallback", "nominal"};

PolicyEvaluation EvaluateOne(const SimConfig& config, int threads) {
  PreparedSim prepared(config);
  const Simulator& sim = prepared.sim;
  SimState& state = prepared.state;

  const int64_t n = config.num_agents;
  std::vector<double> running(n, 0.0), costs;
  int64_t modes[4] = {0, 0, 0, 0};
  PolicyEvaluation r;
  r.policy = config.policy;
  for (int64_t k = 0; k < config.steps; ++k) {
    sim.Step(state, threads);
    // serial, in agent order: the same sums for any thread count
    for (int64_t i = 0; i < n; ++i) {
      running[i] -= state.rewards[i];
      modes[static_cast<int>(state.modes[i])] += 1;
      if (state.done[i] == DoneReason::kNone) continue;
      costs.push_back(running[i]);
      r.goals += state.done[i] == DoneReason::kGoal;
      running[i] = 0.0;
    }
  }
  r.episodes = static_cast<int64_t>(costs.size());
  double sum = 0.0;
  for (double c : costs) sum += c;
  if (r.episodes > 0) {
    r.success_rate = static_cast<double>(r.goals) / static_cast<double>(r.episodes);
    r.mean_cost = sum / static_cast<double>(r.episodes);
  }
  if (r.episodes > 1) {
    double ss = 0.0;
    for (double c : costs) ss += (c - r.mean_cost) * (c - r.mean_cost);
    const double sd = std::sqrt(ss / static_cast<double>(r.episodes - 1));
    r.cost_ci95 = 1.96 * sd / std::sqrt(static_cast<double>(r.episodes));
  }
  const double steps = static_cast<double>(n * config.steps);
  for (int m = 0; m < 4; ++m) r.mode_fraction[m] = steps > 0 ? modes[m] / steps : 0.0;
  return r;
}

}  // namespace

Evaluation Evaluate(const SimConfig& config, int threads) {
  Evaluation e;
  // resolve (and validate) all three before the first simulation: bad input fails at once
  std::vector<SimConfig> runs;
  for (const char* policy : {"nominal", "actor", "calf"}) {
    SimConfig c = config;
    c.policy = policy;
    ResolveSimConfig(c);
    runs.push_back(c);
  }
  e.config = runs.back();
  for (const SimConfig& c : runs) e.rows.push_back(EvaluateOne(c, threads));
  return e;
}

std::string EvaluationMarkdown(const Evaluation& e) {
  const SimConfig& c = e.config;
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "system %s, %lld agents x %lld steps, seed %llu, actor %s, critic %s, "
                "calf nu_bar %g, lambda_relax %g\n\n",
                c.system.c_str(), static_cast<long long>(c.num_agents),
                static_cast<long long>(c.steps), static_cast<unsigned long long>(c.seed),
                c.actor_path.c_str(), c.critic_path.c_str(), c.calf.nu_bar,
                c.calf.lambda_relax);
  out += line;
  out += "| policy | episodes | success | mean episode cost (95% interval) | certified / relax / "
         "fallback / nominal |\n";
  out += "|---|---:|---:|---:|---|\n";
  for (const PolicyEvaluation& r : e.rows) {
    std::snprintf(line, sizeof line,
                  "| %s | %lld | %.1f%% | %.1f ± %.1f | %.1f / %.1f / %.1f / %.1f%% |\n",
                  r.policy.c_str(), static_cast<long long>(r.episodes), 100.0 * r.success_rate,
                  r.mean_cost, r.cost_ci95, 100.0 * r.mode_fraction[0],
                  100.0 * r.mode_fraction[1], 100.0 * r.mode_fraction[2],
                  100.0 * r.mode_fraction[3]);
    out += line;
  }
  return out;
}

std::string EvaluationJson(const Evaluation& e, int indent) {
  const SimConfig& c = e.config;
  nlohmann::json j;
  j["system"] = c.system;
  j["agents"] = c.num_agents;
  j["steps"] = c.steps;
  j["seed"] = c.seed;
  j["actor"] = c.actor_path;
  j["critic"] = c.critic_path;
  j["calf"] = {{"nu_bar", c.calf.nu_bar},
               {"kappa_low", c.calf.kappa_low},
               {"kappa_up", c.calf.kappa_up},
               {"lambda_relax", c.calf.lambda_relax}};
  nlohmann::json rows = nlohmann::json::array();
  for (const PolicyEvaluation& r : e.rows) {
    nlohmann::json modes;
    for (int m = 0; m < 4; ++m) modes[kModeKeys[m]] = r.mode_fraction[m];
    rows.push_back({{"policy", r.policy},
                    {"episodes", r.episodes},
                    {"goals", r.goals},
                    {"success_rate", r.success_rate},
                    {"mean_cost", r.mean_cost},
                    {"cost_ci95", r.cost_ci95},
                    {"modes", modes}});
  }
  j["policies"] = rows;
  return j.dump(indent);
}

}  // namespace calf::core
