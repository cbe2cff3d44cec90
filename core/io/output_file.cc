#include "core/io/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace calf::core {
namespace fs = std::filesystem;
namespace {

std::string Prefix(const std::string& what, const std::string& path) {
  return "cannot write " + what + " '" + path + "': ";
}

// The directory a file at `path` lands in ("." for a bare name).
fs::path DirectoryOf(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

// Probes that a file can be created in `dir` by creating and removing a uniquely named one;
// returns errno (0 on success). access() is not enough: root passes it on read-only mounts
// and on virtual file systems such as /proc.
int ProbeCreate(const fs::path& dir) {
  static std::atomic<unsigned> counter{0};
  const std::string probe = (dir / (".calf-probe-" + std::to_string(getpid()) + "-" +
                                    std::to_string(counter.fetch_add(1))))
                                .string();
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  close(fd);
  unlink(probe.c_str());
  return 0;
}

}  // namespace

OutputFile::OutputFile(std::string path, std::string what)
    : path_(std::move(path)), temp_(path_ + kPartialSuffix), what_(std::move(what)) {
  CheckOutputFile(path_, what_);
}

OutputFile::~OutputFile() {
  if (!committed_) Discard();
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : path_(std::move(o.path_)),
      temp_(std::move(o.temp_)),
      what_(std::move(o.what_)),
      committed_(o.committed_) {
  o.committed_ = true;  // the moved-from object no longer owns the temporary
}

void OutputFile::Commit() {
  if (committed_) return;
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    Discard();
    throw IoError(Prefix(what_, path_) + "cannot rename '" + temp_ + "' into place (" +
                      std::strerror(err) + ")",
                  ExitCode::kRuntime);
  }
  committed_ = true;
}

void OutputFile::Discard() {
  // only ever a regular file: a directory or device of that name is not ours to remove
  struct stat st {};
  if (lstat(temp_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) unlink(temp_.c_str());
}

void WriteTextFile(const std::string& path, const std::string& text, const std::string& what) {
  OutputFile f(path, what);
  {
    std::ofstream out(f.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) {
      throw IoError(Prefix(what, path) + "cannot create '" + f.temp_path() + "' (" +
                        std::strerror(errno) + ")",
                    ExitCode::kRuntime);
    }
    out << text;
    out.flush();
    if (!out) throw IoError(Prefix(what, path) + "write failed (disk full?)", ExitCode::kRuntime);
  }
  f.Commit();
}

void CheckOutputFile(const std::string& path, const std::string& what) {
  if (path.empty()) throw IoError(what + " is empty; give a file name");
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      throw IoError(Prefix(what, path) + "it is a directory; give a file name");
    }
    if (!S_ISREG(st.st_mode)) {
      // renaming over a device node or FIFO would replace it with a regular file
      throw IoError(Prefix(what, path) +
                    "it exists and is not a regular file (a device, FIFO or socket); choose "
                    "another output path");
    }
  }
  const fs::path dir = DirectoryOf(path);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw IoError(Prefix(what, path) + "directory '" + dir.string() +
                  "' does not exist; create it or choose another output path");
  }
  if (const int err = ProbeCreate(dir); err != 0) {
    throw IoError(Prefix(what, path) + "directory '" + dir.string() + "' is not writable (" +
                  std::strerror(err) + "); choose another output path");
  }
}

void PrepareOutputDir(const std::string& dir, const std::string& what) {
  if (dir.empty()) throw IoError(what + " is empty; give a directory name");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw IoError("cannot use " + what + " '" + dir + "': it exists and is not a directory");
  }
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) {
    throw IoError("cannot create " + what + " '" + dir +
                  "': " + (ec ? ec.message() : std::string("unknown error")) +
                  "; choose another directory");
  }
  if (const int err = ProbeCreate(dir); err != 0) {
    throw IoError("cannot write in " + what + " '" + dir + "': it is not writable (" +
                  std::strerror(err) + "); choose another directory");
  }
}

}  // namespace calf::core
