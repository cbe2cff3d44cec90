#pragma once
// The one bounded reader of calf's text inputs (JSON configs, initial-states CSVs): a regular
// file or a stream (a pipe), never a directory, never read beyond a limit (/dev/zero, a runaway
// file).

#include <cstdint>
#include <string>

namespace calf::core::config {

/// Reads the whole of `path`, at most `max_bytes` bytes; `what` names the kind of file in
/// messages ("a JSON config file"). Throws IoError (exit 2) naming the path when it is missing,
/// unreadable, a directory, or longer than `max_bytes` (reading stops there).
std::string ReadTextFile(const std::string& path, int64_t max_bytes, const std::string& what);

}  // namespace calf::core::config
