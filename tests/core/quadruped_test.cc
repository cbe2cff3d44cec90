// The quadruped family (core/env/quadruped): its step against a plain MuJoCo loop written
// here (an independent implementation of "copy in, sub-step, copy out"), the observation
// against hand-rotated vectors, the nominal PD standing where zero torque falls,
// determinism (1 vs 2 threads, batch vs alone) and bad models.

#include "core/env/quadruped/quadruped.h"

#include <mujoco/mujoco.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/policy/mlp.h"
#include "core/sim/run_stats.h"
#include "core/sim/simulator.h"
#include "tests/core/temp_dir.h"

namespace {

using namespace calf::core;
namespace q = calf::core::env::quadruped;

constexpr int kD = 37, kE = q::kEnvDim, kM = 12;

// a block of n agents over caller-owned arrays
struct Block {
  std::vector<double> s, e, reward;
  std::vector<int64_t> episode_step;
  std::vector<DoneReason> done;
  env::AgentBlock b;
  env::StepOutput out;
  explicit Block(int64_t n, int64_t first = 0)
      : s(n * kD), e(n * kE), reward(n), episode_step(n, 0), done(n) {
    b = env::AgentBlock{first, n, s.data(), e.data(), episode_step.data(), 1, 0};
    out = env::StepOutput{reward.data(), done.data(), nullptr};
  }
};

void ResetAll(const env::Environment& env, Block& blk, uint64_t seed) {
  std::vector<uint64_t> counters(blk.b.count, 0);
  env.Reset(blk.b, seed, counters.data(), nullptr);
}

std::string WriteFile(const calf::testing::TempDir& dir, const std::string& name,
                      const std::string& text) {
  const std::string path = dir.File(name);
  std::ofstream(path) << text;
  return path;
}

std::string ShippedModel() {
  return std::string(CALF_SOURCE_DIR) + "/data/quadruped/quadruped.xml";
}

}  // namespace

TEST_CASE("The quadruped's step equals a plain MuJoCo loop on a fresh model and data",
          "[core][quadruped]") {
  env::EnvParams p;
  p.family_text["quadruped"]["model"] = ShippedModel();
  p.family["quadruped"]["substeps"] = 4;
  p.dt = 0.008;
  p.max_steps_per_episode = 1000000;
  const auto env = env::MakeEnvironment("quadruped", p);
  const int64_t n = 3;
  Block blk(n);
  ResetAll(*env, blk, 7);

  // the reference: one mjData per agent, stepped by MuJoCo alone with the same ctrl
  char error[500] = "";
  mjModel* m = mj_loadXML(ShippedModel().c_str(), nullptr, error, sizeof error);
  REQUIRE(m != nullptr);
  m->opt.timestep = 0.008 / 4;
  std::vector<mjData*> ref(n);
  for (int64_t k = 0; k < n; ++k) {
    ref[k] = mj_makeData(m);
    std::memcpy(ref[k]->qpos, &blk.s[k * kD], 19 * sizeof(double));
    std::memcpy(ref[k]->qvel, &blk.s[k * kD + 19], 18 * sizeof(double));
  }
  std::vector<double> a(n * kM);
  int contacts_seen = 0;
  for (int step = 0; step < 300; ++step) {
    for (int64_t k = 0; k < n; ++k) {
      for (int j = 0; j < kM; ++j) a[k * kM + j] = 0.6 * std::sin(0.1 * step + 0.7 * j + 1.3 * k);
    }
    env->Step(blk.b, a.data(), blk.out);
    for (int64_t k = 0; k < n; ++k) {
      std::memcpy(ref[k]->ctrl, &a[k * kM], kM * sizeof(double));
      for (int i = 0; i < 4; ++i) mj_step(m, ref[k]);
      REQUIRE(std::memcmp(&blk.s[k * kD], ref[k]->qpos, 19 * sizeof(double)) == 0);
      REQUIRE(std::memcmp(&blk.s[k * kD + 19], ref[k]->qvel, 18 * sizeof(double)) == 0);
      REQUIRE(blk.e[k * kE + q::kContacts] == ref[k]->ncon);
      contacts_seen += ref[k]->ncon > 0;
    }
  }
  CHECK(contacts_seen > 0);  // the comparison covered the contact solver
  for (mjData* d : ref) mj_deleteData(d);
  mj_deleteModel(m);
}

