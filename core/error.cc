#include "core/error.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace calf {

std::string OneLine(const std::string& text, size_t max_bytes) {
  std::string flat;
  flat.reserve(std::min(text.size(), max_bytes + 64));
  for (char c : text) {
    const bool control = static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    const char out = control ? ' ' : c;
    if (out == ' ' && (flat.empty() || flat.back() == ' ')) continue;
    flat += out;
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  if (flat.size() <= max_bytes || max_bytes < 16) return flat;
  const size_t keep = max_bytes / 2;
  // cut on UTF-8 character boundaries (never inside a multi-byte sequence)
  size_t head = keep, tail = flat.size() - keep;
  while (head > 0 && (static_cast<unsigned char>(flat[head]) & 0xC0) == 0x80) --head;
  while (tail < flat.size() && (static_cast<unsigned char>(flat[tail]) & 0xC0) == 0x80) ++tail;
  return flat.substr(0, head) + " ... (" + std::to_string(tail - head) + " bytes omitted) ... " +
         flat.substr(tail);
}

}  // namespace calf

namespace calf::internal {

CheckFailure::CheckFailure(const char* file, int line, const char* cond) {
  stream_ << file << ":" << line << ": check failed: " << cond << " ";
}

CheckFailure::~CheckFailure() {
  std::fprintf(stderr, "%s\n", stream_.str().c_str());
  std::abort();
}

}  // namespace calf::internal
