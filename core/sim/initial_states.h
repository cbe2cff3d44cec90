#pragma once
// The initial-states CSV of `calf run --initial-states` (docs/config.md, "Initial states
// CSV"). Apart from the simulator so that it compiles without LibTorch (its fuzz target,
// fuzz/initial_states_fuzz.cc).

#include <cstdint>
#include <string>
#include <vector>

namespace calf::core {

/// Longest line of an initial-states CSV, in bytes.
inline constexpr int64_t kMaxCsvLineBytes = int64_t{64} << 10;

/// Largest initial-states CSV calf reads for `num_agents` agents: 1 MiB plus 4 KiB per agent,
/// at most 1 GiB (a row of numbers is far shorter; /dev/zero or a runaway file is refused
/// after this many bytes, not read whole).
int64_t MaxInitialStatesBytes(int64_t num_agents);

/// Parses initial states from CSV text: one agent per row, `state_dim` finite numbers
/// separated by commas; blank lines and lines starting with `#` are skipped; a first line
/// that is not numeric is a header. Returns num_agents * state_dim values, agent-major.
/// Throws ConfigError naming `source` and the line: a value that is not a finite double
/// (nan, inf, 1e309 — also on the first line), a wrong number of values, a line longer than
/// kMaxCsvLineBytes, more or fewer rows than agents (stopping at the first row too many).
std::vector<double> ParseInitialStatesCsv(const std::string& text, const std::string& source,
                                          int64_t num_agents, int state_dim);

/// Reads `path` (bounded by MaxInitialStatesBytes; a regular file or a stream such as a pipe)
/// and parses it with ParseInitialStatesCsv. Throws IoError when it cannot be read, is a
/// directory or is too large, ConfigError on its content.
std::vector<double> ReadInitialStatesCsv(const std::string& path, int64_t num_agents,
                                         int state_dim);

}  // namespace calf::core
