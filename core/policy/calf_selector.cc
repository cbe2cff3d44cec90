#include "core/policy/calf_selector.h"

namespace calf::core {

void CalfParams::Bind(config::Binder& b) {
  using config::Range;
  b.Value("nu_bar", nu_bar, Range::Any());
  b.Value("kappa_low", kappa_low, Range::AtLeast(0.0));
  b.Value("kappa_up", kappa_up, Range::AtLeast(0.0));
  b.Value("lambda_relax", lambda_relax, Range::Closed(0.0, 1.0));
  if (b.kind() == config::Binder::Kind::kChecker && kappa_up < kappa_low) {
    b.Fail("kappa_up", "must not be below calf.kappa_low (the bounds would admit no q)");
  }
}

CalfParams CalfParams::Evaluation() {
  CalfParams p;
  p.nu_bar = 10.0;
  p.lambda_relax = 0.0;
  return p;
}

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kCertified:
      return "certified";
    case Mode::kRelax:
      return "relax";
    case Mode::kFallback:
      return "fallback";
    case Mode::kNominal:
      return "nominal";
  }
  return "unknown";
}

void CalfState::Resize(int64_t n, int d, int m, double lambda_relax) {
  has_cert.assign(n, 0);
  s_dag.assign(n * d, 0.0);
  a_dag.assign(n * m, 0.0);
  q_dag.assign(n, 0.0);
  p_relax.assign(n, lambda_relax);
}

bool CalfCertifies(const CalfParams& p, bool has_cert, double q_dag, double q,
                   double error_norm_sq) {
  if (!has_cert) return true;
  const double neg_q = -q;
  return q - q_dag >= p.nu_bar && p.kappa_low * error_norm_sq <= neg_q &&
         neg_q <= p.kappa_up * error_norm_sq;
}

Mode CalfSelect(const CalfParams& p, const CalfInput& in, int d, int m, int64_t agent,
                CalfState& cs, double* chosen) {
  const double* e = in.error != nullptr ? in.error : in.state;
  const int ne = in.error != nullptr ? in.error_dim : d;
  double norm_sq = 0.0;
  for (int j = 0; j < ne; ++j) norm_sq += e[j] * e[j];

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
