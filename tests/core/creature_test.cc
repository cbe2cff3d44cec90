// The creature family (core/env/creature): its physics pieces against hand-computed values,
// the stamina rules, the reward terms, goal respawns from the agent's own stream, the
// config checks, and determinism (thread counts; fused, unfused and per-creature kernels).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/env/creature/creature_kernel.h"
#include "core/env/registry.h"
#include "core/error.h"
#include "core/policy/torch_model.h"
#include "core/sim/simulator.h"

namespace {

using namespace calf::core;
using env::creature::Creature;
using env::creature::KernelParams;
using env::creature::StepTerms;

double& Param(env::EnvParams& p, const char* name) { return p.family["creature"][name]; }

// a world with no damping, friction or drag: the remaining terms are checked one at a time
env::EnvParams Frictionless() {
  env::EnvParams p;
  Param(p, "momentum_damping") = 0.0;
  Param(p, "ground_friction") = 0.0;
  Param(p, "air_friction") = 0.0;
  Param(p, "air_drag") = 0.0;
  Param(p, "max_vel") = 1000.0;
  Param(p, "terminal_vel_z") = 1000.0;
  return p;
}

Creature At(float x, float y, float z) {
  Creature c{};
  c.p[0] = x;
  c.p[1] = y;
  c.p[2] = z;
  c.stamina = 100.0f;
  c.goal[0] = 5.0f;
  c.goal[1] = 5.0f;
  c.goal[2] = 5.0f;
  return c;
}

}  // namespace

TEST_CASE("A creature in free fall accelerates at g until its terminal speed", "[core][creature]") {
  env::EnvParams p = Frictionless();
  Param(p, "box_max_z") = 1000.0;
  Param(p, "terminal_vel_z") = 3.0;
  const KernelParams P = env::creature::MakeKernelParams(p);
  Creature c = At(0.0f, 0.0f, 900.0f);
  const float u[3] = {0.0f, 0.0f, 0.0f};
  StepTerms t;
  // v_k = −k·g·dt until −3 m/s (k ≈ 30.6 at dt = 0.01), then it stays there
  float vz = 0.0f;
  for (int k = 1; k <= 100; ++k) {
    env::creature::CreaturePhysics(P, c, u, t);
    vz = std::max(vz - P.gravity_dt, -3.0f);
    REQUIRE(c.v[2] == vz);
    if (k == 20) CHECK(c.v[2] == Approx(-20 * 9.81 * 0.01).epsilon(1e-5));
  }
  CHECK(c.v[2] == -3.0f);
  CHECK(c.v[0] == 0.0f);
  CHECK(c.v[1] == 0.0f);
  CHECK(t.penetration == 0.0f);
}

TEST_CASE("Walls clamp the position, stop the motion into them and measure the penetration",
          "[core][creature]") {
  env::EnvParams p = Frictionless();
  Param(p, "gravity") = 0.0;
  const KernelParams P = env::creature::MakeKernelParams(p);
  const float u[3] = {0.0f, 0.0f, 0.0f};
  StepTerms t;

  // 9.99 + 5·0.01 = 10.04: 0.04 m into the wall at x = 10
  Creature c = At(9.99f, 0.0f, 5.0f);
  c.v[0] = 5.0f;
  c.v[1] = 1.0f;
  env::creature::CreaturePhysics(P, c, u, t);
  CHECK(c.p[0] == 10.0f);
  CHECK(c.v[0] == 0.0f);
  CHECK(c.v[1] == 1.0f);  // along the wall the creature keeps moving
  CHECK(t.penetration == Approx((9.99f + 5.0f * 0.01f) - 10.0f).margin(1e-6));
  CHECK(t.penetration == Approx(0.04).margin(1e-5));

  // the ceiling counts, the ground does not (it is solid, not a wall)
  Creature top = At(0.0f, -9.995f, 9.98f);
  top.v[1] = -1.0f;
  top.v[2] = 4.0f;
  env::creature::CreaturePhysics(P, top, u, t);
  CHECK(top.p[1] == -10.0f);
  CHECK(top.p[2] == 10.0f);
  CHECK(t.penetration == Approx(0.005 + 0.02).margin(1e-5));
  Creature low = At(0.0f, 0.0f, 0.01f);
  low.v[2] = -5.0f;
  env::creature::CreaturePhysics(P, low, u, t);
  CHECK(low.p[2] == 0.0f);
  CHECK(low.v[2] == 0.0f);
  CHECK(t.penetration == 0.0f);
}

