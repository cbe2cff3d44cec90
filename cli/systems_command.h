#pragma once
// `calf systems`: the environment families calf knows, with their dimensions, action bounds
// and nominal controllers (from the registry, core/env/registry.h).

#include <CLI/CLI.hpp>

namespace calf::cli {

/// Flags of `calf systems`.
struct SystemsOptions {
  bool json = false;  ///< --json: an array of objects on stdout instead of the table.
};

/// Registers the subcommand; its callback stores RunSystems's result in *exit_code.
void SetupSystemsCommand(CLI::App& app, int* exit_code);

/// Prints the families (table or JSON) on stdout. Returns 0.
int RunSystems(const SystemsOptions& options);

}  // namespace calf::cli
