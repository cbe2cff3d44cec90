#include "core/env/env_params.h"

#include <algorithm>

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
    if (region_min.size() != region_max.size() ||
        (region_min.size() != 0 && region_min.size() != 2)) {
      lb.Fail("region_min",
              "and region_max must both hold 2 numbers (the corners on the first two "
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

namespace {

// the family called `system` (name or alias), or null when empty or unknown: Bind then
// behaves as before a system is chosen
const EnvSpec* KnownSpec(const std::string& system) {
  if (system.empty()) return nullptr;
  try {
    return &FindSpec(system);
  } catch (const ConfigError&) {
    return nullptr;  // the config's own check names the unknown system
  }
}

// the shared flat keys only some families read (EnvSpec::shared_keys); dt and
// max_steps_per_episode every family reads
constexpr const char* kPartlyReadKeys[] = {"goal_epsilon", "boundary_limit", "reset_range"};

// true when `spec`'s family reads the shared flat key (every key while no family is known)
bool Reads(const EnvSpec* spec, const std::string& key) {
  if (spec == nullptr || key == "dt" || key == "max_steps_per_episode") return true;
  return std::find(spec->shared_keys.begin(), spec->shared_keys.end(), key) !=
         spec->shared_keys.end();
}

// the shared flat keys holding a double, by name; null for the others
template <typename Params>
auto SharedDouble(Params& p, const std::string& key) -> decltype(&p.dt) {
  if (key == "dt") return &p.dt;
  if (key == "goal_epsilon") return &p.goal_epsilon;
  if (key == "boundary_limit") return &p.boundary_limit;
  if (key == "reset_range") return &p.reset_range;
  return nullptr;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// refuses a value `spec`'s family does not read unless it holds its default (so a config
// written for another system, or by an older calf that wrote every key, still reads): a
// changed value there would be silently ignored
void RefuseInapplicable(const EnvParams& p, const EnvSpec& spec, const config::Binder& b) {
  const EnvParams defaults;
  // named after the layer that gave the key (the checker only knows "config")
  const auto fail = [&p, &b](const std::string& key, const std::string& problem) {
    const auto it = p.given.find(key);
    throw ConfigError((it != p.given.end() ? it->second : b.source()) + ": key '" + key + "' " +
                      problem);
  };
  const std::string fix = "; remove it (calf systems --json lists what each system reads)";
  for (const char* key : kPartlyReadKeys) {
    if (Reads(&spec, key)) continue;
    if (*SharedDouble(p, key) == *SharedDouble(defaults, key)) continue;
    std::vector<std::string> reads = {"dt", "max_steps_per_episode"};
    reads.insert(reads.end(), spec.shared_keys.begin(), spec.shared_keys.end());
    fail(key, "does not apply to system '" + spec.name + "', which reads only " + Join(reads) +
                  " of the shared keys" + fix);
  }
  std::vector<std::string> own_gains;
  for (const ParamSpec& g : spec.nominal_gains) own_gains.push_back(g.name);
  for (const EnvFamily& f : Families()) {
    if (f.spec.name == spec.name) continue;
    for (const ParamSpec& g : f.spec.nominal_gains) {
      if (p.gain(g.name) == g.value) continue;
      fail("nominal." + g.name, "is a gain of " + f.spec.nominal_policy + " (" + f.spec.name +
                                    ") and does not apply to system '" + spec.name + "', whose " +
                                    spec.nominal_policy + " reads " + Join(own_gains) + fix);
    }
    bool changed = false;
    for (const ParamSpec& q : f.spec.params) changed |= p.param(f.spec.name, q.name) != q.value;
    for (const TextParamSpec& t : f.spec.text_params) {
      changed |= p.text(f.spec.name, t.name) != t.value;
    }
    if (changed) {
      fail(f.spec.name, "holds the parameters of system '" + f.spec.name +
                            "' and does not apply to system '" + spec.name + "'" + fix);
    }
  }
}

}  // namespace

void EnvParams::Bind(config::Binder& b, const std::string& system) {
  using Kind = config::Binder::Kind;
  const EnvSpec* spec = KnownSpec(system);
  // the writer writes what the chosen family reads, with its values (its shared defaults)
  const bool write_all = b.kind() != Kind::kWriter || spec == nullptr;
  if (!write_all) *this = ForFamily(*spec);
  // where the keys a refusal may name came from
  const auto note = [&](const std::string& key) {
    if (b.Has(key)) given[key] = b.source();
  };
  for (const char* key : kPartlyReadKeys) note(key);
  b.Value("dt", dt, Range::OpenClosed(0.0, 1.0));
  if (write_all || Reads(spec, "goal_epsilon")) {
    b.Value("goal_epsilon", goal_epsilon, Range::AtLeast(0.0));
  }
  if (write_all || Reads(spec, "boundary_limit")) {
    b.Value("boundary_limit", boundary_limit, Range::Above(0.0));
  }
  if (write_all || Reads(spec, "reset_range")) {
    b.Value("reset_range", reset_range, Range::Above(0.0));
  }
  b.Value("max_steps_per_episode", max_steps_per_episode, Range::AtLeast(0));
  b.Object("scenario", [this](config::Binder& sb) { scenario.Bind(sb); });
  b.Object("nominal", [&](config::Binder& nb) {
    for (const EnvFamily& f : Families()) {
      if (!write_all && f.spec.name != spec->name) continue;
      for (const ParamSpec& g : f.spec.nominal_gains) {
        if (nb.Has(g.name)) given["nominal." + g.name] = nb.source();
        nb.Value(g.name, nominal[g.name]);
      }
    }
  });
  for (const EnvFamily& f : Families()) {
    if (f.spec.params.empty() && f.spec.text_params.empty()) continue;
    if (!write_all && f.spec.name != spec->name) continue;
    note(f.spec.name);
    b.Object(f.spec.name, [this, &f](config::Binder& fb) {
      std::map<std::string, double>& values = family[f.spec.name];
      for (const ParamSpec& q : f.spec.params) fb.Value(q.name, values[q.name], q.range);
      std::map<std::string, std::string>& texts = family_text[f.spec.name];
      for (const TextParamSpec& t : f.spec.text_params) fb.Value(t.name, texts[t.name]);
      if (fb.kind() == config::Binder::Kind::kChecker && f.check != nullptr) f.check(*this, fb);
    });
  }
  if (b.kind() != Kind::kChecker) return;
  if (Reads(spec, "reset_range") && Reads(spec, "boundary_limit") &&
      !(reset_range < boundary_limit)) {
    b.Fail("reset_range", "= " + std::to_string(reset_range) + " must be below boundary_limit (" +
                              std::to_string(boundary_limit) +
                              "): resets must start inside the box");
  }
  if (spec != nullptr) RefuseInapplicable(*this, *spec, b);
}

EnvParams EnvParams::ForFamily(const EnvSpec& spec) const {
  EnvParams p = *this;
  if (p.max_steps_per_episode == 0) p.max_steps_per_episode = spec.max_steps_per_episode;
  return p;
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
