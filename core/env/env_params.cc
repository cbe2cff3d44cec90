#include "core/env/env_params.h"

#include "core/env/registry.h"
#include "core/error.h"

namespace calf::core::env {

using config::Range;

EnvParams::EnvParams() {
  for (const EnvFamily& f : Families()) {
    for (const ParamSpec& g : f.spec.nominal_gains) nominal[g.name] = g.value;
    for (const ParamSpec& q : f.spec.params) family[f.spec.name][q.name] = q.value;
    for (const TextParamSpec& t : f.spec.text_params) family_text[f.spec.name][t.name] = t.value;
  }
}

void ScenarioTerms::Bind(config::Binder& b) {
  b.Object("spot", [this](config::Binder& sb) {
    sb.Value("x", spot_x, Range::Any());
    sb.Value("y", spot_y, Range::Any());
    sb.Value("sigma_x", spot_sigma_x, Range::Above(0.0));
    sb.Value("sigma_y", spot_sigma_y, Range::Above(0.0));
    sb.Value("weight", spot_weight, Range::AtLeast(0.0));
  });
  b.List("state_weights", state_weights, Range::AtLeast(0.0));
  b.Value("miss_cost", miss_cost, Range::AtLeast(0.0));
  b.List("action_bounds", action_bounds, Range::Above(0.0));
  b.Object("speed_limit", [this](config::Binder& lb) {
    lb.Value("action", limit_action, Range::AtLeast(0));
    lb.Value("max", limit_max, Range::AtLeast(0.0));
    lb.List("region_min", region_min, Range::Any());
    lb.List("region_max", region_max, Range::Any());
    if (lb.kind() != config::Binder::Kind::kChecker) return;
    if (region_min.size() != region_max.size() || (region_min.size() != 0 && region_min.size() != 2)) {
      lb.Fail("region_min", "and region_max must both hold 2 numbers (the corners on the first two "
                            "state coordinates) or both be empty (no limit)");
    }
    for (size_t j = 0; j < region_min.size() && j < region_max.size(); ++j) {
      if (region_min[j] > region_max[j]) {
        lb.Fail("region_min", "[" + std::to_string(j) + "] = " + std::to_string(region_min[j]) +
                                  " is above region_max[" + std::to_string(j) +
                                  "] = " + std::to_string(region_max[j]) + "; swap them");
      }
    }
  });
}

void EnvParams::Bind(config::Binder& b) {
  b.Value("dt", dt, Range::OpenClosed(0.0, 1.0));
  b.Value("goal_epsilon", goal_epsilon, Range::AtLeast(0.0));
  b.Value("boundary_limit", boundary_limit, Range::Above(0.0));
  b.Value("reset_range", reset_range, Range::Above(0.0));
  b.Value("max_steps_per_episode", max_steps_per_episode, Range::AtLeast(1));
  b.Object("scenario", [this](config::Binder& sb) { scenario.Bind(sb); });
  b.Object("nominal", [this](config::Binder& nb) {
    for (const EnvFamily& f : Families()) {
      for (const ParamSpec& g : f.spec.nominal_gains) nb.Value(g.name, nominal[g.name]);
    }
  });
  for (const EnvFamily& f : Families()) {
    if (f.spec.params.empty()) continue;
    b.Object(f.spec.name, [this, &f](config::Binder& fb) {
      std::map<std::string, double>& values = family[f.spec.name];
      for (const ParamSpec& q : f.spec.params) fb.Value(q.name, values[q.name], q.range);
      std::map<std::string, std::string>& texts = family_text[f.spec.name];
      for (const TextParamSpec& t : f.spec.text_params) fb.Value(t.name, texts[t.name]);
      if (fb.kind() == config::Binder::Kind::kChecker && f.check != nullptr) f.check(*this, fb);
    });
  }
  if (b.kind() == config::Binder::Kind::kChecker && !(reset_range < boundary_limit)) {
    b.Fail("reset_range", "= " + std::to_string(reset_range) + " must be below boundary_limit (" +
                              std::to_string(boundary_limit) +
                              "): resets must start inside the box");
  }
}

double EnvParams::gain(const std::string& name) const {
  const auto it = nominal.find(name);
  CALF_CHECK(it != nominal.end()) << "no nominal gain '" << name << "'";
  return it->second;
}

double EnvParams::param(const std::string& family_name, const std::string& name) const {
  const auto f = family.find(family_name);
  CALF_CHECK(f != family.end()) << "no parameters of family '" << family_name << "'";
  const auto it = f->second.find(name);
  CALF_CHECK(it != f->second.end()) << "no parameter '" << name << "' of " << family_name;
  return it->second;
}

const std::string& EnvParams::text(const std::string& family_name, const std::string& name) const {
  const auto f = family_text.find(family_name);
  CALF_CHECK(f != family_text.end()) << "no text parameters of family '" << family_name << "'";
  const auto it = f->second.find(name);
  CALF_CHECK(it != f->second.end()) << "no text parameter '" << name << "' of " << family_name;
  return it->second;
}

}  // namespace calf::core::env
