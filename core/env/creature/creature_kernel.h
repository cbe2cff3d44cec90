#pragma once
// The creature's batched step over struct-of-arrays float32 data, in three structures that
// give the same bits (tests/core/creature_test.cc):
//
//  - fused:     one pass per block doing physics, reward and observation for every creature
//               (selects, no per-creature branches: the loop vectorises), then the rare goal
//               respawns of the block (random draws) fixed up in a short scalar pass;
//  - unfused:   the same work as separate passes (physics, reward, respawn, observation)
//               with intermediate arrays between them;
//  - per-creature: one Creature struct at a time through separate physics, reward, respawn
//               and observation functions (the structure of the design the family comes from).
//
// The fused and unfused passes are compiled for SSE2, AVX2 and AVX-512F (no FMA) and chosen
// at run time, like the MLP kernel; all give the same bits. Every array is float32 except the
// hit flags (uint8). Determinism: a creature's step depends only on its own data and on the
// random stream (seed, global index) at counter `step`, so any block split and any thread
// count give the same result.

#include <cstdint>
#include <vector>

#include "core/env/creature/creature_math.h"
#include "core/env/env_params.h"

namespace calf::core::env::creature {

/// Observation dimension (goal offset 3, position 3, stamina 1).
inline constexpr int kObsDim = 7;

/// The kernel parameters of `params` (its "creature" object and dt).
KernelParams MakeKernelParams(const EnvParams& params);

/// Struct-of-arrays views of a population (each array [n]); index i is the global agent
/// `first + i`.
struct CreatureArrays {
  float *px = nullptr, *py = nullptr, *pz = nullptr;  ///< Position [m].
  float *vx = nullptr, *vy = nullptr, *vz = nullptr;  ///< Velocity [m/s].
  float* stamina = nullptr;                           ///< In [0, 200].
  float *gx = nullptr, *gy = nullptr, *gz = nullptr;  ///< Goal [m].
  float* prev_dist = nullptr;                         ///< Goal distance after the last step.
  int64_t first = 0;                                  ///< Global index of element 0.
};

/// Inputs and outputs of a step (arrays indexed like CreatureArrays).
struct CreatureStepIo {
  const float *ux = nullptr, *uy = nullptr, *uz = nullptr;  ///< Actions in [−1, 1].
  float* reward = nullptr;                                  ///< Reward of the step.
  uint8_t* hit = nullptr;  ///< 1 where the goal was reached (and a new one drawn).
  /// Observations after the step, feature-major: feature j of element i at
  /// obs[j * obs_stride + i]; null = not computed.
  float* obs = nullptr;
  int64_t obs_stride = 0;
};

/// Owns a population's arrays (for benchmarks, the profile and tests).
struct CreaturePopulation {
  int64_t n = 0;
  std::vector<float> data;  ///< 11 arrays of n.
  CreatureArrays arrays;

  /// Sizes for `n` creatures starting at global index `first` (zeroes).
  void Resize(int64_t n, int64_t first = 0);
};

/// Owns the step buffers of a population (actions, rewards, hits, observations).
struct CreatureStepBuffers {
  std::vector<float> u, reward, obs;  ///< u: 3 arrays of n; obs: 7 arrays of n.
  std::vector<uint8_t> hit;
  CreatureStepIo io;

  /// Sizes for `n` creatures (zeroes).
  void Resize(int64_t n);
};

/// Intermediate arrays of the unfused passes, one per thread (sized on use).
struct UnfusedScratch {
  std::vector<float> penetration, idle, exhausted, dist;
};

/// Agents per OpenMP block of StepAll (fixed, so results never depend on the thread count;
/// 2048 creatures' arrays ≈ 200 KiB, a core's L2).
inline constexpr int64_t kKernelBlock = 2048;

/// Fused step of elements [begin, end). Not parallel itself.
void StepFused(const KernelParams& P, const CreatureArrays& a, int64_t begin, int64_t end,
               const CreatureStepIo& io, uint64_t seed, uint64_t step);

/// The same step as separate passes with intermediate arrays. Not parallel itself.
void StepUnfused(const KernelParams& P, const CreatureArrays& a, int64_t begin, int64_t end,
                 const CreatureStepIo& io, uint64_t seed, uint64_t step, UnfusedScratch& w);

/// Steps all `n` elements in blocks of kKernelBlock over up to `threads` OpenMP threads
/// (0 = all), fused or not. Deterministic for any thread count.
void StepAll(const KernelParams& P, const CreatureArrays& a, int64_t n, const CreatureStepIo& io,
             uint64_t seed, uint64_t step, bool fused, int threads);

/// Observations of elements [begin, end) (feature-major, as CreatureStepIo::obs).
void ObserveRange(const KernelParams& P, const CreatureArrays& a, int64_t begin, int64_t end,
                  float* obs, int64_t obs_stride);

/// Name of the fused kernel's build on this CPU: "avx512", "avx2" or "generic"
/// (CALF_CREATURE_KERNEL=generic or avx2 caps it).
const char* KernelName();

// ---- one creature (the per-creature baseline and the Environment interface) ----------------

/// One creature's data (array-of-structs).
struct Creature {
  float p[3], v[3], stamina, goal[3], prev_dist;
};

/// Physics of one creature under u ∈ [−1, 1]³; writes the terms the reward needs.
void CreaturePhysics(const KernelParams& P, Creature& c, const float* u, StepTerms& terms);
/// Reward of the step just taken; sets `hit` when the goal is reached and updates prev_dist.
float CreatureReward(const KernelParams& P, Creature& c, const StepTerms& terms, bool& hit);
/// Draws a new goal from the stream (seed, agent) at counter `step`; prev_dist follows.
void CreatureRespawn(const KernelParams& P, Creature& c, uint64_t seed, uint64_t agent,
                     uint64_t step);
/// The observation of one creature [kObsDim].
void CreatureObserve(const KernelParams& P, const Creature& c, float* obs);
/// A new episode from the stream (seed, agent) at counter `counter`: position uniform in the
/// box on the ground, at rest, full stamina, a goal uniform in the box.
void CreatureReset(const KernelParams& P, Creature& c, uint64_t seed, uint64_t agent,
                   uint64_t counter);

/// Element i of `a` as a Creature, and back.
Creature Load(const CreatureArrays& a, int64_t i);
void Store(const CreatureArrays& a, int64_t i, const Creature& c);

}  // namespace calf::core::env::creature
