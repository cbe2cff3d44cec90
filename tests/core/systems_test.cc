#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.h"
#include "core/systems/system.h"

using namespace calf::core;

TEST_CASE("RK4 reproduces the double integrator's exact solution under constant action",
          "[core][systems]") {
  // x(t) = x0 + v0 t + a t²/2, v(t) = v0 + a t: RK4 is exact for polynomials of degree <= 4
  double s[2] = {1.25, -0.5};
  const double a[1] = {2.0};
  const double dt = 0.01;
  const int steps = 1000;
  for (int k = 0; k < steps; ++k) {
    double next[2];
    Rk4Step(SystemKind::kPointMass, s, a, dt, next);
    s[0] = next[0];
    s[1] = next[1];
  }
  const double t = dt * steps;
  CHECK(s[0] == Approx(1.25 - 0.5 * t + 0.5 * 2.0 * t * t).epsilon(1e-12));
  CHECK(s[1] == Approx(-0.5 + 2.0 * t).epsilon(1e-12));
}

TEST_CASE("RK4 follows the unicycle's circular arc under constant v and omega", "[core][systems]") {
  // constant (v, ω) from (0,0,0): x = v/ω sin(ωt), y = v/ω (1 - cos(ωt))
  double s[3] = {0, 0, 0};
  const double a[2] = {1.0, 0.5};
  for (int k = 0; k < 200; ++k) {
    double next[3];
    Rk4Step(SystemKind::kDifferentialDrive, s, a, 0.01, next);
    for (int j = 0; j < 3; ++j) s[j] = next[j];
  }
  const double t = 2.0;
  CHECK(s[0] == Approx(2.0 * std::sin(0.5 * t)).margin(1e-9));
  CHECK(s[1] == Approx(2.0 * (1 - std::cos(0.5 * t))).margin(1e-9));
  CHECK(s[2] == Approx(0.5 * t).margin(1e-12));
}

TEST_CASE("The unicycle heading is wrapped to [-pi, pi]", "[core][systems]") {
  double s[3] = {0, 0, M_PI - 0.001};
  const double a[2] = {0.0, 2.0};
  double next[3];
  Rk4Step(SystemKind::kDifferentialDrive, s, a, 0.01, next);
  CHECK(next[2] == Approx(-M_PI + 0.019).margin(1e-9));
  CHECK(WrapAngle(3 * M_PI) == Approx(M_PI).margin(1e-12));
  CHECK(WrapAngle(-7.0) == Approx(-7.0 + 2 * M_PI).margin(1e-12));
}

TEST_CASE("Actions are clipped to the system limits", "[core][systems]") {
  double a1[1] = {7.0};
  ClipAction(GetSystemSpec(SystemKind::kPointMass), a1);
  CHECK(a1[0] == 5.0);
  double a2[2] = {-3.0, 2.5};
  ClipAction(GetSystemSpec(SystemKind::kDifferentialDrive), a2);
  CHECK(a2[0] == -1.0);
  CHECK(a2[1] == 2.0);
  double a3[1] = {std::nan("")};
  ClipAction(GetSystemSpec(SystemKind::kPointMass), a3);
  CHECK(a3[0] == 0.0);
}

TEST_CASE("Rewards follow the documented formulas", "[core][systems]") {
  const double s[2] = {3.0, 4.0}, a[1] = {2.0};
  CHECK(Reward(SystemKind::kPointMass, s, a) == Approx(-5.0 - 0.04));
  const double u[3] = {0.0, -2.0, -1.0}, b[2] = {1.0, 2.0};
  CHECK(Reward(SystemKind::kDifferentialDrive, u, b) == Approx(-2.0 - 0.1 - 0.05));
}

TEST_CASE("Unknown systems are rejected with a usage error", "[core][systems]") {
  CHECK(ParseSystem("unicycle") == SystemKind::kDifferentialDrive);
  try {
    ParseSystem("cartpole");
    FAIL("no error");
  } catch (const calf::ConfigError& e) {
    CHECK(std::string(e.what()).find("cartpole") != std::string::npos);
  }
}
