#pragma once
// The environment families calf knows, by name. Adding a family = a folder under core/env/
// plus one line in registry.cc (see docs/design.md, "Adding an environment family").

#include <memory>
#include <string>
#include <vector>

#include "core/env/environment.h"

namespace calf::core::env {

/// A registered family: its spec and how to build it.
struct EnvFamily {
  EnvSpec spec;
  std::unique_ptr<Environment> (*make)(const EnvParams& params);
  /// Cross-field checks of the family's own parameters (EnvSpec::params), or null. Called
  /// by the config's checker with the binder of the family's object: fails through
  /// `b.Fail(key, problem)` (the one config error phrasing).
  void (*check)(const EnvParams& params, const config::Binder& b) = nullptr;
};

/// Every family, in registration order.
const std::vector<EnvFamily>& Families();

/// The family called `name` (canonical name or alias); throws ConfigError listing the known
/// names otherwise.
const EnvFamily& FindFamily(const std::string& name);

/// The spec of the family called `name` (FindFamily(name).spec).
const EnvSpec& FindSpec(const std::string& name);

/// Builds the family called `name` with `params`.
std::unique_ptr<Environment> MakeEnvironment(const std::string& name, const EnvParams& params);

/// "point_mass or differential_drive" (for messages and --help).
std::string FamilyNames(const std::string& separator = " | ");

/// A table of the families with their dimensions, for `calf systems` (text) ...
std::string DescribeFamilies();
/// ... and as JSON (an array of objects: name, aliases, dims, bounds, nominal, gains).
std::string DescribeFamiliesJson();

}  // namespace calf::core::env
