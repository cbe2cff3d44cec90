#pragma once
// Reading an untrusted file whose parser calf does not own. HDF5 1.10 (Debian's, not built
// with sanitizers) crashes or loops on some corrupt object headers (docs/fuzzing.md, "Run
// files"); calf cannot fix HDF5, but it can keep such a file from taking the command down:
// the read is done once in a forked child first, and only when the child succeeded does the
// caller read for real. A crash or a hang of the child becomes calf's one-line refusal.

#include <functional>
#include <string>

namespace calf::core {

/// Runs `read` in a forked child process and waits for it. Returns when the child finished
/// without error (the caller then does the same read itself). Throws:
/// - the child's own calf::Error (same message and exit code) when `read` threw one;
/// - IoError (exit 2) naming `path` when the child died of a signal (e.g. SIGSEGV inside
///   HDF5's parser) or ran longer than `timeout_s` seconds (it is killed);
/// - Error (exit 3) when the child could not be started (fork failed).
/// `read` must only read (its results are thrown away with the child) and must not rely on
/// threads other than the caller's (only the calling thread exists in the child). The child
/// ends with _exit, running no atexit handler or destructor of the parent's state.
void ReadInChildFirst(const std::string& path, const std::function<void()>& read,
                      double timeout_s);

/// The time allowed to read `path` in a child: 60 s plus 1 s per 20 MB of the file (a
/// corrupt file that makes HDF5 loop is then stopped, a large window of a healthy file is not).
double ReadTimeoutFor(const std::string& path);

}  // namespace calf::core
