#include "core/policy/nominal.h"

#include <cmath>

namespace calf::core {

void NominalAction(SystemKind kind, const NominalParams& p, const double* s, double* a) {
  if (kind == SystemKind::kPointMass) {
    a[0] = -p.kp * s[0] - p.kd * s[1];
  } else {
    // move_to_point: drive towards the origin, then turn to heading 0
    const double x = s[0], y = s[1], theta = s[2];
    const double rho = std::sqrt(x * x + y * y);
    if (rho < 0.05) {
      a[0] = 0.0;
      a[1] = -p.k_theta * theta;
    } else {
      const double alpha = WrapAngle(std::atan2(-y, -x) - theta);
      if (std::abs(alpha) > M_PI / 2) {
        // goal behind: back up slowly while turning towards it
        a[0] = -0.3 * p.k_rho * rho;
        a[1] = 0.5 * p.k_alpha * (alpha > 0 ? 1.0 : -1.0);
      } else {
        a[0] = p.k_rho * rho * std::cos(alpha);
        a[1] = p.k_alpha * alpha;
      }
    }
  }
  ClipAction(GetSystemSpec(kind), a);
}

}  // namespace calf::core
