// The environment families behind core/env/environment.h: dynamics against analytic
// solutions, rewards, terminations, the time limit, nominal controllers, resets and the
// registry.

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/env/differential_drive/differential_drive.h"
#include "core/env/registry.h"
#include "core/error.h"

namespace {

using namespace calf::core;
using env::AgentBlock;

// one agent's data and a block over it
struct One {
  explicit One(std::vector<double> s) : state(std::move(s)) {}
  std::vector<double> state, env_state;
  int64_t episode_step = 0;
  double reward = 0.0;
  DoneReason done = DoneReason::kNone;
  AgentBlock Block(int64_t first = 0) {
    return {first, 1, state.data(), env_state.empty() ? nullptr : env_state.data(), &episode_step};
  }
  void Step(const env::Environment& e, std::vector<double> action) {
    e.ClipActions(action.data(), 1);
    e.Step(Block(), action.data(), {&reward, &done, nullptr});
  }
};

std::unique_ptr<env::Environment> Make(const std::string& name, env::EnvParams p = {}) {
  p.max_steps_per_episode = 1000000;
  return env::MakeEnvironment(name, p);
}

}  // namespace

TEST_CASE("RK4 reproduces the double integrator's exact solution under constant action",
          "[core][env]") {
  // x(t) = x0 + v0 t + a t²/2, v(t) = v0 + a t: RK4 is exact for polynomials of degree <= 4
  env::EnvParams p;
  p.boundary_limit = 1e9;
  p.goal_epsilon = 0.0;
  auto pm = Make("point_mass", p);
  One a{{1.25, -0.5}};
  for (int k = 0; k < 1000; ++k) a.Step(*pm, {2.0});
  const double t = 10.0;
  CHECK(a.state[0] == Approx(1.25 - 0.5 * t + 0.5 * 2.0 * t * t).epsilon(1e-12));
  CHECK(a.state[1] == Approx(-0.5 + 2.0 * t).epsilon(1e-12));
  CHECK(a.episode_step == 1000);
}

TEST_CASE("RK4 follows the unicycle's circular arc under constant v and omega", "[core][env]") {
  // constant (v, ω) from (0,0,0): x = v/ω sin(ωt), y = v/ω (1 - cos(ωt))
  env::EnvParams p;
  p.goal_epsilon = 0.0;
  auto dd = Make("differential_drive", p);
  One a{{0, 0, 0}};
  for (int k = 0; k < 200; ++k) a.Step(*dd, {1.0, 0.5});
  const double t = 2.0;
  CHECK(a.state[0] == Approx(2.0 * std::sin(0.5 * t)).margin(1e-9));
  CHECK(a.state[1] == Approx(2.0 * (1 - std::cos(0.5 * t))).margin(1e-9));
  CHECK(a.state[2] == Approx(0.5 * t).margin(1e-12));
}

TEST_CASE("The unicycle heading is wrapped to [-pi, pi]", "[core][env]") {
  auto dd = Make("differential_drive");
  One a{{1, 1, M_PI - 0.001}};
  a.Step(*dd, {0.0, 2.0});
  CHECK(a.state[2] == Approx(-M_PI + 0.019).margin(1e-9));
  CHECK(env::WrapAngle(3 * M_PI) == Approx(M_PI).margin(1e-12));
  CHECK(env::WrapAngle(-7.0) == Approx(-7.0 + 2 * M_PI).margin(1e-12));
}

TEST_CASE("Actions are clipped to the family's bounds; NaN becomes 0", "[core][env]") {
  auto pm = Make("point_mass");
  auto dd = Make("differential_drive");
  double a1[2] = {7.0, -9.0};
  pm->ClipActions(a1, 2);
  CHECK(a1[0] == 5.0);
  CHECK(a1[1] == -5.0);
  double a2[2] = {-3.0, 2.5};
  dd->ClipActions(a2, 1);
  CHECK(a2[0] == -1.0);
  CHECK(a2[1] == 2.0);
  double a3[1] = {std::nan("")};
  pm->ClipActions(a3, 1);
  CHECK(a3[0] == 0.0);
}

