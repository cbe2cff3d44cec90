// core/sim/run_to_file: a slice of the population gives the same bits as those agents in a
// whole run; block statistics combine to the whole run's; a virtual file over slices reads
// like the whole file (the pieces of `mpirun -n R calf run`, tested here without MPI).
#include "core/sim/run_to_file.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/io/h5_file.h"
#include "core/io/trajectory_reader.h"
#include "core/io/virtual_file.h"
#include "core/sim/state.h"
#include "tests/core/temp_dir.h"

using namespace calf::core;

namespace {

SimConfig Config(const std::string& system) {
  SimConfig c;
  c.system = system;
  c.policy = "calf";
  c.num_agents = 600;  // blocks of 256, 256, 88
  c.steps = 30;
  c.seed = 11;
  c.record_every = 2;
  const std::string models = std::string(CALF_SOURCE_DIR) + "/data/models/" + system;
  c.actor_path = models + "/actor.pt";
  c.critic_path = models + "/critic.pt";
  ResolveSimConfig(c);
  return c;
}

template <typename T>
std::vector<T> Column(const H5Array<T>& a, int64_t first, int64_t count) {
  // rows of [rows, N, rest...] -> [rows, count, rest...]
  const int64_t rows = a.dims[0], n = a.dims[1];
  int64_t rest = 1;
  for (size_t k = 2; k < a.dims.size(); ++k) rest *= a.dims[k];
  std::vector<T> out;
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = &a.values[(r * n + first) * rest];
    out.insert(out.end(), row, row + count * rest);
  }
  return out;
}

}  // namespace

TEST_CASE("Slices on block boundaries give the whole run's bits and statistics",
          "[core][sim][distributed]") {
  const std::string system = GENERATE(as<std::string>{}, "point_mass", "differential_drive");
  calf::testing::TempDir dir;
  const SimConfig config = Config(system);
  const RunOutcome whole = RunToFile(config, dir.File("whole.h5"), 2);
  const std::vector<AgentSlice> slices = {{0, 256}, {256, 344}};
  std::vector<BlockStats> blocks;
  int64_t modes[4] = {0, 0, 0, 0}, agent_steps = 0;
  std::vector<VirtualPart> parts;
  for (size_t k = 0; k < slices.size(); ++k) {
    const std::string name = "part" + std::to_string(k) + ".h5";
    const RunOutcome part = RunToFile(config, dir.File(name), 1, {}, slices[k]);
    CHECK(part.complete);
    for (const BlockStats& b : part.stats.Blocks()) blocks.push_back(b);
    for (int m = 0; m < 4; ++m) modes[m] += part.stats.mode_counts()[m];
    agent_steps += part.stats.agent_steps();
    parts.push_back({name, slices[k].first, slices[k].count});

    // the part's agents are the whole run's agents, bit for bit
    TrajectoryReader w(dir.File("whole.h5")), p(dir.File(name));
    CHECK(p.info().meta.config_json == w.info().meta.config_json);
    const auto ws = w.ReadRows<float>("states", 0, w.info().num_steps + 1);
    const auto ps = p.ReadRows<float>("states", 0, p.info().num_steps + 1);
    CHECK(Column(ws, slices[k].first, slices[k].count) == ps.values);
    const auto wm = w.ReadRows<uint8_t>("modes", 0, w.info().num_steps);
    const auto pm = p.ReadRows<uint8_t>("modes", 0, p.info().num_steps);
    CHECK(Column(wm, slices[k].first, slices[k].count) == pm.values);
  }
  const RunStats combined = RunStats::FromBlocks(blocks, modes, agent_steps, 0);
  CHECK(combined.ToJson() == whole.stats.ToJson());  // the same bits, not just close

  // a virtual file over the parts reads like the whole file
  WriteVirtualTrajectory(dir.File("virtual.h5"), parts, config.num_agents);
  CHECK(IsVirtualFile(dir.File("virtual.h5")));
  CHECK_FALSE(IsVirtualFile(dir.File("whole.h5")));
  CHECK(VerifyVirtualFile(dir.File("virtual.h5")).empty());
  H5File a = H5File::Open(dir.File("whole.h5"), true);
  H5File b = H5File::Open(dir.File("virtual.h5"), true);
  for (const char* ds : {"states", "actions", "rewards", "q_values"}) {
    CHECK(a.ReadDataset<float>(ds).values == b.ReadDataset<float>(ds).values);
    CHECK(a.ReadDataset<float>(ds).dims == b.ReadDataset<float>(ds).dims);
  }
  for (const char* ds : {"modes", "done"}) {
    CHECK(a.ReadDataset<uint8_t>(ds).values == b.ReadDataset<uint8_t>(ds).values);
  }
  CHECK(a.ReadDataset<int32_t>("episode").values == b.ReadDataset<int32_t>("episode").values);
  CHECK(a.ReadDataset<int64_t>("step").values == b.ReadDataset<int64_t>("step").values);
  for (const char* attr : {"config", "system", "policy"}) {
    CHECK(a.ReadStringAttribute("/", attr) == b.ReadStringAttribute("/", attr));
  }
  CHECK(b.ReadInt64Attribute("/", "complete") == 1);
  CHECK(b.ReadInt64Attribute("/", "steps_recorded") == a.ReadInt64Attribute("/", "steps_recorded"));
  TrajectoryReader reader(dir.File("virtual.h5"));  // calf's own reader accepts it
  CHECK(reader.info().num_agents == config.num_agents);
}

TEST_CASE("A virtual file with a missing part is refused and its part named",
          "[core][io][distributed]") {
  calf::testing::TempDir dir;
  const SimConfig config = Config("point_mass");
  RunToFile(config, dir.File("p0.h5"), 1, {}, {0, 256});
  RunToFile(config, dir.File("p1.h5"), 1, {}, {256, 344});
  WriteVirtualTrajectory(dir.File("v.h5"), {{"p0.h5", 0, 256}, {"p1.h5", 256, 344}}, 600);
  std::filesystem::remove(dir.File("p1.h5"));
  const std::vector<std::string> problems = VerifyVirtualFile(dir.File("v.h5"));
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("p1.h5") && Catch::Contains("missing"));
  CHECK_THROWS_WITH(TrajectoryReader(dir.File("v.h5")), Catch::Contains("p1.h5"));
}
