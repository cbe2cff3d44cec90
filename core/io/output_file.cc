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

// The one message for an output another live process is writing.
[[noreturn]] void ThrowBusy(const std::string& prefix, const std::string& temp) {
  throw IoError(prefix + "another process is writing it ('" + temp +
                "' is locked); wait for it to finish or choose another output path");
}

// An OFD lock of `type` over the whole file.
struct flock WholeFile(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;
  lock.l_pid = 0;  // required by F_OFD_* locks
  return lock;
}

// True when `path` (not followed if a symlink) is the file open as `fd`.
bool SameFile(int fd, const std::string& path) {
  struct stat a {
  }, b{};
  return fstat(fd, &a) == 0 && lstat(path.c_str(), &b) == 0 && S_ISREG(b.st_mode) &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Creates `temp` exclusively, or takes over a stale one (a regular file nobody holds the
// lock of, left by a killed process), and returns its descriptor holding the lock. Throws
// IoError (exit 2) when a live process holds it or it is not a regular file; `prefix`
// starts the message.
int CreateOrTakeOver(const std::string& temp, const std::string& prefix) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    const bool created = fd >= 0;
    if (!created) {
      if (errno != EEXIST) {
        throw IoError(prefix + "cannot create '" + temp + "' (" + std::strerror(errno) +
                      "); choose another output path");
      }
      // exists: only a regular file can be a stale temporary of ours
      fd = open(temp.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
      struct stat st {};
      if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        if (fd < 0 && errno == ENOENT) continue;  // removed meanwhile: create it again
        throw IoError(prefix + "'" + temp +
                      "' exists and is not a regular file calf can reuse; remove it or "
                      "choose another output path");
      }
    }
    struct flock lock = WholeFile(F_WRLCK);
    if (fcntl(fd, F_OFD_SETLK, &lock) != 0) {
      const int err = errno;
      close(fd);
      if (err == EAGAIN || err == EACCES) ThrowBusy(prefix, temp);
      throw IoError(prefix + "cannot lock '" + temp + "' (" + std::strerror(err) + ")",
                    ExitCode::kRuntime);
    }
    // the name may have been re-created by another process between open and lock
    if (!SameFile(fd, temp)) {
      close(fd);
      continue;
    }
    if (!created && ftruncate(fd, 0) != 0) {
      const int err = errno;
      close(fd);
      throw IoError(prefix + "cannot reuse stale '" + temp + "' (" + std::strerror(err) + ")",
                    ExitCode::kRuntime);
    }
    return fd;
  }
  throw IoError(prefix + "'" + temp +
                "' keeps changing under calf; another process is "
                "writing the same output; choose another output path");
}

}  // namespace

OutputFile::OutputFile(std::string path, std::string what)
    : path_(std::move(path)), temp_(path_ + kPartialSuffix), what_(std::move(what)) {
  CheckOutputFile(path_, what_);
  fd_ = CreateOrTakeOver(temp_, Prefix(what_, path_));
}

OutputFile::~OutputFile() {
  if (!committed_) Discard();
}

OutputFile::OutputFile(OutputFile&& o) noexcept
    : path_(std::move(o.path_)),
      temp_(std::move(o.temp_)),
      what_(std::move(o.what_)),
      committed_(o.committed_),
      fd_(o.fd_) {
  o.committed_ = true;  // the moved-from object no longer owns the temporary
  o.fd_ = -1;
}

void OutputFile::Commit() {
  if (committed_) return;
  if (fd_ < 0 || !SameFile(fd_, temp_)) {
    Discard();
    throw IoError(Prefix(what_, path_) + "its temporary '" + temp_ +
                      "' was removed or replaced while writing; write it again",
                  ExitCode::kRuntime);
  }
  struct stat st {};
  const bool is_new = lstat(path_.c_str(), &st) != 0 && errno == ENOENT;
  if (is_new && fstat(fd_, &st) != 0) st = {};
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    Discard();
    throw IoError(Prefix(what_, path_) + "cannot rename '" + temp_ + "' into place (" +
                      std::strerror(err) + ")",
                  ExitCode::kRuntime);
  }
  committed_ = true;
  if (is_new) OutputGroup::NoteNewFile(path_, st.st_dev, st.st_ino);
  close(fd_);  // releases the lock
  fd_ = -1;
}

void OutputFile::Discard() {
  if (fd_ < 0) return;  // not ours (never created, taken by a move, committed or discarded)
  // only the file we created and still hold: never a directory, a device or another
  // process's temporary that replaced ours
  if (SameFile(fd_, temp_)) unlink(temp_.c_str());
  close(fd_);
  fd_ = -1;
}

bool OutputInProgress(const std::string& path) {
  const std::string temp = path + kPartialSuffix;
  const int fd = open(temp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct flock lock = WholeFile(F_WRLCK);
  const bool live = fcntl(fd, F_OFD_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
  close(fd);
  return live;
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
  if (OutputInProgress(path)) ThrowBusy(Prefix(what, path), path + kPartialSuffix);
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
  // the topmost missing directory: the one to remove if the outputs are abandoned
  fs::path topmost;
  for (fs::path p = fs::absolute(dir, ec); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    topmost = p;
    if (p == p.parent_path()) break;
  }
  fs::create_directories(dir, ec);
  if (!topmost.empty() && fs::is_directory(topmost)) OutputGroup::NoteCreatedDir(topmost.string());
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

namespace {
OutputGroup* g_group = nullptr;  // the live group, if any
}  // namespace

OutputGroup::OutputGroup(Policy policy) : policy_(policy) {
  CALF_CHECK(g_group == nullptr) << "nested OutputGroup";
  g_group = this;
}

OutputGroup::~OutputGroup() {
  g_group = nullptr;
  if (kept_) return;
  if (policy_ == Policy::kKeepFiles) {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      // deepest first; rmdir(2) removes only an empty directory
      std::error_code ec;
      std::vector<fs::path> sub;
      for (fs::recursive_directory_iterator d(*it, ec), end; !ec && d != end; d.increment(ec)) {
        if (d->is_directory(ec)) sub.push_back(d->path());
      }
      for (auto s = sub.rbegin(); s != sub.rend(); ++s) rmdir(s->c_str());
      rmdir(it->c_str());
    }
    return;
  }
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    struct stat st {};
    if (lstat(it->path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == it->dev &&
        st.st_ino == it->ino) {
      unlink(it->path.c_str());
    }
  }
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    std::error_code ec;
    fs::remove_all(*it, ec);  // best effort on an error path
  }
}

void OutputGroup::NoteCreatedDir(const std::string& dir) {
  if (g_group != nullptr) g_group->dirs_.push_back(dir);
}

void OutputGroup::NoteNewFile(const std::string& path, unsigned long long dev,
                              unsigned long long ino) {
  if (g_group != nullptr) g_group->files_.push_back({path, dev, ino});
}

}  // namespace calf::core
