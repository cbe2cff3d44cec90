// libFuzzer target: the JSON config layer of `calf train` (core/train/train_config.h,
// ResolveNewConfig: the algorithm's keys, presets, the common keys and every family's) on any
// bytes; an accepted config must round-trip through its own JSON (what a checkpoint stores).
#include <cstdint>
#include <string>

#include "core/train/train_config.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    calf::core::train::TrainOverrides o;
    o.config_json = text;
    o.config_source = "fuzz.json";
    const calf::core::train::TrainConfig c = calf::core::train::ResolveNewConfig(o);
    const std::string json = c.ToJson();
    calf::core::train::TrainConfig back;
    back.ApplyJson(json, "round trip");
    back.Validate();
    if (back.ToJson() != json) __builtin_trap();  // a resumed run would not be the same run
  });
  return 0;
}
