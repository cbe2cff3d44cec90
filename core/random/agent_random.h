#pragma once
// Counter-based random numbers (Philox4x32-10, Random123). A draw is a pure function of
// (seed, agent, step, purpose), so results never depend on thread count, agent order or
// how the population is split: callers key a stream by the agent's *global* index.

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace calf::core {

/// What a random draw is for; each purpose gets its own counter lane so draws never collide.
enum class DrawPurpose : uint32_t {
  kReset = 1,
  kRelax = 2,
  kExploration = 3,
  kGoal = 4,
  kUser = 100
};

/// Stateless per-agent random stream. Thread-safe (no mutable state); deterministic.
class AgentRandom {
 public:
  AgentRandom(uint64_t seed, uint64_t agent) : seed_(seed), agent_(agent) {}

  /// Four independent 32-bit words for (step, purpose, sub).
  r123::Philox4x32::ctr_type Raw(uint64_t step, DrawPurpose purpose, uint32_t sub = 0) const {
    r123::Philox4x32 rng;
    r123::Philox4x32::key_type key = {
        {static_cast<uint32_t>(seed_), static_cast<uint32_t>(agent_)}};
    r123::Philox4x32::ctr_type ctr = {
        {static_cast<uint32_t>(step), static_cast<uint32_t>(step >> 32),
         static_cast<uint32_t>(purpose) ^ (sub << 8),
         static_cast<uint32_t>(seed_ >> 32) ^ (static_cast<uint32_t>(agent_ >> 32) << 16)}};
    return rng(ctr, key);
  }

  /// Standard normal for (step, purpose, sub): Box-Muller on the draw's two uniforms.
  double Normal(uint64_t step, DrawPurpose purpose, uint32_t sub = 0) const;

  /// Uniform double in [0, 1) with 53 random bits; word pair `pair` (0 or 1) of the draw.
  double Uniform(uint64_t step, DrawPurpose purpose, uint32_t sub = 0, int pair = 0) const {
    auto r = Raw(step, purpose, sub);
    uint64_t hi = r.v[2 * pair], lo = r.v[2 * pair + 1];
    uint64_t bits = ((hi << 32) | lo) >> 11;
    return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
  }

 private:
  uint64_t seed_;
  uint64_t agent_;
};

/// Standard normal from two uniforms in [0, 1) (Box-Muller, cosine branch).
inline double BoxMuller(double u1, double u2) {
  // 1 - u1 lies in (0, 1], so the log is finite
  return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * M_PI * u2);
}

inline double AgentRandom::Normal(uint64_t step, DrawPurpose purpose, uint32_t sub) const {
  return BoxMuller(Uniform(step, purpose, sub, 0), Uniform(step, purpose, sub, 1));
}

}  // namespace calf::core
