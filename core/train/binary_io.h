#pragma once
// Little helpers for calf's checkpoint files: raw little-endian PODs and float arrays with
// checked reads. Internal to core/train.

#include <algorithm>
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"

namespace calf::core::train {

/// Writes a trivially copyable value.
template <typename T>
void WritePod(std::ostream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(T));
}

/// Reads a trivially copyable value; throws IoError on a short stream.
template <typename T>
T ReadPod(std::istream& in) {
  T value{};
  in.read(reinterpret_cast<char*>(&value), sizeof(T));
  if (!in) throw IoError("checkpoint is truncated or corrupt (short read)");
  return value;
}

/// Writes n values.
template <typename T>
void WriteArray(std::ostream& out, const T* data, int64_t n) {
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
}

/// Reads n values; throws IoError on a short stream.
template <typename T>
void ReadArray(std::istream& in, T* data, int64_t n) {
  in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
  if (!in) throw IoError("checkpoint is truncated or corrupt (short read)");
}

/// Writes a length-prefixed vector.
template <typename T>
void WriteVector(std::ostream& out, const std::vector<T>& v) {
  WritePod<int64_t>(out, static_cast<int64_t>(v.size()));
  WriteArray(out, v.data(), static_cast<int64_t>(v.size()));
}

/// Reads n values into `v` (replacing its contents), growing it as the values arrive: a
/// corrupt count cannot allocate more than the stream holds.
template <typename T>
void ReadGrowing(std::istream& in, std::vector<T>& v, int64_t n) {
  constexpr int64_t kChunk = int64_t{1} << 20;
  v.clear();
  for (int64_t off = 0; off < n; off += kChunk) {
    const int64_t len = std::min(kChunk, n - off);
    v.resize(static_cast<size_t>(off + len));
    ReadArray(in, v.data() + off, len);
  }
}

/// Reads a length-prefixed vector of at most `max_size` entries (ReadGrowing).
template <typename T>
std::vector<T> ReadVector(std::istream& in, int64_t max_size) {
  const int64_t n = ReadPod<int64_t>(in);
  if (n < 0 || n > max_size) throw IoError("checkpoint is corrupt (bad array length)");
  std::vector<T> v;
  ReadGrowing(in, v, n);
  return v;
}

/// Writes a length-prefixed string.
inline void WriteString(std::ostream& out, const std::string& s) {
  WritePod<int64_t>(out, static_cast<int64_t>(s.size()));
  out.write(s.data(), static_cast<std::streamsize>(s.size()));
}

/// Reads a length-prefixed string of at most 16 MiB.
inline std::string ReadString(std::istream& in) {
  const int64_t n = ReadPod<int64_t>(in);
  if (n < 0 || n > (int64_t{1} << 24)) throw IoError("checkpoint is corrupt (bad string length)");
  std::string s(static_cast<size_t>(n), '\0');
  in.read(s.data(), n);
  if (!in) throw IoError("checkpoint is truncated or corrupt (short read)");
  return s;
}

}  // namespace calf::core::train
