#pragma once
// Internal to core/env/creature: the per-creature arithmetic of one step, written once as
// inline scalar functions on float32 and used by every path (the fused kernel, the unfused
// passes, the per-creature baseline, the Environment interface). Every path therefore rounds
// alike: the kernels are built with -ffp-contract=off (no FMA) and -fno-math-errno (sqrt is
// the IEEE instruction), and branches are written as selects so that the loops vectorise.

#include <cmath>
#include <cstdint>

namespace calf::core::env::creature {

/// Largest stamina; a new episode starts with it.
inline constexpr float kStaminaMax = 200.0f;

/// The creature's parameters in the form the kernels use (float32, with products such as
/// rate·dt precomputed). Built once from EnvParams (MakeKernelParams in creature_kernel.h).
struct KernelParams {
  float lo[3], hi[3];  ///< World box; lo[2] is the ground (max of box_min_z and ground_level).
  float ext[3];        ///< hi − lo.
  float ext_inv[3];    ///< 1 / (hi − lo): goal offsets to [−1, 1].
  float center[3];     ///< (lo + hi) / 2.
  float half_inv[3];   ///< 2 / (hi − lo): positions to [−1, 1].
  float dt;
  float accel_xy, accel_z, max_accel, max_vel;
  float damping;      ///< 1 − momentum_damping·dt.
  float gravity_dt;   ///< gravity·dt.
  float terminal_vz;  ///< terminal fall speed (> 0).
  float ground_fric;  ///< 1 − ground_friction·dt.
  float air_fric;     ///< 1 − air_friction·dt.
  float drag_dt;      ///< air_drag·dt.
  float goal_threshold, proximity_inv;
  float distance_scale, proximity_scale, goal_bonus, idle_bonus, wall_scale, stamina_penalty;
  float walk_cost_dt, fly_cost_dt, regen_dt;
  float idle_threshold2;  ///< idle_threshold².
};

#define CALF_CREATURE_INLINE inline __attribute__((always_inline))

/// Terms of one step the reward needs besides the new position (0/1 as floats).
struct StepTerms {
  float penetration;  ///< Wall and ceiling penetration depth before clamping [m].
  float idle;         ///< 1 when the action's norm is below idle_threshold.
  float exhausted;    ///< 1 when the creature tried to move with no stamina.
};

CALF_CREATURE_INLINE float Min(float a, float b) { return b < a ? b : a; }
CALF_CREATURE_INLINE float Max(float a, float b) { return b > a ? b : a; }

/// One semi-implicit step of dt of one creature under the action u ∈ [−1, 1]³.
CALF_CREATURE_INLINE void Physics(const KernelParams& P, float& px, float& py, float& pz, float& vx,
                                  float& vy, float& vz, float& st, float ux, float uy, float uz,
                                  StepTerms& t) {
  // commanded acceleration, its norm clamped to max_accel; none without stamina
  float ax = ux * P.accel_xy, ay = uy * P.accel_xy, az = uz * P.accel_z;
  const float a2 = ax * ax + ay * ay + az * az;
  const float has_stamina = st > 0.0f ? 1.0f : 0.0f;
  const float a_scale = Min(P.max_accel / std::sqrt(a2 + 1e-30f), 1.0f) * has_stamina;
  ax *= a_scale;
  ay *= a_scale;
  az *= a_scale;

  // stamina: walking on the ground costs less than jumping or flying; standing still regenerates
  const bool on_ground = pz <= P.lo[2];
  const float u2 = ux * ux + uy * uy + uz * uz;
  const float effort = std::sqrt(u2);
  const float idle = u2 < P.idle_threshold2 ? 1.0f : 0.0f;
  const float cost = (on_ground && uz <= 0.0f) ? P.walk_cost_dt : P.fly_cost_dt;
  const float st_next = idle > 0.0f ? st + P.regen_dt : st - cost * effort;
  st = Min(Max(st_next, 0.0f), kStaminaMax);
  t.idle = idle;
  t.exhausted = (1.0f - has_stamina) * (1.0f - idle);

  // velocity: acceleration and gravity, momentum damping, friction (ground or air), drag in
  // the air, terminal fall speed, then the speed limit
  vx = (vx + ax * P.dt) * P.damping;
  vy = (vy + ay * P.dt) * P.damping;
  vz = (vz + az * P.dt - P.gravity_dt) * P.damping;
  const float fric = on_ground ? P.ground_fric : P.air_fric;
  vx *= fric;
  vy *= fric;
  const float speed = std::sqrt(vx * vx + vy * vy + vz * vz);
  const float drag = on_ground ? 1.0f : 1.0f / (1.0f + P.drag_dt * speed);
  vx *= drag;
  vy *= drag;
  vz *= drag;
  vz = Max(vz, -P.terminal_vz);
  const float v2 = vx * vx + vy * vy + vz * vz;
  const float v_scale = Min(P.max_vel / std::sqrt(v2 + 1e-30f), 1.0f);
  vx *= v_scale;
  vy *= v_scale;
  vz *= v_scale;

  // position, the penetration into walls and ceiling measured before clamping to the box (the
  // ground is solid and costs nothing); a clamped axis loses its velocity
  const float nx = px + vx * P.dt, ny = py + vy * P.dt, nz = pz + vz * P.dt;
  t.penetration = Max(P.lo[0] - nx, 0.0f) + Max(nx - P.hi[0], 0.0f) + Max(P.lo[1] - ny, 0.0f) +
                  Max(ny - P.hi[1], 0.0f) + Max(nz - P.hi[2], 0.0f);
  px = Min(Max(nx, P.lo[0]), P.hi[0]);
  py = Min(Max(ny, P.lo[1]), P.hi[1]);
  pz = Min(Max(nz, P.lo[2]), P.hi[2]);
  vx = px != nx ? 0.0f : vx;
  vy = py != ny ? 0.0f : vy;
  vz = pz != nz ? 0.0f : vz;
}

/// Distance from the position to the goal.
CALF_CREATURE_INLINE float GoalDistance(float px, float py, float pz, float gx, float gy,
                                        float gz) {
  const float dx = gx - px, dy = gy - py, dz = gz - pz;
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

/// The reward of a step that ended at goal distance `dist` from `prev_dist`.
CALF_CREATURE_INLINE float Reward(const KernelParams& P, float prev_dist, float dist,
                                  const StepTerms& t) {
  const float proximity = Max(1.0f - dist * P.proximity_inv, 0.0f);
  const float goal = dist < P.goal_threshold ? P.goal_bonus : 0.0f;
  return P.distance_scale * (prev_dist - dist) + P.proximity_scale * proximity + goal +
         P.idle_bonus * t.idle - P.wall_scale * t.penetration - P.stamina_penalty * t.exhausted;
}

/// The observation: goal minus position by the box extent, position about the box centre by
/// the half extent (each in [−1, 1]), stamina / 200.
CALF_CREATURE_INLINE void Observation(const KernelParams& P, float px, float py, float pz, float st,
                                      float gx, float gy, float gz, float* o0, float* o1, float* o2,
                                      float* o3, float* o4, float* o5, float* o6) {
  *o0 = (gx - px) * P.ext_inv[0];
  *o1 = (gy - py) * P.ext_inv[1];
  *o2 = (gz - pz) * P.ext_inv[2];
  *o3 = (px - P.center[0]) * P.half_inv[0];
  *o4 = (py - P.center[1]) * P.half_inv[1];
  *o5 = (pz - P.center[2]) * P.half_inv[2];
  *o6 = st * (1.0f / kStaminaMax);
}

/// A coordinate drawn uniformly in [lo, hi] of axis j from u ∈ [0, 1).
CALF_CREATURE_INLINE float UniformIn(const KernelParams& P, int j, double u) {
  return Min(P.lo[j] + P.ext[j] * static_cast<float>(u), P.hi[j]);
}

}  // namespace calf::core::env::creature
