#pragma once
// The CALF action selector for one agent: certify the actor's action with the critic,
// otherwise relax (trust the actor) with probability P_relax or fall back to the nominal
// controller. Pure function of its inputs plus the agent's own certificate.

#include <cstdint>
#include <vector>

#include "core/config/binder.h"

namespace calf::core {

/// Parameters of the CALF action selector (the config's "calf" object).
struct CalfParams {
  double nu_bar = 0.01;           ///< Required critic improvement q - q† for certification.
  double kappa_low = 0.01;        ///< Lower K-infinity bound factor: kappa_low·|e|² <= -q.
  double kappa_up = 1000.0;       ///< Upper bound factor: -q <= kappa_up·|e|².
  double lambda_relax = 0.99995;  ///< P_relax decay per step; P_relax starts at lambda_relax.

  /// Binds the four keys (config layer); kappa_up must not be below kappa_low.
  void Bind(config::Binder& b);

  /// The parameters `calf run` evaluates a trained agent with (docs/config.md, "Evaluating a
  /// trained agent"): no relaxation (lambda_relax 0: the actor acts only when certified) and
  /// nu_bar 10, a required improvement on the scale of the shipped critics (reward_scale 10,
  /// q ~ -3,000 on the unicycle), so an episode holds at most ~|q|/nu_bar certified steps.
  static CalfParams Evaluation();
};

/// Which controller produced an agent's action (stored as an HDF5 enum `mode`).
enum class Mode : uint8_t { kCertified = 0, kRelax = 1, kFallback = 2, kNominal = 3 };

/// Human name of a mode ("certified", "relax", "fallback", "nominal").
const char* ModeName(Mode mode);

/// Per-agent CALF certificate and relax probability; never shared between agents.
struct CalfState {
  std::vector<uint8_t> has_cert;  ///< [N] 0 until the first certified step of the episode.
  std::vector<double> s_dag;      ///< [N*d] certified state s†.
  std::vector<double> a_dag;      ///< [N*m] certified action a†.
  std::vector<double> q_dag;      ///< [N] certified critic value q†.
  std::vector<double> p_relax;    ///< [N] relax probability, starts at lambda_relax.
  void Resize(int64_t n, int d, int m, double lambda_relax);
};

/// Inputs of one agent's CALF decision.
struct CalfInput {
  const double* state;            ///< [d] current state s (stored as s†).
  const double* actor_action;     ///< [m] the actor's proposal a (clipped).
  const double* nominal_action;   ///< [m] the nominal controller's action (clipped).
  double q;                       ///< Critic value q(o, a), first head.
  double u;                       ///< Uniform [0,1) draw from the agent's own stream.
  const double* error = nullptr;  ///< [error_dim] the error e the bounds measure
                                  ///< (Environment::Error); null = the state itself.
  int error_dim = 0;              ///< Size of `error` (ignored when it is null).
};

/// True when q certifies: no certificate yet, or q - q† >= nu_bar and
/// kappa_low·|e|² <= -q <= kappa_up·|e|².
bool CalfCertifies(const CalfParams& params, bool has_cert, double q_dag, double q,
                   double error_norm_sq);

/// Decides agent `agent`'s action, writes it to `chosen` [m], updates that agent's
/// certificate and decays its P_relax. Returns the mode.
Mode CalfSelect(const CalfParams& params, const CalfInput& in, int d, int m, int64_t agent,
                CalfState& cs, double* chosen);

/// Clears agent `agent`'s certificate (episode end, target moved); P_relax carries over.
void CalfResetCertificate(CalfState& cs, int64_t agent);

}  // namespace calf::core
