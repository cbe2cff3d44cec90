#pragma once
// A straightforward LibTorch (autograd + torch::optim::Adam) implementation of the same TD3
// update as Td3::TrainOnBatch, following Fujimoto's TD3.py line by line. It is the reference
// the Eigen trainer is tested against, the LibTorch baseline of calf_bench_train and the
// update of `calf train --backend libtorch`. LibTorch stays inside td3_reference.cc.

#include <Eigen/Core>
#include <memory>

#include "core/train/td3/td3.h"

namespace calf::core::train {

/// LibTorch TD3 initialised with the state (and hyper-parameters) of a Td3. Not thread-safe.
class TorchTd3Reference {
 public:
  /// Copies networks, targets, the three Adam states and the iteration count of `init`.
  explicit TorchTd3Reference(const Td3& init);
  ~TorchTd3Reference();

  /// One TD3 iteration with autograd; same inputs and semantics as Td3::TrainOnBatch.
  UpdateStats TrainOnBatch(const Batch& batch, const Eigen::MatrixXf& normal);

  /// Gradients of the critic loss for each head, and of the actor loss, at the current
  /// weights (no parameter change). `normal` as in TrainOnBatch.
  void Gradients(const Batch& batch, const Eigen::MatrixXf& normal, NetGrads* q1, NetGrads* q2,
                 NetGrads* actor);

  /// Writes the whole state (networks, targets, Adam states, iteration count) into `td3`,
  /// which must have the shapes of the Td3 this was built from. Exact float copies, so a
  /// Td3 written here and handed to a new TorchTd3Reference continues bit-identically.
  void CopyTo(Td3& td3) const;

  /// Current weights copied back into Eigen nets (layer activations as in the Td3).
  Net Actor() const;
  Net ActorTarget() const;
  Net Q1() const;
  Net Q2() const;
  Net Q1Target() const;
  Net Q2Target() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace calf::core::train
