#include "mpi/distributed_run.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/io/output_file.h"
#include "core/io/virtual_file.h"
#include "core/sim/state.h"
#include "mpi/session.h"

namespace calf::mpi {
namespace {

namespace fs = std::filesystem;

std::string PartName(int rank) {
  char name[32];
  std::snprintf(name, sizeof(name), "rank-%04d.h5", rank);
  return name;
}

// BlockStats as numbers: 2 doubles and 11 integers per block.
constexpr int kDoubles = 2, kInts = 11;

void Pack(const std::vector<core::BlockStats>& blocks, std::vector<double>* d,
          std::vector<int64_t>* i) {
  for (const core::BlockStats& b : blocks) {
    d->push_back(b.first.cost_sum);
    d->push_back(b.all.cost_sum);
    for (const core::EpisodeStats* e : {&b.first, &b.all}) {
      i->insert(i->end(), {e->finished, e->goal, e->out_of_bounds, e->time_limit, e->length_sum});
    }
    i->push_back(b.unfinished);
  }
}

std::vector<core::BlockStats> Unpack(const std::vector<double>& d, const std::vector<int64_t>& i) {
  std::vector<core::BlockStats> blocks(d.size() / kDoubles);
  for (size_t k = 0; k < blocks.size(); ++k) {
    core::BlockStats& b = blocks[k];
    b.first.cost_sum = d[k * kDoubles];
    b.all.cost_sum = d[k * kDoubles + 1];
    const int64_t* v = &i[k * kInts];
    for (core::EpisodeStats* e : {&b.first, &b.all}) {
      e->finished = v[0];
      e->goal = v[1];
      e->out_of_bounds = v[2];
      e->time_limit = v[3];
      e->length_sum = v[4];
      v += 5;
    }
    b.unfinished = *v;
  }
  return blocks;
}

}  // namespace

core::AgentSlice RankSlice(int64_t num_agents, int rank, int ranks) {
  const BlockShare s = ShareOfBlocks(num_agents, core::kAgentBlock, rank, ranks);
  return {s.first, s.count};
}

core::RunOutcome RunToFileOnRanks(const core::SimConfig& config, const std::string& out,
                                  int threads, const core::RunHooks& hooks) {
  const Session* session = Session::Current();
  CALF_CHECK(session != nullptr) << "RunToFileOnRanks without an MPI session";
  const int rank = session->rank(), ranks = session->size();

  // every rank must run the same job: compare with rank 0's config and output path
  const std::string mine = config.ToJson() + "\n" + out;
  const std::string root = Broadcast(mine, 0);
  AllOrNone([&] {
    if (mine != root) {
      throw ConfigError(
          "was started with other arguments than rank 0 (config or --out "
          "differ); start every rank with the same command");
    }
  });

  // the parts directory, seen by every rank (a node-local path on a cluster is not)
  const fs::path out_path(out);
  const std::string parts_rel = out_path.filename().string() + ".parts";
  const fs::path parts_dir =
      (out_path.has_parent_path() ? out_path.parent_path() : fs::path(".")) / parts_rel;
  const std::string token_path = (parts_dir / ".calf-job").string();
  std::string token;
  AllOrNone([&] {
    if (rank != 0) return;
    core::CheckOutputFile(out, "--out");
    core::PrepareOutputDir(parts_dir.string(), "--out's parts directory");
    std::ostringstream t;
    t << getpid() << "-" << std::chrono::steady_clock::now().time_since_epoch().count();
    token = t.str();
    core::WriteTextFile(token_path, token, "job token");
  });
  token = Broadcast(token, 0);
  AllOrNone([&] {
    std::ifstream in(token_path);
    std::string seen;
    std::getline(in, seen);
    if (seen != token) {
      throw IoError("cannot see '" + token_path +
                    "' written by rank 0: --out must be on a "
                    "file system every rank shares (not a node-local /tmp)");
    }
  });

  const core::AgentSlice slice = RankSlice(config.num_agents, rank, ranks);
  const std::string part = (parts_dir / PartName(rank)).string();
  bool agreed = false, ready = false;
  core::RunHooks h;
  h.ready = [&] {
    agreed = true;
    Agree(nullptr);
    ready = true;
  };
  h.interrupted = [&] {
    const int local = hooks.interrupted && hooks.interrupted() ? 1 : 0;
    return AllreduceMax(local) != 0;
  };
  if (rank == 0) h.progress = hooks.progress;

  core::RunOutcome outcome;
  try {
    if (slice.count > 0) {
      outcome = core::RunToFile(config, part, threads, h, slice);
    } else {
      // no agents here: keep step with the others (the same collectives, no file)
      h.ready();
      int64_t k = 0;
      for (; k < config.steps; ++k) {
        if (h.interrupted()) break;
        if (h.progress) h.progress(k + 1);
      }
      outcome.steps = k;
      outcome.complete = k == config.steps;
    }
  } catch (const Error& e) {
    if (agreed && !ready) throw;  // another rank's setup failure, agreed by every rank
    if (!agreed) Agree(&e);       // this rank's setup failure: every rank learns it (throws)
    AbortJob("run", e.what(), e.code());
  } catch (const std::exception& e) {
    if (!agreed) {
      const Error internal(std::string("internal error: ") + e.what(), ExitCode::kRuntime);
      Agree(&internal);
    }
    AbortJob("run", std::string("internal error: ") + e.what(), ExitCode::kRuntime);
  }

  // statistics: blocks gathered in rank order = global block order; counts summed exactly
  std::vector<double> d;
  std::vector<int64_t> i;
  Pack(outcome.stats.Blocks(), &d, &i);
  const std::vector<double> all_d = GatherToRoot(d);
  const std::vector<int64_t> all_i = GatherToRoot(i);
  int64_t counts[7];
  for (int m = 0; m < 4; ++m) counts[m] = outcome.stats.mode_counts()[m];
  counts[4] = outcome.stats.agent_steps();
  counts[5] = outcome.stats.goal_hits();
  counts[6] = outcome.stats.nan_actions();
  AllreduceSum(counts, 7);
  if (rank == 0) {
    outcome.stats =
        core::RunStats::FromBlocks(Unpack(all_d, all_i), counts, counts[4], counts[5], counts[6]);
  }

  // rank 0 writes the virtual file once every part is closed (the gathers above waited)
  AllOrNone([&] {
    if (rank != 0) return;
    std::vector<core::VirtualPart> parts;
    for (int r = 0; r < ranks; ++r) {
      const core::AgentSlice s = RankSlice(config.num_agents, r, ranks);
      if (s.count > 0) parts.push_back({parts_rel + "/" + PartName(r), s.first, s.count});
    }
    core::WriteVirtualTrajectory(out, parts, config.num_agents);
    std::error_code ec;
    fs::remove(token_path, ec);
  });
  return outcome;
}

}  // namespace calf::mpi
