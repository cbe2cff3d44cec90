#pragma once
// `calf train`: CALF + TD3 training of an actor and a twin critic (docs/training.md).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace calf::cli {

/// Flags of `calf train`. Empty/negative values mean "not given": a new run takes the value
/// from the config file, the preset or the defaults, a resumed run from the checkpoint.
struct TrainOptions {
  std::string system;             ///< --system (default point_mass).
  std::string preset;             ///< --preset quick|standard|thorough (default standard).
  std::string config_path;        ///< --config file.json (every TrainConfig key).
  std::string backend;            ///< --backend eigen|libtorch (default eigen).
  int64_t seed = -1;              ///< --seed.
  int64_t episodes = -1;          ///< --episodes (overrides preset/config).
  int64_t checkpoint_every = -1;  ///< --checkpoint-every N episodes (0 = only at the end).
  std::string out_dir = "out/train";
  std::string resume_path;  ///< --resume <checkpoint>.
  int threads = 1;          ///< --threads (OpenMP; training itself is single-threaded).
  bool quiet = false;
};

/// Registers the subcommand; its callback stores RunTrain's result in *exit_code.
void SetupTrainCommand(CLI::App& app, int* exit_code);

/// Trains and writes <out_dir>/{actor.pt, critic.pt, model.json, train_log.h5,
/// checkpoint.bin}. Returns the exit code; throws calf::Error on bad input (exit 2) before
/// anything is written.
int RunTrain(const TrainOptions& options);

}  // namespace calf::cli
