// The CALF + TD3 trainer: determinism, bit-identical resume, config handling, log invariants.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/checksum.h"
#include "core/io/h5_file.h"
#include "core/io/trajectory_schema.h"
#include "core/sim/simulator.h"
#include "core/train/binary_io.h"
#include "core/train/ppo/ppo_config.h"
#include "core/train/td3/td3_algorithm.h"
#include "core/train/trainer.h"

namespace {

using namespace calf::core::train;
namespace fs = std::filesystem;

// TD3's own parameters and state
Td3Config& P(TrainConfig& c) { return c.As<Td3Config>(); }
const Td3Config& P(const TrainConfig& c) { return c.As<Td3Config>(); }
Td3Algorithm& A(Trainer& t) { return t.As<Td3Algorithm>(); }
const Td3Algorithm& A(const Trainer& t) { return t.As<Td3Algorithm>(); }

TrainConfig TinyConfig(const std::string& system = "point_mass") {
  TrainConfig c;
  c.system = system;
  c.seed = 42;
  c.episodes = 4;
  c.env.max_steps_per_episode = 60;
  P(c).start_training_step = 30;
  P(c).replay_size = 500;
  P(c).td3.batch_size = 16;
  P(c).td3.hidden = {16, 16};
  return c;
}

std::string TempDir() {
  const fs::path dir = fs::temp_directory_path() /
                       ("calf_train_test_" + std::to_string(static_cast<long>(getpid())));
  fs::create_directories(dir);
  return dir.string();
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool SameBits(const Net& a, const Net& b) {
  if (a.layers.size() != b.layers.size()) return false;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const auto& x = a.layers[i];
    const auto& y = b.layers[i];
    if (x.w.size() != y.w.size() || x.b.size() != y.b.size()) return false;
    if (std::memcmp(x.w.data(), y.w.data(), sizeof(float) * x.w.size()) != 0) return false;
    if (std::memcmp(x.b.data(), y.b.data(), sizeof(float) * x.b.size()) != 0) return false;
  }
  return true;
}

template <typename T>
bool SameBits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(T) * a.size()) == 0;
}

bool SameTrainers(const Trainer& a, const Trainer& b) {
  const Td3& x = A(a).td3();
  const Td3& y = A(b).td3();
  bool same = SameBits(x.actor, y.actor) && SameBits(x.actor_target, y.actor_target) &&
              SameBits(x.q1, y.q1) && SameBits(x.q2, y.q2) && SameBits(x.q1_target, y.q1_target) &&
              SameBits(x.q2_target, y.q2_target) && x.iterations() == y.iterations();
  same = same && a.total_steps() == b.total_steps() && a.episodes_done() == b.episodes_done();
  same = same && SameBits(A(a).step_q_dag(), A(b).step_q_dag()) &&
         SameBits(A(a).step_mode(), A(b).step_mode());
  for (size_t e = 0; same && e < A(a).episodes().size(); ++e) {
    const EpisodeRecord& r = A(a).episodes()[e];
    const EpisodeRecord& s = A(b).episodes()[e];
    same = r.reward == s.reward && r.length == s.length && r.success == s.success &&
           r.certified_rate == s.certified_rate && r.p_relax == s.p_relax &&
           (r.critic_loss == s.critic_loss ||
            (std::isnan(r.critic_loss) && std::isnan(s.critic_loss)));
  }
  return same;
}

}  // namespace

TEST_CASE("Training twice with the same seed gives bit-identical networks and logs",
          "[train][determinism]") {
  Trainer a(TinyConfig()), b(TinyConfig());
  a.RunUntil(4);
  b.RunUntil(4);
  REQUIRE(a.episodes_done() == 4);
  REQUIRE(A(a).td3().iterations() > 0);
  CHECK(SameTrainers(a, b));

  TrainConfig other = TinyConfig();
  other.seed = 43;
  Trainer c(other);
  c.RunUntil(4);
  CHECK_FALSE(SameBits(A(a).td3().actor, A(c).td3().actor));
}

TEST_CASE("Resuming from a checkpoint continues bit-identically", "[train][checkpoint]") {
  const std::string dir = TempDir();
  for (const std::string system : {"point_mass", "differential_drive"}) {
    INFO(system);
    Trainer full(TinyConfig(system));
    full.RunUntil(4);

    // interrupt in the middle of an episode, not only at a boundary
    Trainer part(TinyConfig(system));
    part.RunUntil(1);
    for (int i = 0; i < 37; ++i) A(part).Step();
    const std::string ckpt = dir + "/ckpt_" + system + ".bin";
    part.SaveCheckpoint(ckpt);
    REQUIRE(fs::exists(ckpt));
    auto resumed = Trainer::FromCheckpoint(ckpt);
    CHECK(resumed->total_steps() == part.total_steps());
    resumed->RunUntil(4);
    CHECK(SameTrainers(full, *resumed));

    // the checkpoints at the end are byte-identical too
    full.SaveCheckpoint(dir + "/full.bin");
    resumed->SaveCheckpoint(dir + "/resumed.bin");
    CHECK(ReadBytes(dir + "/full.bin") == ReadBytes(dir + "/resumed.bin"));
  }
  fs::remove_all(dir);
}