TEST_CASE("The quadruped's observation rotates velocities and the goal into the body frame",
          "[core][quadruped]") {
  const auto env = env::MakeEnvironment("quadruped", env::EnvParams());
  REQUIRE(env->spec().obs_dim == 37);
  Block blk(1);
  ResetAll(*env, blk, 3);
  double* s = blk.s.data();
  // yawed by +90°: body x points along world y
  const double h = std::sqrt(0.5);
  s[0] = 1.0, s[1] = 2.0, s[2] = 0.3, s[3] = h, s[4] = 0.0, s[5] = 0.0, s[6] = h;
  for (int j = 0; j < 12; ++j) s[7 + j] = 0.01 * j, s[25 + j] = -0.02 * j;
  s[19] = 1.0, s[20] = 0.0, s[21] = 0.5;           // world linear velocity
  s[22] = 0.1, s[23] = 0.2, s[24] = 0.3;           // body angular velocity (MuJoCo's free joint)
  blk.e[q::kGoalX] = 1.0, blk.e[q::kGoalY] = 7.0;  // straight ahead along world +y
  float o[37];
  env->Observe(blk.b, o);
  CHECK(o[0] == 0.3f);
  CHECK(o[1] == Approx(h));
  CHECK(o[4] == Approx(h));
  // world (1, 0, 0.5) seen from a body yawed 90°: (0, -1, 0.5)
  CHECK(o[5] == Approx(0.0).margin(1e-7));
  CHECK(o[6] == Approx(-1.0));
  CHECK(o[7] == Approx(0.5));
  CHECK(o[8] == 0.1f);
  CHECK(o[10] == 0.3f);
  CHECK(o[11 + 5] == 0.05f);
  CHECK(o[23 + 5] == -0.1f);
  // the goal lies along world +y = body +x
  CHECK(o[35] == Approx(1.0));
  CHECK(o[36] == Approx(0.0).margin(1e-7));
}

TEST_CASE("standing_pd keeps the quadruped standing from perturbed starts; zero torque falls",
          "[core][quadruped][nominal]") {
  env::EnvParams p;
  p.max_steps_per_episode = 1000000;
  p.family["quadruped"]["reset_joint_noise"] = 0.2;
  const auto env = env::MakeEnvironment("quadruped", p);
  const int64_t n = 32;
  Block pd(n), zero(n);
  ResetAll(*env, pd, 5);
  ResetAll(*env, zero, 5);
  REQUIRE(pd.s == zero.s);
  // the starts differ (the perturbation is real)
  CHECK(pd.s[7] != pd.s[kD + 7]);
  std::vector<double> err(n * env->spec().error_dim), a(n * kM), none(n * kM, 0.0);
  int64_t fell_pd = 0, fell_zero = 0;
  std::vector<int> zero_fell_at(n, -1);
  for (int step = 0; step < 1000; ++step) {
    env->Nominal(pd.b, a.data());
    env->Step(pd.b, a.data(), pd.out);
    env->Step(zero.b, none.data(), zero.out);
    for (int64_t k = 0; k < n; ++k) {
      fell_pd += pd.done[k] == DoneReason::kOutOfBounds;
      if (zero.done[k] == DoneReason::kOutOfBounds && zero_fell_at[k] < 0) zero_fell_at[k] = step;
    }
  }
  for (int64_t k = 0; k < n; ++k) fell_zero += zero_fell_at[k] >= 0;
  CHECK(fell_pd == 0);
  CHECK(fell_zero == n);
  // after 10 s the PD holds the standing pose: the CALF error is small for every agent
  env->Error(pd.b, err.data());
  const int e = env->spec().error_dim;
  for (int64_t k = 0; k < n; ++k) {
    double sq = 0.0;
    for (int j = 0; j < e; ++j) sq += err[k * e + j] * err[k * e + j];
    INFO("agent " << k);
    CHECK(std::sqrt(sq) < 0.1);
    CHECK(pd.reward[k] > 0.9);  // upright, at the standing height, little torque
  }
}

