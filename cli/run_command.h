#pragma once
// `calf run`: deterministic multithreaded simulation of N agents, trajectories to HDF5.

#include <CLI/CLI.hpp>
#include <string>

#include "core/sim/config.h"

namespace calf::cli {

/// Flags of `calf run`. Values given on the command line override --config.
struct RunOptions {
  core::SimConfig config;   ///< Defaults, then --config, then explicit flags.
  std::string config_path;  ///< --config file.json.
  std::string out = "run.h5";
  int threads = 0;  ///< 0 = all cores.
  bool quiet = false;
  bool json = false;        ///< Print the run summary as JSON on stdout.
  CLI::App* app = nullptr;  ///< To tell which flags were given explicitly.
};

/// Registers `calf run`; its callback stores RunRun's exit code in *exit_code.
void SetupRunCommand(CLI::App& app, int* exit_code);

/// Runs the simulation and writes the trajectory file. Returns the exit code.
int RunRun(RunOptions& options);

}  // namespace calf::cli
