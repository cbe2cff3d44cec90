#pragma once
// The state of a LibTorch Adam optimiser in a checkpoint, written by calf. torch::save keys
// each parameter's state by the address of its tensor in memory, so the same state gave
// different bytes in every process (and two same-seed runs different checkpoint files); it
// also handed the checkpoint's bytes to LibTorch's archive reader. Here: the parameters in
// the optimiser's order, each with its step and moments as raw float32. Internal to PPO.

#include <torch/torch.h>

#include <istream>
#include <ostream>

namespace calf::core::train {

/// Writes `opt`'s state: for each parameter of each group, in order, whether it has a state
/// and then its step and first and second moments (no amsgrad: calf does not use it).
void WriteAdamState(std::ostream& out, torch::optim::Adam& opt);

/// Restores what WriteAdamState wrote into `opt`, whose parameters must have the shapes of
/// the writer's. Throws IoError on a short stream, another parameter count or size, a
/// negative step, a non-finite moment or a negative second moment.
void ReadAdamState(std::istream& in, torch::optim::Adam& opt);

}  // namespace calf::core::train