TEST_CASE("Quadruped runs are bit-identical for 1 and 2 threads and for batch vs alone",
          "[core][quadruped][determinism]") {
  SimConfig c;
  c.system = "quadruped";
  c.policy = "nominal";
  c.num_agents = 600;  // three blocks of 256
  c.seed = 21;
  c.env.max_steps_per_episode = 90;  // resets inside the run
  c.env.family["quadruped"]["reset_joint_noise"] = 0.5;
  Simulator sim(c, {});
  SimState a, b;
  sim.Reset(a);
  sim.Reset(b);
  SimConfig one = c;
  one.num_agents = 1;
  Simulator alone(one, {});
  SimState s1;
  const int64_t agent = 517;
  alone.Reset(s1, nullptr, agent);
  for (int k = 0; k < 200; ++k) {
    sim.Step(a, 1);
    sim.Step(b, 2);
    alone.Step(s1, 1);
    REQUIRE(a.rewards == b.rewards);
    REQUIRE(std::memcmp(&a.states[agent * kD], s1.states.data(), kD * sizeof(double)) == 0);
  }
  CHECK(a.states == b.states);
  CHECK(a.env_states == b.env_states);
  CHECK(a.episode == b.episode);
  int32_t episodes = 0;
  for (int32_t e : a.episode) episodes += e;
  CHECK(episodes >= 600 * 2);  // every agent went through resets
}

TEST_CASE("Quadruped resets stand on the floor at the standing pose plus the agent's noise",
          "[core][quadruped]") {
  env::EnvParams p;
  p.family["quadruped"]["reset_joint_noise"] = 0.05;
  const auto env = env::MakeEnvironment("quadruped", p);
  Block blk(40, 1000);
  ResetAll(*env, blk, 9);
  const double stand[3] = {0.0, 0.7, -1.4};
  for (int64_t k = 0; k < 40; ++k) {
    const double* s = &blk.s[k * kD];
    CHECK(s[3] == 1.0);
    for (int j = 0; j < 12; ++j) CHECK(std::abs(s[7 + j] - stand[j % 3]) <= 0.05);
    for (int i = 0; i < 18; ++i) CHECK(s[19 + i] == 0.0);
    CHECK(std::hypot(blk.e[k * kE], blk.e[k * kE + 1]) == Approx(5.0));
  }
  // agent 1003 alone in a block of one draws the same start
  Block one(1, 1003);
  ResetAll(*env, one, 9);
  CHECK(std::memcmp(one.s.data(), &blk.s[3 * kD], kD * sizeof(double)) == 0);
  // the lowest foot touches the floor: MuJoCo finds contacts and no deep penetration
  char error[500] = "";
  mjModel* m = mj_loadXML(ShippedModel().c_str(), nullptr, error, sizeof error);
  REQUIRE(m != nullptr);
  mjData* d = mj_makeData(m);
  std::memcpy(d->qpos, blk.s.data(), 19 * sizeof(double));
  mj_forward(m, d);
  CHECK(d->ncon >= 1);
  for (int c = 0; c < d->ncon; ++c) CHECK(d->contact[c].dist > -1e-9);
  mj_deleteData(d);
  mj_deleteModel(m);
}

TEST_CASE("A non-finite quadruped state ends its episode and is not stepped",
          "[core][quadruped][error]") {
  const auto env = env::MakeEnvironment("quadruped", env::EnvParams());
  Block blk(2);
  ResetAll(*env, blk, 1);
  blk.s[kD + 20] = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> a(2 * kM, 0.0);
  env->Step(blk.b, a.data(), blk.out);
  CHECK(blk.done[0] == DoneReason::kNone);
  CHECK(blk.done[1] == DoneReason::kOutOfBounds);
  CHECK(std::isnan(blk.s[kD + 20]));
}

