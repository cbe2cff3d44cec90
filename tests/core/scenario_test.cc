// Scenario terms (EnvParams::scenario): extra costs added to every family's reward by
// Environment::Step, checked against their formulas on an environment without them.

#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/sim/config.h"

namespace {

using namespace calf::core;

struct Outcome {
  double reward;
  DoneReason done;
  std::vector<double> state;
};

// one step of one agent from `state` under `action` with `p` (time limit `limit`)
Outcome StepOnce(const std::string& system, env::EnvParams p, std::vector<double> state,
                 std::vector<double> action, int64_t limit = 1000000, int64_t episode_step = 0) {
  p.max_steps_per_episode = limit;
  auto e = env::MakeEnvironment(system, p);
  std::vector<double> env_state(e->spec().env_state_dim, 0.0);
  env::AgentBlock b{0, 1, state.data(), env_state.empty() ? nullptr : env_state.data(),
                    &episode_step};
  Outcome o{0.0, DoneReason::kNone, {}};
  e->Step(b, action.data(), {&o.reward, &o.done, nullptr});
  o.state = state;
  return o;
}

// what a run config with `json` gets: the ConfigError's message, or "accepted"
std::string ConfigMessage(const std::string& json) {
  SimConfig c;
  try {
    c.ApplyJson(json, "s.json");
    c.Validate();
  } catch (const calf::ConfigError& e) {
    return std::string(e.what());
  }
  return std::string("accepted");
}

}  // namespace

TEST_CASE("A Gaussian spot costs weight at its centre and weight*exp(-1/2) one sigma away",
          "[core][env][scenario]") {
  env::EnvParams plain, spot;
  spot.scenario.spot_x = 1.0;
  spot.scenario.spot_y = -0.5;
  spot.scenario.spot_sigma_x = 0.4;
  spot.scenario.spot_sigma_y = 0.25;
  spot.scenario.spot_weight = 3.0;
  const std::vector<double> a = {0.7, -1.2};
  for (auto [s, expect] : std::vector<std::pair<std::vector<double>, double>>{
           {{1.0, -0.5, 0.3}, 3.0},
           {{1.4, -0.5, 0.3}, 3.0 * std::exp(-0.5)},
           {{1.0, -0.75, -2.0}, 3.0 * std::exp(-0.5)},
           {{0.6, -0.25, 1.0}, 3.0 * std::exp(-1.0)},
           {{-2.0, 2.0, 0.0}, 3.0 * std::exp(-0.5 * (56.25 + 100.0))}}) {
    const Outcome p = StepOnce("differential_drive", plain, s, a);
    const Outcome q = StepOnce("differential_drive", spot, s, a);
    INFO(s[0] << ", " << s[1]);
    CHECK(p.reward - q.reward == Approx(expect).margin(1e-12));
    CHECK(p.state == q.state);  // a cost, not a change of the dynamics
  }
}

TEST_CASE("Quadratic state weights cost sum w_j s_j^2 of the start state", "[core][env][scenario]") {
  env::EnvParams plain, w;
  w.scenario.state_weights = {2.0, 0.5};
  const Outcome p = StepOnce("point_mass", plain, {1.5, -2.0}, {1.0});
  const Outcome q = StepOnce("point_mass", w, {1.5, -2.0}, {1.0});
  CHECK(p.reward - q.reward == Approx(2.0 * 2.25 + 0.5 * 4.0).margin(1e-12));
  // one weight per state coordinate: a wrong count is refused when the environment is made
  w.scenario.state_weights = {1.0, 1.0, 1.0};
  CHECK_THROWS_AS(env::MakeEnvironment("point_mass", w), calf::ConfigError);
  CHECK_NOTHROW(env::MakeEnvironment("differential_drive", w));
}

