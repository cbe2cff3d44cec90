// Writes a small known trajectory file (for the h5dump and h5py checks under ctest).
// Usage: calf_write_sample_trajectory <out.h5>

#include <cstdio>

#include "core/error.h"
#include "core/io/trajectory_writer.h"
#include "tests/core/synthetic_trajectory.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <out.h5>\n", argv[0]);
    return 2;
  }
  try {
    // N = 4 agents, d = 3, m = 2, T = 5 transitions recorded every 2 steps
    const calf::testing::SyntheticRun run(4, 3, 2, 5, 2);
    calf::core::TrajectoryMeta meta;
    meta.config_json = R"({"system": "point_mass", "num_agents": 4})";
    meta.seed = 42;
    meta.system = "point_mass";
    meta.policy = "calf";
    calf::core::TrajectoryWriter writer(argv[1], run.n, run.d, run.m, meta);
    run.WriteTo(writer);
    writer.Finish(true);
  } catch (const calf::Error& e) {
    std::fprintf(stderr, "calf_write_sample_trajectory: error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
  return 0;
}
