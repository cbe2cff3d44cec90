#include "core/env/differential_drive/differential_drive.h"

#include <cmath>

#include "core/env/rk4.h"
#include "core/random/agent_random.h"

namespace calf::core::env {
namespace {

constexpr int kD = 3;  // [x, y, θ]
constexpr int kM = 2;  // [v, ω]

class DifferentialDrive final : public Environment {
 public:
  DifferentialDrive(const EnvSpec& spec, const EnvParams& p)
      : Environment(spec, p),
        k_rho_(p.gain("k_rho")),
        k_alpha_(p.gain("k_alpha")),
        k_theta_(p.gain("k_theta")) {}

  void Observe(const AgentBlock& b, float* obs) const override {
    for (int64_t k = 0; k < b.count * kD; ++k) obs[k] = static_cast<float>(b.state[k]);
  }

  void Nominal(const AgentBlock& b, double* actions) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      // move_to_point: drive towards the origin, then turn to heading 0
      const double x = b.state[k * kD], y = b.state[k * kD + 1], theta = b.state[k * kD + 2];
      double* a = actions + k * kM;
      const double rho = std::sqrt(x * x + y * y);
      if (rho < 0.05) {
        a[0] = 0.0;
        a[1] = -k_theta_ * theta;
      } else {
        const double alpha = WrapAngle(std::atan2(-y, -x) - theta);
        if (std::abs(alpha) > M_PI / 2) {
          // goal behind: back up slowly while turning towards it
          a[0] = -0.3 * k_rho_ * rho;
          a[1] = 0.5 * k_alpha_ * (alpha > 0 ? 1.0 : -1.0);
        } else {
          a[0] = k_rho_ * rho * std::cos(alpha);
          a[1] = k_alpha_ * alpha;
        }
      }
    }
    ClipActions(actions, b.count);
  }

  void Error(const AgentBlock& b, double* e) const override {
    for (int64_t k = 0; k < b.count * kD; ++k) e[k] = b.state[k];
  }

  void Reset(const AgentBlock& b, uint64_t seed, const uint64_t* counters,
             const uint8_t* which) const override {
    const double r = params().reset_range;
    for (int64_t k = 0; k < b.count; ++k) {
      if (which != nullptr && which[k] == 0) continue;
      const AgentRandom rng(seed, static_cast<uint64_t>(b.first + k));
      double* x = b.state + k * kD;
      for (int j = 0; j < kD; ++j) {
        const double u = rng.Uniform(counters[k], DrawPurpose::kReset, static_cast<uint32_t>(j));
        x[j] = -r + 2.0 * r * u;
      }
      // the heading is drawn over the whole circle (this arithmetic reproduces earlier runs)
      x[2] = -M_PI + 2.0 * M_PI * (x[2] + r) / (2.0 * r);
    }
  }

 protected:
  void Advance(const AgentBlock& b, const double* actions, const StepOutput& out) const override {
    const double dt = params().dt, eps = params().goal_epsilon, limit = params().boundary_limit;
    for (int64_t k = 0; k < b.count; ++k) {
      double* s = b.state + k * kD;
      const double* a = actions + k * kM;
      out.reward[k] = -std::sqrt(s[0] * s[0] + s[1] * s[1]) - 0.1 * std::abs(s[2]) -
                      0.01 * (a[0] * a[0] + a[1] * a[1]);
      double next[kD];
      Rk4Step<kD>(
          s, dt,
          [a](const double* x, double* dx) {
            dx[0] = a[0] * std::cos(x[2]);
            dx[1] = a[0] * std::sin(x[2]);
            dx[2] = a[1];
          },
          next);
      s[0] = next[0];
      s[1] = next[1];
      s[2] = WrapAngle(next[2]);
      DoneReason done = DoneReason::kNone;
      if (std::sqrt(s[0] * s[0] + s[1] * s[1]) < eps) {
        done = DoneReason::kGoal;
      } else if (std::abs(s[0]) > limit || std::abs(s[1]) > limit || !std::isfinite(s[0]) ||
                 !std::isfinite(s[1]) || !std::isfinite(s[2])) {
        done = DoneReason::kOutOfBounds;
      }
      out.done[k] = done;
    }
  }

 private:
  double k_rho_, k_alpha_, k_theta_;
};

std::unique_ptr<Environment> Make(const EnvParams& params) {
  return std::make_unique<DifferentialDrive>(DifferentialDriveFamily().spec, params);
}

}  // namespace

double WrapAngle(double angle) {
  // atan2 form is exact at ±π boundaries and handles any number of turns
  return std::atan2(std::sin(angle), std::cos(angle));
}

EnvFamily DifferentialDriveFamily() {
  EnvSpec s;
  s.name = "differential_drive";
  s.aliases = {"unicycle"};
  s.summary = "unicycle: x' = v cos(theta), y' = v sin(theta), theta' = w; goal at the origin";
  s.state_dim = s.obs_dim = s.error_dim = kD;
  s.action_dim = kM;
  s.max_action = {1.0, 2.0};
  s.state_names = {"x", "y", "theta"};
  s.nominal_policy = "move_to_point";
  s.nominal_gains = {{"k_rho", 0.8, "move_to_point distance gain [1/s]"},
                     {"k_alpha", 3.0, "move_to_point heading-to-goal gain [1/s]"},
                     {"k_theta", 2.0, "move_to_point final heading gain [1/s]"}};
  // PPO: 30 / 300 updates of 64 x 128 steps, episodes of 750 steps (the unicycle turns first)
  s.training = {750, 0.01, 30 * 8192, 300 * 8192};
  s.shared_keys = {"goal_epsilon", "boundary_limit", "reset_range"};
  return {s, &Make};
}

}  // namespace calf::core::env
