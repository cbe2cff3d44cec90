#include "core/sim/simulator.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/policy/torch_model.h"
#include "core/sim/initial_states.h"
#include "tests/testutil/temp_dir.h"

using namespace calf::core;

namespace {
PolicyModels RandomModels(const std::string& system, uint64_t seed) {
  const env::EnvSpec& spec = env::FindSpec(system);
  Eigen::VectorXf scale(spec.action_dim);
  for (int j = 0; j < spec.action_dim; ++j) scale[j] = float(spec.max_action[j]);
  PolicyModels m;
  m.actor = MakeRandomMlp({spec.state_dim, 64, 64, spec.action_dim}, Activation::kRelu,
                          Activation::kTanh, scale, seed);
  m.critic = MakeRandomMlp({spec.state_dim + spec.action_dim, 64, 64, 1}, Activation::kRelu,
                           Activation::kIdentity, {}, seed + 1);
  return m;
}

SimConfig Config(const std::string& system, const std::string& policy, int64_t n) {
  SimConfig c;
  c.system = system;
  c.policy = policy;
  c.num_agents = n;
  c.seed = 42;
  c.env.max_steps_per_episode = 60;  // force some episode ends inside short runs
  c.calf.lambda_relax = 0.99;
  return c;
}

// runs `steps` steps and returns every state/action/mode seen, concatenated
struct Trace {
  std::vector<double> states, actions;
  std::vector<uint8_t> modes, done;
  std::vector<float> q;
  std::vector<int32_t> episode;
};

Trace Run(const Simulator& sim, int steps, int threads, int64_t keep_agents) {
  SimState s;
  sim.Reset(s);
  Trace t;
  const int d = s.state_dim, m = s.action_dim;
  for (int k = 0; k < steps; ++k) {
    sim.Step(s, threads);
    t.states.insert(t.states.end(), s.states.begin(), s.states.begin() + keep_agents * d);
    t.actions.insert(t.actions.end(), s.actions.begin(), s.actions.begin() + keep_agents * m);
    for (int64_t i = 0; i < keep_agents; ++i) {
      t.modes.push_back(static_cast<uint8_t>(s.modes[i]));
      t.done.push_back(static_cast<uint8_t>(s.done[i]));
      t.q.push_back(s.q_values[i]);
      t.episode.push_back(s.episode[i]);
    }
  }
  return t;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}
}  // namespace

TEST_CASE("Trajectories are bit-identical for 1, 2 and 3 threads", "[core][sim][determinism]") {
  for (const char* system : {"point_mass", "differential_drive"}) {
    Simulator sim(Config(system, "calf", 700), RandomModels(system, 5));
    Trace t1 = Run(sim, 150, 1, 700);
    Trace t2 = Run(sim, 150, 2, 700);
    Trace t3 = Run(sim, 150, 3, 700);
    INFO(system);
    CHECK(t1.states == t2.states);
    CHECK(t1.states == t3.states);
    CHECK(t1.actions == t2.actions);
    CHECK(t1.modes == t3.modes);
    CHECK(SameBits(t1.q, t2.q));
    CHECK(t1.episode == t3.episode);
  }
}

TEST_CASE("An agent's trajectory does not depend on how many agents run beside it",
          "[core][sim][determinism]") {
  Simulator big(Config("point_mass", "calf", 600), RandomModels("point_mass", 6));
  Simulator small(Config("point_mass", "calf", 300), RandomModels("point_mass", 6));
  Trace a = Run(big, 120, 2, 300);
  Trace b = Run(small, 120, 1, 300);
  CHECK(a.states == b.states);
  CHECK(a.modes == b.modes);
  CHECK(SameBits(a.q, b.q));
}

TEST_CASE("CALF runs visit every mode and record q values", "[core][sim]") {
  Simulator sim(Config("point_mass", "calf", 200), RandomModels("point_mass", 7));
  Trace t = Run(sim, 200, 2, 200);
  int counts[4] = {0, 0, 0, 0};
  for (auto m : t.modes) counts[m]++;
  CHECK(counts[0] > 0);  // certified
  CHECK(counts[1] > 0);  // relax
  CHECK(counts[2] > 0);  // fallback
  CHECK(counts[3] == 0);
  for (float q : t.q) CHECK(std::isfinite(q));
}

TEST_CASE("Nominal runs record the nominal mode and NaN q values", "[core][sim]") {
  Simulator sim(Config("point_mass", "pd", 50), {});
  Trace t = Run(sim, 20, 1, 50);
  for (auto m : t.modes) CHECK(m == static_cast<uint8_t>(Mode::kNominal));
  for (float q : t.q) CHECK(std::isnan(q));
}