TEST_CASE("Acceleration is scaled per axis and clamped in norm to max_accel", "[core][creature]") {
  env::EnvParams p = Frictionless();
  Param(p, "gravity") = 0.0;
  Param(p, "max_accel") = 10.0;
  const KernelParams P = env::creature::MakeKernelParams(p);
  StepTerms t;
  Creature a = At(0.0f, 0.0f, 5.0f);
  const float small[3] = {0.5f, 0.0f, 0.0f};  // 4 m/s² < 10
  env::creature::CreaturePhysics(P, a, small, t);
  CHECK(a.v[0] == Approx(4.0 * 0.01).epsilon(1e-6));
  Creature b = At(0.0f, 0.0f, 5.0f);
  const float big[3] = {1.0f, 1.0f, 1.0f};  // (8, 8, 15): |a| = 18.79 -> 10
  env::creature::CreaturePhysics(P, b, big, t);
  const double norm = std::sqrt(8.0 * 8 + 8 * 8 + 15 * 15);
  CHECK(b.v[0] == Approx(8.0 / norm * 10 * 0.01).epsilon(1e-5));
  CHECK(b.v[2] == Approx(15.0 / norm * 10 * 0.01).epsilon(1e-5));
}

TEST_CASE("Stamina: walking is cheaper than flying, rest regenerates, none stops acceleration",
          "[core][creature]") {
  env::EnvParams p = Frictionless();
  const KernelParams P = env::creature::MakeKernelParams(p);
  StepTerms t;
  const double dt = p.dt;

  // walking on the ground at full effort along x: walk_stamina_cost·|u|·dt
  Creature walk = At(0.0f, 0.0f, 0.0f);
  const float ux[3] = {1.0f, 0.0f, 0.0f};
  env::creature::CreaturePhysics(P, walk, ux, t);
  CHECK(walk.stamina == Approx(100.0 - 1.0 * 1.0 * dt).epsilon(1e-6));
  CHECK(t.idle == 0.0f);
  CHECK(t.exhausted == 0.0f);

  // jumping from the ground (u_z > 0) and moving in the air cost fly_stamina_cost
  Creature jump = At(0.0f, 0.0f, 0.0f);
  const float up[3] = {0.0f, 0.6f, 0.8f};
  env::creature::CreaturePhysics(P, jump, up, t);
  CHECK(jump.stamina == Approx(100.0 - 5.0 * 1.0 * dt).epsilon(1e-6));
  Creature fly = At(0.0f, 0.0f, 4.0f);
  env::creature::CreaturePhysics(P, fly, ux, t);
  CHECK(fly.stamina == Approx(100.0 - 5.0 * dt).epsilon(1e-6));

  // standing still regenerates (up to 200)
  Creature rest = At(0.0f, 0.0f, 0.0f);
  const float zero[3] = {0.0f, 0.01f, 0.0f};  // below idle_threshold 0.05
  env::creature::CreaturePhysics(P, rest, zero, t);
  CHECK(rest.stamina == Approx(100.0 + 20.0 * dt).epsilon(1e-6));
  CHECK(t.idle == 1.0f);
  rest.stamina = 199.9f;
  env::creature::CreaturePhysics(P, rest, zero, t);
  CHECK(rest.stamina == 200.0f);

  // no stamina: the command accelerates nothing, costs nothing more, and is penalised
  Creature tired = At(0.0f, 0.0f, 0.0f);
  tired.stamina = 0.0f;
  env::creature::CreaturePhysics(P, tired, ux, t);
  CHECK(tired.v[0] == 0.0f);
  CHECK(tired.stamina == 0.0f);
  CHECK(t.exhausted == 1.0f);
}

