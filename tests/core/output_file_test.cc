// core/io/output_file: the one way calf writes an output (temporary name, rename on commit,
// one writability check).
#include "core/io/output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "tests/core/temp_dir.h"

namespace fs = std::filesystem;
using calf::ExitCode;
using calf::IoError;
using calf::core::CheckOutputFile;
using calf::core::kPartialSuffix;
using calf::core::OutputFile;
using calf::core::PrepareOutputDir;
using calf::core::WriteTextFile;

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The message and exit code of what `f` throws (IoError expected).
template <typename F>
std::pair<std::string, int> Failure(F&& f) {
  try {
    f();
  } catch (const IoError& e) {
    return {e.what(), static_cast<int>(e.code())};
  }
  FAIL("no IoError thrown");
  return {"", 0};
}

}  // namespace

TEST_CASE("An output is invisible until committed, then replaces the old file") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("out.txt");
  Put(path, "old");
  {
    OutputFile f(path, "test output");
    CHECK(f.temp_path() == path + kPartialSuffix);
    Put(f.temp_path(), "new");
    CHECK(Slurp(path) == "old");  // a reader still sees the complete old file
    f.Commit();
    CHECK(f.committed());
  }
  CHECK(Slurp(path) == "new");
  CHECK_FALSE(fs::exists(path + kPartialSuffix));
}

TEST_CASE("An uncommitted output leaves nothing behind and keeps the old file") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("out.txt");
  Put(path, "old");
  {
    OutputFile f(path);
    Put(f.temp_path(), "half");
  }  // an error path: destroyed without Commit
  CHECK_FALSE(fs::exists(path + kPartialSuffix));
  CHECK(Slurp(path) == "old");
  SECTION("a moved OutputFile owns the temporary once") {
    OutputFile a(dir.File("m.txt"));
    Put(a.temp_path(), "x");
    OutputFile b(std::move(a));
    b.Commit();
    CHECK(Slurp(dir.File("m.txt")) == "x");
  }
}

TEST_CASE("A temporary that is not a regular file is refused and left alone") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("o.h5");
  SECTION("a directory") {
    fs::create_directory(path + kPartialSuffix);
    auto [msg, code] = Failure([&] { OutputFile f(path); });
    CHECK_THAT(msg, Catch::Contains("not a regular file"));
    CHECK(code == 2);
    CHECK(fs::is_directory(path + kPartialSuffix));
  }
  SECTION("a symbolic link, even to a regular file") {
    Put(dir.File("target"), "keep");
    fs::create_symlink(dir.File("target"), path + kPartialSuffix);
    auto [msg, code] = Failure([&] { OutputFile f(path); });
    CHECK(code == 2);
    CHECK(fs::is_symlink(path + kPartialSuffix));
    CHECK(Slurp(dir.File("target")) == "keep");
  }
}

TEST_CASE("A live writer's temporary is never taken or removed by a second writer") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("same.h5");
  OutputFile first(path, "--out");
  Put(first.temp_path(), "first");
  // OFD locks belong to the open file description, so a second writer in this process
  // conflicts exactly as one in another process does
  auto [msg, code] = Failure([&] { OutputFile second(path, "--out"); });
  CHECK_THAT(
      msg, Catch::Contains("another process is writing it") && Catch::Contains("same.h5.partial"));
  CHECK(code == 2);
  CHECK(calf::core::OutputInProgress(path));
  CHECK(Slurp(first.temp_path()) == "first");  // untouched by the failed second writer
  first.Commit();
  CHECK(Slurp(path) == "first");
  CHECK_FALSE(calf::core::OutputInProgress(path));
  // once the first is done, a new writer may start
  OutputFile third(path, "--out");
  third.Discard();
  CHECK(Slurp(path) == "first");
}

TEST_CASE("A stale temporary left by a killed process is taken over, not unlinked") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("k.h5");
  Put(path + kPartialSuffix, "left by kill -9");
  struct stat before {};
  REQUIRE(stat((path + kPartialSuffix).c_str(), &before) == 0);
  CHECK_FALSE(calf::core::OutputInProgress(path));
  OutputFile f(path);
  struct stat after {};
  REQUIRE(stat(f.temp_path().c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);  // the same file, reused
  CHECK(after.st_size == 0);             // truncated
  CHECK(calf::core::OutputInProgress(path));
  f.Discard();
  CHECK_FALSE(fs::exists(path + kPartialSuffix));
}

TEST_CASE("Discard removes only the file this writer created") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("r.h5");
  OutputFile f(path);
  // someone replaced the temporary: it is not ours any more
  fs::remove(f.temp_path());
  Put(f.temp_path(), "someone else's");
  f.Discard();
  CHECK(Slurp(path + kPartialSuffix) == "someone else's");
}

TEST_CASE("WriteTextFile writes the whole text atomically") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("a.json");
  const std::string text(100000, 'x');
  WriteTextFile(path, text, "json");
  CHECK(Slurp(path) == text);
  CHECK(fs::directory_iterator(dir.path()) != fs::directory_iterator());
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  CHECK(files == 1);  // no temporary, no probe left
}