TEST_CASE("A version-1 checkpoint of the TD3-only trainer still resumes", "[train][checkpoint]") {
  // version 1 = version 2 without the "algo" config key, the algorithm name and the
  // environment state; version 2 = version 3 without the checksum: rewrite a version-3
  // file into that layout
  const std::string dir = TempDir();
  Trainer full(TinyConfig());
  full.RunUntil(3);
  Trainer part(TinyConfig());
  part.RunUntil(1);
  for (int i = 0; i < 11; ++i) A(part).Step();
  part.SaveCheckpoint(dir + "/v3.bin");
  std::string b = ReadBytes(dir + "/v3.bin");
  b.resize(b.size() - 4);  // the CRC-32C of version 3
  size_t at = 8;
  auto pod64 = [&](size_t pos) {
    int64_t v;
    std::memcpy(&v, b.data() + pos, 8);
    return v;
  };
  const uint32_t v1 = 1;
  std::memcpy(&b[at], &v1, 4);
  at += 4;
  // the config JSON without "algo"
  std::string config = b.substr(at + 8, pod64(at));
  const std::string key = "\"algo\":\"td3\",";
  REQUIRE(config.find(key) != std::string::npos);
  config.erase(config.find(key), key.size());
  const int64_t n = static_cast<int64_t>(config.size());
  std::string out = b.substr(0, at) + std::string(reinterpret_cast<const char*>(&n), 8) + config;
  at += 8 + pod64(at);
  at += 8 + pod64(at);  // the algorithm name: dropped
  // system name, d, m, step, episode_step, state vector: kept
  const size_t state_at = at + 8 + pod64(at) + 4 + 4 + 8 + 8;
  const size_t env_state_at = state_at + 8 + 8 * pod64(state_at);
  REQUIRE(pod64(env_state_at) == 0);
  out += b.substr(at, env_state_at - at) + b.substr(env_state_at + 8);
  std::ofstream(dir + "/v1.bin", std::ios::binary) << out;
  auto resumed = Trainer::FromCheckpoint(dir + "/v1.bin");
  CHECK(resumed->total_steps() == part.total_steps());
  resumed->RunUntil(3);
  CHECK(SameTrainers(full, *resumed));
  fs::remove_all(dir);
}

TEST_CASE("Version-2 (no checksum) and version-3 checkpoints still resume", "[train][checkpoint]") {
  const std::string dir = TempDir();
  Trainer full(TinyConfig());
  full.RunUntil(2);
  Trainer part(TinyConfig());
  part.RunUntil(1);
  part.SaveCheckpoint(dir + "/v4.bin");
  std::string b = ReadBytes(dir + "/v4.bin");
  uint32_t version = 0;
  std::memcpy(&version, b.data() + 8, 4);
  REQUIRE(version == kCheckpointVersion);
  b.resize(b.size() - 4);
  // TD3's layout is the same in versions 2, 3 and 4; 3 and 4 add the checksum
  version = 3;
  std::memcpy(&b[8], &version, 4);
  const uint32_t crc = calf::core::Crc32c(0, b.data(), b.size());
  std::ofstream(dir + "/v3.bin", std::ios::binary)
      << b << std::string(reinterpret_cast<const char*>(&crc), 4);
  version = 2;
  std::memcpy(&b[8], &version, 4);
  std::ofstream(dir + "/v2.bin", std::ios::binary) << b;
  for (const char* name : {"/v2.bin", "/v3.bin"}) {
    INFO(name);
    auto resumed = Trainer::FromCheckpoint(dir + name);
    resumed->RunUntil(2);
    CHECK(SameTrainers(full, *resumed));
  }
  fs::remove_all(dir);
}

