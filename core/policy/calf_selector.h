#pragma once
// The CALF action selector for one agent: certify the actor's action with the critic,
// otherwise relax (trust the actor) with probability P_relax or fall back to the nominal
// controller. Pure function of its inputs plus the agent's own certificate.

#include <cstdint>

#include "core/sim/config.h"
#include "core/sim/state.h"

namespace calf::core {

/// Inputs of one agent's CALF decision.
struct CalfInput {
  const double* state;           ///< [d] current state s.
  const double* actor_action;    ///< [m] the actor's proposal a (clipped).
  const double* nominal_action;  ///< [m] the nominal controller's action (clipped).
  double q;                      ///< Critic value q(s, a), first head.
  double u;                      ///< Uniform [0,1) draw from the agent's own stream.
};

/// True when q certifies: no certificate yet, or q - q† >= nu_bar and
/// kappa_low·|s|² <= -q <= kappa_up·|s|².
bool CalfCertifies(const CalfParams& params, bool has_cert, double q_dag, double q,
                   double state_norm_sq);

/// Decides agent `agent`'s action, writes it to `chosen` [m], updates that agent's
/// certificate and decays its P_relax. Returns the mode.
Mode CalfSelect(const CalfParams& params, const CalfInput& in, int d, int m, int64_t agent,
                CalfState& cs, double* chosen);

/// Clears agent `agent`'s certificate (episode end); P_relax carries over.
void CalfResetCertificate(CalfState& cs, int64_t agent);

}  // namespace calf::core
