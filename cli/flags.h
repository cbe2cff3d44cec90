#pragma once
// "Was this flag given?" answered one way for every subcommand: by CLI11's count of the
// flag on the command line (never by a sentinel default value).

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"

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

/// The one rule for a seed, on the command line as in config files: a decimal integer from
/// 0 to 2^64-1. (CLI11 alone turns 18446744073709551616 into 2^64-1 and -1 into 2^64-1.)
inline CLI::Validator SeedRule() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::string bad =
            "a seed is an integer from 0 to 18446744073709551615, got '" + OneLine(text, 40) + "'";
        if (text.empty() || text.size() > 20 ||
            text.find_first_not_of("0123456789") != std::string::npos) {
          return bad;
        }
        errno = 0;
        std::strtoull(text.c_str(), nullptr, 10);
        return errno == ERANGE ? bad : std::string();
      },
      "SEED");
}

/// A number in [lo, hi] (finite: nan and inf are refused), with the bounds printed short
/// ("%g": no 300-digit numbers). The one range check of calf's flags.
inline CLI::Validator NumberIn(double lo, double hi = HUGE_VAL) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(text.c_str(), &end);
        char range[96];
        if (std::isinf(hi)) {
          std::snprintf(range, sizeof range, "a number >= %g", lo);
        } else {
          std::snprintf(range, sizeof range, "a number in [%g, %g]", lo, hi);
        }
        if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || errno == ERANGE || v < lo ||
            v > hi) {
          return "must be " + std::string(range) + ", got '" + OneLine(text, 40) + "'";
        }
        return std::string();
      },
      "NUMBER");
}

}  // namespace calf::cli
