#include "core/env/creature/creature.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/env/creature/creature_kernel.h"

namespace calf::core::env {
namespace {

using config::Range;
using creature::Creature;

constexpr int kD = 7;  // [x, y, z, vx, vy, vz, stamina]
constexpr int kE = 4;  // [goal x, goal y, goal z, previous goal distance]
constexpr int kM = 3;  // acceleration command
// agents gathered into struct-of-arrays per kernel call
constexpr int64_t kChunk = 256;

Creature LoadAgent(const AgentBlock& b, int64_t k) {
  const double* s = b.state + k * kD;
  const double* e = b.env_state + k * kE;
  Creature c;
  for (int j = 0; j < 3; ++j) {
    c.p[j] = static_cast<float>(s[j]);
    c.v[j] = static_cast<float>(s[3 + j]);
    c.goal[j] = static_cast<float>(e[j]);
  }
  c.stamina = static_cast<float>(s[6]);
  c.prev_dist = static_cast<float>(e[3]);
  return c;
}

void StoreAgent(const AgentBlock& b, int64_t k, const Creature& c) {
  double* s = b.state + k * kD;
  double* e = b.env_state + k * kE;
  for (int j = 0; j < 3; ++j) {
    s[j] = c.p[j];
    s[3 + j] = c.v[j];
    e[j] = c.goal[j];
  }
  s[6] = c.stamina;
  e[3] = c.prev_dist;
}

class CreatureEnv final : public Environment {
 public:
  CreatureEnv(const EnvSpec& spec, const EnvParams& p)
      : Environment(spec, p),
        k_(creature::MakeKernelParams(p)),
        kp_(p.gain("creature_kp")),
        kd_(p.gain("creature_kd")),
        rest_(p.gain("creature_rest_stamina")),
        gravity_(p.param("creature", "gravity")) {}

  void Observe(const AgentBlock& b, float* obs) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      creature::CreatureObserve(k_, LoadAgent(b, k), obs + k * creature::kObsDim);
    }
  }

