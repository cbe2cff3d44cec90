#pragma once
// The one way calf writes an output file (HDF5, PNG, JSON, Markdown/HTML, charts, models,
// checkpoints): to a temporary name in the destination directory, renamed into place when
// complete, so a reader never sees half a file and a failed write leaves nothing at the
// destination. One suffix (kPartialSuffix), one writability check (CheckOutputFile).
//
// Ownership of a temporary: the constructor creates `<path>.partial` exclusively (O_EXCL)
// and holds an open-file-description lock (fcntl F_OFD_SETLK) on it until Commit/Discard or
// exit. A process removes only a temporary it holds. An existing `<path>.partial` whose lock
// is held belongs to a live writer: refused (exit 2). One whose lock is free was left by a
// killed process: it is taken over (locked, truncated, reused), never unlinked first, so two
// processes cannot both decide it is stale. OFD locks do not conflict with the flock() HDF5
// takes on its own descriptor of the same file.

#include <string>
#include <vector>

#include "core/error.h"

namespace calf::core {

/// Suffix of every file being written; it is renamed away when complete.
inline constexpr const char* kPartialSuffix = ".partial";

/// An output being written. The constructor checks the destination (CheckOutputFile) and
/// creates and locks the temporary `<path>.partial` (see the file comment); the writer
/// writes temp_path() (opening it again and truncating is fine: the same file), then calls
/// Commit(). Destroying an uncommitted OutputFile removes the temporary (an error path).
/// Not thread-safe; move-only.
class OutputFile {
 public:
  /// `what` names the output in messages (e.g. "--out", "checkpoint"). Throws IoError
  /// (exit 2) when the destination cannot be written (see CheckOutputFile) or when another
  /// live process is writing the same output.
  explicit OutputFile(std::string path, std::string what = "output");
  ~OutputFile();
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  /// The final path.
  const std::string& path() const { return path_; }
  /// Where to write: `<path>.partial`, in the same directory (so the rename is atomic).
  const std::string& temp_path() const { return temp_; }
  /// Renames the temporary to the final path, replacing an older file there. Throws
  /// IoError (exit 3) when the rename fails (the temporary is removed).
  void Commit();
  /// Removes the temporary now if this object created or took it over and it is still the
  /// same file (an error path). Idempotent.
  void Discard();
  bool committed() const { return committed_; }

 private:
  std::string path_;
  std::string temp_;
  std::string what_;
  bool committed_ = false;
  int fd_ = -1;  // the locked temporary; -1 once committed or discarded
};

/// True when `<path>.partial` exists and is locked by a live OutputFile (of any process).
bool OutputInProgress(const std::string& path);

/// Writes `text` to `path` through an OutputFile; throws IoError (exit 3 for a failed
/// write, e.g. a full disk; exit 2 for a destination that cannot be written).
void WriteTextFile(const std::string& path, const std::string& text,
                   const std::string& what = "output");

/// The one writability check: `path` must not be a directory, its directory must exist, and
/// a file must be creatable there (probed by creating and removing a uniquely named file:
/// access() is not enough, root passes it on read-only and virtual file systems such as
/// /proc), and no live process may be writing `<path>.partial` (OutputInProgress). Throws
/// IoError (exit 2) naming `what`, the path and how to fix it.
void CheckOutputFile(const std::string& path, const std::string& what);

/// Creates `dir` (with its parents) when missing and checks that files can be created in it
/// (as CheckOutputFile). Throws IoError (exit 2) naming `what`.
void PrepareOutputDir(const std::string& dir, const std::string& what);

/// Outputs that stand or fall together (a report: charts, their gnuplot sources, Markdown
/// and HTML; a profile sweep; a screenshot sequence). While an OutputGroup is alive, every
/// directory PrepareOutputDir creates and every file an OutputFile commits to a name that
/// did not exist before are recorded; an OutputGroup destroyed without Keep() (an error on
/// the way) removes those files (if still the ones written) and those directories with
/// their content (they did not exist before this process made them). Files that replaced
/// older ones are left. One group at a time per process (the CLI command's); not
/// thread-safe.
class OutputGroup {
 public:
  /// What an abandoned group removes.
  enum class Policy {
    kAllOrNothing,  ///< New files and created directories with their content.
    kKeepFiles,     ///< Only created directories left empty (a training run's earlier
                    ///< checkpoints are worth keeping when a later write fails).
  };
  explicit OutputGroup(Policy policy = Policy::kAllOrNothing);
  ~OutputGroup();
  OutputGroup(const OutputGroup&) = delete;
  OutputGroup& operator=(const OutputGroup&) = delete;

  /// The outputs are complete (or an interrupted run's valid part): keep them.
  void Keep() { kept_ = true; }

  /// Records a directory made by this process (called by PrepareOutputDir).
  static void NoteCreatedDir(const std::string& dir);
  /// Records a committed file that did not exist before (called by OutputFile::Commit).
  static void NoteNewFile(const std::string& path, unsigned long long dev, unsigned long long ino);

 private:
  struct NewFile {
    std::string path;
    unsigned long long dev, ino;
  };
  Policy policy_;
  bool kept_ = false;
  std::vector<std::string> dirs_;
  std::vector<NewFile> files_;
};

/// Runs `command` (a CLI command) inside an OutputGroup: its outputs are kept when it
/// returns (whatever its exit code) or is interrupted (InterruptedError: what was written is
/// valid), and removed when it throws anything else (as `policy` says). Returns what
/// `command` returns.
template <typename F>
auto AllOrNothing(F&& command, OutputGroup::Policy policy = OutputGroup::Policy::kAllOrNothing) {
  OutputGroup group(policy);
  try {
    auto result = command();
    group.Keep();
    return result;
  } catch (const InterruptedError&) {
    group.Keep();
    throw;
  }
}

}  // namespace calf::core
