#include "core/train/td3/replay_buffer.h"

#include <algorithm>

#include "core/error.h"
#include "core/memory.h"
#include "core/train/binary_io.h"

namespace calf::core::train {

ReplayBuffer::ReplayBuffer(int64_t capacity, int state_dim, int action_dim)
    : capacity_(capacity), d_(state_dim), m_(action_dim) {
  if (capacity <= 0)
    throw ConfigError("replay_size must be positive, got " + std::to_string(capacity));
  // the ring grows with the transitions stored (Add, Read); one that could never fit is
  // refused now rather than as std::bad_alloc hours into the run
  CheckMemory(static_cast<double>(capacity) * (2.0 * d_ + m_ + 2.0) * sizeof(float),
              "replay_size " + std::to_string(capacity) + " (the replay ring)",
              "lower replay_size");
}

void ReplayBuffer::Grow(int64_t n) {
  if (static_cast<int64_t>(reward_.size()) >= n) return;
  if (static_cast<int64_t>(reward_.capacity()) < n) {
    // doubling, but never beyond the ring
    const int64_t want = std::min(capacity_, std::max<int64_t>(2 * n, 1024));
    for (std::vector<float>* v : {&state_, &next_state_}) v->reserve(want * d_);
    action_.reserve(want * m_);
    reward_.reserve(want);
    not_done_.reserve(want);
  }
  state_.resize(n * d_);
  next_state_.resize(n * d_);
  action_.resize(n * m_);
  reward_.resize(n);
  not_done_.resize(n);
}

void ReplayBuffer::Add(const double* state, const double* action, double reward,
                       const double* next_state, bool terminal) {
  if (size_ < capacity_) Grow(size_ + 1);  // not full: pos_ == size_
  for (int j = 0; j < d_; ++j) {
    state_[pos_ * d_ + j] = static_cast<float>(state[j]);
    next_state_[pos_ * d_ + j] = static_cast<float>(next_state[j]);
  }
  for (int j = 0; j < m_; ++j) action_[pos_ * m_ + j] = static_cast<float>(action[j]);
  reward_[pos_] = static_cast<float>(reward);
  not_done_[pos_] = terminal ? 0.0f : 1.0f;
  pos_ = (pos_ + 1) % capacity_;
  if (size_ < capacity_) ++size_;
}

void ReplayBuffer::Gather(const std::vector<int64_t>& indices, Batch& batch) const {
  const auto b = static_cast<Eigen::Index>(indices.size());
  batch.state.resize(d_, b);
  batch.next_state.resize(d_, b);
  batch.action.resize(m_, b);
  batch.reward.resize(b);
  batch.not_done.resize(b);
  for (Eigen::Index k = 0; k < b; ++k) {
    const int64_t i = indices[k];
    CALF_CHECK(i >= 0 && i < size_) << "replay index " << i << " outside [0, " << size_ << ")";
    for (int j = 0; j < d_; ++j) {
      batch.state(j, k) = state_[i * d_ + j];
      batch.next_state(j, k) = next_state_[i * d_ + j];
    }
    for (int j = 0; j < m_; ++j) batch.action(j, k) = action_[i * m_ + j];
    batch.reward(k) = reward_[i];
    batch.not_done(k) = not_done_[i];
  }
}

void ReplayBuffer::Write(std::ostream& out) const {
  WritePod<int64_t>(out, capacity_);
  WritePod<int32_t>(out, d_);
  WritePod<int32_t>(out, m_);
  WritePod<int64_t>(out, pos_);
  WritePod<int64_t>(out, size_);
  // only the filled part is stored; the rest of the ring is never read before being written
  WriteArray(out, state_.data(), size_ * d_);
  WriteArray(out, next_state_.data(), size_ * d_);
  WriteArray(out, action_.data(), size_ * m_);
  WriteArray(out, reward_.data(), size_);
  WriteArray(out, not_done_.data(), size_);
}

void ReplayBuffer::Read(std::istream& in) {
  const auto capacity = ReadPod<int64_t>(in);
  const auto d = ReadPod<int32_t>(in);
  const auto m = ReadPod<int32_t>(in);
  if (capacity != capacity_ || d != d_ || m != m_) {
    throw IoError("checkpoint replay buffer has capacity " + std::to_string(capacity) + ", dims " +
                  std::to_string(d) + "/" + std::to_string(m) + " but this run needs " +
                  std::to_string(capacity_) + ", " + std::to_string(d_) + "/" + std::to_string(m_) +
                  "; resume with the checkpoint's configuration");
  }
  const auto pos = ReadPod<int64_t>(in);
  const auto size = ReadPod<int64_t>(in);
  // a ring fills from slot 0: until it is full the next slot is its size
  if (size < 0 || size > capacity_ || pos < 0 || pos >= capacity_ ||
      (size < capacity_ && pos != size)) {
    throw IoError("checkpoint is corrupt (replay position/size out of range)");
  }
  ReadGrowing(in, state_, size * d_);
  ReadGrowing(in, next_state_, size * d_);
  ReadGrowing(in, action_, size * m_);
  ReadGrowing(in, reward_, size);
  ReadGrowing(in, not_done_, size);
  pos_ = pos;
  size_ = size;
}

}  // namespace calf::core::train
