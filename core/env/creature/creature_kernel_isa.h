#pragma once
// Internal to core/env/creature: the loops of creature_kernel_body.inc, one set per
// instruction set (Generic, Avx2, Avx512), chosen at run time by creature_kernel.cc.

#include <cstdint>

#include "core/env/creature/creature_kernel.h"

namespace calf::core::env::creature::detail {

/// The loops of one instruction set.
struct KernelIsa {
  const char* name;
  /// Fused physics + reward + observation (when io.obs) of [begin, end); returns 1 when a
  /// creature reached its goal (its new goal is drawn afterwards, outside the loop).
  uint8_t (*fused)(const KernelParams&, const CreatureArrays&, int64_t, int64_t,
                   const CreatureStepIo&);
  /// Unfused: physics (intermediates indexed from begin), reward (returns any hit), observation.
  void (*physics)(const KernelParams&, const CreatureArrays&, int64_t, int64_t,
                  const CreatureStepIo&, float*, float*, float*);
  uint8_t (*reward)(const KernelParams&, const CreatureArrays&, int64_t, int64_t,
                    const CreatureStepIo&, const float*, const float*, const float*);
  void (*observe)(const KernelParams&, const CreatureArrays&, int64_t, int64_t, float*, int64_t);
};

#define CALF_CREATURE_DECLARE_ISA(suffix)                                                        \
  uint8_t Fused##suffix(const KernelParams&, const CreatureArrays&, int64_t, int64_t,            \
                        const CreatureStepIo&);                                                  \
  void PhysicsPass##suffix(const KernelParams&, const CreatureArrays&, int64_t, int64_t,         \
                           const CreatureStepIo&, float*, float*, float*);                       \
  uint8_t RewardPass##suffix(const KernelParams&, const CreatureArrays&, int64_t, int64_t,       \
                             const CreatureStepIo&, const float*, const float*, const float*);   \
  void ObservePass##suffix(const KernelParams&, const CreatureArrays&, int64_t, int64_t, float*, \
                           int64_t);

CALF_CREATURE_DECLARE_ISA(Generic)
CALF_CREATURE_DECLARE_ISA(Avx2)
CALF_CREATURE_DECLARE_ISA(Avx512)

#undef CALF_CREATURE_DECLARE_ISA

}  // namespace calf::core::env::creature::detail
