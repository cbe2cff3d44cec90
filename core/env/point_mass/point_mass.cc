#include "core/env/point_mass/point_mass.h"

#include <cmath>

#include "core/env/rk4.h"
#include "core/random/agent_random.h"

namespace calf::core::env {
namespace {

constexpr int kD = 2;  // [x, v]
constexpr int kM = 1;  // [a]

class PointMass final : public Environment {
 public:
  PointMass(const EnvSpec& spec, const EnvParams& p)
      : Environment(spec, p), kp_(p.gain("kp")), kd_(p.gain("kd")) {}

  void Observe(const AgentBlock& b, float* obs) const override {
    for (int64_t k = 0; k < b.count * kD; ++k) obs[k] = static_cast<float>(b.state[k]);
  }

  void Nominal(const AgentBlock& b, double* a) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      const double* s = b.state + k * kD;
      a[k] = -kp_ * s[0] - kd_ * s[1];
    }
    ClipActions(a, b.count);
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
      for (int j = 0; j < kD; ++j) {
        const double u = rng.Uniform(counters[k], DrawPurpose::kReset, static_cast<uint32_t>(j));
        b.state[k * kD + j] = -r + 2.0 * r * u;
      }
    }
  }

 protected:
  void Advance(const AgentBlock& b, const double* actions, const StepOutput& out) const override {
    const double dt = params().dt, eps = params().goal_epsilon, limit = params().boundary_limit;
    const auto f = [](const double* a) {
      return [a](const double* s, double* ds) {
        ds[0] = s[1];
        ds[1] = a[0];
      };
    };
    for (int64_t k = 0; k < b.count; ++k) {
      double* s = b.state + k * kD;
      const double* a = actions + k * kM;
      out.reward[k] = -std::sqrt(s[0] * s[0] + s[1] * s[1]) - 0.01 * a[0] * a[0];
      double next[kD];
      Rk4Step<kD>(s, dt, f(a), next);
      s[0] = next[0];
      s[1] = next[1];
      DoneReason done = DoneReason::kNone;
      if (std::sqrt(s[0] * s[0] + s[1] * s[1]) < eps) {
        done = DoneReason::kGoal;
      } else if (std::abs(s[0]) > limit || !std::isfinite(s[0]) || !std::isfinite(s[1])) {
        done = DoneReason::kOutOfBounds;
      }
      out.done[k] = done;
    }
  }

 private:
  double kp_, kd_;
};

std::unique_ptr<Environment> Make(const EnvParams& params) {
  return std::make_unique<PointMass>(PointMassFamily().spec, params);
}

}  // namespace

EnvFamily PointMassFamily() {
  EnvSpec s;
  s.name = "point_mass";
  s.summary = "double integrator: x' = v, v' = a; goal at the origin";
  s.state_dim = s.obs_dim = s.error_dim = kD;
  s.action_dim = kM;
  s.max_action = {5.0};
  s.state_names = {"x", "v"};
  s.nominal_policy = "pd";
  s.nominal_gains = {{"kp", 1.0, "PD position gain [1/s^2]"},
                     {"kd", 1.0, "PD velocity gain [1/s]"}};
  // PPO: 30 / 200 updates of 64 x 128 steps, episodes of 500 steps (5 s)
  s.training = {500, 0.01, 30 * 8192, 200 * 8192};
  s.shared_keys = {"goal_epsilon", "boundary_limit", "reset_range"};
  return {s, &Make};
}

}  // namespace calf::core::env
