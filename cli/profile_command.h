#pragma once
// `calf profile`: the frame pipeline in baseline and optimized designs over N sweeps;
// per-run HDF5 timings, per-(mode, N) summary JSON and index.json (docs/profile-format.md).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace calf::cli {

/// Flags of `calf profile`. Empty strings / negative numbers mean "not given": the preset
/// and the --config file decide.
struct ProfileOptions {
  CLI::App* app = nullptr;
  std::string agents;  ///< --agents "3,5,10".
  std::string modes;   ///< --mode "baseline,optimized[,ablation,only_<flag>,without_<flag>]".
  int64_t frames = -1, warmup = -1, repeats = -1;
  std::string out_dir = "prof";
  std::string preset;
  std::string vectorized_heights, stats_cache, batched_trails, batched_inference;  ///< on|off.
  std::string fused_step;  ///< on|off: the creature's step kernel (default: as batched_inference).
  std::string render;      ///< on|off.
  std::string size;        ///< "WxH".
  bool train = false;
  std::string system;
  uint64_t seed = 0;
  int64_t threads = -1;
  std::string config_path;
  std::string actor_path, critic_path;
  std::string shard;  ///< --shard "k/n".
  bool force = false;
  bool quiet = false;
  bool json = false;
};

/// Registers the subcommand; its callback stores RunProfile's result in *exit_code.
void SetupProfileCommand(CLI::App& app, int* exit_code);

/// Runs the sweep. Bad input (agent list, frames <= warmup, flag values, an out dir with
/// results and no --force, models) throws calf::Error with exit code 2 before any work.
int RunProfile(const ProfileOptions& options);

}  // namespace calf::cli
