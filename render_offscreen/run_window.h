#pragma once
// What `calf screenshot --run` reads of a run file before anything is drawn: the reader's
// checks, the recorded config and the environment it makes, the rows of the requested steps
// and the trail window of rows around them. Apart from the scene and the renderer
// (scene_feed.h) so that the whole read can be run — and fuzzed (fuzz/run_file_fuzz.cc) —
// without OpenGL or LibTorch.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/env/environment.h"
#include "core/io/trajectory_reader.h"
#include "core/sim/config.h"

namespace calf::render {

/// Longest trail per agent, in points (`--trail`).
inline constexpr int64_t kMaxTrailPoints = 1'000'000;
/// Most trail points of a whole scene (agents x trail length): 2^26, about 0.8 GB of trail
/// vertices; beyond it `std::bad_alloc` used to end a screenshot as an "internal error".
inline constexpr int64_t kMaxSceneTrailPoints = int64_t{1} << 26;

/// Throws ConfigError when `agents` agents with `trail`-point trails exceed
/// kMaxSceneTrailPoints (naming both numbers and the limit). `source` says where the agent
/// count came from ("--agents", or the run file).
void CheckSceneBudget(int64_t agents, int64_t trail, const std::string& source);

/// Options shared by both feeds (scene_feed.h).
struct FeedOptions {
  int trail = 600;  ///< Points per agent trail (0 = none, else >= 2).
  int threads = 0;  ///< Live: simulation threads (0 = all); the frames do not depend on it.
  /// Critic of the value surface given explicitly ("" = the run's, or none for a live policy
  /// without a critic). A relative path recorded in a run file and missing from the working
  /// directory is looked up next to the run file.
  std::string critic_path;
};

/// True when `env` is a 3-D world with goals (it has a world box and a 3-D goal); its box is
/// then in lo/hi.
bool World3d(const core::env::Environment& env, double lo[3], double hi[3]);

/// What FeedRun reads of a run file: everything before anything is drawn.
struct RunWindow {
  core::TrajectoryInfo info;
  core::SimConfig config;
  bool critic_given = false;
  std::vector<int64_t> steps, rows;  // the shots' global steps and their rows of `states`
  int64_t r0 = 0, r1 = 0;            // rows [r0, r1]: the first shot's trail through the last
  /// The recorded config's environment, made once here (for the quadruped that loads the
  /// MJCF model) and reused by the scene for its bodies and its world box.
  std::shared_ptr<const core::env::Environment> env;
  bool world3d = false;  // World3d(*env): the file then holds goals
  core::H5Array<float> states, goals;
  core::H5Array<uint8_t> modes, done;
  core::H5Array<int32_t> episode;
};

/// Reads the window of `run_path` that shows global steps `steps` (sorted, unique; empty
/// means the run's end, which needs a complete run or record_every 1) with `options.trail`
/// points of trail. Throws ConfigError (exit 2) for a step the file did not record or beyond
/// the run, IoError for a corrupt file or one whose state dimension does not match its
/// system. Reads the file in this process: callers that take untrusted files run it in a
/// child first (core/io/read_in_child.h), as FeedRun does.
RunWindow ReadRunWindow(const std::string& run_path, std::vector<int64_t> steps,
                        const FeedOptions& options);

}  // namespace calf::render
