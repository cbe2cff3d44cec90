#pragma once
// The configuration of a `calf profile` sweep: presets, optimisation flags, mode labels,
// JSON in/out and validation. Layering: defaults < preset < JSON file < explicit flags.
// JSON in, JSON out and the value checks all go through one key list, ProfileConfig::Bind
// (core/config/binder.h), so every config error has the config layer's one phrasing.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace calf::core::config {
class Binder;
}  // namespace calf::core::config

namespace calf::core::profile {

/// The four optimisations; baseline has all off, optimized all on.
struct OptimizationFlags {
  bool vectorized_heights = false;  ///< One batched interpolation vs a scalar loop.
  bool stats_cache = false;         ///< StatsCache vs a critic query + text rebuild per frame.
  bool batched_trails = false;      ///< Shared ring buffer vs per-agent meshes.
  bool batched_inference = false;   ///< Batched Eigen vs per-agent LibTorch.

  static OptimizationFlags Baseline() { return {}; }
  static OptimizationFlags Optimized() { return {true, true, true, true}; }
  bool operator==(const OptimizationFlags& o) const;
  bool operator!=(const OptimizationFlags& o) const { return !(*this == o); }
  /// Value of the flag called `name` (see FlagNames()); throws ConfigError for other names.
  bool Get(const std::string& name) const;
  /// Sets the flag called `name`; throws ConfigError for other names.
  void Set(const std::string& name, bool value);
  /// {"vectorized_heights": bool, ...} as a JSON object string.
  std::string ToJson() const;
};

/// Flag names in schema order: vectorized_heights, stats_cache, batched_trails,
/// batched_inference.
const std::vector<std::string>& FlagNames();

/// Parses "on"/"off" (also true/false, 1/0); throws ConfigError naming `what` otherwise.
bool ParseOnOff(const std::string& value, const std::string& what);

/// One run of the sweep: a mode label and its flags.
struct ModeRun {
  std::string label;  ///< "baseline", "optimized", "only_<flag>", "without_<flag>", "flags_XXXX".
  OptimizationFlags flags;
};

/// The label of a flag combination: baseline, optimized, only_<flag> (one on),
/// without_<flag> (one off), otherwise flags_<bits> in FlagNames() order ("flags_1010").
std::string LabelOf(const OptimizationFlags& flags);

/// Expands mode names into runs: "baseline", "optimized", "ablation" (one run per single
/// flag on), "only_<flag>", "without_<flag>"; `overrides` (flag name -> value) are then
/// applied to every run and the label recomputed. Duplicates are dropped, order kept.
/// Throws ConfigError for an unknown mode or flag name, or an empty list.
std::vector<ModeRun> ExpandModes(const std::vector<std::string>& modes,
                                 const std::map<std::string, bool>& overrides);

/// Everything a sweep needs. Plain data; call Validate() before use.
struct ProfileConfig {
  std::string preset = "medium";  ///< low | medium | high (sets the fields below).
  std::string system = "point_mass";
  uint64_t seed = 0;
  std::vector<int64_t> agents = {5};  ///< N of each run (> 0).
  std::vector<std::string> modes = {"baseline", "optimized"};
  std::map<std::string, bool> flag_overrides;  ///< Flag name -> forced value.
  int64_t frames = 300;                        ///< Frames per repeat, warm-up included.
  int64_t warmup = 50;                         ///< Frames run before measuring (< frames).
  int64_t repeats = 3;
  int64_t trail_length = 600;         ///< Points per trail ring (>= 2).
  int64_t trail_decimation = 1;       ///< Append a trail point every K-th frame.
  int64_t trail_rebuild_freq = 15;    ///< Baseline: rebuild an agent's mesh after this many points.
  int64_t grid = 21;                  ///< Heat-map points per side (>= 2).
  int64_t heatmap_update_freq = 500;  ///< Frames between heat-map updates (>= 1).
  double height_scale = 3.0;          ///< World height of normalised q² = 1.
  double epsilon = 0.01;              ///< Height offset of the surface.
  int64_t record_agents = 1000;       ///< Agents whose states the io section appends per frame.
  bool render = false;                ///< Offscreen render section.
  int64_t width = 640, height = 360;  ///< Render size in pixels.
  bool train = false;                 ///< One training agent: CALF step + TD3 update per frame.
  int64_t threads = 0;                ///< OpenMP threads (0 = all).
  std::string actor_path;             ///< Empty = data/models/<system>/actor.pt.
  std::string critic_path;            ///< Empty = data/models/<system>/critic.pt.
  /// The step kernel of families that have one (the creature): "on" = the fused kernel,
  /// "off" = one agent at a time through separate functions, "auto" = on exactly when the
  /// run's batched_inference flag is on (baseline off, optimized on). Others ignore it.
  std::string fused_step = "auto";

  /// Sets the preset's fields (and `preset`): low (3 agents, trail 300, decimation 3,
  /// rebuild 30, grid 15, heat map every 1000), medium (5, 600, 1, 15, 21, 500), high (10,
  /// 1000, 1, 10, 31, 250). Throws ConfigError for other names.
  void ApplyPreset(const std::string& name);
  /// Lists every JSON key once (docs/profile-format.md), with its type and range. The reader
  /// only marks "preset" as known: ApplyJson reads it before the other keys, so read JSON
  /// with ApplyJson rather than config::ReadJson.
  void Bind(config::Binder& b);
  /// Overrides fields from a JSON object (keys as in ToJson; "preset" is applied first,
  /// unless `apply_preset` is false: an explicit --preset flag outranks the file's key).
  /// Unknown keys, wrong types, out-of-range values, an agent count listed twice and
  /// unknown mode names throw ConfigError "<source_name>: key '<key>' ..." (see
  /// core/config/binder.h).
  void ApplyJson(const std::string& json_text, const std::string& source_name,
                 bool apply_preset = true);
  /// Checks every field (Bind's ranges, then the system name, no agent count twice, known
  /// modes and flags, frames > warmup); throws ConfigError "config: key '<key>' ...".
  void Validate() const;
  /// The resolved configuration (every key Bind lists) as JSON.
  std::string ToJson(int indent = -1) const;
};

/// Whether a run with `flags` uses the fused step kernel (ProfileConfig::fused_step).
bool FusedStep(const ProfileConfig& config, const OptimizationFlags& flags);

/// Parses a comma-separated list of agent counts ("3,5,10"); throws ConfigError for an
/// empty list, an empty item, a non-number or a value < 1.
std::vector<int64_t> ParseAgentList(const std::string& text);

/// Splits "a,b,c" on commas, trimming spaces; empty items are kept (as "").
std::vector<std::string> SplitList(const std::string& text);

}  // namespace calf::core::profile
