// calf: entry point. Registers the subcommands and is the one place that catches errors:
// it prints `calf <sub>: error: <what>` and returns the error's exit code.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/compare_command.h"
#include "cli/eval_command.h"
#include "cli/mpi_glue.h"
#include "cli/profile_command.h"
#include "cli/run_command.h"
#include "cli/screenshot_command.h"
#include "cli/screenshot_diff_command.h"
#include "cli/systems_command.h"
#include "cli/train_command.h"
#include "cli/verify_command.h"
#include "core/error.h"
#include "core/version.h"

int main(int argc, char** argv) {
  // MPI (when an MPI launcher started calf) lives until main returns, errors included
  calf::cli::ProcessGroup processes(&argc, &argv);
  CLI::App app{"calf: simulate, profile, render and report on CALF agents"};
  app.set_version_flag("--version",
                       std::string("calf ") + calf::kVersion + " (" + calf::kGitRevision + ")");
  app.require_subcommand(1);

  // one Setup call per subcommand (cli/<name>_command.h); each stores its Run result here
  int exit_code = 0;
  (void)exit_code;
  calf::cli::SetupCompareCommand(app, &exit_code);
  calf::cli::SetupEvalCommand(app, &exit_code);
  calf::cli::SetupProfileCommand(app, &exit_code);
  calf::cli::SetupRunCommand(app, &exit_code);
  calf::cli::SetupScreenshotCommand(app, &exit_code);
  calf::cli::SetupScreenshotDiffCommand(app, &exit_code);
  calf::cli::SetupSystemsCommand(app, &exit_code);
  calf::cli::SetupTrainCommand(app, &exit_code);
  calf::cli::SetupVerifyCommand(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help / --version: CLI11 prints them and exits 0
    if (e.get_exit_code() == 0) return app.exit(e);
    // under mpirun every rank parsed the same line: rank 0 prints for the job (a rank whose
    // line alone is bad exits 2 and mpirun names it)
    if (calf::cli::ProcessRank() != 0) return static_cast<int>(calf::ExitCode::kUsage);
    // usage errors: calf's one-line form (CLI11's own adds a second "Run with --help" line)
    const std::string sub =
        app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
    const std::string what = calf::OneLine(e.what());
    std::fprintf(stderr, "calf%s: error: %s; see 'calf%s --help'\n", sub.c_str(), what.c_str(),
                 sub.c_str());
    return static_cast<int>(calf::ExitCode::kUsage);
  } catch (const calf::ReportedElsewhereError& e) {
    return static_cast<int>(e.code());  // rank 0 of this MPI job printed the one line
  } catch (const calf::Error& e) {
    // under mpirun the ranks ran the same line: rank 0 prints for the job
    if (calf::cli::ProcessRank() != 0) return static_cast<int>(e.code());
    std::string sub =
        app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
    std::fprintf(stderr, "calf%s: error: %s\n", sub.c_str(), calf::OneLine(e.what()).c_str());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::string sub =
        app.get_subcommands().empty() ? "" : " " + app.get_subcommands()[0]->get_name();
    std::fprintf(stderr, "calf%s: internal error: %s\n", sub.c_str(),
                 calf::OneLine(e.what()).c_str());
    return static_cast<int>(calf::ExitCode::kRuntime);
  }
  return exit_code;
}
