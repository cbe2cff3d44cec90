#pragma once
// Conventions shared by the subcommands. Each subcommand lives in cli/<name>_command.{h,cc}:
//   struct <Name>Options { ... };                       // bound to its flags
//   void Setup<Name>Command(CLI::App& app, int* exit_code);
//   int Run<Name>(const <Name>Options& options);         // returns the exit code
// Setup creates the subcommand, binds flags to a shared Options and sets a callback that
// stores Run's result in *exit_code. Errors are thrown as calf::Error and caught in main.cc.

#include <unistd.h>

#include <cstdio>
#include <string>

namespace calf::cli {

/// True when stderr is an interactive terminal (progress bars are shown only then).
inline bool StderrIsTty() { return isatty(fileno(stderr)) != 0; }

}  // namespace calf::cli