TEST_CASE("Rewards follow the documented formulas", "[core][env]") {
  auto pm = Make("point_mass");
  One a{{3.0, 4.0}};
  a.Step(*pm, {2.0});
  CHECK(a.reward == Approx(-5.0 - 0.04));
  auto dd = Make("differential_drive");
  One b{{0.0, -2.0, -1.0}};
  b.Step(*dd, {1.0, 2.0});
  CHECK(b.reward == Approx(-2.0 - 0.1 - 0.05));
}

TEST_CASE("Terminations: goal and out of bounds are terminal, the time limit truncates",
          "[core][env]") {
  env::EnvParams p;
  p.max_steps_per_episode = 3;
  auto pm = env::MakeEnvironment("point_mass", p);
  One goal{{0.01, 0.0}};
  goal.Step(*pm, {0.0});
  CHECK(goal.done == DoneReason::kGoal);
  CHECK(IsTerminal(goal.done));
  One out{{4.999, 5.0}};
  out.Step(*pm, {5.0});
  CHECK(out.done == DoneReason::kOutOfBounds);
  One slow{{1.0, 0.0}};
  for (int k = 0; k < 2; ++k) {
    slow.Step(*pm, {0.0});
    CHECK(slow.done == DoneReason::kNone);
  }
  slow.Step(*pm, {0.0});
  CHECK(slow.done == DoneReason::kTimeLimit);
  CHECK_FALSE(IsTerminal(slow.done));
  // a terminal state on the limit's step is reported as terminal
  One both{{0.01, 0.0}};
  both.episode_step = 2;
  both.Step(*pm, {0.0});
  CHECK(both.done == DoneReason::kGoal);
  auto dd = env::MakeEnvironment("differential_drive", p);
  One side{{0.0, 5.0, M_PI / 2}};
  side.Step(*dd, {1.0, 0.0});
  CHECK(side.done == DoneReason::kOutOfBounds);
}

TEST_CASE("PD drives the point mass into the goal from every corner of [-3,3]^2",
          "[core][env][nominal]") {
  auto pm = Make("point_mass");
  for (double x : {-3.0, 3.0}) {
    for (double v : {-3.0, 3.0}) {
      One a{{x, v}};
      int steps = -1;
      for (int k = 0; k < 5000 && steps < 0; ++k) {
        double act[1];
        pm->Nominal(a.Block(), act);
        CHECK(std::abs(act[0]) <= 5.0);
        a.Step(*pm, {act[0]});
        if (a.done == DoneReason::kGoal) steps = k + 1;
        CHECK(a.done != DoneReason::kOutOfBounds);
      }
      INFO("start " << x << ", " << v);
      CHECK(steps > 0);
    }
  }
}

TEST_CASE("move_to_point brings the unicycle into the goal from the four reference starts",
          "[core][env][nominal]") {
  env::EnvParams p;
  p.goal_epsilon = 0.0;  // run on to the final heading
  auto dd = Make("differential_drive", p);
  const double starts[4][3] = {{2, 0, 0}, {0, 2, M_PI / 2}, {-1, -1, -M_PI / 4}, {1.5, 1.5, M_PI}};
  for (const auto& st : starts) {
    One a{{st[0], st[1], st[2]}};
    bool reached = false;
    for (int k = 0; k < 2000 && !reached; ++k) {
      double act[2];
      dd->Nominal(a.Block(), act);
      CHECK(std::abs(act[0]) <= 1.0);
      CHECK(std::abs(act[1]) <= 2.0);
      a.Step(*dd, {act[0], act[1]});
      reached = std::hypot(a.state[0], a.state[1]) < 0.1 && std::abs(a.state[2]) < 0.1;
    }
    INFO("start " << st[0] << ", " << st[1] << ", " << st[2]);
    CHECK(reached);
  }
}

