// libFuzzer target: the initial-states CSV of `calf run --initial-states`
// (core/sim/initial_states.h, ParseInitialStatesCsv) on any bytes. The first byte picks the
// agent count (1-64, low 6 bits) and the state dimension (2, 3, 7 or 1: the families' and
// one more, top 2 bits), as the run's config would.
#include <cstdint>
#include <string>

#include "core/sim/initial_states.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int64_t num_agents = 1 + (data[0] & 0x3F);
  constexpr int kDims[4] = {2, 3, 7, 1};
  const int state_dim = kDims[data[0] >> 6];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    const std::vector<double> states =
        calf::core::ParseInitialStatesCsv(text, "fuzz.csv", num_agents, state_dim);
    // a success holds exactly one finite row per agent
    if (static_cast<int64_t>(states.size()) != num_agents * state_dim) __builtin_trap();
    for (double v : states) {
      if (!(v == v) || v - v != 0) __builtin_trap();
    }
  });
  return 0;
}