TEST_CASE("The miss cost is added once, on the step an episode ends without the goal",
          "[core][env][scenario]") {
  env::EnvParams plain, miss;
  miss.scenario.miss_cost = 40.0;
  const std::vector<double> s = {2.0, 1.0, 0.5}, a = {0.1, 0.2};
  // mid-episode: nothing
  CHECK(StepOnce("differential_drive", miss, s, a).reward ==
        StepOnce("differential_drive", plain, s, a).reward);
  // the time limit
  const Outcome p = StepOnce("differential_drive", plain, s, a, 10, 9);
  const Outcome q = StepOnce("differential_drive", miss, s, a, 10, 9);
  REQUIRE(q.done == DoneReason::kTimeLimit);
  CHECK(p.reward - q.reward == 40.0);
  // out of bounds
  const Outcome ob = StepOnce("differential_drive", miss, {4.999, 0.0, 0.0}, {1.0, 0.0});
  REQUIRE(ob.done == DoneReason::kOutOfBounds);
  CHECK(StepOnce("differential_drive", plain, {4.999, 0.0, 0.0}, {1.0, 0.0}).reward - ob.reward ==
        40.0);
  // the goal: no miss
  const Outcome g = StepOnce("differential_drive", miss, {0.01, 0.0, 0.0}, {0.0, 0.0});
  REQUIRE(g.done == DoneReason::kGoal);
  CHECK(g.reward == StepOnce("differential_drive", plain, {0.01, 0.0, 0.0}, {0.0, 0.0}).reward);
}

TEST_CASE("Scenario keys: bad values are refused with one line naming the key",
          "[core][env][scenario][config]") {
  const auto message = ConfigMessage;
  CHECK(message(R"({"scenario": {"spot": {"sigma_x": 0}}})").find("scenario.spot.sigma_x") !=
        std::string::npos);
  CHECK(message(R"({"scenario": {"spot": {"sigma_y": -1}}})").find("scenario.spot.sigma_y") !=
        std::string::npos);
  CHECK(message(R"({"scenario": {"spot": {"weight": -1}}})").find("scenario.spot.weight") !=
        std::string::npos);
  CHECK(message(R"({"scenario": {"state_weights": [1, "a"]}})").find("scenario.state_weights") !=
        std::string::npos);
  CHECK(message(R"({"scenario": {"state_weights": [1, -2]}})").find("scenario.state_weights") !=
        std::string::npos);
  CHECK(message(R"({"scenario": {"miss_cost": NaN}})").find("malformed JSON") !=
        std::string::npos);
  CHECK(message(R"({"scenario": {"spots": {}}})").find("unknown key 'scenario.spots'") !=
        std::string::npos);
  CHECK(message(R"({"scenario": {"spot": {"x": 1, "sigma_x": 0.5, "weight": 2},
                                 "state_weights": [1, 0], "miss_cost": 5}})") == "accepted");
  for (const std::string& m : {message(R"({"scenario": {"spot": {"sigma_x": 0}}})")}) {
    CHECK(m.find('\n') == std::string::npos);
  }
}

TEST_CASE("Action bounds tighter than the family's act like the clipped command",
          "[core][env][scenario]") {
  env::EnvParams plain, bounded;
  bounded.scenario.action_bounds = {0.3, 1.5};
  const std::vector<double> s = {0.5, -0.4, 0.2};
  // the unicycle's own bounds are 1 and 2: a command of (0.9, -1.8) is applied as (0.3, -1.5)
  const Outcome want = StepOnce("differential_drive", plain, s, {0.3, -1.5});
  const Outcome got = StepOnce("differential_drive", bounded, s, {0.9, -1.8});
  CHECK(got.state == want.state);
  CHECK(got.reward == want.reward);
  // within the bounds nothing changes
  CHECK(StepOnce("differential_drive", bounded, s, {0.2, 1.0}).state ==
        StepOnce("differential_drive", plain, s, {0.2, 1.0}).state);
  // the wrong count, or a bound above the family's own: one line naming the key
  env::EnvParams three = plain, wide = plain;
  three.scenario.action_bounds = {0.3, 1.0, 1.0};
  wide.scenario.action_bounds = {1.5, 1.0};
  CHECK_THROWS_WITH(env::MakeEnvironment("differential_drive", three),
                    Catch::Contains("scenario.action_bounds") && Catch::Contains("2 action"));
  CHECK_THROWS_WITH(env::MakeEnvironment("differential_drive", wide),
                    Catch::Contains("scenario.action_bounds[0]") && Catch::Contains("own bound 1"));
}

