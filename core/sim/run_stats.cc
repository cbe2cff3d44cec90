#include "core/sim/run_stats.h"

#include <nlohmann/json.hpp>

namespace calf::core {
namespace {

void Add(EpisodeStats& s, DoneReason reason, double cost, int64_t length) {
  s.finished += 1;
  s.cost_sum += cost;
  s.length_sum += length;
  if (reason == DoneReason::kGoal)
    s.goal += 1;
  else if (reason == DoneReason::kOutOfBounds)
    s.out_of_bounds += 1;
  else
    s.time_limit += 1;
}

nlohmann::json ToJsonObject(const EpisodeStats& s) {
  return {{"finished", s.finished},           {"goal", s.goal},
          {"out_of_bounds", s.out_of_bounds}, {"time_limit", s.time_limit},
          {"success_rate", s.success_rate()}, {"mean_cost", s.mean_cost()},
          {"mean_length", s.mean_length()}};
}

void Combine(EpisodeStats& into, const EpisodeStats& s) {
  into.finished += s.finished;
  into.goal += s.goal;
  into.out_of_bounds += s.out_of_bounds;
  into.time_limit += s.time_limit;
  into.cost_sum += s.cost_sum;
  into.length_sum += s.length_sum;
}

}  // namespace

RunStats::RunStats(int64_t n)
    : cost_(n, 0.0), length_(n, 0), in_first_(n, 1), blocks_((n + kBlock - 1) / kBlock) {}

void RunStats::Observe(const SimState& st) {
  for (int64_t i = 0; i < st.num_agents; ++i) {
    cost_[i] -= st.rewards[i];
    length_[i] += 1;
    modes_[static_cast<int>(st.modes[i])] += 1;
    goal_hits_ += st.target_moved[i];
    nan_actions_ += st.nan_action[i];
    if (st.done[i] != DoneReason::kNone) {
      BlockStats& b = blocks_[i / kBlock];
      Add(b.all, st.done[i], cost_[i], length_[i]);
      if (in_first_[i]) Add(b.first, st.done[i], cost_[i], length_[i]);
      in_first_[i] = 0;
      cost_[i] = 0.0;
      length_[i] = 0;
    }
  }
  agent_steps_ += st.num_agents;
}

std::vector<BlockStats> RunStats::Blocks() const {
  std::vector<BlockStats> out = blocks_;
  if (!from_blocks_) {
    for (size_t i = 0; i < in_first_.size(); ++i) out[i / kBlock].unfinished += in_first_[i];
  }
  return out;
}

RunStats RunStats::FromBlocks(std::vector<BlockStats> blocks, const int64_t modes[4],
                              int64_t agent_steps, int64_t goal_hits, int64_t nan_actions) {
  RunStats r(0);
  r.blocks_ = std::move(blocks);
  r.from_blocks_ = true;
  for (int m = 0; m < 4; ++m) r.modes_[m] = modes[m];
  r.agent_steps_ = agent_steps;
  r.goal_hits_ = goal_hits;
  r.nan_actions_ = nan_actions;
  return r;
}

EpisodeStats RunStats::first_episodes() const {
  EpisodeStats s;
  for (const BlockStats& b : blocks_) Combine(s, b.first);
  return s;
}

EpisodeStats RunStats::all_episodes() const {
  EpisodeStats s;
  for (const BlockStats& b : blocks_) Combine(s, b.all);
  return s;
}

double RunStats::mode_fraction(Mode mode) const {
  return agent_steps_ ? double(modes_[static_cast<int>(mode)]) / agent_steps_ : 0.0;
}

std::string RunStats::ToJson() const {
  int64_t unfinished = 0;
  for (const BlockStats& b : Blocks()) unfinished += b.unfinished;
  nlohmann::json first = ToJsonObject(first_episodes());
  first["unfinished"] = unfinished;
  nlohmann::json j = {{"first_episode", first},
                      {"episodes", ToJsonObject(all_episodes())},
                      {"agent_steps", agent_steps_},
                      {"goal_hits", goal_hits_},
                      {"nan_actions", nan_actions_},
                      {"modes",
                       {{"certified", mode_fraction(Mode::kCertified)},
                        {"relax", mode_fraction(Mode::kRelax)},
                        {"fallback", mode_fraction(Mode::kFallback)},
                        {"nominal", mode_fraction(Mode::kNominal)}}}};
  return j.dump();
}

}  // namespace calf::core