TEST_CASE("The writability check names the output, the problem and the fix (exit 2)") {
  calf::testing::TempDir dir;
  SECTION("missing directory") {
    auto [msg, code] = Failure([&] { CheckOutputFile(dir.File("no/such/x.h5"), "--out"); });
    CHECK_THAT(msg, Catch::Contains("--out") && Catch::Contains("does not exist") &&
                        Catch::Contains("create it"));
    CHECK(code == static_cast<int>(ExitCode::kUsage));
  }
  SECTION("a directory as the file") {
    auto [msg, code] = Failure([&] { CheckOutputFile(dir.path(), "--out"); });
    CHECK_THAT(msg, Catch::Contains("is a directory"));
    CHECK(code == 2);
  }
  SECTION("a FIFO (or device) is never replaced by a regular file") {
    const std::string fifo = dir.File("pipe");
    REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);
    auto [msg, code] = Failure([&] { OutputFile f(fifo, "--out"); });
    CHECK_THAT(msg, Catch::Contains("not a regular file"));
    CHECK(code == 2);
    struct stat st {};
    REQUIRE(lstat(fifo.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
    if (fs::exists("/dev/null")) CHECK_THROWS_AS(CheckOutputFile("/dev/null", "--out"), IoError);
  }
  SECTION("an empty name") { CHECK_THROWS_AS(CheckOutputFile("", "--out"), IoError); }
  SECTION("a read-only directory (probed by creating a file, so root on /proc fails too)") {
    CHECK_THROWS_AS(CheckOutputFile("/proc/calf_out.h5", "--out"), IoError);
    if (geteuid() != 0) {
      const std::string ro = dir.File("ro");
      fs::create_directory(ro);
      fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
      auto [msg, code] = Failure([&] { CheckOutputFile(ro + "/x.h5", "--out"); });
      CHECK_THAT(msg, Catch::Contains("not writable"));
    }
  }
  SECTION("the check leaves nothing in the directory") {
    CheckOutputFile(dir.File("fine.h5"), "--out");
    CHECK(fs::directory_iterator(dir.path()) == fs::directory_iterator());
  }
}

TEST_CASE("PrepareOutputDir creates missing parents and refuses a file") {
  calf::testing::TempDir dir;
  PrepareOutputDir(dir.File("a/b/c"), "--out-dir");
  CHECK(fs::is_directory(dir.File("a/b/c")));
  CHECK(fs::directory_iterator(dir.File("a/b/c")) == fs::directory_iterator());
  Put(dir.File("file"), "x");
  auto [msg, code] = Failure([&] { PrepareOutputDir(dir.File("file"), "--out-dir"); });
  CHECK_THAT(msg, Catch::Contains("--out-dir") && Catch::Contains("not a directory"));
  CHECK(code == 2);
}

TEST_CASE("A failed commit is a runtime error (exit 3) and removes the temporary") {
  calf::testing::TempDir dir;
  const std::string path = dir.File("x.txt");
  OutputFile f(path);
  Put(f.temp_path(), "data");
  // the destination became a non-empty directory after the check: rename(2) fails
  fs::create_directories(path + "/inside");
  auto [msg, code] = Failure([&] { f.Commit(); });
  CHECK(code == static_cast<int>(ExitCode::kRuntime));
  CHECK_FALSE(fs::exists(path + kPartialSuffix));
}

TEST_CASE("An abandoned OutputGroup removes what it created and nothing else") {
  calf::testing::TempDir dir;
  Put(dir.File("old.txt"), "old");
  fs::create_directory(dir.File("existing"));
  Put(dir.File("existing/mine.txt"), "mine");
  SECTION("all or nothing") {
    {
      calf::core::OutputGroup group;
      PrepareOutputDir(dir.File("new/deeper"), "--out-dir");
      WriteTextFile(dir.File("new/deeper/a.txt"), "a");
      WriteTextFile(dir.File("existing/b.txt"), "b");
      WriteTextFile(dir.File("old.txt"), "replaced");
    }  // not kept: an error on the way
    CHECK_FALSE(fs::exists(dir.File("new")));
    CHECK_FALSE(fs::exists(dir.File("existing/b.txt")));
    CHECK(Slurp(dir.File("existing/mine.txt")) == "mine");
    CHECK(Slurp(dir.File("old.txt")) == "replaced");  // a replaced file is not restored
  }
  SECTION("kept") {
    {
      calf::core::OutputGroup group;
      PrepareOutputDir(dir.File("new"), "--out-dir");
      WriteTextFile(dir.File("new/a.txt"), "a");
      group.Keep();
    }
    CHECK(Slurp(dir.File("new/a.txt")) == "a");
  }
  SECTION("keep files: only empty created directories go") {
    {
      calf::core::OutputGroup group(calf::core::OutputGroup::Policy::kKeepFiles);
      PrepareOutputDir(dir.File("empty/sub"), "--out-dir");
      PrepareOutputDir(dir.File("full"), "--out-dir");
      WriteTextFile(dir.File("full/ckpt.bin"), "worth keeping");
    }
    CHECK_FALSE(fs::exists(dir.File("empty")));
    CHECK(Slurp(dir.File("full/ckpt.bin")) == "worth keeping");
  }
  SECTION("an interrupted command keeps its outputs") {
    CHECK_THROWS_AS(calf::core::AllOrNothing([&]() -> int {
                      WriteTextFile(dir.File("run.h5"), "valid, complete = 0");
                      throw calf::InterruptedError("interrupted");
                    }),
                    calf::InterruptedError);
    CHECK(fs::exists(dir.File("run.h5")));
    CHECK_THROWS_AS(calf::core::AllOrNothing([&]() -> int {
                      WriteTextFile(dir.File("half.h5"), "x");
                      throw IoError("disk full", ExitCode::kRuntime);
                    }),
                    IoError);
    CHECK_FALSE(fs::exists(dir.File("half.h5")));
  }
}