TEST_CASE("A speed limit caps one action coordinate inside its region only",
          "[core][env][scenario]") {
  env::EnvParams plain, zone;
  zone.scenario.limit_action = 0;  // the unicycle's linear velocity
  zone.scenario.limit_max = 0.2;
  zone.scenario.region_min = {-1.0, -1.0};
  zone.scenario.region_max = {1.0, 0.5};
  // inside (and on the edge): v = 0.8 is applied as 0.2, -0.9 as -0.2; omega untouched
  for (const std::vector<double>& s :
       std::vector<std::vector<double>>{{0.0, 0.0, 0.3}, {1.0, 0.5, -1.0}, {-1.0, -1.0, 2.0}}) {
    INFO(s[0] << ", " << s[1]);
    CHECK(StepOnce("differential_drive", zone, s, {0.8, 1.5}).state ==
          StepOnce("differential_drive", plain, s, {0.2, 1.5}).state);
    CHECK(StepOnce("differential_drive", zone, s, {-0.9, -0.5}).state ==
          StepOnce("differential_drive", plain, s, {-0.2, -0.5}).state);
  }
  // outside: the command as given
  for (const std::vector<double>& s :
       std::vector<std::vector<double>>{{1.01, 0.0, 0.3}, {0.0, 0.51, 0.0}, {-2.0, -2.0, 1.0}}) {
    INFO(s[0] << ", " << s[1]);
    CHECK(StepOnce("differential_drive", zone, s, {0.8, 1.5}).state ==
          StepOnce("differential_drive", plain, s, {0.8, 1.5}).state);
  }
  // the point mass: its one action (the acceleration) limited in a band of (x, v)
  env::EnvParams pm = plain;
  pm.scenario.limit_max = 1.0;
  pm.scenario.region_min = {-0.5, -10.0};
  pm.scenario.region_max = {0.5, 10.0};
  CHECK(StepOnce("point_mass", pm, {0.1, 2.0}, {4.0}).state ==
        StepOnce("point_mass", plain, {0.1, 2.0}, {1.0}).state);
  // an action index the family does not have
  env::EnvParams far = zone;
  far.scenario.limit_action = 2;
  CHECK_THROWS_WITH(env::MakeEnvironment("differential_drive", far),
                    Catch::Contains("scenario.speed_limit.action"));
}

TEST_CASE("Speed limit keys: a region with min above max and half-given corners are refused",
          "[core][env][scenario][config]") {
  const auto message = ConfigMessage;
  const std::string swapped = message(
      R"({"scenario": {"speed_limit": {"max": 0.2, "region_min": [1, 0], "region_max": [-1, 1]}}})");
  CHECK_THAT(swapped, Catch::Contains("scenario.speed_limit.region_min") &&
                          Catch::Contains("above region_max[0]"));
  CHECK(swapped.find('\n') == std::string::npos);
  CHECK_THAT(message(R"({"scenario": {"speed_limit": {"region_min": [1, 0]}}})"),
             Catch::Contains("both hold 2 numbers"));
  CHECK_THAT(message(R"({"scenario": {"speed_limit": {"max": -1}}})"),
             Catch::Contains("scenario.speed_limit.max"));
  CHECK_THAT(message(R"({"scenario": {"action_bounds": [0]}})"),
             Catch::Contains("scenario.action_bounds"));
  CHECK(message(R"({"system": "differential_drive", "scenario": {"action_bounds": [0.5, 1],
        "speed_limit": {"action": 0, "max": 0.2, "region_min": [-1, -1],
                        "region_max": [1, 1]}}})") == "accepted");
}