TEST_CASE("Episodes end at the time limit and restart from a fresh state", "[core][sim]") {
  SimConfig c = Config("point_mass", "pd", 4);
  c.env.max_steps_per_episode = 10;
  c.env.goal_epsilon = 0.0;
  Simulator sim(c, {});
  SimState s;
  sim.Reset(s);
  std::vector<double> first = s.states;
  for (int k = 0; k < 10; ++k) sim.Step(s, 1);
  for (int64_t i = 0; i < 4; ++i) {
    CHECK(s.done[i] == DoneReason::kTimeLimit);
    CHECK(s.episode[i] == 1);
    CHECK(s.episode_step[i] == 0);
  }
  // reset states are new draws inside the reset box, not the first ones again
  CHECK(s.states != first);
  for (double x : s.states) CHECK(std::abs(x) <= 3.0);
}

TEST_CASE("Agents that reach the goal end their episode with reason goal", "[core][sim]") {
  SimConfig c = Config("point_mass", "pd", 1);
  c.env.max_steps_per_episode = 100000;
  Simulator sim(c, {});
  SimState s;
  std::vector<double> init = {0.04, 0.0};
  sim.Reset(s, &init);
  sim.Step(s, 1);
  CHECK(s.done[0] == DoneReason::kGoal);
  CHECK(s.episode[0] == 1);
}

TEST_CASE("Models that do not fit the system are rejected", "[core][sim][error]") {
  auto wrong = RandomModels("differential_drive", 1);
  CHECK_THROWS_AS(Simulator(Config("point_mass", "calf", 3), wrong), calf::PolicyError);
  CHECK_THROWS_AS(Simulator(Config("point_mass", "calf", 3), PolicyModels{}), calf::PolicyError);
}

TEST_CASE("Initial states CSV files are parsed and validated", "[core][sim][csv]") {
  calf::testutil::TempDir dir;
  std::ofstream(dir.path("ok.csv")) << "x,v\n1.5,-2\n0.25, 3e-1\n";
  auto v = ReadInitialStatesCsv(dir.path("ok.csv"), 2, 2);
  CHECK(v == std::vector<double>{1.5, -2, 0.25, 0.3});
  std::ofstream(dir.path("short.csv")) << "1,2\n3\n";
  CHECK_THROWS_WITH(ReadInitialStatesCsv(dir.path("short.csv"), 2, 2), Catch::Contains("line 2"));
  std::ofstream(dir.path("junk.csv")) << "1,2\nfoo,bar\n";
  CHECK_THROWS_WITH(ReadInitialStatesCsv(dir.path("junk.csv"), 2, 2), Catch::Contains("line 2"));
  CHECK_THROWS_WITH(ReadInitialStatesCsv(dir.path("ok.csv"), 3, 2), Catch::Contains("2 rows"));
  CHECK_THROWS_AS(ReadInitialStatesCsv(dir.path("missing.csv"), 3, 2), calf::IoError);
}

TEST_CASE("Initial states CSV: out-of-range values, bad counts and unbounded inputs are refused",
          "[core][sim][csv]") {
  calf::testutil::TempDir dir;
  // a first line 1e309 is a value beyond double range, not a header (issue 19, row 10)
  std::ofstream(dir.path("big.csv")) << "1e309,0\n1,2\n";
  CHECK_THROWS_WITH(ReadInitialStatesCsv(dir.path("big.csv"), 2, 2),
                    Catch::Contains("line 1") && Catch::Contains("1e309") &&
                        Catch::Contains("range of a double"));
  // an underflow is a number (0 or subnormal), a text header is still a header
  std::ofstream(dir.path("tiny.csv")) << "x,v\n1e-320,0\n";
  CHECK(ReadInitialStatesCsv(dir.path("tiny.csv"), 1, 2).size() == 2);
  // no rows: no hint to set --agents 0, which is invalid
  std::ofstream(dir.path("empty.csv")) << "x,v\n# nothing\n";
  const auto no_rows = [&] { ReadInitialStatesCsv(dir.path("empty.csv"), 4, 2); };
  CHECK_THROWS_WITH(no_rows(), Catch::Contains("no rows") && !Catch::Contains("--agents 0"));
  // the first row beyond the agents stops the read, naming its line
  std::ofstream(dir.path("more.csv")) << "1,2\n3,4\n5,6\n";
  CHECK_THROWS_WITH(ReadInitialStatesCsv(dir.path("more.csv"), 2, 2),
                    Catch::Contains("line 3") && Catch::Contains("more than 2 rows"));
  // bounded: a line longer than 64 KiB, a file beyond 1 MiB + 4 KiB per agent, a directory
  std::ofstream(dir.path("long.csv")) << std::string(70000, ' ') << "1,2\n";
  CHECK_THROWS_WITH(ReadInitialStatesCsv(dir.path("long.csv"), 1, 2),
                    Catch::Contains("line 1") && Catch::Contains("64 KiB"));
  CHECK_THROWS_WITH(ReadInitialStatesCsv("/dev/zero", 5, 2),
                    Catch::Contains("/dev/zero") && Catch::Contains("larger than"));
  CHECK_THROWS_WITH(ReadInitialStatesCsv(dir.path(), 5, 2), Catch::Contains("directory"));
  CHECK(calf::core::MaxInitialStatesBytes(5) == (1 << 20) + 5 * 4096);
  CHECK(calf::core::MaxInitialStatesBytes(100000000) == int64_t{1} << 30);
}

