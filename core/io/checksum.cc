#include "core/io/checksum.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/error.h"

namespace calf::core {
namespace {

// the reflected CRC-32C polynomial
constexpr uint32_t kPolynomial = 0x82F63B78u;

std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ kPolynomial : c >> 1;
    table[i] = c;
  }
  return table;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

uint32_t Crc32c(uint32_t crc, const void* data, size_t n) {
  static const std::array<uint32_t, 256> table = MakeTable();
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

uint32_t Crc32cOfFile(const std::string& path, int64_t n, const std::string& what) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    throw IoError("cannot read " + what + " '" + path + "' (" + std::strerror(errno) + ")");
  }
  std::vector<char> buffer(1 << 20);
  uint32_t crc = 0;
  int64_t left = n;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(left, buffer.size()));
    const size_t got = std::fread(buffer.data(), 1, want, f.get());
    if (got == 0) {
      throw IoError(what + " '" + path + "' is truncated or unreadable (" +
                    std::to_string(n - left) + " of " + std::to_string(n) + " bytes read)");
    }
    crc = Crc32c(crc, buffer.data(), got);
    left -= static_cast<int64_t>(got);
  }
  return crc;
}

void AppendCrc32c(const std::string& path, const std::string& what) {
  File f(std::fopen(path.c_str(), "r+b"));
  if (!f || std::fseek(f.get(), 0, SEEK_END) != 0) {
    throw IoError("cannot write " + what + " '" + path + "' (" + std::strerror(errno) + ")",
                  ExitCode::kRuntime);
  }
  const long size = std::ftell(f.get());
  const uint32_t crc = Crc32cOfFile(path, size, what);
  const unsigned char bytes[4] = {
      static_cast<unsigned char>(crc), static_cast<unsigned char>(crc >> 8),
      static_cast<unsigned char>(crc >> 16), static_cast<unsigned char>(crc >> 24)};
  if (std::fseek(f.get(), 0, SEEK_END) != 0 || std::fwrite(bytes, 1, 4, f.get()) != 4 ||
      std::fflush(f.get()) != 0) {
    throw IoError(
        "cannot write " + what + " '" + path + "' (" + std::strerror(errno) + "; disk full?)",
        ExitCode::kRuntime);
  }
  std::FILE* raw = f.release();
  if (std::fclose(raw) != 0) {
    throw IoError("cannot write " + what + " '" + path + "' (" + std::strerror(errno) + ")",
                  ExitCode::kRuntime);
  }
}

void VerifyCrc32c(const std::string& path, const std::string& what) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f || std::fseek(f.get(), 0, SEEK_END) != 0) {
    throw IoError("cannot read " + what + " '" + path + "' (" + std::strerror(errno) + ")");
  }
  const long size = std::ftell(f.get());
  unsigned char bytes[4] = {};
  if (size < 4 || std::fseek(f.get(), size - 4, SEEK_SET) != 0 ||
      std::fread(bytes, 1, 4, f.get()) != 4) {
    throw IoError(what + " '" + path + "' is truncated (no checksum)");
  }
  const uint32_t stored = uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16 |
                          uint32_t{bytes[3]} << 24;
  const uint32_t actual = Crc32cOfFile(path, size - 4, what);
  if (stored != actual) {
    char text[96];
    std::snprintf(text, sizeof text, "checksum mismatch: stored %08x, computed %08x", stored,
                  actual);
    throw IoError(what + " '" + path + "' is corrupt (" + text +
                  "): it was damaged after it was written; use another copy or start afresh");
  }
}

}  // namespace calf::core
