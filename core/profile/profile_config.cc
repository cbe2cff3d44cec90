#include "core/profile/profile_config.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/config/binder.h"
#include "core/env/registry.h"
#include "core/error.h"

namespace calf::core::profile {
namespace {

using Json = nlohmann::json;

using config::Binder;
using config::Range;

const char kFlagList[] = "vectorized_heights, stats_cache, batched_trails or batched_inference";
const std::vector<std::string> kPresets = {"low", "medium", "high"};
const char kDocs[] = "docs/profile-format.md";

bool IsFlagName(const std::string& name) {
  const auto& names = FlagNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

void CheckFlagName(const std::string& name) {
  if (!IsFlagName(name)) {
    throw ConfigError("unknown optimisation flag \"" + name + "\"; use " + kFlagList);
  }
}

// The flag sets `mode` stands for; for an unknown name none, and `*fix` says what to use
// (shared by ExpandModes and Validate, which phrase the error each their way).
std::vector<OptimizationFlags> FlagSetsOf(const std::string& mode, std::string* fix) {
  if (mode == "baseline") return {OptimizationFlags::Baseline()};
  if (mode == "optimized") return {OptimizationFlags::Optimized()};
  if (mode == "ablation") {
    std::vector<OptimizationFlags> sets;
    for (const auto& name : FlagNames()) {
      OptimizationFlags f;
      f.Set(name, true);
      sets.push_back(f);
    }
    return sets;
  }
  const bool only = mode.rfind("only_", 0) == 0;
  if (only || mode.rfind("without_", 0) == 0) {
    const std::string name = mode.substr(only ? 5 : 8);
    if (!IsFlagName(name)) {
      *fix = std::string("the flag after only_/without_ must be ") + kFlagList;
      return {};
    }
    OptimizationFlags f = only ? OptimizationFlags::Baseline() : OptimizationFlags::Optimized();
    f.Set(name, only);
    return {f};
  }
  *fix = "use baseline, optimized, ablation, only_<flag> or without_<flag>";
  return {};
}

// The list checks Bind's ranges cannot express; `b` names the source (the file or "config").
void CheckAgentsOnce(const Binder& b, const std::vector<int64_t>& agents) {
  for (auto it = agents.begin(); it != agents.end(); ++it) {
    if (std::find(agents.begin(), it, *it) != it) {
      b.Fail("agents", "lists " + std::to_string(*it) + " twice; give each N once");
    }
  }
}

void CheckModeNames(const Binder& b, const std::vector<std::string>& modes) {
  for (const auto& mode : modes) {
    std::string fix;
    FlagSetsOf(mode, &fix);
    if (!fix.empty()) b.Fail("modes", "has unknown mode " + config::ShortDump(mode) + "; " + fix);
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
    std::string fix;
    const std::vector<OptimizationFlags> some = FlagSetsOf(mode, &fix);
    if (!fix.empty()) throw ConfigError("unknown mode \"" + mode + "\"; " + fix);
    sets.insert(sets.end(), some.begin(), some.end());
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

void ProfileConfig::Bind(config::Binder& b) {
  // ApplyJson reads "preset" before the other keys (its fields are the base they override,
  // and an explicit --preset outranks it), so the reader only marks the key as known
  if (b.reading()) {
    b.Skip("preset");
  } else {
    b.Choice("preset", preset, kPresets);
  }
  b.Value("system", system, /*allow_empty=*/false);  // a registered family: see Validate
  b.Value("seed", seed);
  b.List("agents", agents, Range::Closed(1, 1e8), /*min_size=*/1);
  b.List("modes", modes, /*min_size=*/1);  // the names: Validate
  b.BoolMap("flag_overrides", flag_overrides, FlagNames());
  b.Value("frames", frames, Range::AtLeast(1));
  b.Value("warmup", warmup, Range::AtLeast(0));
  b.Value("repeats", repeats, Range::AtLeast(1));
  b.Value("trail_length", trail_length, Range::Closed(2, 100000));
  b.Value("trail_decimation", trail_decimation, Range::AtLeast(1));
  b.Value("trail_rebuild_freq", trail_rebuild_freq, Range::AtLeast(1));
  b.Value("grid", grid, Range::Closed(2, 1024));
  b.Value("heatmap_update_freq", heatmap_update_freq, Range::AtLeast(1));
  b.Value("height_scale", height_scale, Range::AtLeast(0));
  b.Value("epsilon", epsilon);
  b.Value("record_agents", record_agents, Range::AtLeast(0));
  b.Value("render", render);
  b.Value("width", width, Range::Closed(1, 16384));
  b.Value("height", height, Range::Closed(1, 16384));
  b.Value("train", train);
  b.Value("threads", threads, Range::AtLeast(0));  // 0 = all cores
  b.Value("actor", actor_path);                    // "" = data/models/<system>/actor.pt
  b.Value("critic", critic_path);
  b.Choice("fused_step", fused_step, {"auto", "on", "off"});
}

void ProfileConfig::ApplyJson(const std::string& json_text, const std::string& source_name,
                              bool apply_preset) {
  const Json j = config::ParseObject(json_text, source_name);
  // the file's preset first: the file's other keys override its fields. It is checked even
  // when an explicit --preset outranks it (a typo in a file is still an error).
  std::string file_preset = preset;
  Binder first = Binder::Reader(j, source_name);
  first.Choice("preset", file_preset, kPresets);
  if (apply_preset && first.Has("preset")) ApplyPreset(file_preset);
  Binder b = Binder::Reader(j, source_name);
  Bind(b);
  b.Finish(kDocs);
  // name the file for its own lists' errors (Validate repeats these for values from flags)
  if (b.Has("agents")) CheckAgentsOnce(b, agents);
  if (b.Has("modes")) CheckModeNames(b, modes);
}

void ProfileConfig::Validate() const {
  config::CheckValues(*this);  // every key's type and range, as "config: key '...' ..."
  env::FindSpec(system);       // throws ConfigError for unknown systems
  // cross-field checks, in the same phrasing
  const Binder b = Binder::Checker("config");
  CheckAgentsOnce(b, agents);
  CheckModeNames(b, modes);
  for (const auto& [name, value] : flag_overrides) {
    if (!IsFlagName(name)) {
      b.Fail("flag_overrides",
             "has unknown flag " + config::ShortDump(name) + "; use " + kFlagList);
    }
  }
  if (frames <= warmup) {
    b.Fail("frames", "= " + std::to_string(frames) + " is out of range; it must exceed warmup (" +
                         std::to_string(warmup) + "): frames counts the warm-up frames too");
  }
  ExpandModes(modes, flag_overrides);  // what the sweep runs; cannot fail after the checks above
}

std::string ProfileConfig::ToJson(int indent) const {
  return config::ToJsonObject(*this).dump(indent);
}

bool FusedStep(const ProfileConfig& config, const OptimizationFlags& flags) {
  if (config.fused_step == "auto") return flags.batched_inference;
  return config.fused_step == "on";
}

}  // namespace calf::core::profile