TEST_CASE("Configurations that cannot fit in memory are refused before allocating, naming the key",
          "[train][config]") {
  // were "internal error: std::bad_alloc" (exit 3) from calf train --config or a checkpoint's
  // config (found while writing fuzz/checkpoint_fuzz)
  TrainConfig deep = TinyConfig();
  P(deep).td3.hidden.assign(100, 4096);
  CHECK_THROWS_WITH(Trainer(deep), Catch::Contains("hidden") && Catch::Contains("MiB"));
  TrainConfig ppo = TinyConfig();
  ppo.SetAlgorithm("ppo");
  ppo.As<PpoConfig>().num_envs = 65536;
  ppo.As<PpoConfig>().rollout_steps = 1 << 20;
  CHECK_THROWS_WITH(Trainer(ppo), Catch::Contains("num_envs") && Catch::Contains("rollout_steps"));
  TrainConfig wide = TinyConfig();
  wide.SetAlgorithm("ppo");
  wide.As<PpoConfig>().net.encoder.assign(200, 4096);
  CHECK_THROWS_WITH(Trainer(wide), Catch::Contains("net"));
  // $CALF_MEMORY_LIMIT_MB lowers the limit (a container's)
  setenv("CALF_MEMORY_LIMIT_MB", "1", 1);
  TrainConfig replay = TinyConfig();
  P(replay).replay_size = 1000000;
  CHECK_THROWS_WITH(Trainer(replay), Catch::Contains("replay_size") && Catch::Contains("(1 MiB)"));
  unsetenv("CALF_MEMORY_LIMIT_MB");
  Trainer fits(replay);
}

TEST_CASE("A checkpoint with damaged bytes is refused before use, naming the file",
          "[train][checkpoint]") {
  // issue 19 row 3: a few changed bytes used to resume into a model of NaN parameters
  const std::string dir = TempDir();
  Trainer t(TinyConfig());
  t.RunUntil(1);
  const std::string ckpt = dir + "/ckpt.bin";
  t.SaveCheckpoint(ckpt);
  const std::string good = ReadBytes(ckpt);
  const std::string bad = dir + "/bad.bin";
  int refused = 0, tried = 0;
  // a byte changed anywhere after the magic and version: 1 in every 97 bytes, all bits of it
  for (size_t pos = 12; pos < good.size(); pos += 97) {
    for (unsigned char flip : {0x01, 0x40, 0xff}) {
      std::string bytes = good;
      bytes[pos] = static_cast<char>(bytes[pos] ^ flip);
      std::ofstream(bad, std::ios::binary | std::ios::trunc) << bytes;
      ++tried;
      try {
        Trainer::FromCheckpoint(bad);
      } catch (const calf::IoError& e) {
        CHECK(e.code() == calf::ExitCode::kUsage);
        CHECK_THAT(e.what(), Catch::Contains(bad) && Catch::Contains("checksum mismatch"));
        ++refused;
      }
    }
  }
  CHECK(tried > 30);
  CHECK(refused == tried);
  SECTION("one byte more or less") {
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << good << 'x';
    CHECK_THROWS_AS(Trainer::FromCheckpoint(bad), calf::IoError);
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() - 1);
    CHECK_THROWS_AS(Trainer::FromCheckpoint(bad), calf::IoError);
  }
  fs::remove_all(dir);
}

