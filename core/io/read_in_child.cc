#include "core/io/read_in_child.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace calf::core {
namespace {

// the child's report through the pipe: its exit code as one byte, then the message
void Report(int fd, int code, const std::string& what) {
  std::string msg(1, static_cast<char>(code));
  msg += what.substr(0, 4096);
  const char* p = msg.data();
  size_t left = msg.size();
  while (left > 0) {
    const ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::string SignalName(int sig) {
  const char* name = sigabbrev_np(sig);
  return name != nullptr ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

}  // namespace

double ReadTimeoutFor(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return 60.0 + (ec ? 0.0 : static_cast<double>(size) / 20e6);
}

void ReadInChildFirst(const std::string& path, const std::function<void()>& read,
                      double timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) {
    throw Error(std::string("cannot create a pipe to read '") + path + "': " + std::strerror(errno),
                ExitCode::kRuntime);
  }
  const pid_t child = fork();
  if (child < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    throw Error("cannot start a process to read '" + path + "': " + std::strerror(err),
                ExitCode::kRuntime);
  }
  if (child == 0) {
    // the child: read, report, and end without the parent's exit handlers
    close(fds[0]);
    int code = 0;
    std::string what;
    try {
      read();
    } catch (const Error& e) {
      code = static_cast<int>(e.code());
      what = e.what();
    } catch (const std::exception& e) {
      code = static_cast<int>(ExitCode::kRuntime);
      what = std::string("internal error: ") + e.what();
    }
    Report(fds[1], code, what);
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  // collect the report until the child closes the pipe (it ends), or the time is up
  std::string report;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: the child is done (or died)
    report.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    throw IoError("'" + path + "' is corrupt: reading it did not finish in " +
                  std::to_string(static_cast<int>(timeout_s)) +
                  " s (HDF5 loops on some corrupt files); check it with h5dump");
  }
  if (WIFSIGNALED(status)) {
    throw IoError("'" + path + "' is corrupt: reading it crashed HDF5's parser (" +
                  SignalName(WTERMSIG(status)) + "); check it with h5dump");
  }
  if (report.empty()) {
    // a child that exits without reporting was ended inside the read (e.g. by a sanitizer's
    // report, which exits with its own status)
    const int st = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    throw IoError("'" + path + "' could not be read: the reading process ended with status " +
                  std::to_string(st) + " without a report; check it with h5dump");
  }
  const int code = static_cast<unsigned char>(report[0]);
  if (code != 0) throw Error(report.substr(1), static_cast<ExitCode>(code));
}

}  // namespace calf::core
