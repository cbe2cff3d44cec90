#pragma once
// A `calf profile` sweep: every (N, mode, repeat) run of the frame pipeline, its HDF5 file,
// the per-(mode, N) summaries and index.json (docs/profile-format.md).

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/profile/frame_pipeline.h"
#include "core/profile/frame_render_hook.h"
#include "core/profile/profile_config.h"

namespace calf::core::profile {

/// Optional callbacks of a sweep.
struct SweepHooks {
  /// Creates the render section of one run (render design chosen from the flags); null
  /// function or null result = no render section.
  std::function<std::unique_ptr<FrameRenderHook>(const OptimizationFlags&)> make_render;
  /// Called after every frame with frames done and total over the whole sweep.
  std::function<void(int64_t done, int64_t total, const std::string& run_label)> progress;
  /// Polled between frames; returning true stops the sweep with InterruptedError.
  std::function<bool()> interrupted;
};

/// The part of a sweep one process runs: cell i — the (N, mode) pairs in sweep order, N
/// outer, modes inner, all repeats of a cell together — belongs to shard i mod count. Used
/// for Slurm job arrays, GNU parallel and mpirun; `calf compare` merges the shards.
struct Shard {
  int64_t index = 0;  ///< k in 0..count-1.
  int64_t count = 1;  ///< n >= 1; 1 = the whole sweep.
  bool sharded() const { return count > 1; }
  /// Whether cell `cell` belongs to this shard.
  bool Owns(int64_t cell) const { return cell % count == index; }
  /// How many of `cells` cells this shard owns.
  int64_t OwnedOf(int64_t cells) const { return cells / count + (index < cells % count ? 1 : 0); }
  /// The sub-directory of --out-dir a shard writes ("shard-2-of-3").
  std::string DirName() const;
};

/// Parses "k/n" (0 <= k < n, n <= 100000). Throws ConfigError naming `flag`.
Shard ParseShard(const std::string& text, const std::string& flag = "--shard");

/// The shard of this process when an MPI launcher started it (OpenMPI's
/// OMPI_COMM_WORLD_RANK/SIZE, MPICH/Hydra's and Slurm PMI's PMI_RANK/PMI_SIZE), else {0, 1}.
/// Slurm's SLURM_PROCID alone is not used: a batch script sees it too (pass --shard).
Shard ShardFromLauncher();

/// What a sweep produced.
struct SweepResult {
  nlohmann::json index;                   ///< The content of index.json.
  std::vector<nlohmann::json> summaries;  ///< In index order.
};

/// Prepares the output directory: creates it when missing; when it already holds profile
/// results (index.json, *.json or *.h5 files) throws ConfigError unless `force`, in which
/// case those files are removed. Throws IoError when it cannot be created or written.
void PrepareOutputDir(const std::string& out_dir, bool force);

/// The file stem of a (mode, N) run ("optimized_n20"); repeats add "_r<k>.h5".
std::string RunStem(const std::string& mode, int64_t n_agents);

/// Runs the sweep of `config` (validated here) into `out_dir` (PrepareOutputDir first).
/// For every N, every mode of ExpandModes and every repeat: a fresh pipeline runs `warmup`
/// then `frames - warmup` measured frames; the repeat's HDF5 file is written atomically;
/// then the (mode, N) summary JSON; index.json last. Throws ConfigError/PolicyError for bad
/// input, IoError for file failures, InterruptedError when hooks.interrupted() says so
/// (the finished summaries and an index of them are kept).
/// A sharded sweep runs only the cells `shard` owns and records {"shard": {index, count,
/// cells}} in its index.json, written even when the shard owns no cell.
SweepResult RunSweep(const ProfileConfig& config, const PipelineModels& models,
                     const std::string& out_dir, const SweepHooks& hooks = {},
                     const Shard& shard = {});

}  // namespace calf::core::profile
