#include "cli/verify_command.h"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "core/io/read_in_child.h"
#include "core/io/trajectory_reader.h"
#include "core/io/virtual_file.h"

namespace calf::cli {

void SetupVerifyCommand(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<VerifyOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify", "Check that a trajectory file (a virtual one from mpirun: every part) is whole");
  sub->add_option("file", opt->path, "Trajectory file written by calf run")->required();
  sub->add_flag("--json", opt->json, "Print the result as JSON on stdout");
  sub->add_flag("--quiet,-q", opt->quiet, "Print nothing on stderr; the exit code tells");
  sub->callback([opt, exit_code]() { *exit_code = RunVerify(*opt); });
}

int RunVerify(const VerifyOptions& o) {
  bool is_virtual = false;
  std::vector<std::string> problems;
  const auto check = [&] {
    is_virtual = core::IsVirtualFile(o.path);
    if (is_virtual) problems = core::VerifyVirtualFile(o.path);
    if (problems.empty()) core::TrajectoryReader reader(o.path);  // layout and extents
  };
  // first in a child: a file that crashes HDF5's parser is refused with one line (exit 2)
  core::ReadInChildFirst(o.path, check, core::ReadTimeoutFor(o.path));
  check();
  if (o.json) {
    const nlohmann::json j = {{"file", o.path},
                              {"virtual", is_virtual},
                              {"ok", problems.empty()},
                              {"problems", problems}};
    std::printf("%s\n", j.dump(2).c_str());
  }
  if (!o.quiet) {
    for (const std::string& p : problems) {
      std::fprintf(stderr, "calf verify: %s: %s\n", o.path.c_str(), p.c_str());
    }
    if (problems.empty()) {
      std::fprintf(stderr, "calf verify: %s: ok (%s)\n", o.path.c_str(),
                   is_virtual ? "virtual file, every part present" : "plain file");
    }
  }
  return problems.empty() ? 0 : static_cast<int>(ExitCode::kFailure);
}

}  // namespace calf::cli
