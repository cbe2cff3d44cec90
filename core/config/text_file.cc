#include "core/config/text_file.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace calf::core::config {
namespace {

// "16 MiB" for whole mebibytes, else bytes
std::string SizeText(int64_t bytes) {
  if (bytes % (int64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::string ReadTextFile(const std::string& path, int64_t max_bytes, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError("cannot read '" + path + "': it is a directory; give " + what);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read '" + path + "': no such file or not readable");
  // bounded: /dev/zero or a 10 GB file must not be read whole
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(text.size()) > max_bytes) {
      throw IoError("cannot read '" + path + "': it is larger than " + SizeText(max_bytes) +
                    ", the limit of " + what);
    }
  }
  if (in.bad()) throw IoError("cannot read '" + path + "': read error");
  return text;
}

}  // namespace calf::core::config
