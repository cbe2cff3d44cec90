// libFuzzer target: the zip CRC check run on every TorchScript model before LibTorch loads
// it (core/io/checksum.h, VerifyZipChecksums): any bytes are accepted or refused with
// calf::IoError, never read out of bounds.
#include <cstdint>
#include <string>

#include "core/io/checksum.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  calf::fuzz::ExpectOnlyCalfErrors(
      [&] { calf::core::VerifyZipChecksums(bytes, "fuzz.pt", "actor model"); });
  return 0;
}
