#pragma once
// The simulation flags `calf run` and `calf eval` share, laid over a SimConfig one way:
// defaults < --config file < explicit flags.

#include <CLI/CLI.hpp>
#include <string>

#include "core/sim/config.h"

namespace calf::cli {

/// Lays the --config file `config_path` (when not empty) over `config` (the command's
/// defaults), then each simulation flag given on `app`'s command line, with the value CLI11
/// bound into `flags`: --system, --policy, --agents, --steps, --seed, --actor, --critic,
/// --initial-states, --record-every and --compress. A flag `app` does not define is skipped
/// (`calf eval` has no --policy). Throws IoError / ConfigError for the file.
void ApplySimFlags(const CLI::App* app, const std::string& config_path,
                   const core::SimConfig& flags, core::SimConfig& config);

}  // namespace calf::cli
