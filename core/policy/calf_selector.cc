#include "core/policy/calf_selector.h"

namespace calf::core {

bool CalfCertifies(const CalfParams& p, bool has_cert, double q_dag, double q,
                   double state_norm_sq) {
  if (!has_cert) return true;
  const double neg_q = -q;
  return q - q_dag >= p.nu_bar && p.kappa_low * state_norm_sq <= neg_q &&
         neg_q <= p.kappa_up * state_norm_sq;
}

Mode CalfSelect(const CalfParams& p, const CalfInput& in, int d, int m, int64_t agent,
                CalfState& cs, double* chosen) {
  double norm_sq = 0.0;
  for (int j = 0; j < d; ++j) norm_sq += in.state[j] * in.state[j];

  Mode mode;
  if (CalfCertifies(p, cs.has_cert[agent] != 0, cs.q_dag[agent], in.q, norm_sq)) {
    // certified: act with the actor and move the certificate here
    for (int j = 0; j < m; ++j) chosen[j] = in.actor_action[j];
    for (int j = 0; j < d; ++j) cs.s_dag[agent * d + j] = in.state[j];
    for (int j = 0; j < m; ++j) cs.a_dag[agent * m + j] = in.actor_action[j];
    cs.q_dag[agent] = in.q;
    cs.has_cert[agent] = 1;
    mode = Mode::kCertified;
  } else if (in.u >= cs.p_relax[agent]) {
    for (int j = 0; j < m; ++j) chosen[j] = in.nominal_action[j];
    mode = Mode::kFallback;
  } else {
    for (int j = 0; j < m; ++j) chosen[j] = in.actor_action[j];
    mode = Mode::kRelax;
  }
  cs.p_relax[agent] *= p.lambda_relax;
  return mode;
}

void CalfResetCertificate(CalfState& cs, int64_t agent) { cs.has_cert[agent] = 0; }

}  // namespace calf::core
