// provisional implementation (replaced by the seams-output branch)
#include "core/io/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace calf::core {
namespace fs = std::filesystem;

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
  o.committed_ = true;
}

void OutputFile::Commit() {
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) {
    Discard();
    throw IoError("cannot write " + what_ + " '" + path_ + "': " + ec.message(),
                  ExitCode::kRuntime);
  }
  committed_ = true;
}

void OutputFile::Discard() {
  std::error_code ec;
  if (fs::is_regular_file(temp_, ec)) fs::remove(temp_, ec);
}

void WriteTextFile(const std::string& path, const std::string& text, const std::string& what) {
  OutputFile f(path, what);
  std::ofstream out(f.temp_path(), std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw IoError("cannot write " + what + " '" + path + "'", ExitCode::kRuntime);
  f.Commit();
}

void CheckOutputFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (path.empty()) throw IoError(what + " is empty; give a file name");
  if (fs::is_directory(path, ec))
    throw IoError(what + " '" + path + "' is a directory; give a file");
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) {
    throw IoError(what + " '" + path + "': directory '" + dir.string() + "' does not exist");
  }
  const std::string probe = (dir / (".calf-probe-" + std::to_string(getpid()))).string();
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw IoError(what + " '" + path + "': directory '" + dir.string() + "' is not writable (" +
                  std::strerror(errno) + ")");
  }
  close(fd);
  unlink(probe.c_str());
}

void PrepareOutputDir(const std::string& dir, const std::string& what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) throw IoError(what + " '" + dir + "' cannot be created");
  CheckOutputFile((fs::path(dir) / "x").string(), what);
}

}  // namespace calf::core
