#include "core/profile/profile_config.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/env/registry.h"
#include "core/error.h"

namespace calf::core::profile {
namespace {

using Json = nlohmann::json;

void CheckFlagName(const std::string& name) {
  const auto& names = FlagNames();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw ConfigError("unknown optimisation flag \"" + name +
                      "\"; use vectorized_heights, stats_cache, batched_trails or "
                      "batched_inference");
  }
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

}  // namespace

const std::vector<std::string>& FlagNames() {
  static const std::vector<std::string> kNames = {"vectorized_heights", "stats_cache",
                                                  "batched_trails", "batched_inference"};
  return kNames;
}

bool OptimizationFlags::operator==(const OptimizationFlags& o) const {
  return vectorized_heights == o.vectorized_heights && stats_cache == o.stats_cache &&
         batched_trails == o.batched_trails && batched_inference == o.batched_inference;
}

bool OptimizationFlags::Get(const std::string& name) const {
  CheckFlagName(name);
  if (name == "vectorized_heights") return vectorized_heights;
  if (name == "stats_cache") return stats_cache;
  if (name == "batched_trails") return batched_trails;
  return batched_inference;
}

void OptimizationFlags::Set(const std::string& name, bool value) {
  CheckFlagName(name);
  if (name == "vectorized_heights") vectorized_heights = value;
  if (name == "stats_cache") stats_cache = value;
  if (name == "batched_trails") batched_trails = value;
  if (name == "batched_inference") batched_inference = value;
}

std::string OptimizationFlags::ToJson() const {
  Json j = Json::object();
  for (const auto& name : FlagNames()) j[name] = Get(name);
  return j.dump();
}

bool ParseOnOff(const std::string& value, const std::string& what) {
  if (value == "on" || value == "true" || value == "1") return true;
  if (value == "off" || value == "false" || value == "0") return false;
  throw ConfigError(what + " is \"" + value + "\"; use on or off");
}

std::string LabelOf(const OptimizationFlags& flags) {
  if (flags == OptimizationFlags::Baseline()) return "baseline";
  if (flags == OptimizationFlags::Optimized()) return "optimized";
  int on = 0;
  std::string bits;
  for (const auto& name : FlagNames()) {
    on += flags.Get(name) ? 1 : 0;
    bits += flags.Get(name) ? '1' : '0';
  }
  for (const auto& name : FlagNames()) {
    if (on == 1 && flags.Get(name)) return "only_" + name;
    if (on == 3 && !flags.Get(name)) return "without_" + name;
  }
  return "flags_" + bits;
}

std::vector<ModeRun> ExpandModes(const std::vector<std::string>& modes,
                                 const std::map<std::string, bool>& overrides) {
  if (modes.empty()) throw ConfigError("--mode is empty; use baseline, optimized or ablation");
  std::vector<OptimizationFlags> sets;
  for (const auto& mode : modes) {
    if (mode == "baseline") {
      sets.push_back(OptimizationFlags::Baseline());
    } else if (mode == "optimized") {
      sets.push_back(OptimizationFlags::Optimized());
    } else if (mode == "ablation") {
      for (const auto& name : FlagNames()) {
        OptimizationFlags f;
        f.Set(name, true);
        sets.push_back(f);
      }
    } else if (mode.rfind("only_", 0) == 0 || mode.rfind("without_", 0) == 0) {
      const bool only = mode[0] == 'o';
      const std::string name = mode.substr(only ? 5 : 8);
      OptimizationFlags f = only ? OptimizationFlags::Baseline() : OptimizationFlags::Optimized();
      try {
        f.Set(name, only);
      } catch (const ConfigError&) {
        throw ConfigError("unknown mode \"" + mode +
                          "\"; the flag after only_/without_ must be "
                          "vectorized_heights, stats_cache, batched_trails or batched_inference");
      }
      sets.push_back(f);
    } else {
      throw ConfigError("unknown mode \"" + mode +
                        "\"; use baseline, optimized, ablation, only_<flag> or without_<flag>");
    }
  }
  std::vector<ModeRun> runs;
  for (auto f : sets) {
    for (const auto& [name, value] : overrides) f.Set(name, value);
    const std::string label = LabelOf(f);
    const bool seen =
        std::any_of(runs.begin(), runs.end(), [&](const ModeRun& r) { return r.label == label; });
    if (!seen) runs.push_back({label, f});
  }
  return runs;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    out.push_back(
        Trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<int64_t> ParseAgentList(const std::string& text) {
  if (Trim(text).empty()) {
    throw ConfigError("--agents is empty; give a comma-separated list such as 3,5,10");
  }
  std::vector<int64_t> out;
  for (const auto& item : SplitList(text)) {
    size_t used = 0;
    long long v = 0;
    bool ok = !item.empty() && std::isdigit(static_cast<unsigned char>(item[0]));
    if (ok) {
      try {
        v = std::stoll(item, &used);
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok || used != item.size()) {
      throw ConfigError("--agents '" + text + "': \"" + item +
                        "\" is not a whole number; give a list such as 3,5,10");
    }
    if (v < 1) throw ConfigError("--agents '" + text + "': agent counts must be >= 1");
    if (std::find(out.begin(), out.end(), v) != out.end()) {
      throw ConfigError("--agents '" + text + "': " + item + " is listed twice; give each N once");
    }
    out.push_back(v);
  }
  return out;
}

void ProfileConfig::ApplyPreset(const std::string& name) {
  struct P {
    int64_t agents, trail, decimation, rebuild, grid, heatmap;
  };
  P p{};
  if (name == "low") {
    p = {3, 300, 3, 30, 15, 1000};
  } else if (name == "medium") {
    p = {5, 600, 1, 15, 21, 500};
  } else if (name == "high") {
    p = {10, 1000, 1, 10, 31, 250};
  } else {
    throw ConfigError("unknown preset \"" + name + "\"; use low, medium or high");
  }
  preset = name;
  agents = {p.agents};
  trail_length = p.trail;
  trail_decimation = p.decimation;
  trail_rebuild_freq = p.rebuild;
  grid = p.grid;
  heatmap_update_freq = p.heatmap;
}

void ProfileConfig::ApplyJson(const std::string& json_text, const std::string& source_name,
                              bool apply_preset) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const Json::parse_error& e) {
    throw ConfigError(source_name + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw ConfigError(source_name + ": must be a JSON object");
  auto fail = [&](const std::string& key, const std::string& why) {
    throw ConfigError(source_name + ": key \"" + key + "\" " + why);
  };
  auto get_int = [&](const std::string& key, int64_t* out) {
    if (!j[key].is_number_integer()) fail(key, "must be an integer");
    *out = j[key].get<int64_t>();
  };
  auto get_num = [&](const std::string& key, double* out) {
    if (!j[key].is_number()) fail(key, "must be a number");
    *out = j[key].get<double>();
  };
  auto get_str = [&](const std::string& key, std::string* out) {
    if (!j[key].is_string()) fail(key, "must be a string");
    *out = j[key].get<std::string>();
  };
  auto get_bool = [&](const std::string& key, bool* out) {
    if (!j[key].is_boolean()) fail(key, "must be true or false");
    *out = j[key].get<bool>();
  };
  if (j.contains("preset")) {
    std::string p;
    get_str("preset", &p);
    if (apply_preset) ApplyPreset(p);
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "preset") continue;
    if (key == "system") {
      get_str(key, &system);
    } else if (key == "seed") {
      if (!it->is_number_unsigned()) fail(key, "must be a non-negative integer");
      seed = it->get<uint64_t>();
    } else if (key == "agents") {
      if (!it->is_array()) fail(key, "must be an array of integers");
      agents.clear();
      for (const auto& v : *it) {
        if (!v.is_number_integer()) fail(key, "must be an array of integers");
        agents.push_back(v.get<int64_t>());
      }
    } else if (key == "modes") {
      if (!it->is_array()) fail(key, "must be an array of strings");
      modes.clear();
      for (const auto& v : *it) {
        if (!v.is_string()) fail(key, "must be an array of strings");
        modes.push_back(v.get<std::string>());
      }
    } else if (key == "flag_overrides") {
      if (!it->is_object()) fail(key, "must be an object of flag name -> true/false");
      flag_overrides.clear();
      for (auto f = it->begin(); f != it->end(); ++f) {
        if (!f->is_boolean()) fail(key + "." + f.key(), "must be true or false");
        OptimizationFlags probe;
        probe.Get(f.key());  // throws for unknown names
        flag_overrides[f.key()] = f->get<bool>();
      }
    } else if (key == "frames") {
      get_int(key, &frames);
    } else if (key == "warmup") {
      get_int(key, &warmup);
    } else if (key == "repeats") {
      get_int(key, &repeats);
    } else if (key == "trail_length") {
      get_int(key, &trail_length);
    } else if (key == "trail_decimation") {
      get_int(key, &trail_decimation);
    } else if (key == "trail_rebuild_freq") {
      get_int(key, &trail_rebuild_freq);
    } else if (key == "grid") {
      get_int(key, &grid);
    } else if (key == "heatmap_update_freq") {
      get_int(key, &heatmap_update_freq);
    } else if (key == "height_scale") {
      get_num(key, &height_scale);
    } else if (key == "epsilon") {
      get_num(key, &epsilon);
    } else if (key == "record_agents") {
      get_int(key, &record_agents);
    } else if (key == "render") {
      get_bool(key, &render);
    } else if (key == "width") {
      get_int(key, &width);
    } else if (key == "height") {
      get_int(key, &height);
    } else if (key == "train") {
      get_bool(key, &train);
    } else if (key == "threads") {
      get_int(key, &threads);
    } else if (key == "actor") {
      get_str(key, &actor_path);
    } else if (key == "critic") {
      get_str(key, &critic_path);
    } else {
      fail(key, "is unknown; see docs/profile-format.md for the profile config keys");
    }
  }
}

void ProfileConfig::Validate() const {
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw ConfigError(msg);
  };
  env::FindSpec(system);  // throws ConfigError for unknown systems
  need(!agents.empty(), "agents is empty; give at least one agent count");
  for (int64_t n : agents) {
    need(n >= 1 && n <= 100000000, "agents: " + std::to_string(n) + " is out of range 1..1e8");
  }
  ExpandModes(modes, flag_overrides);
  need(frames >= 1, "frames must be >= 1, got " + std::to_string(frames));
  need(warmup >= 0, "warmup must be >= 0, got " + std::to_string(warmup));
  need(frames > warmup, "frames (" + std::to_string(frames) + ") must exceed warmup (" +
                            std::to_string(warmup) + "): frames counts the warm-up frames too");
  need(repeats >= 1, "repeats must be >= 1, got " + std::to_string(repeats));
  need(trail_length >= 2 && trail_length <= 100000,
       "trail_length must be in 2..100000, got " + std::to_string(trail_length));
  need(trail_decimation >= 1, "trail_decimation must be >= 1");
  need(trail_rebuild_freq >= 1, "trail_rebuild_freq must be >= 1");
  need(grid >= 2 && grid <= 1024, "grid must be in 2..1024, got " + std::to_string(grid));
  need(heatmap_update_freq >= 1, "heatmap_update_freq must be >= 1");
  need(height_scale >= 0, "height_scale must be >= 0");
  need(epsilon == epsilon, "epsilon must be a number");
  need(record_agents >= 0, "record_agents must be >= 0");
  need(width >= 1 && width <= 16384 && height >= 1 && height <= 16384,
       "render size " + std::to_string(width) + "x" + std::to_string(height) +
           " is out of range; use 1..16384 per side");
  need(threads >= 0, "threads must be >= 0 (0 = all cores)");
}

std::string ProfileConfig::ToJson(int indent) const {
  Json overrides = Json::object();
  for (const auto& [k, v] : flag_overrides) overrides[k] = v;
  Json j = {{"preset", preset},
            {"system", system},
            {"seed", seed},
            {"agents", agents},
            {"modes", modes},
            {"flag_overrides", overrides},
            {"frames", frames},
            {"warmup", warmup},
            {"repeats", repeats},
            {"trail_length", trail_length},
            {"trail_decimation", trail_decimation},
            {"trail_rebuild_freq", trail_rebuild_freq},
            {"grid", grid},
            {"heatmap_update_freq", heatmap_update_freq},
            {"height_scale", height_scale},
            {"epsilon", epsilon},
            {"record_agents", record_agents},
            {"render", render},
            {"width", width},
            {"height", height},
            {"train", train},
            {"threads", threads},
            {"actor", actor_path},
            {"critic", critic_path}};
  return j.dump(indent);
}

}  // namespace calf::core::profile
