// libFuzzer target: the checksum check every checkpoint goes through before it is parsed
// (core/io/checksum.h, VerifyCrc32c): any bytes are either accepted with a matching CRC-32C
// or refused with calf::IoError.
#include <cstdint>
#include <cstring>

#include "core/io/checksum.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = calf::fuzz::WriteInput(data, size, ".ckpt");
  bool accepted = false;
  calf::fuzz::ExpectOnlyCalfErrors([&] {
    calf::core::VerifyCrc32c(path, "checkpoint");
    accepted = true;
  });
  if (accepted) {
    uint32_t stored = 0;
    std::memcpy(&stored, data + size - 4, 4);
    if (calf::core::Crc32c(0, data, size - 4) != stored) __builtin_trap();
  }
  return 0;
}
