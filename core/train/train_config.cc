#include "core/train/train_config.h"

#include <algorithm>
#include <typeinfo>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/train/algorithm.h"

namespace calf::core::train {

using config::Range;
using nlohmann::json;

TrainConfig::TrainConfig() : params(FindAlgorithm(algo).make_params()) {}

TrainConfig::TrainConfig(const TrainConfig& o)
    : system(o.system),
      algo(o.algo),
      seed(o.seed),
      episodes(o.episodes),
      checkpoint_every(o.checkpoint_every),
      env(o.env),
      calf(o.calf),
      params(o.params->Clone()) {}

TrainConfig& TrainConfig::operator=(const TrainConfig& o) {
  if (this != &o) *this = TrainConfig(o);
  return *this;
}

TrainConfig::~TrainConfig() = default;

void TrainConfig::WrongParams(const char* type) const {
  CALF_CHECK(false) << "training algorithm '" << algo << "' has no parameters of type " << type;
  std::abort();
}

void TrainConfig::SetAlgorithm(const std::string& name) {
  if (name == algo) return;
  params = FindAlgorithm(name).make_params();
  algo = name;
}

void TrainConfig::ApplyPreset(const std::string& name) { params->ApplyPreset(name, *this); }

void TrainConfig::Bind(config::Binder& b) {
  b.Value("system", system, false);
  std::vector<std::string> names;
  for (const AlgorithmEntry& e : Algorithms()) names.push_back(e.name);
  b.Choice("algo", algo, names);
  b.Value("seed", seed);
  b.Value("episodes", episodes, Range::AtLeast(1));
  b.Value("checkpoint_every", checkpoint_every, Range::AtLeast(0));
  env.Bind(b, system);
  b.Object("calf", [this](config::Binder& cb) { calf.Bind(cb); });
  params->Bind(b);
}

void TrainConfig::ApplyJson(const std::string& text, const std::string& where) {
  const json j = config::ParseObject(text, where);
  // the algorithm decides which keys exist: switch first
  if (j.contains("algo")) {
    if (!j["algo"].is_string()) {
      throw ConfigError(where + ": key 'algo' must be a string (got " +
                        config::ShortDump(j["algo"]) + ")");
    }
    const std::string name = j["algo"].get<std::string>();
    try {
      SetAlgorithm(name);
    } catch (const ConfigError& e) {
      throw ConfigError(where + ": key 'algo': " + e.what());
    }
  }
  config::Binder b = config::Binder::Reader(j, where);
  Bind(b);
  b.Finish("docs/training.md");
}

void TrainConfig::Validate() const {
  env::FindSpec(system);
  config::CheckValues(*this);
  params->Validate(*this);
}

std::string TrainConfig::ToJson(int indent) const {
  return config::ToJsonObject(*this).dump(indent);
}

// ---- resolving explicit settings ---------------------------------------------------------

namespace {

// the algorithm a run uses: --algo, else the config file's "algo", else `fallback`
std::string ChosenAlgorithm(const TrainOverrides& o, const std::string& fallback) {
  if (o.algo) return *o.algo;
  if (!o.config_json.empty()) {
    const json j = config::ParseObject(o.config_json, o.config_source);
    if (j.contains("algo") && j["algo"].is_string()) return j["algo"].get<std::string>();
  }
  return fallback;
}

// the system a new run uses, known before the preset (presets are sized per system):
// --system, else the config file's "system", else `fallback`; canonical
std::string ChosenSystem(const TrainOverrides& o, const std::string& fallback) {
  std::string name = fallback;
  if (o.system) {
    name = *o.system;
  } else if (!o.config_json.empty()) {
    const json j = config::ParseObject(o.config_json, o.config_source);
    if (j.contains("system") && j["system"].is_string()) name = j["system"].get<std::string>();
  }
  return env::FindSpec(name).name;
}

// flags last: preset < config file < --system/--algo/--seed/--episodes/... < algorithm flags
void ApplyOverrides(const TrainOverrides& o, bool keep_run_length, TrainConfig& c) {
  if (o.preset) {
    const int64_t episodes = c.episodes;
    c.ApplyPreset(*o.preset);
    if (keep_run_length) c.episodes = episodes;
  }
  if (!o.config_json.empty()) c.ApplyJson(o.config_json, o.config_source);
  if (o.algo) c.SetAlgorithm(*o.algo);
  if (o.system) c.system = *o.system;
  if (o.seed) c.seed = *o.seed;
  if (o.episodes) c.episodes = *o.episodes;
  if (o.checkpoint_every) c.checkpoint_every = *o.checkpoint_every;
  if (!o.algo_flags.empty()) {
    // through the same key list as the file, so a flag is checked like a key
    config::Binder b = config::Binder::Reader(o.algo_flags, "flags");
    c.params->Bind(b);
  }
  // canonical name, so "unicycle" and "differential_drive" compare equal on resume
  c.system = env::FindSpec(c.system).name;
}

// first key (dotted path, sorted) whose value differs between two JSON objects
std::string FirstDifference(const json& a, const json& b, const std::string& prefix) {
  for (auto it = b.begin(); it != b.end(); ++it) {
    const std::string key = prefix + it.key();
    if (!a.contains(it.key())) return key;
    const json& va = a.at(it.key());
    if (va.is_object() && it.value().is_object()) {
      const std::string d = FirstDifference(va, it.value(), key + ".");
      if (!d.empty()) return d;
    } else if (va != it.value()) {
      return key;
    }
  }
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (!b.contains(it.key())) return prefix + it.key();
  }
  return "";
}

}  // namespace

