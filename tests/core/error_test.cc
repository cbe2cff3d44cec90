#include "core/error.h"

#include <catch2/catch.hpp>

TEST_CASE("Errors carry their exit codes", "[core][error]") {
  CHECK(calf::ConfigError("x").code() == calf::ExitCode::kUsage);
  CHECK(calf::PolicyError("x").code() == calf::ExitCode::kUsage);
  CHECK(calf::RenderError("x").code() == calf::ExitCode::kRuntime);
  CHECK(calf::InterruptedError("x").code() == calf::ExitCode::kInterrupted);
  CHECK(std::string(calf::IoError("file 'a' missing").what()) == "file 'a' missing");
}

TEST_CASE("OneLine flattens control characters and truncates long texts") {
  CHECK(calf::OneLine("unable to write\nfile:\t errno = 27\r\n") ==
        "unable to write file: errno = 27");
  const std::string huge = "value '" + std::string(50'000'000, '7') + "' is out of range";
  const std::string line = calf::OneLine(huge);
  CHECK(line.size() < calf::kMaxMessageBytes + 64);
  CHECK_THAT(line, Catch::StartsWith("value '777") && Catch::EndsWith("' is out of range") &&
                       Catch::Contains("bytes omitted"));
  CHECK(calf::OneLine("short") == "short");
  // never cuts inside a UTF-8 sequence: "\xc3\xa9" is two bytes, an odd cut is moved
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xc3\xa9";
  const std::string cut = calf::OneLine(accents, 103);
  const size_t gap = cut.find(" ... (");
  REQUIRE(gap != std::string::npos);
  CHECK(gap % 2 == 0);
  CHECK((cut.size() - cut.rfind(") ... ") - 6) % 2 == 0);
}
