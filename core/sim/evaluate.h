#pragma once
// The standard evaluation of a trained agent (`calf eval`): the same starts under the system's
// nominal controller, the actor alone and CALF, side by side.

#include <cstdint>
#include <string>
#include <vector>

#include "core/sim/config.h"

namespace calf::core {

/// One policy's results over every episode that ended during the run (as `calf run --json`'s
/// `episodes`).
struct PolicyEvaluation {
  std::string policy;        ///< As run: the nominal controller's name, "actor" or "calf".
  int64_t episodes = 0;      ///< Episodes that ended (goal, out of bounds, time limit).
  int64_t goals = 0;         ///< Of them, ended in the goal.
  double success_rate = 0;   ///< goals / episodes (0 when none ended).
  double mean_cost = 0;      ///< Mean episode cost (−sum of rewards) [reward units].
  double cost_ci95 = 0;      ///< Half-width of the 95% interval of mean_cost: 1.96·sd/√n
                             ///< (sd with n − 1; 0 for fewer than two episodes).
  double mode_fraction[4] = {0, 0, 0, 0};  ///< Agent-steps per Mode, as fractions.
};

/// The evaluation of one configuration under the three policies.
struct Evaluation {
  SimConfig config;  ///< The resolved configuration of the CALF run (models, calf keys).
  std::vector<PolicyEvaluation> rows;  ///< nominal, actor, calf (in that order).
};

/// Runs `config` (its `policy` is ignored) three times — the system's nominal controller, the
/// actor, CALF — with the same agents, starts and seed, on `threads` OpenMP threads (0 = all;
/// the results do not depend on it: episode costs are summed serially in step, then agent
/// order). Nothing is written to disk. Throws calf::Error (ConfigError / PolicyError: exit 2).
Evaluation Evaluate(const SimConfig& config, int threads);

/// The evaluation as a Markdown table (one row per policy) headed by the command's settings.
std::string EvaluationMarkdown(const Evaluation& evaluation);

/// The evaluation as a JSON object: {"system", "agents", "steps", "seed", "actor", "critic",
/// "calf": {...}, "policies": [{"policy", "episodes", "goals", "success_rate", "mean_cost",
/// "cost_ci95", "modes": {"certified", "relax", "fallback", "nominal"}}, ...]}.
std::string EvaluationJson(const Evaluation& evaluation, int indent = 2);

}  // namespace calf::core
