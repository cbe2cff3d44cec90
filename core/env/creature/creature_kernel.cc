#include "core/env/creature/creature_kernel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/env/creature/creature_kernel_isa.h"
#include "core/random/agent_random.h"

namespace calf::core::env::creature {
namespace {

using detail::KernelIsa;

const KernelIsa kGeneric{"generic", detail::FusedGeneric, detail::PhysicsPassGeneric,
                         detail::RewardPassGeneric, detail::ObservePassGeneric};
const KernelIsa kAvx2{"avx2", detail::FusedAvx2, detail::PhysicsPassAvx2, detail::RewardPassAvx2,
                      detail::ObservePassAvx2};
const KernelIsa kAvx512{"avx512", detail::FusedAvx512, detail::PhysicsPassAvx512,
                        detail::RewardPassAvx512, detail::ObservePassAvx512};

const KernelIsa& PickIsa() {
  const char* force = std::getenv("CALF_CREATURE_KERNEL");
  if (force != nullptr && std::strcmp(force, "generic") == 0) return kGeneric;
  __builtin_cpu_init();
  const bool avx2_only = force != nullptr && std::strcmp(force, "avx2") == 0;
  if (!avx2_only && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    return kAvx512;
  }
  if (__builtin_cpu_supports("avx2")) return kAvx2;
  return kGeneric;
}

const KernelIsa& Isa() {
  static const KernelIsa& isa = PickIsa();
  return isa;
}

// the goals reached in [begin, end) are redrawn after the vector pass: a handful per block,
// each a Philox draw that would cost every lane if done inside the loop
void RespawnHits(const KernelParams& P, const CreatureArrays& a, int64_t begin, int64_t end,
                 const CreatureStepIo& io, uint64_t seed, uint64_t step) {
  for (int64_t i = begin; i < end; ++i) {
    if (io.hit[i] == 0) continue;
    Creature c = Load(a, i);
    CreatureRespawn(P, c, seed, static_cast<uint64_t>(a.first + i), step);
    Store(a, i, c);
    if (io.obs != nullptr) {
      float o[kObsDim];
      CreatureObserve(P, c, o);
      for (int j = 0; j < kObsDim; ++j) io.obs[j * io.obs_stride + i] = o[j];
    }
  }
}

}  // namespace

KernelParams MakeKernelParams(const EnvParams& params) {
  const auto q = [&params](const char* name) {
    return static_cast<float>(params.param("creature", name));
  };
  KernelParams P{};
  const float dt = static_cast<float>(params.dt);
  P.lo[0] = q("box_min_x");
  P.lo[1] = q("box_min_y");
  P.lo[2] = std::max(q("box_min_z"), q("ground_level"));
  P.hi[0] = q("box_max_x");
  P.hi[1] = q("box_max_y");
  P.hi[2] = q("box_max_z");
  for (int j = 0; j < 3; ++j) {
    P.ext[j] = P.hi[j] - P.lo[j];
    P.ext_inv[j] = 1.0f / P.ext[j];
    P.center[j] = 0.5f * (P.lo[j] + P.hi[j]);
    P.half_inv[j] = 2.0f / P.ext[j];
  }
  P.dt = dt;
  P.accel_xy = q("accel_scale_xy");
  P.accel_z = q("accel_scale_z");
  P.max_accel = q("max_accel");
  P.max_vel = q("max_vel");
  P.damping = 1.0f - q("momentum_damping") * dt;
  P.gravity_dt = q("gravity") * dt;
  P.terminal_vz = q("terminal_vel_z");
  P.ground_fric = 1.0f - q("ground_friction") * dt;
  P.air_fric = 1.0f - q("air_friction") * dt;
  P.drag_dt = q("air_drag") * dt;
  P.goal_threshold = q("goal_threshold");
  P.proximity_inv = 1.0f / q("proximity_threshold");
  P.distance_scale = q("distance_reward_scale");
  P.proximity_scale = q("proximity_bonus_scale");
  P.goal_bonus = q("goal_bonus");
  P.idle_bonus = q("idle_bonus");
  P.wall_scale = q("wall_penalty_scale");
  P.stamina_penalty = q("stamina_penalty");
  P.walk_cost_dt = q("walk_stamina_cost") * dt;
  P.fly_cost_dt = q("fly_stamina_cost") * dt;
  P.regen_dt = q("stamina_regen") * dt;
  P.idle_threshold2 = q("idle_threshold") * q("idle_threshold");
  return P;
}

void CreaturePopulation::Resize(int64_t count, int64_t first) {
  n = count;
  data.assign(static_cast<size_t>(11 * n), 0.0f);
  float* b = data.data();
  float** fields[11] = {&arrays.px, &arrays.py, &arrays.pz,       &arrays.vx,
                        &arrays.vy, &arrays.vz, &arrays.stamina,  &arrays.gx,
                        &arrays.gy, &arrays.gz, &arrays.prev_dist};
  for (int f = 0; f < 11; ++f) *fields[f] = b + f * n;
  arrays.first = first;
}

void CreatureStepBuffers::Resize(int64_t n) {
  u.assign(static_cast<size_t>(3 * n), 0.0f);
  reward.assign(static_cast<size_t>(n), 0.0f);
  obs.assign(static_cast<size_t>(kObsDim * n), 0.0f);
  hit.assign(static_cast<size_t>(n), 0);
  io.ux = u.data();
  io.uy = u.data() + n;
  io.uz = u.data() + 2 * n;
  io.reward = reward.data();
  io.hit = hit.data();
  io.obs = obs.data();
  io.obs_stride = n;
}

const char* KernelName() { return Isa().name; }

void StepFused(const KernelParams& P, const CreatureArrays& a, int64_t begin, int64_t end,
               const CreatureStepIo& io, uint64_t seed, uint64_t step) {
  if (Isa().fused(P, a, begin, end, io) != 0) RespawnHits(P, a, begin, end, io, seed, step);
}

void StepUnfused(const KernelParams& P, const CreatureArrays& a, int64_t begin, int64_t end,
                 const CreatureStepIo& io, uint64_t seed, uint64_t step, UnfusedScratch& w) {
  const size_t n = static_cast<size_t>(end - begin);
  w.penetration.resize(n);
  w.idle.resize(n);
  w.exhausted.resize(n);
  const KernelIsa& isa = Isa();

  // physics of every creature, then rewards, then respawns, then observations
  isa.physics(P, a, begin, end, io, w.penetration.data(), w.idle.data(), w.exhausted.data());
  isa.reward(P, a, begin, end, io, w.penetration.data(), w.idle.data(), w.exhausted.data());
  CreatureStepIo no_obs = io;
  no_obs.obs = nullptr;
  RespawnHits(P, a, begin, end, no_obs, seed, step);
  if (io.obs != nullptr) isa.observe(P, a, begin, end, io.obs, io.obs_stride);
}

void StepAll(const KernelParams& P, const CreatureArrays& a, int64_t n, const CreatureStepIo& io,
             uint64_t seed, uint64_t step, bool fused, int threads) {
  const int64_t blocks = (n + kKernelBlock - 1) / kKernelBlock;
#ifdef _OPENMP
  const int available = omp_get_max_threads();
#else
  const int available = 1;  // built without OpenMP (the fuzz targets): one thread
#endif
  [[maybe_unused]] const int nthreads = static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>(threads > 0 ? threads : available, blocks)));
  // nothing in the loop throws (no allocation but the scratch, sized before the loop)
