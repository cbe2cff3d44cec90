#include "core/policy/calf_selector.h"

#include <catch2/catch.hpp>

using namespace calf::core;

namespace {
struct Fixture {
  CalfParams p;
  CalfState cs;
  double s[2] = {1.0, 1.0};  // |s|² = 2
  double actor[1] = {0.5};
  double nominal[1] = {-2.0};
  double chosen[1] = {0};
  Fixture() { cs.Resize(2, 2, 1, p.lambda_relax); }
  Mode Select(double q, double u, int64_t agent = 0) {
    CalfInput in{s, actor, nominal, q, u};
    return CalfSelect(p, in, 2, 1, agent, cs, chosen);
  }
};
}  // namespace

TEST_CASE("The first CALF step certifies and stores the certificate", "[core][calf]") {
  Fixture f;
  CHECK(f.Select(-1.0, 0.999) == Mode::kCertified);
  CHECK(f.chosen[0] == 0.5);
  CHECK(f.cs.has_cert[0] == 1);
  CHECK(f.cs.q_dag[0] == -1.0);
  CHECK(f.cs.s_dag[0] == 1.0);
  CHECK(f.cs.a_dag[0] == 0.5);
}

TEST_CASE("CALF certifies an improvement of at least nu_bar inside the kappa bounds",
          "[core][calf]") {
  Fixture f;
  f.Select(-1.0, 0.5);
  // q - q† = 0.01 >= nu_bar, 0.02 <= 0.99 <= 2000
  CHECK(f.Select(-0.99, 0.999) == Mode::kCertified);
  CHECK(f.cs.q_dag[0] == -0.99);
}

TEST_CASE("CALF falls back to the nominal action when u >= P_relax", "[core][calf]") {
  Fixture f;
  f.Select(-1.0, 0.5);
  // improvement too small
  CHECK(f.Select(-0.995, 0.9999999) == Mode::kFallback);
  CHECK(f.chosen[0] == -2.0);
  CHECK(f.cs.q_dag[0] == -1.0);  // certificate unchanged
}

TEST_CASE("CALF relaxes to the actor when u < P_relax", "[core][calf]") {
  Fixture f;
  f.Select(-1.0, 0.5);
  CHECK(f.Select(-1.5, 0.1) == Mode::kRelax);
  CHECK(f.chosen[0] == 0.5);
  CHECK(f.cs.q_dag[0] == -1.0);
}

TEST_CASE("CALF rejects values outside the kappa bounds", "[core][calf]") {
  Fixture f;
  f.Select(-1.0, 0.5);
  // improvement is large but -q = 0.001 < kappa_low |s|² = 0.02
  CHECK(f.Select(-0.001, 0.9999999) == Mode::kFallback);
  CHECK_FALSE(CalfCertifies(f.p, true, -5000.0, -2001.0, 2.0));  // above kappa_up |s|²
  CHECK(CalfCertifies(f.p, true, -5000.0, -1999.0, 2.0));
}

TEST_CASE("P_relax decays by lambda_relax every step, per agent", "[core][calf]") {
  Fixture f;
  f.p.lambda_relax = 0.5;
  f.cs.Resize(2, 2, 1, 0.5);
  f.Select(-1.0, 0.0);
  CHECK(f.cs.p_relax[0] == 0.25);
  f.Select(-1.0, 0.0);
  CHECK(f.cs.p_relax[0] == 0.125);
  CHECK(f.cs.p_relax[1] == 0.5);  // the other agent is untouched
  CHECK(f.cs.has_cert[1] == 0);
}

TEST_CASE("Resetting the certificate makes the next step certify again", "[core][calf]") {
  Fixture f;
  f.Select(-1.0, 0.5);
  CHECK(f.Select(-1.5, 0.9999999) == Mode::kFallback);
  const double p = f.cs.p_relax[0];
  CalfResetCertificate(f.cs, 0);
  CHECK(f.cs.p_relax[0] == p);  // P_relax carries over
  CHECK(f.Select(-1.5, 0.9999999) == Mode::kCertified);
}
