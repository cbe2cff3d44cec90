#include "core/env/registry.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/env/creature/creature.h"
#include "core/env/differential_drive/differential_drive.h"
#include "core/env/point_mass/point_mass.h"
#include "core/env/quadruped/quadruped.h"
#include "core/error.h"

namespace calf::core::env {

const std::vector<EnvFamily>& Families() {
  // one line per family; the order is the order of `calf systems` and of the docs
  static const std::vector<EnvFamily> families = {
      PointMassFamily(),
      DifferentialDriveFamily(),
      CreatureFamily(),
      QuadrupedFamily(),
  };
  return families;
}

const EnvFamily& FindFamily(const std::string& name) {
  for (const EnvFamily& f : Families()) {
    if (f.spec.name == name) return f;
    for (const std::string& alias : f.spec.aliases) {
      if (alias == name) return f;
    }
  }
  throw ConfigError("unknown system '" + name + "'; use " + FamilyNames(" or ") +
                    " (calf systems lists them)");
}

const EnvSpec& FindSpec(const std::string& name) { return FindFamily(name).spec; }

std::unique_ptr<Environment> MakeEnvironment(const std::string& name, const EnvParams& params) {
  return FindFamily(name).make(params);
}

std::string FamilyNames(const std::string& separator) {
  // " or " reads as a sentence ("a, b or c"); any other separator joins plainly
  const auto& all = Families();
  std::string out;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out += separator != " or " ? separator : i + 1 == all.size() ? " or " : ", ";
    out += all[i].spec.name;
  }
  return out;
}

std::string DescribeFamilies() {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-30s %5s %5s %6s %5s  %-14s %s\n", "system", "state", "obs",
                "action", "env", "nominal", "action bounds");
  out += line;
  for (const EnvFamily& f : Families()) {
    const EnvSpec& s = f.spec;
    std::string bounds;
    for (double m : s.max_action) {
      char b[64];
      std::snprintf(b, sizeof b, "%s[-%g, %g]", bounds.empty() ? "" : " x ", m, m);
      bounds += b;
    }
    std::string name = s.name;
    for (const std::string& a : s.aliases) name += " (" + a + ")";
    std::snprintf(line, sizeof line, "%-30s %5d %5d %6d %5d  %-14s %s\n", name.c_str(), s.state_dim,
                  s.obs_dim, s.action_dim, s.env_state_dim, s.nominal_policy.c_str(),
                  bounds.c_str());
    out += line;
    out += "    " + s.summary + "; state [";
    for (size_t j = 0; j < s.state_names.size(); ++j) out += (j ? ", " : "") + s.state_names[j];
    out += "]\n";
  }
  return out;
}

std::string DescribeFamiliesJson() {
  nlohmann::json all = nlohmann::json::array();
  for (const EnvFamily& f : Families()) {
    const EnvSpec& s = f.spec;
    nlohmann::json gains = nlohmann::json::object();
    for (const ParamSpec& g : s.nominal_gains)
      gains[g.name] = {{"default", g.value}, {"doc", g.doc}};
    std::vector<std::string> shared = {"dt", "max_steps_per_episode"};
    shared.insert(shared.end(), s.shared_keys.begin(), s.shared_keys.end());
    nlohmann::json params = nlohmann::json::object();
    for (const ParamSpec& q : s.params) params[q.name] = {{"default", q.value}, {"doc", q.doc}};
    for (const TextParamSpec& t : s.text_params)
      params[t.name] = {{"default", t.value}, {"doc", t.doc}};
    all.push_back({{"name", s.name},
                   {"aliases", s.aliases},
                   {"summary", s.summary},
                   {"state_dim", s.state_dim},
                   {"obs_dim", s.obs_dim},
                   {"critic_obs_dim", s.critic_obs_dim()},
                   {"action_dim", s.action_dim},
                   {"env_state_dim", s.env_state_dim},
                   {"error_dim", s.error_dim},
                   {"max_action", s.max_action},
                   {"state_names", s.state_names},
                   {"nominal_policy", s.nominal_policy},
                   {"nominal_gains", gains},
                   {"goal_dim", s.goal_dim},
                   {"training",
                    {{"episode_steps", s.training.episode_steps},
                     {"reward_scale", s.training.reward_scale},
                     {"quick_env_steps", s.training.quick_env_steps},
                     {"standard_env_steps", s.training.standard_env_steps}}},
                   {"params", params},
                   {"shared_keys", shared},
                   {"max_steps_per_episode", s.max_steps_per_episode}});
  }
  return all.dump(2);
}

}  // namespace calf::core::env
