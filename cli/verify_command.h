#pragma once
// `calf verify <file>`: checks that a trajectory file reads back whole — for a virtual file
// written under mpirun, that every part it refers to exists, is complete and is as large as
// the file maps (HDF5 would read a missing part silently as fill values).

#include <CLI/CLI.hpp>
#include <string>

namespace calf::cli {

/// Flags of `calf verify`.
struct VerifyOptions {
  std::string path;   ///< The trajectory file.
  bool json = false;  ///< --json: {"file", "virtual", "ok", "problems": [...]} on stdout.
  bool quiet = false;
};

/// Registers the subcommand; its callback stores RunVerify's result in *exit_code.
void SetupVerifyCommand(CLI::App& app, int* exit_code);

/// Returns 0 when the file is whole, 1 when a part is missing, truncated or incomplete (each
/// problem one line on stderr); throws IoError (exit 2) when the file is not a trajectory.
int RunVerify(const VerifyOptions& options);

}  // namespace calf::cli
