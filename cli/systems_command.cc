#include "cli/systems_command.h"

#include <cstdio>
#include <memory>

#include "core/env/registry.h"

namespace calf::cli {

void SetupSystemsCommand(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<SystemsOptions>();
  CLI::App* sub = app.add_subcommand(
      "systems", "List the systems (environment families) with their dimensions and controllers");
  sub->add_flag("--json", opt->json, "Print them as JSON on stdout");
  sub->callback([opt, exit_code]() { *exit_code = RunSystems(*opt); });
}

int RunSystems(const SystemsOptions& o) {
  const std::string text =
      o.json ? core::env::DescribeFamiliesJson() + "\n" : core::env::DescribeFamilies();
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace calf::cli
