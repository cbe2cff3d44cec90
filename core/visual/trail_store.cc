#include "core/visual/trail_store.h"

#include <string>

#include "core/error.h"
#include "core/threads.h"
#include "core/visual/colormap.h"

namespace calf::core::visual {

TrailStore::TrailStore(int max_agents, int trail_length)
    : max_agents_(0), trail_length_(trail_length) {
  if (max_agents < 0) {
    throw ConfigError("trail store: max_agents " + std::to_string(max_agents) +
                      " is negative; pass the number of agents");
  }
  if (trail_length < 2) {
    throw ConfigError("trail store: trail_length " + std::to_string(trail_length) +
                      " is too short; use at least 2 points");
  }
  Grow(max_agents);
}

void TrailStore::Grow(int max_agents) {
  if (max_agents <= max_agents_) return;
  // agent-major layout: existing agents keep their offsets, new ones are appended
  const size_t slots = static_cast<size_t>(max_agents) * trail_length_;
  positions_.resize(slots * 3, 0.0F);
  modes_.resize(slots, kModeNominal);
  head_.resize(max_agents, 0);
  count_.resize(max_agents, 0);
  appended_.resize(max_agents, 0);
  version_.resize(max_agents, 0);
  dirty_begin_.resize(max_agents, 0);
  dirty_count_.resize(max_agents, 0);
  dirty_agents_.reserve(max_agents);
  newly_dirty_.resize(max_agents, 0);
  max_agents_ = max_agents;
}

void TrailStore::Append(int agent, const float* xyz, uint8_t mode) {
  CALF_CHECK(agent >= 0 && agent < max_agents_) << "agent " << agent << " of " << max_agents_;
  const int h = head_[agent];
  const size_t slot = static_cast<size_t>(agent) * trail_length_ + h;
  positions_[slot * 3] = xyz[0];
  positions_[slot * 3 + 1] = xyz[1];
  positions_[slot * 3 + 2] = xyz[2];
  modes_[slot] = mode;
  if (dirty_count_[agent] == 0) {
    dirty_begin_[agent] = h;
    dirty_agents_.push_back(agent);
  }
  if (dirty_count_[agent] < trail_length_) ++dirty_count_[agent];
  head_[agent] = h + 1 == trail_length_ ? 0 : h + 1;
  if (count_[agent] < trail_length_) ++count_[agent];
  ++appended_[agent];
  ++version_[agent];
}

void TrailStore::AppendAll(const float* positions, const uint8_t* modes, int n, int threads) {
  CALF_CHECK(n >= 0 && n <= max_agents_) << "n " << n << " of " << max_agents_;
  constexpr int kParallelMin = 4096;  // below this the threads cost more than they save
  if (n < kParallelMin) {
    for (int a = 0; a < n; ++a) Append(a, positions + static_cast<size_t>(a) * 3, modes[a]);
    return;
  }
  // each agent's ring is its own: write them in parallel, then list the newly dirty agents
  // serially in agent order, as the serial Append loop would
#pragma omp parallel for schedule(static) num_threads(ResolveThreads(threads))
  for (int a = 0; a < n; ++a) {
    const int h = head_[a];
    const size_t slot = static_cast<size_t>(a) * trail_length_ + h;
    positions_[slot * 3] = positions[static_cast<size_t>(a) * 3];
    positions_[slot * 3 + 1] = positions[static_cast<size_t>(a) * 3 + 1];
    positions_[slot * 3 + 2] = positions[static_cast<size_t>(a) * 3 + 2];
    modes_[slot] = modes[a];
    newly_dirty_[a] = dirty_count_[a] == 0 ? 1 : 0;
    if (newly_dirty_[a] != 0) dirty_begin_[a] = h;
    if (dirty_count_[a] < trail_length_) ++dirty_count_[a];
    head_[a] = h + 1 == trail_length_ ? 0 : h + 1;
    if (count_[a] < trail_length_) ++count_[a];
    ++appended_[a];
    ++version_[a];
  }
  for (int a = 0; a < n; ++a) {
    if (newly_dirty_[a] != 0) dirty_agents_.push_back(a);
  }
}

void TrailStore::ClearAgent(int agent) {
  CALF_CHECK(agent >= 0 && agent < max_agents_) << "agent " << agent << " of " << max_agents_;
  count_[agent] = 0;
  ++version_[agent];
}

void TrailStore::ClearDirty() {
  for (int a : dirty_agents_) dirty_count_[a] = 0;
  dirty_agents_.clear();
}

namespace {
// n slots of a ring of length l starting at slot b, as up to two ranges
int RingRanges(int b, int n, int l, SlotRange out[2]) {
  if (n <= 0) return 0;
  if (n >= l) {
    // the whole ring was rewritten: one range in slot order is enough
    out[0] = {0, l};
    return 1;
  }
  if (b + n <= l) {
    out[0] = {b, b + n};
    return 1;
  }
  out[0] = {b, l};
  out[1] = {0, b + n - l};
  return 2;
}
}  // namespace

int TrailStore::DirtyRanges(int agent, SlotRange out[2]) const {
  return RingRanges(dirty_begin_[agent], dirty_count_[agent], trail_length_, out);
}

int TrailStore::RangesSince(int agent, uint64_t since, SlotRange out[2]) const {
  const uint64_t total = appended_[agent];
  if (since >= total) return 0;
  const uint64_t fresh = total - since;
  const int n =
      fresh >= static_cast<uint64_t>(trail_length_) ? trail_length_ : static_cast<int>(fresh);
  int b = head_[agent] - n;
  if (b < 0) b += trail_length_;
  return RingRanges(b, n, trail_length_, out);
}

}  // namespace calf::core::visual
