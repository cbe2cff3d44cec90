#include "core/sim/initial_states.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "core/config/text_file.h"
#include "core/error.h"

namespace calf::core {
namespace {

enum class Cell { kNumber, kText, kOutOfRange };

// One cell: a number (leading/trailing blanks allowed), text, or a number beyond double range
// (1e309: strtod's ERANGE with an infinite result; an underflow to 0 or a subnormal is a
// number)
Cell ParseCell(std::string_view cell, double* value) {
  const size_t first = cell.find_first_not_of(" \t");
  if (first == std::string_view::npos) return Cell::kText;
  const std::string text(cell.substr(first));
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return Cell::kText;
  if (std::string_view(end).find_first_not_of(" \t") != std::string_view::npos) {
    return Cell::kText;
  }
  if (errno == ERANGE && std::isinf(*value)) return Cell::kOutOfRange;
  return Cell::kNumber;
}

}  // namespace

int64_t MaxInitialStatesBytes(int64_t num_agents) {
  const int64_t cap = int64_t{1} << 30;
  if (num_agents >= (cap >> 12)) return cap;
  return std::min(cap, (int64_t{1} << 20) + std::max<int64_t>(num_agents, 0) * 4096);
}

std::vector<double> ParseInitialStatesCsv(const std::string& text, const std::string& source,
                                          int64_t num_agents, int state_dim) {
  const std::string where = "initial states '" + source + "'";
  std::vector<double> out;
  std::vector<double> row;
  int64_t lineno = 0, rows = 0;
  size_t at = 0;
  while (at < text.size()) {
    // the next line, bounded
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + at, end - at);
    at = end + 1;
    ++lineno;
    const std::string line_name = where + " line " + std::to_string(lineno);
    if (static_cast<int64_t>(line.size()) > kMaxCsvLineBytes) {
      throw ConfigError(line_name + ": longer than " + std::to_string(kMaxCsvLineBytes >> 10) +
                        " KiB; give one row of numbers per line");
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos || line[0] == '#') continue;

    // its cells: numbers, or text (a header on the first line)
    row.clear();
    bool numeric = true;
    size_t from = 0;
    while (true) {
      const size_t comma = line.find(',', from);
      const std::string_view cell = line.substr(
          from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
      double value = 0;
      switch (ParseCell(cell, &value)) {
        case Cell::kNumber:
          row.push_back(value);
          break;
        case Cell::kText:
          numeric = false;
          break;
        case Cell::kOutOfRange:
          throw ConfigError(line_name + ": '" + std::string(cell.substr(0, 40)) +
                            "' is beyond the range of a double; give finite numbers");
      }
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    if (!numeric) {
      if (lineno == 1) continue;  // a header line
      throw ConfigError(line_name + ": not a row of numbers");
    }
    for (double v : row) {
      if (!std::isfinite(v)) {
        throw ConfigError(line_name + ": a value is not finite (nan or inf); give finite numbers");
      }
    }
    if (static_cast<int>(row.size()) != state_dim) {
      throw ConfigError(line_name + ": " + std::to_string(row.size()) +
                        " values, the system's state has " + std::to_string(state_dim));
    }
    // bounded work: stop at the first row beyond the agents
    if (rows == num_agents) {
      throw ConfigError(line_name + ": more than " + std::to_string(num_agents) + " rows for " +
                        std::to_string(num_agents) +
                        " agents; give one row per agent (or raise --agents)");
    }
    out.insert(out.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows == 0) {
    throw ConfigError(where + ": no rows of numbers; give one row per agent (" +
                      std::to_string(num_agents) + ")");
  }
  if (rows != num_agents) {
    throw ConfigError(
        where + ": " + std::to_string(rows) + " rows for " + std::to_string(num_agents) +
        " agents; give one row per agent (or set --agents " + std::to_string(rows) + ")");
  }
  return out;
}

std::vector<double> ReadInitialStatesCsv(const std::string& path, int64_t num_agents,
                                         int state_dim) {
  const std::string text =
      config::ReadTextFile(path, MaxInitialStatesBytes(num_agents), "an initial-states CSV");
  return ParseInitialStatesCsv(text, path, num_agents, state_dim);
}

}  // namespace calf::core
