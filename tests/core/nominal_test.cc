#include "core/policy/nominal.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/systems/system.h"

using namespace calf::core;

TEST_CASE("PD drives the point mass into the goal from every corner of [-3,3]^2",
          "[core][nominal]") {
  for (double x : {-3.0, 3.0}) {
    for (double v : {-3.0, 3.0}) {
      double s[2] = {x, v};
      NominalParams p;
      int steps = -1;
      for (int k = 0; k < 5000 && steps < 0; ++k) {
        double a[1], next[2];
        NominalAction(SystemKind::kPointMass, p, s, a);
        CHECK(std::abs(a[0]) <= 5.0);
        Rk4Step(SystemKind::kPointMass, s, a, 0.01, next);
        s[0] = next[0];
        s[1] = next[1];
        if (std::hypot(s[0], s[1]) < 0.05) steps = k + 1;
        CHECK(std::abs(s[0]) <= 5.0);
      }
      INFO("start " << x << ", " << v);
      CHECK(steps > 0);
    }
  }
}

TEST_CASE("move_to_point brings the unicycle into the goal from the four reference starts",
          "[core][nominal]") {
  const double starts[4][3] = {{2, 0, 0}, {0, 2, M_PI / 2}, {-1, -1, -M_PI / 4}, {1.5, 1.5, M_PI}};
  for (const auto& st : starts) {
    double s[3] = {st[0], st[1], st[2]};
    NominalParams p;
    bool reached = false;
    for (int k = 0; k < 2000 && !reached; ++k) {
      double a[2], next[3];
      NominalAction(SystemKind::kDifferentialDrive, p, s, a);
      CHECK(std::abs(a[0]) <= 1.0);
      CHECK(std::abs(a[1]) <= 2.0);
      Rk4Step(SystemKind::kDifferentialDrive, s, a, 0.01, next);
      for (int j = 0; j < 3; ++j) s[j] = next[j];
      reached = std::hypot(s[0], s[1]) < 0.1 && std::abs(s[2]) < 0.1;
    }
    INFO("start " << st[0] << ", " << st[1] << ", " << st[2] << " ended at " << s[0] << ", " << s[1]
                  << ", " << s[2]);
    CHECK(reached);
  }
}
