#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/io/h5_file.h"
#include "core/io/trajectory_reader.h"
#include "core/io/trajectory_schema.h"
#include "core/io/trajectory_writer.h"
#include "core/version.h"
#include "tests/core/synthetic_trajectory.h"
#include "tests/core/temp_dir.h"

using calf::IoError;
using calf::core::H5File;
using calf::core::TrajectoryMeta;
using calf::core::TrajectoryReader;
using calf::core::TrajectoryWriter;
using calf::core::TrajectoryWriterOptions;
using calf::testing::SyntheticRun;
using calf::testing::TempDir;
using calf::testing::ToFloat;

namespace {

namespace fs = std::filesystem;

TrajectoryMeta Meta() {
  TrajectoryMeta meta;
  meta.config_json = R"({"system": "point_mass", "steps": 50})";
  meta.seed = 0xFEEDFACECAFEBEEFull;
  meta.system = "point_mass";
  meta.policy = "calf";
  return meta;
}

// Bit patterns, so NaN compares equal to NaN.
std::vector<uint32_t> Bits(const std::vector<float>& values) {
  std::vector<uint32_t> bits(values.size());
  std::memcpy(bits.data(), values.data(), values.size() * sizeof(float));
  return bits;
}

// Checks every dataset of `reader` against rows [0, rows) of `run`.
void CheckRun(const TrajectoryReader& reader, const SyntheticRun& run, int64_t rows) {
  const int64_t n = run.n;
  REQUIRE(reader.info().num_steps == rows);
  const auto states = reader.Read<float>("states");
  CHECK(states.dims == std::vector<int64_t>{rows + 1, n, run.d});
  const std::vector<double> state_rows(run.states.begin(),
                                       run.states.begin() + (rows + 1) * n * run.d);
  CHECK(Bits(states.values) == Bits(ToFloat(state_rows)));
  auto head = [&](const auto& v, int64_t per_row) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    return std::vector<T>(v.begin(), v.begin() + rows * per_row);
  };
  const auto actions = reader.Read<float>("actions");
  CHECK(actions.dims == std::vector<int64_t>{rows, n, run.m});
  CHECK(Bits(actions.values) == Bits(ToFloat(head(run.actions, n * run.m))));
  CHECK(Bits(reader.Read<float>("rewards").values) == Bits(ToFloat(head(run.rewards, n))));
  const auto q = reader.Read<float>("q_values");
  CHECK(q.dims == std::vector<int64_t>{rows, n});
  CHECK(Bits(q.values) == Bits(head(run.q_values, n)));
  CHECK(reader.Read<uint8_t>("modes").values == head(run.modes, n));
  CHECK(reader.Read<int32_t>("episode").values == head(run.episode, n));
  CHECK(reader.Read<uint8_t>("done").values == head(run.done, n));
  CHECK(reader.Read<int64_t>("step").values == head(run.step, 1));
}

