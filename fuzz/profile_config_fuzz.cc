// libFuzzer target: the JSON config layer of `calf profile --config`
// (core/profile/profile_config.h, ProfileConfig::ApplyJson then Validate) on any bytes.
#include <cstdint>
#include <string>

#include "core/profile/profile_config.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    calf::core::profile::ProfileConfig config;
    config.ApplyJson(text, "fuzz.json");
    config.Validate();
    config.ToJson();
  });
  return 0;
}