TEST_CASE("The reward adds approach, proximity, goal and idle terms and subtracts penalties",
          "[core][creature]") {
  env::EnvParams p;
  const KernelParams P = env::creature::MakeKernelParams(p);
  Creature c = At(0.0f, 0.0f, 0.0f);
  c.goal[0] = 2.0f;
  c.goal[1] = 0.0f;
  c.goal[2] = 0.0f;
  c.prev_dist = 2.5f;
  bool hit = true;
  StepTerms t{0.25f, 1.0f, 1.0f};
  // 1·(2.5 − 2) + 0.01·(1 − 2/3) + 0.001 − 1·0.25 − 0.1
  const double expect = 0.5 + 0.01 * (1.0 - 2.0 / 3.0) + 0.001 - 0.25 - 0.1;
  CHECK(env::creature::CreatureReward(P, c, t, hit) == Approx(expect).epsilon(1e-6));
  CHECK_FALSE(hit);
  CHECK(c.prev_dist == 2.0f);

  // inside goal_threshold (0.5): the goal bonus (10) and the proximity bonus near its top
  c.goal[0] = 0.3f;
  c.prev_dist = 0.3f;
  t = {0.0f, 0.0f, 0.0f};
  CHECK(env::creature::CreatureReward(P, c, t, hit) ==
        Approx(10.0 + 0.01 * (1.0 - 0.3 / 3.0)).epsilon(1e-6));
  CHECK(hit);

  // far away there is no proximity bonus
  c.goal[0] = 8.0f;
  c.prev_dist = 8.0f;
  CHECK(env::creature::CreatureReward(P, c, t, hit) == Approx(0.0).margin(1e-7));
}

TEST_CASE("A reached goal is redrawn in the box from the agent's stream and the episode goes on",
          "[core][creature][determinism]") {
  env::EnvParams p;
  p.max_steps_per_episode = 1000;
  auto e = env::MakeEnvironment("creature", p);
  REQUIRE(e->spec().goal_dim == 3);
  auto step_at_goal = [&](int64_t agent, uint64_t seed, uint64_t step) {
    std::vector<double> s = {1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 150.0}, g = {1.1, 2.0, 0.0, 0.1};
    int64_t ep = 0;
    double reward = 0.0;
    DoneReason done = DoneReason::kGoal;
    uint8_t moved = 0;
    const env::AgentBlock b{agent, 1, s.data(), g.data(), &ep, seed, step};
    const double u[3] = {0.0, 0.0, 0.0};
    e->Step(b, u, {&reward, &done, &moved});
    CHECK(moved == 1);
    CHECK(done == DoneReason::kNone);
    CHECK(reward > 10.0);
    CHECK(ep == 1);
    // the new goal lies in the box (z from the ground up) and prev_dist is its distance
    CHECK(g[0] >= -10.0);
    CHECK(g[0] <= 10.0);
    CHECK(g[2] >= 0.0);
    CHECK(g[2] <= 10.0);
    CHECK(g[3] == Approx(std::sqrt((g[0] - s[0]) * (g[0] - s[0]) + (g[1] - s[1]) * (g[1] - s[1]) +
                                   (g[2] - s[2]) * (g[2] - s[2])))
                      .epsilon(1e-6));
    return std::vector<double>(g.begin(), g.begin() + 3);
  };
  const auto a = step_at_goal(7, 3, 100);
  CHECK(step_at_goal(7, 3, 100) == a);  // a pure function of (seed, agent, step)
  CHECK(step_at_goal(8, 3, 100) != a);
  CHECK(step_at_goal(7, 4, 100) != a);
  CHECK(step_at_goal(7, 3, 101) != a);
}

TEST_CASE("Episodes of the creature end only at the time limit", "[core][creature]") {
  env::EnvParams p;
  p.max_steps_per_episode = 3;
  auto e = env::MakeEnvironment("creature", p);
  std::vector<double> s(7, 0.0), g = {5.0, 5.0, 5.0, 0.0};
  s[6] = 200.0;
  int64_t ep = 0;
  double reward = 0.0;
  DoneReason done = DoneReason::kNone;
  const env::AgentBlock b{0, 1, s.data(), g.data(), &ep};
  const double u[3] = {1.0, 1.0, 1.0};
  for (int k = 1; k <= 3; ++k) {
    e->Step(b, u, {&reward, &done, nullptr});
    CHECK(done == (k < 3 ? DoneReason::kNone : DoneReason::kTimeLimit));
  }
  CHECK_FALSE(IsTerminal(done));
}

