#pragma once
// The TD3 replay buffer: a fixed-capacity ring of transitions stored in float32, as in
// Fujimoto et al.'s reference implementation (the oldest transition is overwritten first).

#include <Eigen/Core>
#include <cstdint>
#include <iosfwd>
#include <vector>

namespace calf::core::train {

/// A minibatch in column layout: one column per transition (matches the training MLPs).
struct Batch {
  Eigen::MatrixXf state;        ///< [d, B] s.
  Eigen::MatrixXf action;       ///< [m, B] a (the action actually applied).
  Eigen::MatrixXf next_state;   ///< [d, B] s'.
  Eigen::RowVectorXf reward;    ///< [B] scaled reward r.
  Eigen::RowVectorXf not_done;  ///< [B] 0 when s' is terminal (goal or out of bounds), else 1.
};

/// Ring buffer of transitions. Not thread-safe; deterministic (no internal randomness). Its
/// memory grows with the transitions stored, up to `capacity`.
class ReplayBuffer {
 public:
  ReplayBuffer(int64_t capacity, int state_dim, int action_dim);

  /// Appends one transition, overwriting the oldest one when full.
  void Add(const double* state, const double* action, double reward, const double* next_state,
           bool terminal);

  /// Gathers the transitions at `indices` (each < size()) into `batch`.
  void Gather(const std::vector<int64_t>& indices, Batch& batch) const;

  int64_t capacity() const { return capacity_; }
  int64_t size() const { return size_; }
  /// Slot the next Add writes to.
  int64_t position() const { return pos_; }
  int state_dim() const { return d_; }
  int action_dim() const { return m_; }

  /// Writes the whole ring (contents, position, size) in a binary form; see Read.
  void Write(std::ostream& out) const;
  /// Restores a ring written by Write; throws IoError when the stream is short or the
  /// capacity/dimensions differ from this buffer's.
  void Read(std::istream& in);

 private:
  // makes room for n transitions (n <= capacity_): the ring's memory follows its contents
  void Grow(int64_t n);

  int64_t capacity_;
  int d_, m_;
  int64_t pos_ = 0, size_ = 0;
  std::vector<float> state_, action_, next_state_, reward_, not_done_;
};

}  // namespace calf::core::train
