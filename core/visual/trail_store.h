#pragma once
// Trails of every agent as struct-of-arrays ring buffers, the CPU side of the trail
// renderers. Agent a's ring occupies slots [a*L, (a+1)*L) of each array (L = trail_length).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace calf::core::visual {

/// A run of ring slots [begin, end) of one agent (slot indices inside the agent's ring).
struct SlotRange {
  int begin = 0;
  int end = 0;
  int size() const { return end - begin; }
};

/// Fixed-length trails for up to max_agents agents. Each Append writes the slot `head`,
/// advances head modulo L and grows count up to L (then the oldest point is overwritten).
/// The slots written since the last ClearDirty() are tracked per agent so a renderer can
/// upload only those. Deterministic; Append/AppendAll/ClearDirty never allocate. Not
/// thread-safe: one writer, readers only between writes.
class TrailStore {
 public:
  /// Throws ConfigError when max_agents < 0 or trail_length < 2.
  TrailStore(int max_agents, int trail_length);

  int max_agents() const { return max_agents_; }
  int trail_length() const { return trail_length_; }

  /// Appends one point (x, height, v in world units) with its mode (core::Mode value) to
  /// `agent`'s trail. The agent must be in [0, max_agents) (checked, a bug otherwise).
  void Append(int agent, const float* xyz, uint8_t mode);

  /// Appends one point to each of the agents 0..n-1: positions [n*3], modes [n].
  /// Requires n <= max_agents (checked). Large n is split over `threads` OpenMP threads
  /// (0 = all); the result, dirty order included, is the same as n serial Append calls.
  void AppendAll(const float* positions, const uint8_t* modes, int n, int threads = 0);

  /// Empties one agent's trail (e.g. on an episode reset); its slots keep stale data.
  void ClearAgent(int agent);

  /// Raises the capacity to `max_agents` agents keeping every trail, head and dirty range.
  /// Smaller values are a no-op. Allocates.
  void Grow(int max_agents);

  /// Forgets the dirty ranges (call after a renderer has uploaded them).
  void ClearDirty();

  /// Marks the training agent, whose certified segments are drawn yellow; -1 for none.
  void SetTrainingAgent(int agent) { training_agent_ = agent; }
  int training_agent() const { return training_agent_; }

  /// Slot the next Append of `agent` writes.
  int head(int agent) const { return head_[agent]; }
  /// Number of valid points of `agent` (<= trail_length).
  int count(int agent) const { return count_[agent]; }
  /// Slot of `agent`'s oldest valid point.
  int oldest(int agent) const {
    const int s = head_[agent] - count_[agent];
    return s < 0 ? s + trail_length_ : s;
  }
  /// Points appended to `agent` since construction (never reset; ClearAgent included).
  uint64_t appended(int agent) const { return appended_[agent]; }
  /// Incremented by every change of `agent`'s trail (Append, ClearAgent).
  uint64_t version(int agent) const { return version_[agent]; }

  /// Slots of `agent` written since the last ClearDirty(), in ring order, as up to two
  /// ranges (two when the dirty run wraps past the last slot). Returns the number of ranges.
  int DirtyRanges(int agent, SlotRange out[2]) const;
  /// Slots of `agent` written by the appends after the first `since` ones (compare with
  /// appended()): a dirty tracker for a consumer that remembers appended() at its last
  /// upload, independent of ClearDirty(). Up to two ranges in ring order (all slots as one
  /// range once a full ring or more was written). Returns the number of ranges.
  int RangesSince(int agent, uint64_t since, SlotRange out[2]) const;
  /// Number of slots of `agent` written since the last ClearDirty() (<= trail_length).
  int dirty_count(int agent) const { return dirty_count_[agent]; }
  /// Agents with dirty slots, in the order they were first written since ClearDirty().
  const std::vector<int>& dirty_agents() const { return dirty_agents_; }

  /// Positions [max_agents * trail_length * 3], slot-major within each agent.
  const float* positions() const { return positions_.data(); }
  /// Position of one slot (3 floats).
  const float* position(int agent, int slot) const {
    return &positions_[(static_cast<size_t>(agent) * trail_length_ + slot) * 3];
  }
  /// Modes [max_agents * trail_length].
  const uint8_t* modes() const { return modes_.data(); }
  uint8_t mode(int agent, int slot) const {
    return modes_[static_cast<size_t>(agent) * trail_length_ + slot];
  }

 private:
  int max_agents_;
  int trail_length_;
  int training_agent_ = -1;
  std::vector<float> positions_;
  std::vector<uint8_t> modes_;
  std::vector<int> head_;
  std::vector<int> count_;
  std::vector<uint64_t> appended_;
  std::vector<uint64_t> version_;
  std::vector<int> dirty_begin_;  // first dirty slot (the head at the first write)
  std::vector<int> dirty_count_;
  std::vector<int> dirty_agents_;     // reserved to max_agents: push_back never allocates
  std::vector<uint8_t> newly_dirty_;  // AppendAll scratch [max_agents]
};

}  // namespace calf::core::visual