TEST_CASE("Nominal gains come from the config's nominal object", "[core][env][nominal]") {
  env::EnvParams p;
  p.nominal["kp"] = 2.0;
  p.nominal["kd"] = 0.5;
  auto pm = env::MakeEnvironment("point_mass", p);
  One a{{1.0, -2.0}};
  double act[1];
  pm->Nominal(a.Block(), act);
  CHECK(act[0] == -2.0 * 1.0 - 0.5 * -2.0);
}

TEST_CASE("Resets draw from the agent's own stream keyed by its global index and counter",
          "[core][env]") {
  for (const char* name : {"point_mass", "differential_drive"}) {
    INFO(name);
    auto e = Make(name);
    const int d = e->spec().state_dim;
    // a block of 8 agents starting at global index 100 ...
    std::vector<double> block(8 * d);
    std::vector<int64_t> steps(8, 0);
    std::vector<uint64_t> counters = {0, 1, 2, 3, 4, 5, 6, 7};
    e->Reset({100, 8, block.data(), nullptr, steps.data()}, 9, counters.data(), nullptr);
    // ... gives each agent what a block of one at that index gives
    for (int k = 0; k < 8; ++k) {
      One a{std::vector<double>(d)};
      const uint64_t c = counters[k];
      e->Reset(a.Block(100 + k), 9, &c, nullptr);
      for (int j = 0; j < d; ++j) CHECK(a.state[j] == block[k * d + j]);
      for (int j = 0; j < 2; ++j) CHECK(std::abs(a.state[j]) <= 3.0);
    }
    // another index, counter or seed gives another state
    One x{std::vector<double>(d)}, y{std::vector<double>(d)}, z{std::vector<double>(d)};
    const uint64_t c0 = 0, c1 = 1;
    e->Reset(x.Block(5), 9, &c0, nullptr);
    e->Reset(y.Block(6), 9, &c0, nullptr);
    e->Reset(z.Block(5), 9, &c1, nullptr);
    CHECK(x.state != y.state);
    CHECK(x.state != z.state);
    // `which` leaves the other agents alone
    std::vector<double> keep = block;
    const std::vector<uint8_t> which = {0, 1, 0, 0, 0, 0, 0, 0};
    counters.assign(8, 50);
    e->Reset({100, 8, block.data(), nullptr, steps.data()}, 9, counters.data(), which.data());
    for (int k = 0; k < 8; ++k) {
      const bool changed =
          !std::equal(block.begin() + k * d, block.begin() + (k + 1) * d, keep.begin() + k * d);
      CHECK(changed == (k == 1));
    }
  }
}

TEST_CASE("The registry finds families by name and alias and refuses others", "[core][env]") {
  CHECK(env::FindSpec("unicycle").name == "differential_drive");
  CHECK(env::FindSpec("point_mass").state_dim == 2);
  const env::EnvSpec& dd = env::FindSpec("differential_drive");
  CHECK(dd.obs_dim == 3);
  CHECK(dd.action_dim == 2);
  CHECK(dd.nominal_policy == "move_to_point");
  try {
    env::FindSpec("cartpole");
    FAIL("no error");
  } catch (const calf::ConfigError& e) {
    CHECK(std::string(e.what()) ==
          "unknown system 'cartpole'; use point_mass, differential_drive, creature or quadruped "
          "(calf systems lists them)");
  }
  for (const env::EnvFamily& f : env::Families()) {
    const env::EnvSpec& s = f.spec;
    INFO(s.name);
    CHECK(static_cast<int>(s.max_action.size()) == s.action_dim);
    CHECK(static_cast<int>(s.state_names.size()) == s.state_dim);
    CHECK(s.error_dim > 0);
    CHECK(f.make(env::EnvParams())->spec().name == s.name);
  }
  CHECK(env::DescribeFamilies().find("differential_drive (unicycle)") != std::string::npos);
}