TEST_CASE("The creature's time limit is 1,000 steps unless the config sets one",
          "[core][creature][config]") {
  // run a creature until its first episode ends; the step it ends at is the time limit
  const auto episode_length = [](const env::EnvParams& p) {
    auto e = env::MakeEnvironment("creature", p);
    std::vector<double> s(7, 0.0), g = {5.0, 5.0, 5.0, 0.0};
    s[6] = 200.0;
    int64_t ep = 0;
    double reward = 0.0;
    const env::AgentBlock b{0, 1, s.data(), g.data(), &ep};
    const double u[3] = {0.0, 0.0, 0.0};
    for (int64_t k = 1; k <= 5000; ++k) {
      DoneReason done = DoneReason::kNone;
      e->Step(b, u, {&reward, &done, nullptr});  // counts the episode's steps in ep
      if (done != DoneReason::kNone) return k;
    }
    return int64_t{-1};
  };
  CHECK(episode_length(env::EnvParams()) == 1000);
  env::EnvParams p;
  p.max_steps_per_episode = 40;
  CHECK(episode_length(p) == 40);
  // the same default config gives the point mass its own 750
  CHECK(env::EnvParams().ForFamily(env::FindSpec("point_mass")).max_steps_per_episode == 750);

  // a run's recorded config holds the limit used, and reads back to the same
  SimConfig c;
  c.system = "creature";
  const std::string recorded = c.ToJson();
  CHECK(nlohmann::json::parse(recorded)["max_steps_per_episode"] == 1000);
  SimConfig back;
  back.ApplyJson(recorded, "recorded");
  CHECK(back.ToJson() == recorded);
  c.ApplyJson(R"({"max_steps_per_episode": 300})", "c.json");
  CHECK(nlohmann::json::parse(c.ToJson())["max_steps_per_episode"] == 300);
}

TEST_CASE("Keys the creature does not read are refused unless they hold their defaults",
          "[core][creature][config][error]") {
  auto check = [](const std::string& json, const std::string& system = "creature") {
    SimConfig c;
    c.ApplyJson(json, "c.json");
    c.system = system;  // as --system after the file
    c.Validate();
  };
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(check(R"({"goal_epsilon": 0.2})"),
                    Contains("c.json: key 'goal_epsilon' does not apply to system 'creature'"));
  CHECK_THROWS_WITH(check(R"({"boundary_limit": 9})"), Contains("key 'boundary_limit'"));
  CHECK_THROWS_WITH(check(R"({"reset_range": 1})"), Contains("key 'reset_range'"));
  CHECK_THROWS_WITH(check(R"({"nominal": {"kp": 3}})"),
                    Contains("c.json: key 'nominal.kp' is a gain of pd (point_mass)"));
  CHECK_THROWS_WITH(check(R"({"quadruped": {"substeps": 4}})"),
                    Contains("key 'quadruped' holds the parameters of system 'quadruped'"));
  // the same keys for the systems that read them, and defaults for any system, are fine
  CHECK_NOTHROW(check(R"({"goal_epsilon": 0.2, "nominal": {"kp": 3}})", "point_mass"));
  CHECK_NOTHROW(check(R"({"goal_epsilon": 0.05, "boundary_limit": 5, "reset_range": 3})"));
  CHECK_NOTHROW(check(R"({"creature": {"goal_threshold": 1}})"));
  CHECK_THROWS_WITH(check(R"({"creature": {"goal_threshold": 1}})", "point_mass"),
                    Contains("key 'creature' holds the parameters of system 'creature'"));
  try {
    check(R"({"goal_epsilon": 0.2})", "quadruped");
    FAIL("no error");
  } catch (const calf::Error& e) {
    CHECK(e.code() == calf::ExitCode::kUsage);
  }
  // a recorded creature config lists only what the creature reads
  SimConfig c;
  c.system = "creature";
  const nlohmann::json j = nlohmann::json::parse(c.ToJson());
  for (const char* key : {"goal_epsilon", "boundary_limit", "reset_range", "quadruped"})
    CHECK_FALSE(j.contains(key));
  CHECK_FALSE(j["nominal"].contains("kp"));
  CHECK(j["nominal"].contains("creature_kp"));
}

