#include "core/error.h"

#include <catch2/catch.hpp>

TEST_CASE("Errors carry their exit codes", "[core][error]") {
  CHECK(calf::ConfigError("x").code() == calf::ExitCode::kUsage);
  CHECK(calf::PolicyError("x").code() == calf::ExitCode::kUsage);
  CHECK(calf::RenderError("x").code() == calf::ExitCode::kRuntime);
  CHECK(calf::InterruptedError("x").code() == calf::ExitCode::kInterrupted);
  CHECK(std::string(calf::IoError("file 'a' missing").what()) == "file 'a' missing");
}