  // the velocity over max_vel (in [-1, 1]): the observation leaves it out (the design
  // document's network is recurrent), and without it a critic cannot tell what an action did
  // (an acceleration moves the next observation by only a·dt² ~ 1e-3 m)
  void CriticExtras(const AgentBlock& b, float* extras) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      const double* s = b.state + k * kD;
      for (int j = 0; j < 3; ++j)
        extras[k * 3 + j] = static_cast<float>(s[3 + j] / static_cast<double>(k_.max_vel));
    }
  }

  void Nominal(const AgentBlock& b, double* actions) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      const double* s = b.state + k * kD;
      const double* g = b.env_state + k * kE;
      double* a = actions + k * kM;
      // a PD acceleration toward the goal (gravity compensated), saturated by the action
      // bounds; with too little stamina left the creature rests to regenerate
      const double acc[3] = {kp_ * (g[0] - s[0]) - kd_ * s[3], kp_ * (g[1] - s[1]) - kd_ * s[4],
                             kp_ * (g[2] - s[2]) - kd_ * s[5] + gravity_};
      const double scale[3] = {k_.accel_xy, k_.accel_xy, k_.accel_z};
      const bool rest = s[6] < rest_;
      for (int j = 0; j < 3; ++j) a[j] = rest ? 0.0 : std::clamp(acc[j] / scale[j], -1.0, 1.0);
    }
    ClipActions(actions, b.count);
  }

  void Error(const AgentBlock& b, double* e) const override {
    // the offset from the current goal: the Lyapunov target moves with the goal
    for (int64_t k = 0; k < b.count; ++k) {
      for (int j = 0; j < 3; ++j) e[k * 3 + j] = b.state[k * kD + j] - b.env_state[k * kE + j];
    }
  }

  void Reset(const AgentBlock& b, uint64_t seed, const uint64_t* counters,
             const uint8_t* which) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      if (which != nullptr && which[k] == 0) continue;
      Creature c;
      creature::CreatureReset(k_, c, seed, static_cast<uint64_t>(b.first + k), counters[k]);
      StoreAgent(b, k, c);
    }
  }

  bool WorldBox(double* lo, double* hi) const override {
    for (int j = 0; j < 3; ++j) {
      lo[j] = k_.lo[j];
      hi[j] = k_.hi[j];
    }
    return true;
  }

  void StateChanged(const AgentBlock& b) const override {
    for (int64_t k = 0; k < b.count; ++k) {
      Creature c = LoadAgent(b, k);
      c.prev_dist = creature::GoalDistance(c.p[0], c.p[1], c.p[2], c.goal[0], c.goal[1], c.goal[2]);
      StoreAgent(b, k, c);
    }
  }

 protected:
  void Advance(const AgentBlock& b, const double* actions, const StepOutput& out) const override {
    if (params().fused_step) {
      AdvanceFused(b, actions, out);
    } else {
      AdvancePerCreature(b, actions, out);
    }
  }

 private:
  // the baseline structure: one creature at a time through separate functions
  void AdvancePerCreature(const AgentBlock& b, const double* actions, const StepOutput& out) const {
    for (int64_t k = 0; k < b.count; ++k) {
      Creature c = LoadAgent(b, k);
      float u[kM];
      for (int j = 0; j < kM; ++j) u[j] = static_cast<float>(actions[k * kM + j]);
      creature::StepTerms terms;
      bool hit = false;
      creature::CreaturePhysics(k_, c, u, terms);
      out.reward[k] = creature::CreatureReward(k_, c, terms, hit);
      if (hit) creature::CreatureRespawn(k_, c, b.seed, static_cast<uint64_t>(b.first + k), b.step);
      StoreAgent(b, k, c);
      out.done[k] = DoneReason::kNone;
      if (out.target_moved != nullptr) out.target_moved[k] = hit ? 1 : 0;
    }
  }

  void AdvanceFused(const AgentBlock& b, const double* actions, const StepOutput& out) const {
    // gather chunks into struct-of-arrays float32, run the fused kernel, scatter back
    float soa[11][kChunk], u[3][kChunk], reward[kChunk];
    uint8_t hit[kChunk];
    for (int64_t c0 = 0; c0 < b.count; c0 += kChunk) {
      const int64_t n = std::min(kChunk, b.count - c0);
      creature::CreatureArrays a{soa[0], soa[1], soa[2], soa[3], soa[4],  soa[5],
                                 soa[6], soa[7], soa[8], soa[9], soa[10], b.first + c0};
      for (int64_t k = 0; k < n; ++k) {
        creature::Store(a, k, LoadAgent(b, c0 + k));
        for (int j = 0; j < kM; ++j) u[j][k] = static_cast<float>(actions[(c0 + k) * kM + j]);
      }
      creature::CreatureStepIo io;
      io.ux = u[0];
      io.uy = u[1];
      io.uz = u[2];
      io.reward = reward;
      io.hit = hit;
      creature::StepFused(k_, a, 0, n, io, b.seed, b.step);
      for (int64_t k = 0; k < n; ++k) {
        StoreAgent(b, c0 + k, creature::Load(a, k));
        out.reward[c0 + k] = reward[k];
        // no terminal state: the box clamps the creature and a reached goal is redrawn
        out.done[c0 + k] = DoneReason::kNone;
        if (out.target_moved != nullptr) out.target_moved[c0 + k] = hit[k];
      }
    }
  }

  creature::KernelParams k_;
  double kp_, kd_, rest_, gravity_;
};

std::unique_ptr<Environment> Make(const EnvParams& params) {
  return std::make_unique<CreatureEnv>(CreatureFamily().spec, params);
}

std::string Num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

void Check(const EnvParams& p, const config::Binder& b) {
  const auto q = [&p](const std::string& name) { return p.param("creature", name); };
  for (const char* axis : {"x", "y", "z"}) {
    const std::string lo = std::string("box_min_") + axis, hi = std::string("box_max_") + axis;
    if (!(q(lo) < q(hi))) {
      b.Fail(hi, "= " + Num(q(hi)) + " must be above " + lo + " (" + Num(q(lo)) +
                     "); the world box needs min < max on every axis");
    }
  }
  if (q("ground_level") < q("box_min_z") || !(q("ground_level") < q("box_max_z"))) {
    b.Fail("ground_level", "= " + Num(q("ground_level")) + " must lie in [box_min_z, box_max_z) (" +
                               Num(q("box_min_z")) + ", " + Num(q("box_max_z")) + ")");
  }
  const double floor = std::max(q("box_min_z"), q("ground_level"));
  const double smallest = std::min(
      {q("box_max_x") - q("box_min_x"), q("box_max_y") - q("box_min_y"), q("box_max_z") - floor});
  if (!(q("goal_threshold") < smallest)) {
    b.Fail("goal_threshold", "= " + Num(q("goal_threshold")) +
                                 " must be below the box's smallest extent (" + Num(smallest) +
                                 " m); shrink it or enlarge the box");
  }
  for (const char* rate : {"momentum_damping", "ground_friction", "air_friction"}) {
    if (q(rate) * p.dt > 1.0) {
      b.Fail(rate, "= " + Num(q(rate)) + " times dt (" + Num(p.dt) +
                       ") must be at most 1; lower it or dt");
    }
  }
}

}  // namespace