TEST_CASE("The nominal goal_pd controller reaches goals again and again", "[core][creature]") {
  SimConfig c;
  c.system = "creature";
  c.policy = "goal_pd";
  c.num_agents = 64;
  c.seed = 5;
  c.env.max_steps_per_episode = 100000;
  Simulator sim(c, {});
  SimState s;
  sim.Reset(s);
  std::vector<int64_t> hits(64, 0);
  for (int k = 0; k < 3000; ++k) {
    sim.Step(s, 1);
    for (int i = 0; i < 64; ++i) hits[i] += s.target_moved[i];
  }
  int64_t fewest = hits[0], total = 0;
  for (int64_t h : hits) {
    fewest = std::min(fewest, h);
    total += h;
  }
  // 30 s of simulated time: every creature reached several goals
  CHECK(fewest >= 2);
  CHECK(total >= 64 * 4);
}

TEST_CASE("The creature's critic sees the velocity the observation leaves out",
          "[core][creature][critic]") {
  const auto env = env::MakeEnvironment("creature", {});
  const env::EnvSpec& spec = env->spec();
  REQUIRE(spec.obs_dim == 7);
  REQUIRE(spec.critic_extra_dim == 3);
  REQUIRE(spec.critic_obs_dim() == 10);
  // two creatures alike but for their velocity
  std::vector<double> st = {1, 2, 3, 0.5, -3, 6, 150, 1, 2, 3, -6, 0, 1.5, 150};
  std::vector<double> es = {4, 4, 4, 5, 4, 4, 4, 5};
  std::vector<int64_t> steps = {0, 0};
  const env::AgentBlock b{0, 2, st.data(), es.data(), steps.data(), 1, 0};
  std::vector<float> obs(2 * 7), extras(2 * 3), rows(2 * 13);
  env->Observe(b, obs.data());
  env->CriticExtras(b, extras.data());
  for (int j = 0; j < 7; ++j) CHECK(obs[j] == obs[7 + j]);
  const std::vector<float> want = {0.5f / 6, -3.0f / 6, 1.0f, -1.0f, 0.0f, 1.5f / 6};
  for (int j = 0; j < 6; ++j) CHECK(extras[j] == Approx(want[j]).epsilon(1e-6));
  const double act[6] = {0.25, -0.5, 1.0, 0.0, 0.125, -1.0};
  env->CriticInput(b, obs.data(), act, rows.data());
  for (int k = 0; k < 2; ++k) {
    for (int j = 0; j < 7; ++j) CHECK(rows[k * 13 + j] == obs[k * 7 + j]);
    for (int j = 0; j < 3; ++j) CHECK(rows[k * 13 + 7 + j] == extras[k * 3 + j]);
    for (int j = 0; j < 3; ++j) CHECK(rows[k * 13 + 10 + j] == static_cast<float>(act[k * 3 + j]));
  }

  // the simulator's CALF values are the critic on exactly those rows
  SimConfig c;
  c.system = "creature";
  c.policy = "calf";
  c.num_agents = 50;
  c.seed = 3;
  PolicyModels m;
  m.actor =
      MakeRandomMlp({7, 16, 3}, Activation::kRelu, Activation::kTanh, Eigen::VectorXf::Ones(3), 5);
  m.critic = MakeRandomMlp({13, 16, 1}, Activation::kRelu, Activation::kIdentity, {}, 6);
  const Mlp actor = m.actor, critic = m.critic;
  Simulator sim(c, m);
  SimState s;
  sim.Reset(s);
  for (int k = 0; k < 20; ++k) sim.Step(s, 1);  // moving, so the velocities are not zero
  const std::vector<double> before = s.states, env_before = s.env_states;
  std::vector<int64_t> ep = s.episode_step;
  sim.Step(s, 1);
  const env::AgentBlock all{
      0, 50, const_cast<double*>(before.data()), const_cast<double*>(env_before.data()), ep.data(),
      3, 20};
  std::vector<float> o(50 * 7), a_out(50 * 3), in(50 * 13), q(50);
  std::vector<double> a(50 * 3);
  MlpWorkspace ws;
  env->Observe(all, o.data());
  actor.Forward(o.data(), 50, a_out.data(), ws);
  for (int k = 0; k < 150; ++k) a[k] = a_out[k];
  env->ClipActions(a.data(), 50);
  env->CriticInput(all, o.data(), a.data(), in.data());
  critic.Forward(in.data(), 50, q.data(), ws);
  int64_t moving = 0;
  for (int k = 0; k < 50; ++k) {
    CHECK(s.q_values[k] == q[k]);
    moving += before[k * 7 + 3] != 0.0 ? 1 : 0;
  }
  CHECK(moving > 25);

  // an actor trained with the extras (TD3's actor_extras) acts on [observation, extras]
  SimConfig ca = c;
  ca.policy = "actor";
  PolicyModels full;
  full.actor =
      MakeRandomMlp({10, 16, 3}, Activation::kRelu, Activation::kTanh, Eigen::VectorXf::Ones(3), 7);
  Simulator sim_full(ca, full);
  SimState f;
  sim_full.Reset(f);
  f.states = before;
  f.env_states = env_before;
  sim_full.Step(f, 1);
  std::vector<float> ex(50 * 3), rows10(50 * 10), u(50 * 3);
  env->CriticExtras(all, ex.data());
  for (int k = 0; k < 50; ++k) {
    for (int j = 0; j < 7; ++j) rows10[k * 10 + j] = o[k * 7 + j];
    for (int j = 0; j < 3; ++j) rows10[k * 10 + 7 + j] = ex[k * 3 + j];
  }
  full.actor.Forward(rows10.data(), 50, u.data(), ws);
  for (int k = 0; k < 150; ++k) CHECK(f.actions[k] == static_cast<double>(u[k]));
  // a 9-input actor fits neither the observation nor the observation with the extras
  PolicyModels wrong;
  wrong.actor =
      MakeRandomMlp({9, 16, 3}, Activation::kRelu, Activation::kTanh, Eigen::VectorXf::Ones(3), 8);
  CHECK_THROWS_WITH(Simulator(ca, wrong),
                    Catch::Contains("needs 7 -> 3 (or 10 -> 3 with the extras)"));
}

