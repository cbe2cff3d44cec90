#pragma once
// The one checksum calf puts in the files it must trust when reading them back (training
// checkpoints, model files): CRC-32C (Castagnoli), little-endian, over every byte before it.
// It catches accidental damage (bit flips, truncation, a bad copy), not tampering.

#include <cstddef>
#include <cstdint>
#include <string>

namespace calf::core {

/// Continues a CRC-32C over `n` bytes; start with crc = 0.
uint32_t Crc32c(uint32_t crc, const void* data, size_t n);

/// CRC-32C of the first `n` bytes of the file at `path`. Throws IoError (exit 2) when the
/// file cannot be read or is shorter than `n`; `what` names the file in messages.
uint32_t Crc32cOfFile(const std::string& path, int64_t n, const std::string& what);

/// Appends the CRC-32C of the whole file at `path` (4 bytes, little-endian). Throws
/// IoError (exit 3) when the file cannot be read back or appended to (e.g. a full disk).
void AppendCrc32c(const std::string& path, const std::string& what);

/// Checks that the file at `path` ends with the CRC-32C of the bytes before it (as written
/// by AppendCrc32c). Throws IoError (exit 2) naming `what` and the path when it does not:
/// the file was damaged after it was written.
void VerifyCrc32c(const std::string& path, const std::string& what);

/// Continues a CRC-32 (IEEE 802.3, the ZIP/PNG/zlib one) over `n` bytes; start with 0.
uint32_t Crc32Ieee(uint32_t crc, const void* data, size_t n);

/// Verifies the CRC-32 that a ZIP archive (a TorchScript .pt model) stores for each stored
/// (uncompressed) entry, which LibTorch's reader does not check: a flipped byte in a
/// model's weights loads silently otherwise. `bytes` is the whole file. Throws IoError
/// (exit 2) naming `what`, `path` and the entry when an entry's bytes do not match or the
/// archive's directory is inconsistent; compressed and ZIP64 entries are left to LibTorch.
void VerifyZipChecksums(const std::string& bytes, const std::string& path, const std::string& what);

}  // namespace calf::core
