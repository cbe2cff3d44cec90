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

void EnvParams::Bind(config::Binder& b) {
  b.Value("dt", dt, Range::OpenClosed(0.0, 1.0));
  b.Value("goal_epsilon", goal_epsilon, Range::AtLeast(0.0));
  b.Value("boundary_limit", boundary_limit, Range::Above(0.0));
  b.Value("reset_range", reset_range, Range::Above(0.0));
  b.Value("max_steps_per_episode", max_steps_per_episode, Range::AtLeast(1));
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