TEST_CASE("Creature runs are bit-identical for 1 and 2 threads", "[core][creature][determinism]") {
  SimConfig c;
  c.system = "creature";
  c.policy = "nominal";
  c.num_agents = 1500;
  c.seed = 11;
  c.env.max_steps_per_episode = 150;  // resets inside the run
  Simulator sim(c, {});
  SimState a, b;
  sim.Reset(a);
  sim.Reset(b);
  int64_t moved = 0;
  for (int k = 0; k < 400; ++k) {
    sim.Step(a, 1);
    sim.Step(b, 2);
    for (uint8_t m : a.target_moved) moved += m;
    REQUIRE(a.rewards == b.rewards);
  }
  CHECK(moved > 0);
  CHECK(a.states == b.states);
  CHECK(a.env_states == b.env_states);
  CHECK(a.episode == b.episode);
}

TEST_CASE("Fused, unfused and per-creature kernels give identical trajectories",
          "[core][creature][determinism][align]") {
  env::EnvParams p;
  Param(p, "goal_threshold") = 2.0;  // many respawns
  const KernelParams P = env::creature::MakeKernelParams(p);
  const int64_t n = 5000;
  env::creature::CreaturePopulation fused, unfused, per;
  for (auto* pop : {&fused, &unfused, &per}) {
    pop->Resize(n, 100);
    for (int64_t i = 0; i < n; ++i) {
      Creature c;
      env::creature::CreatureReset(P, c, 9, static_cast<uint64_t>(100 + i), 0);
      env::creature::Store(pop->arrays, i, c);
    }
  }
  env::creature::CreatureStepBuffers bf, bu;
  bf.Resize(n);
  bu.Resize(n);
  std::vector<float> reward_per(n), obs_per(n * 7);
  int64_t hits = 0;
  for (int step = 0; step < 300; ++step) {
    // the same pseudo-random actions for all three, some idle, some out of stamina
    for (int64_t i = 0; i < n; ++i) {
      for (int j = 0; j < 3; ++j) {
        const float v = std::sin(0.37f * float(i) + 1.3f * float(j) + 0.05f * float(step));
        bf.u[j * n + i] = bu.u[j * n + i] = (i % 7 == 0) ? 0.0f : v;
      }
    }
    env::creature::StepAll(P, fused.arrays, n, bf.io, 9, step, true, 2);
    env::creature::StepAll(P, unfused.arrays, n, bu.io, 9, step, false, 1);
    for (int64_t i = 0; i < n; ++i) {
      Creature c = env::creature::Load(per.arrays, i);
      const float u[3] = {bf.u[i], bf.u[n + i], bf.u[2 * n + i]};
      StepTerms t;
      bool hit = false;
      env::creature::CreaturePhysics(P, c, u, t);
      reward_per[i] = env::creature::CreatureReward(P, c, t, hit);
      if (hit) env::creature::CreatureRespawn(P, c, 9, static_cast<uint64_t>(100 + i), step);
      float o[7];
      env::creature::CreatureObserve(P, c, o);
      for (int j = 0; j < 7; ++j) obs_per[j * n + i] = o[j];
      env::creature::Store(per.arrays, i, c);
      hits += hit;
    }
    REQUIRE(std::memcmp(bf.reward.data(), bu.reward.data(), n * sizeof(float)) == 0);
    REQUIRE(std::memcmp(bf.reward.data(), reward_per.data(), n * sizeof(float)) == 0);
    REQUIRE(std::memcmp(bf.obs.data(), bu.obs.data(), 7 * n * sizeof(float)) == 0);
    REQUIRE(std::memcmp(bf.obs.data(), obs_per.data(), 7 * n * sizeof(float)) == 0);
    REQUIRE(bf.hit == bu.hit);
  }
  CHECK(hits > 10);
  CHECK(std::memcmp(fused.data.data(), unfused.data.data(), fused.data.size() * 4) == 0);
  CHECK(std::memcmp(fused.data.data(), per.data.data(), fused.data.size() * 4) == 0);
}

