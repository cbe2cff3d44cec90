#pragma once
// The configuration of a training run: the parts every algorithm shares (system,
// environment, CALF, seed, run length, checkpoints) and the algorithm's own parameters
// (AlgorithmParams, bound as flat keys of the same JSON object). Resolution order of a new
// run: defaults < preset < config file < explicit flags; a resumed run applies only the
// explicit settings on top of its checkpoint's configuration.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/config/binder.h"
#include "core/env/env_params.h"
#include "core/policy/calf_selector.h"

namespace calf::core::train {

struct TrainConfig;

/// An algorithm's own parameters (e.g. TD3's learning rates). Each algorithm folder
/// implements one; the registry (core/train/algorithm.h) makes it by name.
class AlgorithmParams {
 public:
  virtual ~AlgorithmParams() = default;
  virtual std::unique_ptr<AlgorithmParams> Clone() const = 0;
  /// Binds the algorithm's keys (flat, beside the common keys).
  virtual void Bind(config::Binder& b) = 0;
  /// Sets what preset `name` means for this algorithm, in `config` (common fields too, e.g.
  /// episodes) and in itself. Throws ConfigError naming the presets for unknown names.
  virtual void ApplyPreset(const std::string& name, TrainConfig& config) = 0;
  /// Cross-field checks beyond the key ranges; throws ConfigError.
  virtual void Validate(const TrainConfig& /*config*/) const {}
};

/// Every training parameter. Build with defaults (= the algorithm's "standard" preset),
/// ApplyPreset, ApplyJson, then Validate. Copyable (the algorithm parameters are cloned).
struct TrainConfig {
  std::string system = "point_mass";  ///< An environment family (core/env/registry.h).
  std::string algo = "td3";           ///< A training algorithm (core/train/algorithm.h).
  uint64_t seed = 0;
  int64_t episodes = 500;         ///< Training episodes (the algorithm's unit of progress).
  int64_t checkpoint_every = 50;  ///< Episodes between checkpoints (0 = only at the end).
  env::EnvParams env;             ///< dt, goal_epsilon, ..., max_steps_per_episode, nominal.
  CalfParams calf;
  std::unique_ptr<AlgorithmParams> params;  ///< The algorithm's own keys; never null.

  TrainConfig();
  TrainConfig(const TrainConfig& other);
  TrainConfig& operator=(const TrainConfig& other);
  TrainConfig(TrainConfig&&) = default;
  TrainConfig& operator=(TrainConfig&&) = default;
  ~TrainConfig();

  /// Switches to algorithm `name` with its default parameters (a no-op when it is the
  /// current one). Throws ConfigError for unknown names.
  void SetAlgorithm(const std::string& name);
  /// The algorithm's parameters as their concrete type (a bug when it is another type).
  template <typename P>
  P& As() {
    auto* p = dynamic_cast<P*>(params.get());
    if (p == nullptr) WrongParams(typeid(P).name());
    return *p;
  }
  template <typename P>
  const P& As() const {
    return const_cast<TrainConfig*>(this)->As<P>();
  }

  /// Sets the preset's fields (see the algorithm). Throws ConfigError for other names.
  void ApplyPreset(const std::string& name);
  /// Lists every key once (common keys, then the algorithm's).
  void Bind(config::Binder& b);
  /// Overrides fields from a JSON object (same key names as ToJson). An "algo" key switches
  /// the algorithm first. Unknown keys or wrong types throw ConfigError naming
  /// `source_name` and the key.
  void ApplyJson(const std::string& json_text, const std::string& source_name);
  /// Checks ranges; throws ConfigError naming the field and the fix.
  void Validate() const;
  /// The resolved configuration (every key) as JSON.
  std::string ToJson(int indent = -1) const;

 private:
  [[noreturn]] void WrongParams(const char* type) const;
};

/// Settings given explicitly (on the command line); std::nullopt or empty = not given. A new
/// run applies them on top of the defaults, a resumed run on top of the checkpoint's
/// configuration (see ResolveNewConfig, ResolveResumeConfig).
struct TrainOverrides {
  std::optional<std::string> preset;  ///< The algorithm's preset (td3: quick|standard|thorough).
  std::string config_json;            ///< Contents of a --config file ("" = none).
  std::string config_source;          ///< Name of that file, for error messages.
  std::optional<std::string> system;
  std::optional<std::string> algo;
  /// Algorithm keys set by flags (e.g. {"backend": "libtorch"} from --backend), applied
  /// after the config file through the same key list.
  nlohmann::json algo_flags = nlohmann::json::object();
  std::optional<uint64_t> seed;
  std::optional<int64_t> episodes;
  std::optional<int64_t> checkpoint_every;
};

/// The configuration of a new run: the algorithm (--algo, else the file's "algo", else
/// td3), its defaults, the preset (standard when not given), the config JSON, then the flags
/// (each later one wins). The system name is canonical ("unicycle" becomes
/// "differential_drive"). Validated; throws ConfigError (exit 2).
TrainConfig ResolveNewConfig(const TrainOverrides& overrides);

/// The configuration of a resumed run: the checkpoint's configuration with only the
/// explicitly given settings applied, in the same order as ResolveNewConfig. A preset is
/// applied without its episode count (the run length stays the checkpoint's unless episodes
/// are given). Only episodes and checkpoint_every may change; any other field that ends up
/// different from `checkpoint` (system, algorithm, seed, dimensions, hyper-parameters,
/// environment) throws ConfigError naming the field, its checkpoint value and the requested
/// value. `checkpoint_path` is only used in messages.
TrainConfig ResolveResumeConfig(const TrainConfig& checkpoint, const TrainOverrides& overrides,
                                const std::string& checkpoint_path);

}  // namespace calf::core::train
