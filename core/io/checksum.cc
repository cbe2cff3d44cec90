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

std::array<uint32_t, 256> MakeTable(uint32_t polynomial = kPolynomial) {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ polynomial : c >> 1;
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

uint32_t Crc32Ieee(uint32_t crc, const void* data, size_t n) {
  static const std::array<uint32_t, 256> table = MakeTable(0xEDB88320u);
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

namespace {
uint32_t Le(const std::string& b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
}  // namespace

void VerifyZipChecksums(const std::string& b, const std::string& path, const std::string& what) {
  auto corrupt = [&](const std::string& why) {
    return IoError(what + " '" + path + "' is corrupt (" + why +
                   "): it was damaged after it was written; use another copy");
  };
  // the end-of-central-directory record: 22 bytes + a comment of at most 65535
  if (b.size() < 22) throw corrupt("too short for a zip archive");
  size_t eocd = std::string::npos;
  const size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (size_t at = b.size() - 22 + 1; at-- > lowest;) {
    if (Le(b, at, 4) == 0x06054b50u) {
      eocd = at;
      break;
    }
  }
  if (eocd == std::string::npos) throw corrupt("no zip directory");
  const uint32_t entries = Le(b, eocd + 10, 2);
  const uint32_t dir_size = Le(b, eocd + 12, 4), dir_at = Le(b, eocd + 16, 4);
  if (dir_at == 0xFFFFFFFFu || entries == 0xFFFFu) return;  // ZIP64: left to LibTorch
  if (uint64_t{dir_at} + dir_size > eocd) throw corrupt("zip directory out of bounds");
  size_t at = dir_at;
  for (uint32_t e = 0; e < entries; ++e) {
    if (at + 46 > eocd || Le(b, at, 4) != 0x02014b50u) throw corrupt("bad zip directory entry");
    const uint32_t method = Le(b, at + 10, 2), crc = Le(b, at + 16, 4);
    const uint32_t packed = Le(b, at + 20, 4), size = Le(b, at + 24, 4);
    const uint32_t name_len = Le(b, at + 28, 2), extra = Le(b, at + 30, 2),
                   comment = Le(b, at + 32, 2), local = Le(b, at + 42, 4);
    if (at + 46 + name_len > eocd) throw corrupt("bad zip directory entry");
    const std::string name = b.substr(at + 46, name_len);
    at += 46 + name_len + extra + comment;
    if (method != 0 || size == 0xFFFFFFFFu || local == 0xFFFFFFFFu) continue;
    if (packed != size || uint64_t{local} + 30 > b.size() || Le(b, local, 4) != 0x04034b50u) {
      throw corrupt("bad zip entry '" + OneLine(name, 80) + "'");
    }
    const uint64_t data = uint64_t{local} + 30 + Le(b, local + 26, 2) + Le(b, local + 28, 2);
    if (data + size > b.size()) throw corrupt("zip entry '" + OneLine(name, 80) + "' truncated");
    if (Crc32Ieee(0, b.data() + data, size) != crc) {
      throw corrupt("zip entry '" + OneLine(name, 80) + "' fails its CRC-32");
    }
  }
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