TEST_CASE("The creature's config is checked: box, ground, thresholds, rates",
          "[core][creature][error]") {
  auto check = [](const std::string& json) {
    SimConfig c;
    c.system = "creature";
    c.ApplyJson(json, "c.json");
    c.Validate();
  };
  using Catch::Matchers::Contains;
  CHECK_NOTHROW(check(R"({"creature": {"box_min_x": -3, "box_max_x": 3}})"));
  CHECK_THROWS_WITH(check(R"({"creature": {"box_min_y": 4, "box_max_y": 4}})"),
                    Contains("key 'creature.box_max_y' = 4 must be above box_min_y (4)"));
  CHECK_THROWS_WITH(
      check(R"({"creature": {"goal_threshold": 12}})"),
      Contains("key 'creature.goal_threshold' = 12 must be below the box's smallest"));
  CHECK_THROWS_WITH(check(R"({"creature": {"goal_threshold": -1}})"),
                    Contains("key 'creature.goal_threshold' = -1 is out of range; it must be > 0"));
  CHECK_THROWS_WITH(check(R"({"creature": {"ground_level": 10}})"),
                    Contains("key 'creature.ground_level'"));
  CHECK_THROWS_WITH(check(R"({"creature": {"ground_friction": 200}})"),
                    Contains("key 'creature.ground_friction' = 200 times dt"));
  CHECK_THROWS_WITH(check(R"({"creature": {"gravity": "strong"}})"),
                    Contains("key 'creature.gravity' must be a number"));
  CHECK_THROWS_WITH(check(R"({"creature": {"wings": 2}})"),
                    Contains("unknown key 'creature.wings'"));
  CHECK_THROWS_WITH(check(R"({"dt": -0.1})"), Contains("key 'dt' = -0.1 is out of range"));
  try {
    check(R"({"creature": {"box_min_z": 5, "box_max_z": 1}})");
    FAIL("no error");
  } catch (const calf::Error& e) {
    CHECK(e.code() == calf::ExitCode::kUsage);
  }
}

TEST_CASE("Creature initial states come from a 7-column CSV and set the goal distance",
          "[core][creature][csv]") {
  SimConfig c;
  c.system = "creature";
  c.policy = "nominal";
  c.num_agents = 2;
  Simulator sim(c, {});
  const std::vector<double> initial = {1, 2, 0, 0, 0, 0, 200, -3, 4, 5, 0, 0, 0, 50};
  SimState s;
  sim.Reset(s, &initial);
  CHECK(std::vector<double>(s.states.begin(), s.states.end()) == initial);
  for (int i = 0; i < 2; ++i) {
    const double* g = &s.env_states[i * 4];
    const double* x = &initial[i * 7];
    const double d = std::sqrt((g[0] - x[0]) * (g[0] - x[0]) + (g[1] - x[1]) * (g[1] - x[1]) +
                               (g[2] - x[2]) * (g[2] - x[2]));
    CHECK(g[3] == Approx(d).epsilon(1e-6));
  }
}
