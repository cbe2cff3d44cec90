#pragma once
// `calf train`: training of a CALF agent with an algorithm of core/train (TD3 by default;
// docs/training.md).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace calf::cli {

/// Flags of `calf train`. Only the flags given (cli/flags.h) are applied: a new run takes
/// the other values from the config file, the preset or the defaults, a resumed run from
/// the checkpoint.
struct TrainOptions {
  CLI::App* app = nullptr;       ///< The subcommand (to ask which flags were given).
  std::string system;            ///< --system (default point_mass).
  std::string algo;              ///< --algo (default td3).
  std::string preset;            ///< --preset (td3: quick|standard|thorough; default standard).
  std::string config_path;       ///< --config file.json (every TrainConfig key).
  std::string backend;           ///< --backend eigen|libtorch (TD3; default eigen).
  uint64_t seed = 0;             ///< --seed.
  int64_t episodes = 0;          ///< --episodes (overrides preset/config).
  int64_t checkpoint_every = 0;  ///< --checkpoint-every N episodes (0 = only at the end).
  std::string out_dir = "out/train";
  std::string resume_path;  ///< --resume <checkpoint>.
  int threads = 0;          ///< --threads (0 = every core; td3 is serial whatever it is).
  bool quiet = false;
};

/// Registers the subcommand; its callback stores RunTrain's result in *exit_code.
void SetupTrainCommand(CLI::App& app, int* exit_code);

/// Trains and writes <out_dir>/{actor.pt, critic.pt, model.json, train_log.h5,
/// checkpoint.bin}. Returns the exit code; throws calf::Error on bad input (exit 2) before
/// anything is written.
int RunTrain(const TrainOptions& options);

}  // namespace calf::cli
