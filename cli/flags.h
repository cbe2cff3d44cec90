#pragma once
// "Was this flag given?" answered one way for every subcommand: by CLI11's count of the
// flag on the command line (never by a sentinel default value).

#include <CLI/CLI.hpp>
#include <string>

namespace calf::cli {

/// True when `flag` (e.g. "--agents") appeared on `app`'s command line.
inline bool Given(const CLI::App* app, const std::string& flag) {
  return app != nullptr && app->count(flag) > 0;
}

/// Copies `from` (the value CLI11 bound to `flag`) into `to` when the flag was given, so
/// flags outrank the config file without their defaults overwriting it.
template <typename T>
void CopyIfGiven(const CLI::App* app, const std::string& flag, const T& from, T& to) {
  if (Given(app, flag)) to = from;
}

}  // namespace calf::cli
