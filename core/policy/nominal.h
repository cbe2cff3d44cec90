#pragma once
// Nominal stabilising controllers: PD for the point mass, move_to_point for the unicycle.

#include "core/sim/config.h"
#include "core/systems/system.h"

namespace calf::core {

/// The system's nominal action at `state`, clipped to the action limits.
void NominalAction(SystemKind kind, const NominalParams& params, const double* state,
                   double* action);

}  // namespace calf::core
