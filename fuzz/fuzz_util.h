#pragma once
// Helpers shared by calf's libFuzzer targets (fuzz/README.md).

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace calf::fuzz {

/// A per-process scratch file holding the current input, for readers that take a path.
inline std::string WriteInput(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string path =
      "/tmp/calf_fuzz_" + std::to_string(getpid()) + std::string(suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();  // the machine, not the input: stop loudly
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
  return path;
}

/// Runs `f`; calf::Error is the expected answer to bad input, anything else (another
/// exception, a crash, a sanitizer report) is a finding.
template <typename F>
void ExpectOnlyCalfErrors(F&& f) {
  try {
    f();
  } catch (const calf::Error&) {
  }
}

}  // namespace calf::fuzz