TEST_CASE("A quadruped model that does not load or does not fit is refused with exit 2",
          "[core][quadruped][error]") {
  calf::testing::TempDir dir;
  const auto refuse = [](const std::string& path, const std::string& part) {
    env::EnvParams p;
    p.family_text["quadruped"]["model"] = path;
    try {
      env::MakeEnvironment("quadruped", p);
      FAIL("no error for " << path);
    } catch (const calf::ConfigError& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find(part) != std::string::npos);
      CHECK(what.find('\n') == std::string::npos);
      CHECK(e.code() == calf::ExitCode::kUsage);
    }
  };
  // MuJoCo's own parser message is carried into the one line
  refuse(WriteFile(dir, "broken.xml", "<mujoco><worldbody><body></worldbody></mujoco>"),
         "does not load: XML parse error");
  refuse(dir.File("missing.xml"), "does not load");
  // a pendulum: loads, but is not a quadruped
  refuse(
      WriteFile(dir, "pendulum.xml",
                "<mujoco><worldbody><body><joint name='j' type='hinge'/><geom size='0.1'/></body>"
                "</worldbody><actuator><motor joint='j'/></actuator></mujoco>"),
      "has nq 1, nv 1, nu 1, 1 joints; the quadruped needs nq 19, nv 18, nu 12");
  // the shipped model with its last motor removed
  std::ifstream in(ShippedModel());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string last = "<motor name=\"HR_knee\" joint=\"HR_knee\"/>";
  REQUIRE(text.find(last) != std::string::npos);
  text.erase(text.find(last), last.size());
  refuse(WriteFile(dir, "eleven.xml", text), "nu 11");
  // motors in another order than the joints: the first and last swap their joints
  in.clear();
  in.seekg(0);
  std::string swapped((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto swap = [&swapped](const std::string& from, const std::string& to) {
    REQUIRE(swapped.find(from) != std::string::npos);
    swapped.replace(swapped.find(from), from.size(), to);
  };
  swap("<motor name=\"FL_abduction\" joint=\"FL_abduction\"/>",
       "<motor name=\"FL_abduction\" joint=\"HR_knee\"/>");
  swap(last, "<motor name=\"HR_knee\" joint=\"FL_abduction\"/>");
  refuse(WriteFile(dir, "order.xml", swapped), "actuator 0 does not drive hinge 1");
}

TEST_CASE("The quadruped's config is checked: whole substeps, a physics step MuJoCo takes",
          "[core][quadruped][error]") {
  auto check = [](const std::string& json) {
    SimConfig c;
    c.system = "quadruped";
    c.ApplyJson(json, "c.json");
    c.Validate();
  };
  using Catch::Matchers::Contains;
  CHECK_NOTHROW(check(R"({"quadruped": {"substeps": 10, "model": "x.xml"}})"));
  CHECK_THROWS_WITH(check(R"({"quadruped": {"substeps": 2.5}})"),
                    Contains("key 'quadruped.substeps' = 2.5 must be a whole number"));
  CHECK_THROWS_WITH(check(R"({"dt": 0.05, "quadruped": {"substeps": 2}})"),
                    Contains("MuJoCo needs <= 0.01 s"));
  CHECK_THROWS_WITH(check(R"({"quadruped": {"max_tilt": 4}})"),
                    Contains("key 'quadruped.max_tilt' = 4 is out of range"));
  CHECK_THROWS_WITH(check(R"({"quadruped": {"model": 3}})"), Contains("quadruped.model"));
}

TEST_CASE("NaN torques from an actor become 0, are counted and never reach MuJoCo",
          "[core][quadruped][error]") {
  // an actor whose every output is NaN (its last bias), and one that outputs 0
  const auto actor = [](float value) {
    std::vector<DenseLayer> layers(2);
    layers[0].weight = Eigen::MatrixXf::Zero(8, 37);
    layers[0].bias = Eigen::VectorXf::Zero(8);
    layers[0].activation = Activation::kRelu;
    layers[1].weight = Eigen::MatrixXf::Zero(12, 8);
    layers[1].bias = Eigen::VectorXf::Constant(12, value);
    layers[1].activation = Activation::kIdentity;
    return Mlp(std::move(layers));
  };
  SimConfig c;
  c.system = "quadruped";
  c.policy = "actor";
  c.num_agents = 5;
  c.seed = 2;
  PolicyModels nan_models, zero_models;
  nan_models.actor = actor(std::numeric_limits<float>::quiet_NaN());
  zero_models.actor = actor(0.0F);
  Simulator with_nan(c, nan_models), with_zero(c, zero_models);
  SimState a, b;
  with_nan.Reset(a);
  with_zero.Reset(b);
  RunStats stats(c.num_agents), zero_stats(c.num_agents);
  for (int k = 0; k < 40; ++k) {
    with_nan.Step(a, 1);
    with_zero.Step(b, 1);
    stats.Observe(a);
    zero_stats.Observe(b);
    for (double v : a.actions) REQUIRE(v == 0.0);
  }
  // the NaN actor's run is the zero-torque run, bit for bit, and every agent-step is counted
  CHECK(a.states == b.states);
  CHECK(stats.nan_actions() == 40 * 5);
  CHECK(zero_stats.nan_actions() == 0);
  CHECK(stats.ToJson().find("\"nan_actions\":200") != std::string::npos);
}

TEST_CASE("The quadruped's body shapes are MuJoCo's own geom poses after mj_forward",
          "[core][quadruped][shapes]") {
  env::EnvParams p;
  p.family_text["quadruped"]["model"] = ShippedModel();
  const auto env = env::MakeEnvironment("quadruped", p);
  const int64_t n = 3;
  Block blk(n);
  ResetAll(*env, blk, 11);
  // move and tilt the agents away from the reset pose so every rotation is non-trivial
  for (int64_t k = 0; k < n; ++k) {
    double* s = &blk.s[k * kD];
    s[0] = 0.7 * k - 0.4;
    s[1] = -0.3 * k;
    const double half = 0.2 + 0.15 * k;  // a rotation about the axis (1, 2, 2) / 3
    s[3] = std::cos(half);
    s[4] = std::sin(half) / 3.0;
    s[5] = 2.0 * std::sin(half) / 3.0;
    s[6] = 2.0 * std::sin(half) / 3.0;
    for (int j = 0; j < 12; ++j) s[7 + j] += 0.05 * (j - 6) * (k + 1);
  }
  std::vector<env::BodyShape> shapes;
  env->BodyShapes(blk.b, &shapes);

  // the reference: a plain mjData per agent, mj_forward on the same qpos
  char error[500] = "";
  mjModel* m = mj_loadXML(ShippedModel().c_str(), nullptr, error, sizeof error);
  REQUIRE(m != nullptr);
  mjData* d = mj_makeData(m);
  // every geom but the floor plane (the world body's only geom) is a body shape
  int world_geoms = 0;
  for (int g = 0; g < m->ngeom; ++g) world_geoms += m->geom_bodyid[g] == 0 ? 1 : 0;
  REQUIRE(world_geoms == 1);
  REQUIRE(m->geom_type[0] == mjGEOM_PLANE);
  const int per_agent = m->ngeom - 1;
  REQUIRE(per_agent == 13);
  REQUIRE(shapes.size() == static_cast<size_t>(n * per_agent));
  int boxes = 0, capsules = 0, spheres = 0;
  for (int64_t k = 0; k < n; ++k) {
    std::memcpy(d->qpos, &blk.s[k * kD], sizeof(double) * m->nq);
    mju_zero(d->qvel, m->nv);
    mj_forward(m, d);
    for (int g = 1; g < m->ngeom; ++g) {
      const env::BodyShape& s = shapes[k * per_agent + (g - 1)];
      INFO("agent " << k << " geom " << g);
      REQUIRE(s.agent == k);
      for (int i = 0; i < 3; ++i) {
        CHECK(s.pos[i] == d->geom_xpos[3 * g + i]);
        CHECK(s.size[i] == m->geom_size[3 * g + i]);
      }
      for (int i = 0; i < 9; ++i) CHECK(s.rot[i] == d->geom_xmat[9 * g + i]);
      for (int i = 0; i < 4; ++i) CHECK(s.rgba[i] == m->geom_rgba[4 * g + i]);
      switch (m->geom_type[g]) {
        case mjGEOM_BOX:
          CHECK(s.kind == env::ShapeKind::kBox);
          ++boxes;
          break;
        case mjGEOM_CAPSULE:
          CHECK(s.kind == env::ShapeKind::kCapsule);
          ++capsules;
          break;
        case mjGEOM_SPHERE:
          CHECK(s.kind == env::ShapeKind::kSphere);
          ++spheres;
          break;
        default:
          FAIL("unexpected geom type " << m->geom_type[g]);
      }
    }
  }
  CHECK(boxes == n);         // the torso
  CHECK(capsules == 8 * n);  // thighs and shins
  CHECK(spheres == 4 * n);   // feet
  // the torso box sits at the torso's position, turned by its quaternion
  CHECK(shapes[0].pos[0] == Approx(blk.s[0]).margin(1e-12));
  CHECK(shapes[per_agent].pos[0] == Approx(blk.s[kD]).margin(1e-12));
  mj_deleteData(d);
  mj_deleteModel(m);

  // families without bodies give none
  const auto pm = env::MakeEnvironment("point_mass", env::EnvParams{});
  std::vector<double> s(2, 0.5);
  env::AgentBlock one{0, 1, s.data(), nullptr, nullptr, 0, 0};
  std::vector<env::BodyShape> none;
  pm->BodyShapes(one, &none);
  CHECK(none.empty());
}