EnvFamily CreatureFamily() {
  EnvSpec s;
  s.name = "creature";
  s.summary = "3-D creature in a walled box walking, jumping and flying to respawning goals";
  s.state_dim = kD;
  s.obs_dim = creature::kObsDim;
  s.critic_extra_dim = 3;  // the velocity (CriticExtras)
  s.action_dim = kM;
  s.env_state_dim = kE;
  s.error_dim = 3;
  s.goal_dim = 3;
  s.goals_respawn = true;
  s.max_action = {1.0, 1.0, 1.0};
  s.state_names = {"x", "y", "z", "vx", "vy", "vz", "stamina"};
  s.nominal_policy = "goal_pd";
  s.nominal_gains = {
      {"creature_kp", 4.0, "goal_pd position gain [1/s^2]"},
      {"creature_kd", 3.0, "goal_pd velocity gain [1/s]"},
      {"creature_rest_stamina", 10.0, "goal_pd rests (zero action) below this stamina"}};
  const Range any = Range::Any(), pos = Range::Above(0.0), nonneg = Range::AtLeast(0.0);
  s.params = {
      {"box_min_x", -10.0, "world box, lower x [m]", any},
      {"box_max_x", 10.0, "world box, upper x [m]", any},
      {"box_min_y", -10.0, "world box, lower y [m]", any},
      {"box_max_y", 10.0, "world box, upper y [m]", any},
      {"box_min_z", 0.0, "world box, lower z [m]", any},
      {"box_max_z", 10.0, "world box, upper z (ceiling) [m]", any},
      {"ground_level", 0.0, "height of the solid ground, in [box_min_z, box_max_z) [m]", any},
      {"accel_scale_xy", 8.0, "horizontal acceleration of a unit action [m/s^2]", pos},
      {"accel_scale_z", 15.0, "vertical acceleration of a unit action [m/s^2]", pos},
      {"max_accel", 15.0, "the commanded acceleration's norm is clamped to this [m/s^2]", pos},
      {"max_vel", 6.0, "the speed is clamped to this [m/s]", pos},
      {"momentum_damping", 0.1, "velocity damping rate, every axis [1/s]", nonneg},
      {"gravity", 9.81, "gravity toward the ground [m/s^2]", nonneg},
      {"terminal_vel_z", 20.0, "terminal fall speed [m/s]", pos},
      {"ground_friction", 2.0, "horizontal friction rate on the ground [1/s]", nonneg},
      {"air_friction", 0.5, "horizontal friction rate in the air [1/s]", nonneg},
      {"air_drag", 0.05, "quadratic drag in the air: v /= 1 + air_drag·|v|·dt [1/m]", nonneg},
      {"goal_threshold", 0.5, "a goal is reached (and redrawn) below this distance [m]", pos},
      {"proximity_threshold", 3.0, "the proximity bonus grows linearly inside this [m]", pos},
      {"distance_reward_scale", 1.0, "reward per metre of approach [1/m]", nonneg},
      {"proximity_bonus_scale", 0.01, "proximity bonus at the goal, per step", nonneg},
      {"goal_bonus", 10.0, "reward for reaching a goal", nonneg},
      {"idle_bonus", 0.001, "reward per idle step (regenerating stamina)", nonneg},
      {"wall_penalty_scale", 1.0, "penalty per metre of wall or ceiling penetration [1/m]", nonneg},
      {"stamina_penalty", 0.1, "penalty per step of trying to move with no stamina", nonneg},
      {"walk_stamina_cost", 1.0, "stamina per second per unit action on the ground [1/s]", nonneg},
      {"fly_stamina_cost", 5.0, "stamina per second per unit action jumping or flying [1/s]",
       nonneg},
      {"stamina_regen", 20.0, "stamina regained per second standing still [1/s]", nonneg},
      {"idle_threshold", 0.05, "an action of norm below this is standing still", nonneg},
  };
  // PPO: 40 / 400 updates of 64 x 128 steps, the design document's 1,000-step episodes, and
  // rewards of ~10 per goal scaled down
  s.training = {1000, 0.1, 40 * 8192, 400 * 8192};
  // the design document's episodes; goal_epsilon, boundary_limit and reset_range are the
  // point mass's and the unicycle's (the creature has its goal_threshold, box and resets)
  s.max_steps_per_episode = 1000;
  return {s, &Make, &Check};
}

}  // namespace calf::core::env
