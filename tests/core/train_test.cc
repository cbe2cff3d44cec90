// The CALF + TD3 trainer: determinism, bit-identical resume, config handling, log invariants.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/train/trainer.h"

namespace {

using namespace calf::core::train;
namespace fs = std::filesystem;

TrainConfig TinyConfig(const std::string& system = "point_mass") {
  TrainConfig c;
  c.system = system;
  c.seed = 42;
  c.episodes = 4;
  c.max_steps_per_episode = 60;
  c.start_training_step = 30;
  c.replay_size = 500;
  c.td3.batch_size = 16;
  c.td3.hidden = {16, 16};
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
  const Td3& x = a.td3();
  const Td3& y = b.td3();
  bool same = SameBits(x.actor, y.actor) && SameBits(x.actor_target, y.actor_target) &&
              SameBits(x.q1, y.q1) && SameBits(x.q2, y.q2) && SameBits(x.q1_target, y.q1_target) &&
              SameBits(x.q2_target, y.q2_target) && x.iterations() == y.iterations();
  same = same && a.total_steps() == b.total_steps() && a.episodes_done() == b.episodes_done();
  same = same && SameBits(a.step_q_dag(), b.step_q_dag()) && SameBits(a.step_mode(), b.step_mode());
  for (size_t e = 0; same && e < a.episodes().size(); ++e) {
    const EpisodeRecord& r = a.episodes()[e];
    const EpisodeRecord& s = b.episodes()[e];
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
  REQUIRE(a.td3().iterations() > 0);
  CHECK(SameTrainers(a, b));

  TrainConfig other = TinyConfig();
  other.seed = 43;
  Trainer c(other);
  c.RunUntil(4);
  CHECK_FALSE(SameBits(a.td3().actor, c.td3().actor));
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
    for (int i = 0; i < 37; ++i) part.Step();
    const std::string ckpt = dir + "/ckpt_" + system + ".bin";
    part.SaveCheckpoint(ckpt);
    REQUIRE(fs::exists(ckpt));
    auto resumed = Trainer::FromCheckpoint(ckpt, nullptr);
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

TEST_CASE("Resume refuses incompatible or corrupt checkpoints", "[train][checkpoint]") {
  const std::string dir = TempDir();
  Trainer t(TinyConfig());
  t.RunUntil(1);
  const std::string ckpt = dir + "/ckpt.bin";
  t.SaveCheckpoint(ckpt);

  SECTION("another system") {
    TrainConfig other = TinyConfig("differential_drive");
    CHECK_THROWS_AS(Trainer::FromCheckpoint(ckpt, &other), calf::ConfigError);
  }
  SECTION("other hidden sizes") {
    TrainConfig other = TinyConfig();
    other.td3.hidden = {32, 32};
    CHECK_THROWS_AS(Trainer::FromCheckpoint(ckpt, &other), calf::ConfigError);
  }
  SECTION("more episodes is allowed") {
    TrainConfig more = TinyConfig();
    more.episodes = 10;
    auto r = Trainer::FromCheckpoint(ckpt, &more);
    CHECK(r->config().episodes == 10);
  }
  SECTION("truncated file") {
    const std::string bytes = ReadBytes(ckpt);
    std::ofstream(dir + "/short.bin", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/short.bin", nullptr), calf::IoError);
  }
  SECTION("not a checkpoint") {
    std::ofstream(dir + "/junk.bin") << "hello";
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/junk.bin", nullptr), calf::IoError);
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/missing.bin", nullptr), calf::IoError);
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
    std::ofstream(dir + "/dims.bin", std::ios::binary) << bytes;
    CHECK_THROWS_AS(Trainer::FromCheckpoint(dir + "/dims.bin", nullptr), calf::IoError);
  }
  fs::remove_all(dir);
}

TEST_CASE("Training config presets, JSON overrides and unknown keys", "[train][config]") {
  TrainConfig c;
  c.ApplyPreset("quick");
  CHECK(c.episodes == 100);
  CHECK(c.max_steps_per_episode == 500);
  CHECK(c.start_training_step == 50);
  c.ApplyPreset("thorough");
  CHECK(c.td3.batch_size == 128);
  CHECK(c.start_training_step == 200);
  CHECK_THROWS_AS(c.ApplyPreset("fast"), calf::ConfigError);

  c.ApplyJson(R"({"tau": 0.01, "hidden": [32, 16], "calf": {"nu_bar": 0.5}, "seed": 7})", "t.json");
  CHECK(c.td3.tau == 0.01);
  CHECK(c.td3.hidden == std::vector<int>{32, 16});
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
  bad.td3.tau = 0.0;
  CHECK_THROWS_AS(bad.Validate(), calf::ConfigError);
}

TEST_CASE("The episode log is consistent with the step log", "[train][log]") {
  TrainConfig c = TinyConfig();
  Trainer t(c);
  t.RunUntil(4);
  int64_t steps = 0;
  for (const EpisodeRecord& r : t.episodes()) {
    steps += r.length;
    CHECK(r.length <= c.max_steps_per_episode);
    CHECK(r.certified_rate + r.relax_rate + r.fallback_rate + r.nominal_rate ==
          Approx(1.0).margin(1e-12));
    CHECK(r.p_relax <= c.calf.lambda_relax);
  }
  CHECK(steps == t.total_steps());
  REQUIRE(static_cast<int64_t>(t.step_mode().size()) == steps);
  // the first start_training_step steps act with the nominal policy, none after
  for (int64_t i = 0; i < steps; ++i) {
    const bool nominal = t.step_mode()[i] == static_cast<uint8_t>(calf::core::Mode::kNominal);
    CHECK(nominal == (i < c.start_training_step));
  }
  // one TD3 update per step once training started
  CHECK(t.td3().iterations() == steps - c.start_training_step);
  // P_relax decays once per CALF step and carries over episodes
  const double expect =
      std::pow(c.calf.lambda_relax, static_cast<double>(steps - c.start_training_step)) *
      c.calf.lambda_relax;
  CHECK(t.episodes().back().p_relax == Approx(expect).epsilon(1e-9));
}

TEST_CASE("Initial states are drawn inside the reset box", "[train][env]") {
  double s[3];
  for (int64_t e = 0; e < 200; ++e) {
    DrawInitialState(calf::core::SystemKind::kDifferentialDrive, 1, e, 3.0, s);
    CHECK(std::abs(s[0]) <= 3.0);
    CHECK(std::abs(s[1]) <= 3.0);
    CHECK(std::abs(s[2]) <= M_PI);
  }
  double a[3], b[3];
  DrawInitialState(calf::core::SystemKind::kPointMass, 1, 5, 3.0, a);
  DrawInitialState(calf::core::SystemKind::kPointMass, 1, 5, 3.0, b);
  CHECK(a[0] == b[0]);
  DrawInitialState(calf::core::SystemKind::kPointMass, 1, 6, 3.0, b);
  CHECK(a[0] != b[0]);
}
