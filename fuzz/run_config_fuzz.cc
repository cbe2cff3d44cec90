// libFuzzer target: the JSON config layer of `calf run` (core/sim/config.h, SimConfig::ApplyJson
// on the config layer core/config/binder.h) on any bytes.
#include <cstdint>
#include <string>

#include "core/sim/config.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    calf::core::SimConfig config;
    config.ApplyJson(text, "fuzz.json");
  });
  return 0;
}
