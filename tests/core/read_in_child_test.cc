#include "core/io/read_in_child.h"

#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "core/error.h"

namespace {

using calf::ExitCode;
using calf::core::ReadInChildFirst;

// the error ReadInChildFirst throws for `read` (none: an empty message and kOk)
std::pair<std::string, ExitCode> Outcome(const std::function<void()>& read, double timeout_s = 30) {
  try {
    ReadInChildFirst("f.h5", read, timeout_s);
  } catch (const calf::Error& e) {
    return {e.what(), e.code()};
  }
  return {"", ExitCode::kOk};
}

}  // namespace

TEST_CASE("ReadInChildFirst returns when the read in the child succeeds", "[core][io]") {
  int touched = 0;
  CHECK(Outcome([&] { touched = 1; }).second == ExitCode::kOk);
  // the read ran in the child: the parent's memory is untouched
  CHECK(touched == 0);
}

TEST_CASE("ReadInChildFirst carries the child's calf::Error back unchanged", "[core][io]") {
  const auto [what, code] = Outcome([] { throw calf::IoError("'f.h5' has no dataset 'states'"); });
  CHECK(what == "'f.h5' has no dataset 'states'");
  CHECK(code == ExitCode::kUsage);
  const auto [what3, code3] =
      Outcome([] { throw calf::Error("disk on fire", ExitCode::kRuntime); });
  CHECK(what3 == "disk on fire");
  CHECK(code3 == ExitCode::kRuntime);
  // an exception that is not calf's is an internal error (exit 3), as in the CLI
  const auto [what_other, code_other] = Outcome([] { throw std::out_of_range("vector"); });
  CHECK_THAT(what_other, Catch::Contains("internal error") && Catch::Contains("vector"));
  CHECK(code_other == ExitCode::kRuntime);
}

TEST_CASE("ReadInChildFirst turns a crash of the child into a refusal naming the file",
          "[core][io]") {
  const auto [what, code] = Outcome([] { std::raise(SIGSEGV); });
  CHECK(code == ExitCode::kUsage);
  const auto [what_fpe, code_fpe] = Outcome([] { std::raise(SIGFPE); });
  CHECK(code_fpe == ExitCode::kUsage);
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer's handler reports a SIGSEGV and exits with status 1: still a refusal
  CHECK_THAT(what, Catch::Contains("'f.h5'") && Catch::Contains("status 1"));
#else
  CHECK_THAT(what, Catch::Contains("'f.h5' is corrupt") && Catch::Contains("SIGSEGV"));
  CHECK_THAT(what_fpe, Catch::Contains("SIGFPE"));
#endif
}

TEST_CASE("ReadInChildFirst names the exit status of a child that ends without a report",
          "[core][io]") {
  // e.g. a sanitizer's report in the child ends it with its own exit code
  const auto [what, code] = Outcome([] { _exit(23); });
  CHECK_THAT(what, Catch::Contains("'f.h5' could not be read") && Catch::Contains("status 23"));
  CHECK(code == ExitCode::kUsage);
}

TEST_CASE("ReadInChildFirst stops a child that does not finish in time", "[core][io]") {
  const auto [what, code] = Outcome(
      [] {
        // unsigned: wraps without undefined behaviour (UBSan stopped a signed counter)
        for (volatile unsigned spin = 0;; spin = spin + 1) {
        }
      },
      1.0);
  CHECK_THAT(what, Catch::Contains("'f.h5' is corrupt") && Catch::Contains("did not finish"));
  CHECK(code == ExitCode::kUsage);
}