TEST_CASE("Config JSON overrides defaults and rejects unknown keys and bad values",
          "[core][config]") {
  SimConfig c;
  c.ApplyJson(R"({"num_agents": 7, "calf": {"nu_bar": 0.5}, "system": "differential_drive",
                  "policy": "move_to_point"})",
              "cfg.json");
  CHECK(c.num_agents == 7);
  CHECK(c.calf.nu_bar == 0.5);
  c.Validate();
  CHECK_THROWS_WITH(c.ApplyJson(R"({"agents": 3})", "cfg.json"), Catch::Contains("'agents'"));
  CHECK_THROWS_WITH(c.ApplyJson(R"({"num_agents": "x"})", "cfg.json"),
                    Catch::Contains("num_agents"));
  CHECK_THROWS_WITH(c.ApplyJson("{not json", "cfg.json"), Catch::Contains("malformed"));
  SimConfig bad;
  bad.num_agents = 0;
  CHECK_THROWS_WITH(bad.Validate(), Catch::Contains("num_agents"));
  SimConfig mismatch;
  mismatch.policy = "move_to_point";
  CHECK_THROWS_WITH(mismatch.Validate(), Catch::Contains("does not fit"));
  // the resolved config round-trips through JSON
  SimConfig r;
  r.ApplyJson(c.ToJson(), "echo");
  CHECK(r.ToJson() == c.ToJson());
}

namespace {
// a network whose every output is `value` (zero weights): a scripted actor or critic
Mlp ConstantMlp(const std::vector<int>& sizes, float value) {
  std::vector<DenseLayer> layers;
  for (size_t k = 0; k + 1 < sizes.size(); ++k) {
    DenseLayer l;
    l.weight = Eigen::MatrixXf::Zero(sizes[k + 1], sizes[k]);
    l.bias = Eigen::VectorXf::Zero(sizes[k + 1]);
    l.activation = k + 2 < sizes.size() ? Activation::kRelu : Activation::kIdentity;
    layers.push_back(l);
  }
  layers.back().bias.setConstant(value);
  return Mlp(std::move(layers));
}
}  // namespace

TEST_CASE("The simulator resets an agent's certificate when its episode ends",
          "[core][sim][calf]") {
  // scripted critic: q = -1 everywhere, so after the first certified step the decrease
  // condition q - q_dag >= nu_bar never holds; P_relax = 0 makes every uncertified step a
  // fallback (PD), which drives the agent into the goal
  SimConfig c = Config("point_mass", "calf", 1);
  c.env.max_steps_per_episode = 100000;
  c.calf.lambda_relax = 0.0;
  PolicyModels m;
  m.actor = ConstantMlp({2, 8, 1}, 0.0F);
  m.critic = ConstantMlp({3, 8, 1}, -1.0F);
  Simulator sim(c, m);
  SimState s;
  std::vector<double> init = {0.4, 0.0};
  sim.Reset(s, &init);
  sim.Step(s, 1);
  REQUIRE(s.modes[0] == Mode::kCertified);  // no certificate yet: the first step certifies
  REQUIRE(s.calf.has_cert[0] == 1);
  REQUIRE(s.calf.q_dag[0] == -1.0);
  int k = 1;
  for (; k < 5000 && s.done[0] == DoneReason::kNone; ++k) {
    sim.Step(s, 1);
    REQUIRE(s.modes[0] == Mode::kFallback);
    REQUIRE(s.q_values[0] == -1.0F);
  }
  REQUIRE(s.done[0] == DoneReason::kGoal);
  REQUIRE(s.calf.has_cert[0] == 0);  // the certificate ended with the episode
  sim.Step(s, 1);
  REQUIRE(s.modes[0] == Mode::kCertified);  // a new episode certifies its first step again
  REQUIRE(s.calf.has_cert[0] == 1);
}
