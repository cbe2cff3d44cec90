#pragma once
// `mpirun -n R calf run …`: the agents split across the ranks in whole blocks of
// kAgentBlock, each rank simulating its slice (OpenMP inside) into a part file, rank 0
// writing one virtual trajectory file over the parts. Layout and guarantees in
// docs/cluster.md.

#include <string>

#include "core/sim/run_to_file.h"

namespace calf::mpi {

/// The agents [first, first + count) rank `rank` of `ranks` simulates: whole blocks of
/// kAgentBlock agents, block b on rank floor(b·ranks / blocks)… (independent of thread
/// counts; a rank may get none when there are more ranks than blocks).
core::AgentSlice RankSlice(int64_t num_agents, int rank, int ranks);

/// Runs the resolved `config` on every rank of the live Session: checks that every rank got
/// the same config and output path and that `<out>.parts/` is shared by all ranks (exit 2
/// otherwise, on every rank), writes `<out>.parts/rank-RRRR.h5` per rank with agents, then
/// `<out>` (virtual datasets over the parts; the same names, shapes and attributes as a
/// one-process file). hooks.interrupted is polled on every rank and the ranks agree each
/// step, so a signal on any rank stops all at the same step. The returned statistics are
/// the whole population's on rank 0 (combined in block order: the same bits for any R) and
/// the rank's own elsewhere. Failures before the first step are agreed (one line on rank 0,
/// every rank exits with the failing rank's code); a failure after it ends the job
/// (AbortJob).
core::RunOutcome RunToFileOnRanks(const core::SimConfig& config, const std::string& out,
                                  int threads, const core::RunHooks& hooks);

}  // namespace calf::mpi