#pragma omp parallel num_threads(nthreads)
  {
    UnfusedScratch w;
    if (!fused) {
      w.penetration.resize(kKernelBlock);
      w.idle.resize(kKernelBlock);
      w.exhausted.resize(kKernelBlock);
    }
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t begin = b * kKernelBlock, end = std::min(n, begin + kKernelBlock);
      if (fused) {
        StepFused(P, a, begin, end, io, seed, step);
      } else {
        StepUnfused(P, a, begin, end, io, seed, step, w);
      }
    }
  }
}

void ObserveRange(const KernelParams& P, const CreatureArrays& a, int64_t begin, int64_t end,
                  float* obs, int64_t obs_stride) {
  Isa().observe(P, a, begin, end, obs, obs_stride);
}

// ---- one creature ---------------------------------------------------------------------------

void CreaturePhysics(const KernelParams& P, Creature& c, const float* u, StepTerms& terms) {
  Physics(P, c.p[0], c.p[1], c.p[2], c.v[0], c.v[1], c.v[2], c.stamina, u[0], u[1], u[2], terms);
}

float CreatureReward(const KernelParams& P, Creature& c, const StepTerms& terms, bool& hit) {
  const float d = GoalDistance(c.p[0], c.p[1], c.p[2], c.goal[0], c.goal[1], c.goal[2]);
  const float r = Reward(P, c.prev_dist, d, terms);
  hit = d < P.goal_threshold;
  c.prev_dist = d;
  return r;
}

void CreatureRespawn(const KernelParams& P, Creature& c, uint64_t seed, uint64_t agent,
                     uint64_t step) {
  const AgentRandom rng(seed, agent);
  for (int j = 0; j < 3; ++j) {
    c.goal[j] = UniformIn(P, j, rng.Uniform(step, DrawPurpose::kGoal, static_cast<uint32_t>(j)));
  }
  c.prev_dist = GoalDistance(c.p[0], c.p[1], c.p[2], c.goal[0], c.goal[1], c.goal[2]);
}

void CreatureObserve(const KernelParams& P, const Creature& c, float* o) {
  Observation(P, c.p[0], c.p[1], c.p[2], c.stamina, c.goal[0], c.goal[1], c.goal[2], &o[0], &o[1],
              &o[2], &o[3], &o[4], &o[5], &o[6]);
}

void CreatureReset(const KernelParams& P, Creature& c, uint64_t seed, uint64_t agent,
                   uint64_t counter) {
  const AgentRandom rng(seed, agent);
  const auto u = [&](uint32_t sub) { return rng.Uniform(counter, DrawPurpose::kReset, sub); };
  c.p[0] = UniformIn(P, 0, u(0));
  c.p[1] = UniformIn(P, 1, u(1));
  c.p[2] = P.lo[2];
  c.v[0] = c.v[1] = c.v[2] = 0.0f;
  c.stamina = kStaminaMax;
  for (int j = 0; j < 3; ++j) c.goal[j] = UniformIn(P, j, u(2 + static_cast<uint32_t>(j)));
  c.prev_dist = GoalDistance(c.p[0], c.p[1], c.p[2], c.goal[0], c.goal[1], c.goal[2]);
}

Creature Load(const CreatureArrays& a, int64_t i) {
  return {{a.px[i], a.py[i], a.pz[i]},
          {a.vx[i], a.vy[i], a.vz[i]},
          a.stamina[i],
          {a.gx[i], a.gy[i], a.gz[i]},
          a.prev_dist[i]};
}

void Store(const CreatureArrays& a, int64_t i, const Creature& c) {
  a.px[i] = c.p[0];
  a.py[i] = c.p[1];
  a.pz[i] = c.p[2];
  a.vx[i] = c.v[0];
  a.vy[i] = c.v[1];
  a.vz[i] = c.v[2];
  a.stamina[i] = c.stamina;
  a.gx[i] = c.goal[0];
  a.gy[i] = c.goal[1];
  a.gz[i] = c.goal[2];
  a.prev_dist[i] = c.prev_dist;
}

}  // namespace calf::core::env::creature
