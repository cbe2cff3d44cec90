#pragma once
// `calf run`'s job as one library entry: simulate a resolved config and record every K-th
// transition to a trajectory file (layout in docs/formats.md).

#include <cstdint>
#include <functional>
#include <string>

#include "core/sim/config.h"
#include "core/sim/prepared_sim.h"
#include "core/sim/run_stats.h"

namespace calf::core {

/// Puts `config` in the form outputs record: the system's canonical name ("unicycle" is an
/// alias), the system's own nominal controller for "nominal", and the actor/critic paths the
/// policy will load (defaults resolved), so the echoed config says which files were used and
/// two front ends (run, screenshot) hash the same config the same way. Validates first;
/// throws ConfigError (exit 2).
void ResolveSimConfig(SimConfig& config);

/// What a front end watches and steers while RunToFile works.
struct RunHooks {
  /// Called once when everything that can fail on bad input is done (policy loaded, output
  /// created), before the first step.
  std::function<void()> ready;
  /// Polled before each step; true stops the run at that step boundary (the file is then
  /// finished with complete = 0).
  std::function<bool()> interrupted;
  /// Called after each step with the number of steps done.
  std::function<void(int64_t)> progress;
};

/// What a finished (or interrupted) run did.
struct RunOutcome {
  int64_t steps = 0;      ///< Steps simulated.
  bool complete = false;  ///< False when the hooks interrupted the run.
  double seconds = 0.0;   ///< Wall time of the simulation loop.
  RunStats stats{0};      ///< Episode and mode statistics (serial, in agent order).
};

/// Loads the policy of the resolved `config`, simulates config.steps steps of
/// config.num_agents agents on `threads` OpenMP threads (0 = all; the bits do not depend on
/// it) and writes the trajectory to `out` (through an OutputFile: `<out>.partial`, renamed
/// when finished). Row i holds the transition at step i·K (K = record_every) and states[i+1]
/// the state that follows it. Throws calf::Error; on an error the destination is untouched.
///
/// With a `slice`, only those agents are simulated (their random streams keyed by their global
/// index, initial states taken from the rows of the whole CSV) and `out` holds them alone;
/// the file's config attribute is still the whole run's. The slice's bits equal the same
/// agents' bits in a whole run when slice.first is a multiple of kAgentBlock.
RunOutcome RunToFile(const SimConfig& config, const std::string& out, int threads,
                     const RunHooks& hooks = {}, const AgentSlice& slice = {});

}  // namespace calf::core
