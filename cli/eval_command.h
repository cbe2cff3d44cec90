#pragma once
// `calf eval`: the standard evaluation of a model directory — the system's nominal controller,
// the actor and CALF from the same starts, side by side (Markdown or JSON on stdout).

#include <CLI/CLI.hpp>
#include <string>

#include "core/sim/config.h"

namespace calf::cli {

/// Flags of `calf eval`. Values given on the command line override --config.
struct EvalOptions {
  core::SimConfig config;   ///< Defaults, then --config, then explicit flags.
  std::string config_path;  ///< --config file.json.
  std::string model_dir;    ///< --model-dir: <dir>/actor.pt and <dir>/critic.pt.
  int threads = 0;          ///< 0 = all cores.
  bool json = false;        ///< JSON instead of Markdown.
  CLI::App* app = nullptr;  ///< To tell which flags were given explicitly.
};

/// Registers `calf eval`; its callback stores RunEval's exit code in *exit_code.
void SetupEvalCommand(CLI::App& app, int* exit_code);

/// Runs the three policies and prints the table. Returns the exit code.
int RunEval(EvalOptions& options);

}  // namespace calf::cli
