#pragma once
// The calf error hierarchy. Library code throws only calf::Error (or a subclass);
// cli/main.cc is the one place that catches, prints one line and returns the exit code.

#include <sstream>
#include <stdexcept>
#include <string>

namespace calf {

/// Process exit codes, documented in README.md ("Exit codes").
enum class ExitCode : int {
  kOk = 0,
  kFailure = 1,       ///< The command ran but its check failed (e.g. images differ).
  kUsage = 2,         ///< Bad command line, config, input file or model.
  kRuntime = 3,       ///< An environment/runtime failure (e.g. no EGL, HDF5 write error).
  kInterrupted = 130  ///< SIGINT/SIGTERM: outputs were flushed and marked incomplete.
};

/// Base of every error calf throws. The message is one lowercase line naming the
/// file/field/value at fault and, where possible, how to fix it.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, ExitCode code) : std::runtime_error(what), code_(code) {}
  /// Exit code the CLI returns for this error.
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

/// Bad user input: flags, config values, CSV/JSON files. Exit code 2.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& what) : Error(what, ExitCode::kUsage) {}
};

/// A file cannot be read or written, or has the wrong content. Exit code 2 by default.
class IoError : public Error {
 public:
  explicit IoError(const std::string& what, ExitCode code = ExitCode::kUsage) : Error(what, code) {}
};

/// A model file is missing, corrupt or of an architecture calf does not understand. Exit code 2.
class PolicyError : public Error {
 public:
  explicit PolicyError(const std::string& what) : Error(what, ExitCode::kUsage) {}
};

/// The offscreen renderer cannot start or a GL call failed. Exit code 3.
class RenderError : public Error {
 public:
  explicit RenderError(const std::string& what, ExitCode code = ExitCode::kRuntime)
      : Error(what, code) {}
};

/// An error another process of the same job reports (an MPI rank other than 0 learning that
/// rank k failed): the CLI exits with its code and prints nothing, so a job prints one line.
class ReportedElsewhereError : public Error {
 public:
  ReportedElsewhereError(const std::string& what, ExitCode code) : Error(what, code) {}
};

/// Training went numerically wrong (a loss or parameter became NaN or infinite): the command
/// ran but its result is unusable. Exit code 1.
class DivergedError : public Error {
 public:
  explicit DivergedError(const std::string& what) : Error(what, ExitCode::kFailure) {}
};

/// The run was interrupted by a signal after its outputs were made safe. Exit code 130.
class InterruptedError : public Error {
 public:
  explicit InterruptedError(const std::string& what) : Error(what, ExitCode::kInterrupted) {}
};

/// Longest message OneLine keeps, in bytes (a 50 MB config value must not be echoed whole).
inline constexpr size_t kMaxMessageBytes = 600;

/// `text` made fit for a one-line message: control characters (newlines in HDF5's and
/// libraries' texts, tabs) become spaces, runs of spaces collapse, and text longer than
/// `max_bytes` keeps its start and end around " ... (N bytes omitted) ... ". Used by
/// cli/main.cc on every message it prints and by messages that quote user values.
std::string OneLine(const std::string& text, size_t max_bytes = kMaxMessageBytes);

namespace internal {
/// Collects a message and aborts with file:line when destroyed; used by CALF_CHECK.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* cond);
  [[noreturn]] ~CheckFailure();
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  std::ostringstream stream_;
};
}  // namespace internal

}  // namespace calf

/// Aborts with file:line when an internal invariant does not hold (a bug, not bad input).
#define CALF_CHECK(cond) \
  if (cond) {            \
  } else                 \
    ::calf::internal::CheckFailure(__FILE__, __LINE__, #cond)

#ifdef NDEBUG
#define CALF_DCHECK(cond) \
  if (true) {             \
  } else                  \
    ::calf::internal::CheckFailure(__FILE__, __LINE__, #cond)
#else
#define CALF_DCHECK(cond) CALF_CHECK(cond)
#endif