TrainConfig ResolveNewConfig(const TrainOverrides& overrides) {
  TrainConfig c;
  c.SetAlgorithm(ChosenAlgorithm(overrides, c.algo));
  c.system = ChosenSystem(overrides, c.system);
  if (!overrides.preset) c.ApplyPreset("standard");
  ApplyOverrides(overrides, false, c);
  c.Validate();
  return c;
}

TrainConfig ResolveResumeConfig(const TrainConfig& checkpoint, const TrainOverrides& overrides,
                                const std::string& checkpoint_path) {
  TrainConfig c = checkpoint;
  const std::string algo = ChosenAlgorithm(overrides, checkpoint.algo);
  if (algo != checkpoint.algo) {
    throw ConfigError("checkpoint '" + checkpoint_path + "' was trained with algo " +
                      checkpoint.algo + " but this run asks for " + algo +
                      "; resume with the same algorithm or start a new run");
  }
  ApplyOverrides(overrides, true, c);
  if (c.system != checkpoint.system) {
    throw ConfigError("checkpoint '" + checkpoint_path + "' was trained on " + checkpoint.system +
                      " but this run asks for " + c.system +
                      "; resume with the same system or start a new run");
  }
  // everything but the run length must agree, or the continuation would not be the same run
  json requested = json::parse(c.ToJson()), trained = json::parse(checkpoint.ToJson());
  for (const char* free_key : {"episodes", "checkpoint_every"}) {
    requested.erase(free_key);
    trained.erase(free_key);
  }
  const std::string field = FirstDifference(requested, trained, "");
  if (!field.empty()) {
    std::string pointer = "/" + field;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    const json::json_pointer at(pointer);
    const auto value = [&](const json& j) {
      return j.contains(at) ? config::ShortDump(j.at(at)) : std::string("(none)");
    };
    throw ConfigError("checkpoint '" + checkpoint_path + "' was trained with " + field + " = " +
                      value(trained) + " but this run asks for " + value(requested) +
                      "; only --episodes and --checkpoint-every may change on --resume (drop " +
                      "the option or start a new run)");
  }
  c.Validate();
  return c;
}

}  // namespace calf::core::train