TEST_CASE("Resume refuses incompatible or corrupt checkpoints", "[train][checkpoint]") {
  const std::string dir = TempDir();
  Trainer t(TinyConfig());
  t.RunUntil(1);
  const std::string ckpt = dir + "/ckpt.bin";
  t.SaveCheckpoint(ckpt);

  SECTION("another system") {
    TrainOverrides other;
    other.system = "differential_drive";
    CHECK_THROWS_AS(Trainer::FromCheckpoint(ckpt, other), calf::ConfigError);
  }
  SECTION("other hidden sizes") {
    TrainOverrides other;
    other.config_json = R"({"hidden": [32, 32]})";
    CHECK_THROWS_AS(Trainer::FromCheckpoint(ckpt, other), calf::ConfigError);
  }
  SECTION("more episodes is allowed") {
    TrainOverrides more;
    more.episodes = 10;
    auto r = Trainer::FromCheckpoint(ckpt, more);
    CHECK(r->config().episodes == 10);
  }
  SECTION("truncated file") {
    const std::string bytes = ReadBytes(ckpt);
    std::ofstream(dir + "/short.bin", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/short.bin"), calf::IoError);
  }
  SECTION("not a checkpoint") {
    std::ofstream(dir + "/junk.bin") << "hello";
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/junk.bin"), calf::IoError);
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/missing.bin"), calf::IoError);
  }
  SECTION("dimensions that do not fit the system") {
    // the header stores d and m right after the system name; change d from 2 to 3
    std::string bytes = ReadBytes(ckpt);
    // the length-prefixed name, not the one inside the config JSON
    const std::string key = std::string("\x0a\0\0\0\0\0\0\0", 8) + "point_mass";
    const size_t pos = bytes.find(key);
    REQUIRE(pos != std::string::npos);
    int32_t d = 0;
    std::memcpy(&d, bytes.data() + pos + key.size(), 4);
    REQUIRE(d == 2);
    d = 3;
    std::memcpy(bytes.data() + pos + key.size(), &d, 4);
    // a valid checksum over the changed bytes: the structure check is what refuses it
    const uint32_t crc = calf::core::Crc32c(0, bytes.data(), bytes.size() - 4);
    std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
    std::ofstream(dir + "/dims.bin", std::ios::binary) << bytes;
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/dims.bin"), calf::IoError);
  }
  fs::remove_all(dir);
}

TEST_CASE("Training config presets, JSON overrides and unknown keys", "[train][config]") {
  TrainConfig c;
  c.ApplyPreset("quick");
  CHECK(c.episodes == 100);
  CHECK(c.env.max_steps_per_episode == 500);
  CHECK(P(c).start_training_step == 50);
  c.ApplyPreset("thorough");
  CHECK(P(c).td3.batch_size == 128);
  CHECK(P(c).start_training_step == 200);
  CHECK_THROWS_AS(c.ApplyPreset("fast"), calf::ConfigError);

  c.ApplyJson(R"({"tau": 0.01, "hidden": [32, 16], "calf": {"nu_bar": 0.5}, "seed": 7})", "t.json");
  CHECK(P(c).td3.tau == 0.01);
  CHECK(P(c).td3.hidden == std::vector<int>{32, 16});
  CHECK(c.calf.nu_bar == 0.5);
  CHECK(c.seed == 7);
  CHECK_THROWS_AS(c.ApplyJson(R"({"taus": 0.01})", "t.json"), calf::ConfigError);
  CHECK_THROWS_AS(c.ApplyJson(R"({"calf": {"nu": 1}})", "t.json"), calf::ConfigError);
  CHECK_THROWS_AS(c.ApplyJson(R"({"tau": "big"})", "t.json"), calf::ConfigError);
  CHECK_THROWS_AS(c.ApplyJson(R"({"hidden": [0]})", "t.json"), calf::ConfigError);

  // the JSON echo round-trips
  TrainConfig d;
  d.ApplyJson(c.ToJson(), "echo");
  CHECK(d.ToJson() == c.ToJson());

  TrainConfig bad;
  P(bad).td3.tau = 0.0;
  CHECK_THROWS_AS(bad.Validate(), calf::ConfigError);
}

TEST_CASE("The episode log is consistent with the step log", "[train][log]") {
  TrainConfig c = TinyConfig();
  Trainer t(c);
  t.RunUntil(4);
  int64_t steps = 0;
  for (const EpisodeRecord& r : A(t).episodes()) {
    steps += r.length;
    CHECK(r.length <= c.env.max_steps_per_episode);
    CHECK(r.certified_rate + r.relax_rate + r.fallback_rate + r.nominal_rate ==
          Approx(1.0).margin(1e-12));
    CHECK(r.p_relax <= c.calf.lambda_relax);
  }
  CHECK(steps == t.total_steps());
  REQUIRE(static_cast<int64_t>(A(t).step_mode().size()) == steps);
  // the first start_training_step steps act with the nominal policy, none after
  for (int64_t i = 0; i < steps; ++i) {
    const bool nominal = A(t).step_mode()[i] == static_cast<uint8_t>(calf::core::Mode::kNominal);
    CHECK(nominal == (i < P(c).start_training_step));
  }
  // one TD3 update per step once training started
  CHECK(A(t).td3().iterations() == steps - P(c).start_training_step);
  // P_relax decays once per CALF step and carries over episodes
  const double expect =
      std::pow(c.calf.lambda_relax, static_cast<double>(steps - P(c).start_training_step)) *
      c.calf.lambda_relax;
  CHECK(A(t).episodes().back().p_relax == Approx(expect).epsilon(1e-9));
}

TEST_CASE("The trainer stores the transitions the simulator takes", "[train][env]") {
  // nominal actions only: the trainer's first episode and a one-agent simulation start
  // from the same reset (agent 0, counter 0) and step the same environment
  for (const std::string system : {"point_mass", "differential_drive"}) {
    INFO(system);
    TrainConfig c = TinyConfig(system);
    P(c).start_training_step = 1000000;
    P(c).reward_scale = 3.0;
    c.episodes = 1;
    c.env.max_steps_per_episode = 120;
    c.env.goal_epsilon = 0.3;  // some episodes end at the goal, not at the limit
    Trainer t(c);
    t.RunUntil(1);
    const int64_t n = t.total_steps();
    REQUIRE(n > 0);

    calf::core::SimConfig sc;
    sc.system = system;
    sc.policy = "nominal";
    sc.num_agents = 1;
    sc.seed = c.seed;
    sc.env = c.env;
    calf::core::Simulator sim(sc, {});
    calf::core::SimState st;
    sim.Reset(st);
    std::vector<int64_t> all(n);
    for (int64_t i = 0; i < n; ++i) all[i] = i;
    Batch b;
    A(t).replay().Gather(all, b);
    const int d = st.state_dim, m = st.action_dim;
    for (int64_t k = 0; k < n; ++k) {
      INFO("step " << k);
      for (int j = 0; j < d; ++j) CHECK(b.state(j, k) == static_cast<float>(st.states[j]));
      sim.Step(st, 1);
      for (int j = 0; j < m; ++j) CHECK(b.action(j, k) == static_cast<float>(st.actions[j]));
      CHECK(b.reward(k) == static_cast<float>(st.rewards[0] * 3.0));
      CHECK(b.not_done(k) == (calf::core::IsTerminal(st.done[0]) ? 0.0f : 1.0f));
      // the simulator resets at once; the stored next state is the one before any reset
      const bool last = k + 1 == n;
      CHECK((st.done[0] != calf::core::DoneReason::kNone) == last);
      if (!last) {
        for (int j = 0; j < d; ++j) {
          CHECK(b.next_state(j, k) == static_cast<float>(st.states[j]));
        }
      }
    }
    CHECK(A(t).episodes()[0].success == (st.done[0] == calf::core::DoneReason::kGoal));
  }
}

namespace {

// message of the ConfigError `f` throws ("" when it does not throw)
template <typename F>
std::string ConfigErrorMessage(F&& f) {
  try {
    f();
  } catch (const calf::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Resume accepts repeated options that agree with the checkpoint", "[train][checkpoint]") {
  const std::string dir = TempDir();
  // a unicycle run with seed 3, a config file and the quick preset, 10 episodes planned
  TrainConfig trained = TinyConfig("differential_drive");
  trained.ApplyPreset("quick");
  P(trained).td3.batch_size = 16;
  trained.seed = 3;
  trained.episodes = 10;
  trained.checkpoint_every = 7;
  trained.env.max_steps_per_episode = 40;
  Trainer t(trained);
  t.RunUntil(1);
  const std::string ckpt = dir + "/dd.bin";
  t.SaveCheckpoint(ckpt);

  SECTION("--seed alone keeps the checkpoint's system") {
    TrainOverrides o;
    o.seed = 3;
    auto r = Trainer::FromCheckpoint(ckpt, o);
    CHECK(r->config().system == "differential_drive");
    CHECK(r->config().ToJson() == trained.ToJson());
  }
  SECTION("--system by its alias, --seed and the same config file") {
    TrainOverrides o;
    o.system = "unicycle";
    o.seed = 3;
    o.config_json = R"({"max_steps_per_episode": 40, "hidden": [16, 16], "batch_size": 16})";
    o.config_source = "tiny.json";
    auto r = Trainer::FromCheckpoint(ckpt, o);
    CHECK(r->config().ToJson() == trained.ToJson());
  }
  SECTION("--preset keeps the run length and checkpoint cadence") {
    // quick's own batch size (64) is overridden by the config file, as when training
    TrainOverrides o;
    o.preset = "quick";
    o.config_json = R"({"max_steps_per_episode": 40, "batch_size": 16})";
    auto r = Trainer::FromCheckpoint(ckpt, o);
    CHECK(r->config().episodes == 10);
    CHECK(r->config().checkpoint_every == 7);
  }
  SECTION("--episodes and --checkpoint-every change") {
    TrainOverrides o;
    o.preset = "quick";
    o.config_json = R"({"max_steps_per_episode": 40, "batch_size": 16, "checkpoint_every": 2})";
    o.episodes = 20;
    auto r = Trainer::FromCheckpoint(ckpt, o);
    CHECK(r->config().episodes == 20);
    CHECK(r->config().checkpoint_every == 2);
  }
  fs::remove_all(dir);
}

TEST_CASE("Resume refuses an explicit setting that changes the training, naming it",
          "[train][checkpoint]") {
  const std::string dir = TempDir();
  Trainer t(TinyConfig());
  t.RunUntil(2);
  const std::string ckpt = dir + "/ckpt.bin";
  t.SaveCheckpoint(ckpt);

  TrainOverrides seed;
  seed.seed = 43;
  const std::string seed_error = ConfigErrorMessage([&] { Trainer::FromCheckpoint(ckpt, seed); });
  CHECK(seed_error.find("seed = 42") != std::string::npos);
  CHECK(seed_error.find("asks for 43") != std::string::npos);

  TrainOverrides nested;
  nested.config_json = R"({"calf": {"nu_bar": 0.5}})";
  CHECK(ConfigErrorMessage([&] { Trainer::FromCheckpoint(ckpt, nested); }).find("calf.nu_bar") !=
        std::string::npos);

  // the checkpoint ran 60-step episodes with batch 16; thorough asks for 1000 and 128
  TrainOverrides preset;
  preset.preset = "thorough";
  CHECK(ConfigErrorMessage([&] { Trainer::FromCheckpoint(ckpt, preset); }).find("batch_size") !=
        std::string::npos);

  TrainOverrides system;
  system.system = "unicycle";
  CHECK(ConfigErrorMessage([&] {
          Trainer::FromCheckpoint(ckpt, system);
        }).find("trained on point_mass") != std::string::npos);

  SECTION("fewer episodes than already trained") {
    TrainOverrides fewer;
    fewer.episodes = 1;
    const std::string e = ConfigErrorMessage([&] { Trainer::FromCheckpoint(ckpt, fewer); });
    CHECK(e.find("already trained 2 episodes") != std::string::npos);
    CHECK(e.find('\n') == std::string::npos);
    TrainOverrides same;
    same.episodes = 2;
    CHECK(Trainer::FromCheckpoint(ckpt, same)->episodes_done() == 2);
  }
  fs::remove_all(dir);
}

TEST_CASE("A new run applies preset, config file and flags in that order", "[train][config]") {
  TrainOverrides o;
  CHECK(ResolveNewConfig(o).ToJson() == TrainConfig().ToJson());
  o.preset = "quick";
  o.config_json = R"({"episodes": 7, "seed": 1, "system": "unicycle"})";
  o.seed = 2;
  const TrainConfig c = ResolveNewConfig(o);
  CHECK(c.env.max_steps_per_episode == 500);
  CHECK(c.episodes == 7);
  CHECK(c.seed == 2);
  CHECK(c.system == "differential_drive");
  o.system = "segway";
  CHECK_THROWS_AS(ResolveNewConfig(o), calf::ConfigError);
}

TEST_CASE("Presets and default hyper-parameters are the documented ones", "[train][config]") {
  // defaults = standard: 500 episodes x 750 steps, nominal for the first 100 steps
  const TrainConfig d;
  CHECK(d.system == "point_mass");
  CHECK(d.episodes == 500);
  // 0 = the system's own time limit, the point mass's 750
  CHECK(d.env.ForFamily(calf::core::env::FindSpec(d.system)).max_steps_per_episode == 750);
  CHECK(P(d).start_training_step == 100);
  CHECK(P(d).replay_size == 100000);
  CHECK(P(d).reward_scale == 10.0);
  CHECK(P(d).expl_noise == 0.5);  // times max_action, as TD3.py
  CHECK(d.checkpoint_every == 50);
  CHECK(P(d).td3.hidden == std::vector<int>{64, 64});
  CHECK(P(d).td3.actor_lr == 3e-4);
  CHECK(P(d).td3.critic_lr == 3e-4);
  CHECK(P(d).td3.discount == 0.99);
  CHECK(P(d).td3.tau == 0.005);
  CHECK(P(d).td3.policy_noise == 0.2);
  CHECK(P(d).td3.noise_clip == 0.5);
  CHECK(P(d).td3.policy_freq == 2);
  CHECK(P(d).td3.batch_size == 64);

  struct Expect {
    const char* name;
    int64_t episodes, steps, start, batch;
  };
  for (const Expect& e : {Expect{"quick", 100, 500, 50, 64}, Expect{"standard", 500, 750, 100, 64},
                          Expect{"thorough", 1000, 1000, 200, 128}}) {
    INFO(e.name);
    TrainConfig c;
    c.ApplyPreset("thorough");  // every field a preset sets is set again
    c.ApplyPreset(e.name);
    CHECK(c.episodes == e.episodes);
    CHECK(c.env.max_steps_per_episode == e.steps);
    CHECK(P(c).start_training_step == e.start);
    CHECK(P(c).td3.batch_size == e.batch);
    // a preset changes nothing else
    TrainConfig rest = c, plain;
    rest.episodes = plain.episodes;
    rest.env.max_steps_per_episode = plain.env.max_steps_per_episode;
    P(rest).start_training_step = P(plain).start_training_step;
    P(rest).td3.batch_size = P(plain).td3.batch_size;
    CHECK(rest.ToJson() == plain.ToJson());
  }
}

TEST_CASE("action_repeat holds each decision for k steps and stores one summed transition",
          "[train][replay]") {
  // nominal decisions only; an independent stepping of the same environment holds each one
  TrainConfig c = TinyConfig("point_mass");
  P(c).start_training_step = 1000000;
  P(c).action_repeat = 4;
  P(c).reward_scale = 2.0;
  c.episodes = 1;
  c.env.max_steps_per_episode = 122;  // not a multiple of 4: the last decision is cut short
  Trainer t(c);
  t.RunUntil(1);
  const int64_t steps = t.total_steps(), n = A(t).replay().size();
  REQUIRE(steps == 122);
  REQUIRE(n == 31);
  REQUIRE(static_cast<int64_t>(A(t).step_mode().size()) == steps);
  std::vector<int64_t> all(n);
  for (int64_t i = 0; i < n; ++i) all[i] = i;
  Batch b;
  A(t).replay().Gather(all, b);

  const auto env = calf::core::env::MakeEnvironment("point_mass", c.env);
  const int d = env->spec().state_dim, m = env->spec().action_dim;
  std::vector<double> x(d), a(m);
  int64_t ep_step = 0;
  const calf::core::env::AgentBlock block{0, 1, x.data(), nullptr, &ep_step, c.seed, 0};
  const uint64_t counter = 0;
  env->Reset(block, c.seed, &counter, nullptr);
  double total = 0.0;
  for (int64_t k = 0; k < n; ++k) {
    INFO("decision " << k);
    for (int j = 0; j < d; ++j) CHECK(b.state(j, k) == static_cast<float>(x[j]));
    env->Nominal(block, a.data());
    double sum = 0.0;
    calf::core::DoneReason done = calf::core::DoneReason::kNone;
    for (int r = 0; r < 4 && done == calf::core::DoneReason::kNone; ++r) {
      double rew = 0.0;
      env->Step(block, a.data(), {&rew, &done, nullptr});
      sum += rew;
    }
    total += sum;
    for (int j = 0; j < m; ++j) CHECK(b.action(j, k) == static_cast<float>(a[j]));
    CHECK(b.reward(k) == static_cast<float>(sum * 2.0));
    for (int j = 0; j < d; ++j) CHECK(b.next_state(j, k) == static_cast<float>(x[j]));
  }
  CHECK(ep_step == 122);
  CHECK(A(t).episodes()[0].reward == Approx(total).epsilon(1e-12));
}

TEST_CASE("Stored rewards are the environment's rewards times reward_scale", "[train][replay]") {
  // during the nominal warm-up both runs take identical steps; only the stored reward differs
  TrainConfig c = TinyConfig();
  P(c).start_training_step = 200;
  c.episodes = 1;
  c.env.max_steps_per_episode = 150;
  TrainConfig scaled = c;
  P(scaled).reward_scale = 2.5;
  P(c).reward_scale = 1.0;
  Trainer one(c), two(scaled);
  one.RunUntil(1);
  two.RunUntil(1);
  const int64_t n = one.total_steps();
  REQUIRE(n == two.total_steps());
  REQUIRE(A(one).replay().size() == n);
  std::vector<int64_t> all(n);
  for (int64_t i = 0; i < n; ++i) all[i] = i;
  Batch a, b;
  A(one).replay().Gather(all, a);
  A(two).replay().Gather(all, b);
  CHECK(a.state == b.state);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    CHECK(b.reward(i) == Approx(2.5 * a.reward(i)).epsilon(1e-6));
    sum += b.reward(i);
  }
  CHECK(a.reward.maxCoeff() < 0.0f);  // costs: the scale is not hidden by zeros
  // the episode log keeps the unscaled sum
  CHECK(A(two).episodes()[0].reward == Approx(sum / 2.5).epsilon(1e-5));
  CHECK(A(one).episodes()[0].reward == A(two).episodes()[0].reward);
}

TEST_CASE("The step log stores modes as the run files' HDF5 enum", "[train][log]") {
  const std::string dir = TempDir();
  Trainer t(TinyConfig());
  t.RunUntil(1);
  t.WriteLog(dir + "/log.h5");
  const calf::core::H5File f = calf::core::H5File::Open(dir + "/log.h5", true);
  const calf::core::H5DatasetInfo info = f.DatasetInfo("step/mode");
  CHECK(info.type == calf::core::H5Type::kEnumUInt8);
  const std::vector<calf::core::H5EnumMember> want = calf::core::TrajectoryModeMembers();
  REQUIRE(info.enum_members.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(info.enum_members[i].name == want[i].name);
    CHECK(info.enum_members[i].value == want[i].value);
  }
  const auto modes = f.ReadDataset<uint8_t>("step/mode");
  CHECK(modes.values == A(t).step_mode());
  fs::remove_all(dir);
}

TEST_CASE("The LibTorch backend agrees with the Eigen backend over a few updates",
          "[train][torch][align]") {
  for (const std::string system : {"point_mass", "differential_drive"}) {
    INFO(system);
    TrainConfig c = TinyConfig(system);
    P(c).td3.policy_freq = 2;
    Trainer eigen(c);
    P(c).backend = "libtorch";
    Trainer torch(c);
    // the nominal warm-up, then 12 CALF steps with one update each (6 actor updates)
    const int64_t steps = P(c).start_training_step + 12;
    for (int64_t k = 0; k < steps; ++k) {
      A(eigen).Step();
      A(torch).Step();
    }
    REQUIRE(A(eigen).td3().iterations() == 12);
    REQUIRE(A(torch).td3().iterations() == 12);
    CHECK(A(eigen).step_mode() == A(torch).step_mode());
    CHECK(A(torch).td3().actor_optimizer().steps() == 6);
    CHECK(A(torch).td3().q2_optimizer().steps() == 12);
    // Adam normalises every step to ~lr (3e-4): compare to a small fraction of it
    auto worst = [](const Net& a, const Net& b) {
      double w = 0.0;
      for (size_t i = 0; i < a.layers.size(); ++i) {
        w = std::max<double>(w, (a.layers[i].w - b.layers[i].w).cwiseAbs().maxCoeff());
        w = std::max<double>(w, (a.layers[i].b - b.layers[i].b).cwiseAbs().maxCoeff());
      }
      return w;
    };
    const Td3& e = A(eigen).td3();
    const Td3& t = A(torch).td3();
    CHECK(worst(e.actor, t.actor) < 1e-6);
    CHECK(worst(e.q1, t.q1) < 1e-6);
    CHECK(worst(e.q2, t.q2) < 1e-6);
    CHECK(worst(e.actor_target, t.actor_target) < 1e-7);
    CHECK(worst(e.q1_target, t.q1_target) < 1e-7);
    // and the updates did move the nets
    Trainer fresh(TinyConfig(system));
    CHECK(worst(t.q1, A(fresh).td3().q1) > 1e-3);
    // the Adam moments came back from LibTorch too
    const Eigen::MatrixXf& ve = e.q1_optimizer().v_w()[0];
    const Eigen::MatrixXf& vt = t.q1_optimizer().v_w()[0];
    CHECK((ve - vt).cwiseAbs().maxCoeff() < 1e-3 * ve.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("A LibTorch-backend run resumes bit-identically", "[train][torch][checkpoint]") {
  const std::string dir = TempDir();
  TrainConfig c = TinyConfig();
  P(c).backend = "libtorch";
  c.episodes = 2;
  Trainer full(c);
  full.RunUntil(2);

  Trainer part(c);
  for (int64_t k = 0; k < P(c).start_training_step + 25; ++k) A(part).Step();
  const std::string ckpt = dir + "/torch.bin";
  part.SaveCheckpoint(ckpt);
  auto resumed = Trainer::FromCheckpoint(ckpt);
  CHECK(P(resumed->config()).backend == "libtorch");
  resumed->RunUntil(2);
  CHECK(SameTrainers(full, *resumed));

  // the backend is part of the training: switching it on resume is refused
  TrainOverrides eigen;
  eigen.algo_flags["backend"] = "eigen";
  CHECK(ConfigErrorMessage([&] { Trainer::FromCheckpoint(ckpt, eigen); }).find("backend") !=
        std::string::npos);
  TrainConfig bad = TinyConfig();
  P(bad).backend = "cuda";
  CHECK_THROWS_AS(bad.Validate(), calf::ConfigError);
  fs::remove_all(dir);
}

TEST_CASE("TD3 training that diverges stops with exit code 1 at the episode it happened",
          "[train][error]") {
  // rewards of 1e30 overflow the critic's squared error: its loss becomes NaN or infinite
  TrainConfig c = TinyConfig();
  P(c).reward_scale = 1e30;
  Trainer t(c);
  try {
    t.RunUntil(4);
    FAIL("no error");
  } catch (const calf::DivergedError& e) {
    CHECK(e.code() == calf::ExitCode::kFailure);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("training diverged: the critic loss of "
                                                   "episode 1 is"));
  }
  CHECK(t.episodes_done() == 1);  // the episode the updates started in
  // the negative control: the same run at the default scale trains on
  Trainer sound(TinyConfig());
  CHECK_NOTHROW(sound.RunUntil(4));
  CHECK(sound.algorithm().Divergence().empty());
}

TEST_CASE("A checkpoint array's corrupt length cannot allocate more than the file holds",
          "[train][checkpoint][error]") {
  // found by fuzz/checkpoint_fuzz: TD3's step log claimed 2^29 floats (2 GiB) in a short
  // file; the vector was allocated before the read found the end
  for (const int64_t n : {int64_t{1} << 29, int64_t{1} << 38}) {
    std::stringstream s;
    calf::core::train::WritePod<int64_t>(s, n);
    calf::core::train::WritePod<float>(s, 1.5F);
    CHECK_THROWS_AS(calf::core::train::ReadVector<float>(s, int64_t{1} << 40), calf::IoError);
  }
  std::stringstream ok;
  calf::core::train::WriteVector<float>(ok, {1.0F, 2.0F, 3.0F});
  CHECK(calf::core::train::ReadVector<float>(ok, 3) == std::vector<float>{1.0F, 2.0F, 3.0F});
}