std::string ErrorOf(const std::function<void()>& f, calf::ExitCode* code = nullptr) {
  try {
    f();
  } catch (const IoError& e) {
    if (code != nullptr) *code = e.code();
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("A finished trajectory reads back bit-exact with its attributes",
          "[core][io][trajectory]") {
  TempDir dir;
  const std::string path = dir.File("run.h5");
  const SyntheticRun run(7, 3, 2, 50, /*every=*/2);
  {
    TrajectoryWriter writer(path, run.n, run.d, run.m, Meta());
    run.WriteTo(writer);
    CHECK(writer.rows_written() == 50);
    // nothing at the final path until Finish
    CHECK_FALSE(fs::exists(path));
    CHECK(fs::exists(path + ".partial"));
    writer.Finish(true);
    CHECK(writer.path() == path);
  }
  CHECK(fs::exists(path));
  CHECK_FALSE(fs::exists(path + ".partial"));

  const TrajectoryReader reader(path);
  const auto& info = reader.info();
  CHECK(info.complete);
  CHECK(info.steps_recorded == 50);
  CHECK(info.num_agents == 7);
  CHECK(info.state_dim == 3);
  CHECK(info.action_dim == 2);
  CHECK_FALSE(info.compressed);
  CHECK(info.schema_version == 1);
  CHECK(info.meta.config_json == Meta().config_json);
  CHECK(info.meta.seed == 0xFEEDFACECAFEBEEFull);
  CHECK(info.meta.system == "point_mass");
  CHECK(info.meta.policy == "calf");
  CHECK(info.calf_version == calf::kVersion);
  CHECK(info.git_revision == calf::kGitRevision);
  CHECK(std::regex_match(info.created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  CheckRun(reader, run, 50);

  // root attributes have the documented HDF5 types
  const H5File& file = reader.file();
  CHECK(file.ReadInt64Attribute("/", "schema_version") == 1);
  CHECK(file.ReadInt64Attribute("/", "complete") == 1);
  CHECK(file.DatasetInfo("step").type == calf::core::H5Type::kInt64);
  CHECK(file.DatasetInfo("modes").max_dims == std::vector<int64_t>{-1, 7});

  // enums
  const auto modes = reader.EnumMembers("modes");
  REQUIRE(modes.size() == 4);
  CHECK(modes[0].name == "certified");
  CHECK(modes[1].name == "relax");
  CHECK(modes[2].name == "fallback");
  CHECK(modes[3].name == "nominal");
  const auto done = reader.EnumMembers("done");
  REQUIRE(done.size() == 4);
  CHECK(done[0].name == "none");
  CHECK(done[1].name == "goal");
  CHECK(done[2].name == "out_of_bounds");
  CHECK(done[3].name == "time_limit");

  // rows and steps
  CHECK(reader.RowCount("states") == 51);
  CHECK(reader.RowCount("rewards") == 50);
  CHECK(reader.FindRow(8) == 4);
  CHECK_FALSE(reader.FindRow(7).has_value());
  CHECK_FALSE(reader.FindRow(100).has_value());
  const auto last = reader.StatesAt(50);
  CHECK(last.dims == std::vector<int64_t>{1, 7, 3});
  CHECK(last.values == ToFloat(std::vector<double>(run.states.end() - 21, run.states.end())));
  const auto some = reader.ReadRows<int32_t>("episode", 10, 5);
  CHECK(some.values == std::vector<int32_t>(run.episode.begin() + 70, run.episode.begin() + 105));
  CHECK_THAT(ErrorOf([&] { reader.ReadRows<float>("rewards", 45, 6); }),
             Catch::Contains("rows [45, 51)") && Catch::Contains("rewards"));
  CHECK_THAT(ErrorOf([&] { reader.Read<float>("bogus"); }), Catch::Contains("'bogus'"));
}

TEST_CASE("Finish(false) renames the file and marks it incomplete", "[core][io][trajectory]") {
  TempDir dir;
  const std::string path = dir.File("stopped.h5");
  const SyntheticRun run(3, 2, 1, 20);
  {
    TrajectoryWriter writer(path, run.n, run.d, run.m, Meta());
    run.WriteTo(writer, 12);
    writer.Finish(false);
  }
  CHECK(fs::exists(path));
  CHECK_FALSE(fs::exists(path + ".partial"));
  const TrajectoryReader reader(path);
  CHECK_FALSE(reader.info().complete);
  CHECK(reader.info().steps_recorded == 12);
  CheckRun(reader, run, 12);
}

TEST_CASE("A writer destroyed without Finish leaves no file behind", "[core][io][trajectory]") {
  TempDir dir;
  const std::string path = dir.File("aborted.h5");
  const SyntheticRun run(4, 2, 1, 10);
  {
    TrajectoryWriter writer(path, run.n, run.d, run.m, Meta());
    run.WriteTo(writer);
    writer.Flush();
    CHECK(fs::exists(path + ".partial"));
  }
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(fs::exists(path + ".partial"));
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("A missing or unwritable output directory is an IoError naming the path",
          "[core][io][trajectory]") {
  TempDir dir;
  calf::ExitCode code = calf::ExitCode::kOk;
  const std::string missing = dir.File("no_such_dir/run.h5");
  const std::string message =
      ErrorOf([&] { TrajectoryWriter writer(missing, 2, 2, 1, Meta()); }, &code);
  CHECK_THAT(message, Catch::Contains(missing) && Catch::Contains("does not exist"));
  CHECK(code == calf::ExitCode::kUsage);

  // a regular file where a directory is expected
  const std::string file = dir.File("plain");
  { std::ofstream(file) << "x"; }
  CHECK_THAT(ErrorOf([&] { TrajectoryWriter writer(file + "/run.h5", 2, 2, 1, Meta()); }),
             Catch::Contains(file + "/run.h5"));

  // a read-only directory (root ignores permissions, so only checked for other users)
  const std::string ro = dir.File("ro");
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  if (geteuid() != 0) {
    CHECK_THAT(ErrorOf([&] { TrajectoryWriter writer(ro + "/run.h5", 2, 2, 1, Meta()); }),
               Catch::Contains(ro) && Catch::Contains("not writable"));
  }
  fs::permissions(ro, fs::perms::owner_all);
  CHECK(fs::is_empty(ro));
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("A killed writer leaves a .partial file holding every flushed row",
          "[core][io][trajectory]") {
  TempDir dir;
  const std::string path = dir.File("killed.h5");
  const SyntheticRun run(5, 2, 1, 40);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // child: no Catch2 here; any failure shows up as a wrong exit status
    try {
      TrajectoryWriterOptions options;
      options.flush_interval_s = 1e9;
      TrajectoryWriter writer(path, run.n, run.d, run.m, Meta(), options);
      run.WriteTo(writer, 25);
      writer.Flush();
      for (int64_t t = 25; t < 30; ++t) writer.Append(run.Record(t));  // buffered, lost
      raise(SIGKILL);
    } catch (...) {
    }
    _exit(3);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK_FALSE(fs::exists(path));
  REQUIRE(fs::exists(path + ".partial"));
  const TrajectoryReader reader(path + ".partial");
  CHECK_FALSE(reader.info().complete);
  CHECK(reader.info().steps_recorded == 25);
  CheckRun(reader, run, 25);
}

TEST_CASE("Periodic flushes happen without an explicit Flush", "[core][io][trajectory]") {
  TempDir dir;
  const std::string path = dir.File("periodic.h5");
  const SyntheticRun run(3, 2, 1, 10);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      TrajectoryWriterOptions options;
      options.flush_interval_s = 0.0;  // flush after every Append
      TrajectoryWriter writer(path, run.n, run.d, run.m, Meta(), options);
      run.WriteTo(writer, 7);
      raise(SIGKILL);
    } catch (...) {
    }
    _exit(3);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  const TrajectoryReader reader(path + ".partial");
  CHECK(reader.info().steps_recorded == 7);
  CheckRun(reader, run, 7);
}

TEST_CASE("Compressed and uncompressed trajectories hold equal data", "[core][io][trajectory]") {
  TempDir dir;
  const SyntheticRun run(50, 2, 1, 30);
  for (bool compress : {false, true}) {
    const std::string path = dir.File(compress ? "z.h5" : "raw.h5");
    TrajectoryWriterOptions options;
    options.compress = compress;
    TrajectoryWriter writer(path, run.n, run.d, run.m, Meta(), options);
    run.WriteTo(writer);
    writer.Finish(true);
    const TrajectoryReader reader(path);
    CHECK(reader.info().compressed == compress);
    CheckRun(reader, run, 30);
  }
  const TrajectoryReader raw(dir.File("raw.h5"));
  const TrajectoryReader z(dir.File("z.h5"));
  CHECK(Bits(raw.Read<float>("states").values) == Bits(z.Read<float>("states").values));
}

TEST_CASE("Large agent counts split chunks along agents and stay within 1 MiB",
          "[core][io][trajectory]") {
  TempDir dir;
  const std::string path = dir.File("wide.h5");
  const SyntheticRun run(300000, 2, 1, 3);
  TrajectoryWriterOptions options;
  options.compress = true;
  TrajectoryWriter writer(path, run.n, run.d, run.m, Meta(), options);
  run.WriteTo(writer);
  writer.Finish(true);
  const TrajectoryReader reader(path);
  for (const char* name :
       {"states", "actions", "rewards", "q_values", "modes", "episode", "done", "step"}) {
    const auto info = reader.file().DatasetInfo(name);
    int64_t bytes = calf::core::H5TypeSize(info.type);
    for (int64_t c : info.chunk_dims) bytes *= c;
    CHECK(bytes <= calf::core::kH5MaxChunkBytes);
    CHECK(info.max_dims[0] == -1);
  }
  CHECK(reader.file().DatasetInfo("states").chunk_dims == std::vector<int64_t>{1, 131072, 2});
  CheckRun(reader, run, 3);
}

TEST_CASE("Non-calf files are rejected with a clear IoError", "[core][io][trajectory]") {
  TempDir dir;
  const std::string plain = dir.File("plain.h5");
  H5File::Create(plain).Close();
  CHECK_THAT(ErrorOf([&] { TrajectoryReader r(plain); }),
             Catch::Contains(plain) && Catch::Contains("not a calf trajectory"));

  const std::string partial = dir.File("partial.h5");
  {
    H5File file = H5File::Create(partial);
    file.WriteAttribute("/", "schema_version", int64_t{1});
    for (const char* name :
         {"config", "system", "policy", "calf_version", "git_revision", "created"}) {
      file.WriteAttribute("/", name, "x");
    }
    file.WriteAttribute("/", "seed", uint64_t{1});
    file.WriteAttribute("/", "complete", int64_t{1});
    file.WriteAttribute("/", "steps_recorded", int64_t{0});
    file.Close();
  }
  CHECK_THAT(ErrorOf([&] { TrajectoryReader r(partial); }),
             Catch::Contains("dataset 'states' is missing"));

  const std::string future = dir.File("future.h5");
  {
    H5File file = H5File::Create(future);
    file.WriteAttribute("/", "schema_version", int64_t{99});
    file.Close();
  }
  CHECK_THAT(ErrorOf([&] { TrajectoryReader r(future); }), Catch::Contains("schema_version 99"));
  CHECK_THAT(ErrorOf([&] { TrajectoryReader r(dir.File("none.h5")); }),
             Catch::Contains("does not exist"));
}
