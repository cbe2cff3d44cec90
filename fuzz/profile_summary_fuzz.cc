// libFuzzer target: the profile-summary loader of `calf compare` (report/profile_data.h,
// LoadSummary: the bounded read, the JSON parse and every field check) on any bytes, then the
// config/machine comparison of two profiles made of the result.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "report/profile_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = calf::fuzz::WriteInput(data, size, ".json");
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    calf::report::Profile profile, empty;
    profile.summaries.push_back(calf::report::LoadSummary(path));
    profile.config = profile.summaries.front().config;
    profile.machine = profile.summaries.front().machine;
    calf::report::ProfileMismatches(profile, empty, {});
    calf::report::MachineDifferences(profile, empty);
  });
  return 0;
}
