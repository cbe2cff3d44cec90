#include "core/sim/config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace calf::core {
namespace {

using nlohmann::json;

// reads j[key] into *out with a type check; the error names the source and the key
template <typename T>
void Read(const json& j, const std::string& key, T* out, const std::string& where) {
  const json& v = j.at(key);
  try {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) throw std::invalid_argument("not a boolean");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) throw std::invalid_argument("not a string");
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) throw std::invalid_argument("not an integer");
      if constexpr (std::is_unsigned_v<T>) {
        if (v.get<int64_t>() < 0 && !v.is_number_unsigned())
          throw std::invalid_argument("negative");
      }
    } else {
      if (!v.is_number()) throw std::invalid_argument("not a number");
    }
    *out = v.get<T>();
  } catch (const std::exception& e) {
    throw ConfigError(where + ": key '" + key + "' has a wrong value " + v.dump() + " (" +
                      e.what() + ")");
  }
}

void ApplyCalf(const json& j, CalfParams* p, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "nu_bar")
      Read(j, k, &p->nu_bar, where);
    else if (k == "kappa_low")
      Read(j, k, &p->kappa_low, where);
    else if (k == "kappa_up")
      Read(j, k, &p->kappa_up, where);
    else if (k == "lambda_relax")
      Read(j, k, &p->lambda_relax, where);
    else
      throw ConfigError(where + ": unknown key 'calf." + k +
                        "'; known: nu_bar, kappa_low, kappa_up, lambda_relax");
  }
}

void ApplyNominal(const json& j, NominalParams* p, const std::string& where) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "kp")
      Read(j, k, &p->kp, where);
    else if (k == "kd")
      Read(j, k, &p->kd, where);
    else if (k == "k_rho")
      Read(j, k, &p->k_rho, where);
    else if (k == "k_alpha")
      Read(j, k, &p->k_alpha, where);
    else if (k == "k_theta")
      Read(j, k, &p->k_theta, where);
    else
      throw ConfigError(where + ": unknown key 'nominal." + k +
                        "'; known: kp, kd, k_rho, k_alpha, k_theta");
  }
}

}  // namespace

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read '" + path + "': no such file or not readable");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void SimConfig::ApplyJson(const std::string& text, const std::string& where) {
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
    else if (k == "policy")
      Read(j, k, &policy, where);
    else if (k == "num_agents")
      Read(j, k, &num_agents, where);
    else if (k == "steps")
      Read(j, k, &steps, where);
    else if (k == "seed")
      Read(j, k, &seed, where);
    else if (k == "dt")
      Read(j, k, &dt, where);
    else if (k == "goal_epsilon")
      Read(j, k, &goal_epsilon, where);
    else if (k == "boundary_limit")
      Read(j, k, &boundary_limit, where);
    else if (k == "max_steps_per_episode")
      Read(j, k, &max_steps_per_episode, where);
    else if (k == "reset_range")
      Read(j, k, &reset_range, where);
    else if (k == "actor")
      Read(j, k, &actor_path, where);
    else if (k == "critic")
      Read(j, k, &critic_path, where);
    else if (k == "initial_states")
      Read(j, k, &initial_states_path, where);
    else if (k == "record_every")
      Read(j, k, &record_every, where);
    else if (k == "compress")
      Read(j, k, &compress, where);
    else if (k == "calf") {
      if (!it->is_object()) throw ConfigError(where + ": key 'calf' must be an object");
      ApplyCalf(*it, &calf, where);
    } else if (k == "nominal") {
      if (!it->is_object()) throw ConfigError(where + ": key 'nominal' must be an object");
      ApplyNominal(*it, &nominal, where);
    } else {
      throw ConfigError(where + ": unknown key '" + k + "' (see docs/config.md for the keys)");
    }
  }
}

PolicyKind SimConfig::policy_kind() const {
  if (policy == "pd" || policy == "move_to_point" || policy == "nominal") {
    const std::string& nominal_name = GetSystemSpec(system_kind()).nominal_policy;
    if (policy != "nominal" && policy != nominal_name) {
      throw ConfigError("policy '" + policy + "' does not fit system '" + system + "'; use " +
                        nominal_name + " (or nominal)");
    }
    return PolicyKind::kNominal;
  }
  if (policy == "actor") return PolicyKind::kActor;
  if (policy == "calf") return PolicyKind::kCalf;
  throw ConfigError("unknown policy '" + policy +
                    "'; use pd, move_to_point, nominal, actor or calf");
}

void SimConfig::Validate() const {
  system_kind();
  policy_kind();
  auto require = [](bool ok, const std::string& msg) {
    if (!ok) throw ConfigError(msg);
  };
  require(num_agents > 0, "num_agents must be > 0 (got " + std::to_string(num_agents) + ")");
  require(num_agents <= 100000000, "num_agents must be <= 100000000");
  require(steps >= 0, "steps must be >= 0 (got " + std::to_string(steps) + ")");
  require(dt > 0 && dt <= 1.0, "dt must be in (0, 1]");
  require(goal_epsilon >= 0, "goal_epsilon must be >= 0");
  require(boundary_limit > 0, "boundary_limit must be > 0");
  require(max_steps_per_episode > 0, "max_steps_per_episode must be > 0");
  require(reset_range > 0 && reset_range < boundary_limit,
          "reset_range must be in (0, boundary_limit)");
  require(record_every > 0, "record_every must be > 0 (got " + std::to_string(record_every) + ")");
  require(calf.lambda_relax >= 0 && calf.lambda_relax <= 1, "calf.lambda_relax must be in [0, 1]");
  require(calf.kappa_low >= 0 && calf.kappa_up >= calf.kappa_low,
          "calf.kappa_low must be >= 0 and <= calf.kappa_up");
}

std::string SimConfig::ToJson(int indent) const {
  json j = {{"system", system},
            {"policy", policy},
            {"num_agents", num_agents},
            {"steps", steps},
            {"seed", seed},
            {"dt", dt},
            {"goal_epsilon", goal_epsilon},
            {"boundary_limit", boundary_limit},
            {"max_steps_per_episode", max_steps_per_episode},
            {"reset_range", reset_range},
            {"actor", actor_path},
            {"critic", critic_path},
            {"initial_states", initial_states_path},
            {"record_every", record_every},
            {"compress", compress},
            {"calf",
             {{"nu_bar", calf.nu_bar},
              {"kappa_low", calf.kappa_low},
              {"kappa_up", calf.kappa_up},
              {"lambda_relax", calf.lambda_relax}}},
            {"nominal",
             {{"kp", nominal.kp},
              {"kd", nominal.kd},
              {"k_rho", nominal.k_rho},
              {"k_alpha", nominal.k_alpha},
              {"k_theta", nominal.k_theta}}}};
  return j.dump(indent);
}

}  // namespace calf::core
