#include "report/statistics.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "core/error.h"

using calf::report::BootstrapRatioCi;
using calf::report::MannWhitneyU;
using calf::report::Mean;
using calf::report::Median;
using calf::report::Percentile;
using calf::report::StdDev;

namespace {

// U of x by direct pair counting (ties 1/2): an independent definition of the statistic.
double PairCountU(const std::vector<double>& x, const std::vector<double>& y) {
  double u = 0;
  for (double a : x) {
    for (double b : y) u += a > b ? 1.0 : a == b ? 0.5 : 0.0;
  }
  return u;
}

// Exact two-sided p by enumerating every split of the pooled sample (permutation test on U).
double EnumeratedExactP(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> pooled = x;
  pooled.insert(pooled.end(), y.begin(), y.end());
  const std::size_t n = pooled.size(), m = x.size();
  const double u_obs = std::min(PairCountU(x, y), PairCountU(y, x));
  std::vector<bool> pick(n, false);
  std::fill(pick.begin(), pick.begin() + m, true);
  double total = 0, extreme = 0;
  std::sort(pick.begin(), pick.end());
  do {
    std::vector<double> a, b;
    for (std::size_t i = 0; i < n; ++i) (pick[i] ? a : b).push_back(pooled[i]);
    const double u = PairCountU(a, b);
    total += 1;
    if (u <= u_obs + 1e-12) extreme += 1;
  } while (std::next_permutation(pick.begin(), pick.end()));
  return std::min(1.0, 2.0 * extreme / total);
}

std::vector<double> Normal(double mean, double sd, int n, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<double> dist(mean, sd);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(std::max(0.01, dist(engine)));
  return out;
}

}  // namespace

TEST_CASE("Descriptive statistics match hand-computed values", "[report][statistics]") {
  const std::vector<double> v = {2, 4, 4, 4, 5, 5, 7, 9};
  CHECK(Mean(v) == Approx(5.0));
  CHECK(Median(v) == Approx(4.5));
  // sum of squared deviations = 32, divisor n - 1 = 7
  CHECK(StdDev(v) == Approx(std::sqrt(32.0 / 7.0)));
  CHECK(StdDev({3.0}) == 0.0);
  CHECK(Median({5.0, 1.0, 3.0}) == Approx(3.0));
  CHECK_THROWS_AS(Mean({}), calf::ConfigError);
}

TEST_CASE("Percentile interpolates linearly like numpy's default", "[report][statistics]") {
  // numpy.percentile([1, 2, 3, 4], q): position (n - 1) q / 100
  const std::vector<double> a = {4, 1, 3, 2};
  CHECK(Percentile(a, 0) == Approx(1.0));
  CHECK(Percentile(a, 25) == Approx(1.75));
  CHECK(Percentile(a, 50) == Approx(2.5));
  CHECK(Percentile(a, 95) == Approx(3.85));
  CHECK(Percentile(a, 100) == Approx(4.0));
  // numpy.percentile([15, 20, 35, 40, 50], 40) == 29.0
  CHECK(Percentile({15, 20, 35, 40, 50}, 40) == Approx(29.0));
  CHECK(Percentile({7.0}, 95) == Approx(7.0));
  CHECK_THROWS_AS(Percentile({1.0, 2.0}, 101), calf::ConfigError);
}

TEST_CASE("Mann-Whitney U of fully separated samples is zero with exact p", "[report][mwu]") {
  // x = {1,2,3}, y = {4,5,6}: no x exceeds any y, U_x = 0, U_y = 9. Only 1 of C(6,3) = 20
  // splits is this extreme on each side: p = 2 / 20 = 0.1 (scipy gives 0.1).
  const auto r = MannWhitneyU({1, 2, 3}, {4, 5, 6});
  CHECK(r.u_x == 0.0);
  CHECK(r.u_y == 9.0);
  CHECK(r.exact);
  CHECK(r.p_value == Approx(0.1));
  // five against five: p = 2 / C(10,5) = 2 / 252
  CHECK(MannWhitneyU({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}).p_value == Approx(2.0 / 252.0));
}

TEST_CASE("Mann-Whitney U of interleaved samples is not significant", "[report][mwu]") {
  // x = {1,3,5}, y = {2,4,6}: U_x = 0 + 1 + 2 = 3. The null counts of U for 3 vs 3 are
  // 1,1,2,3,3,3,3,2,1,1 (u = 0..9), so P(U <= 3) = 7/20 and p = 0.7.
  const auto r = MannWhitneyU({1, 3, 5}, {2, 4, 6});
  CHECK(r.u_x == 3.0);
  CHECK(r.p_value == Approx(0.7));
}

TEST_CASE("Mann-Whitney U with ties uses the corrected normal approximation", "[report][mwu]") {
  // x = {1,2,2}, y = {2,3,4}: pooled ranks 1, 3,3,3, 5, 6; R_x = 7, U_x = 7 - 6 = 1.
  // mu = 4.5; one tie group of t = 3: sum(t^3 - t) = 24; n = 6:
  // sigma^2 = 9/12 * (7 - 24/30) = 4.65; z = (|1 - 4.5| - 0.5) / sqrt(4.65) = 1.391217;
  // p = erfc(z / sqrt 2) = 0.1641597.
  const auto r = MannWhitneyU({1, 2, 2}, {2, 3, 4});
  CHECK(r.ties);
  CHECK_FALSE(r.exact);
  CHECK(r.u_x == 1.0);
  CHECK(r.z == Approx(1.3912166872805047));
  CHECK(r.p_value == Approx(0.16415972847851523));
  // all values equal: no evidence at all
  CHECK(MannWhitneyU({3, 3, 3}, {3, 3}).p_value == 1.0);
}

TEST_CASE("Mann-Whitney exact p equals a brute-force permutation test", "[report][mwu]") {
  std::mt19937 engine(7);
  std::uniform_real_distribution<double> dist(0.0, 10.0);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<double> x(4 + trial % 2), y(5);
    for (auto& v : x) v = dist(engine) + 0.8 * trial;
    for (auto& v : y) v = dist(engine);
    const auto r = MannWhitneyU(x, y);
    REQUIRE(r.exact);
    CHECK(r.u_x == PairCountU(x, y));
    CHECK(r.p_value == Approx(EnumeratedExactP(x, y)));
  }
}

TEST_CASE("Mann-Whitney U agrees with pair counting on large samples", "[report][mwu]") {
  const auto x = Normal(10, 1, 300, 1), y = Normal(10.5, 1, 250, 2);
  const auto r = MannWhitneyU(x, y);
  CHECK_FALSE(r.exact);
  CHECK(r.u_x == Approx(PairCountU(x, y)));
  CHECK(r.u_x + r.u_y == Approx(300.0 * 250.0));
  CHECK(r.p_value < 1e-6);
  // swapping the samples swaps U and keeps p
  const auto s = MannWhitneyU(y, x);
  CHECK(s.u_x == Approx(r.u_y));
  CHECK(s.p_value == Approx(r.p_value));
}

TEST_CASE("Bootstrap interval of a ratio of means covers the true ratio", "[report][bootstrap]") {
  // means 10 and 5: true ratio 2
  const auto num_small = Normal(10, 2, 200, 11), den_small = Normal(5, 1, 200, 12);
  const auto num_large = Normal(10, 2, 5000, 13), den_large = Normal(5, 1, 5000, 14);
  const auto small = BootstrapRatioCi(num_small, den_small, 2000, 0.95, 42);
  const auto large = BootstrapRatioCi(num_large, den_large, 2000, 0.95, 42);
  CHECK(small.low < 2.0);
  CHECK(small.high > 2.0);
  CHECK(large.low < 2.0);
  CHECK(large.high > 2.0);
  CHECK(small.low < small.ratio);
  CHECK(small.ratio < small.high);
  CHECK(small.ratio == Approx(Mean(num_small) / Mean(den_small)));
  // 25x the samples: about 5x narrower
  CHECK((large.high - large.low) < 0.4 * (small.high - small.low));
}

TEST_CASE("Bootstrap interval is reproducible for a seed", "[report][bootstrap]") {
  const auto a = Normal(10, 2, 100, 3), b = Normal(8, 2, 100, 4);
  const auto r1 = BootstrapRatioCi(a, b, 500, 0.95, 99);
  const auto r2 = BootstrapRatioCi(a, b, 500, 0.95, 99);
  const auto r3 = BootstrapRatioCi(a, b, 500, 0.95, 100);
  CHECK(r1.low == r2.low);
  CHECK(r1.high == r2.high);
  CHECK((r1.low != r3.low || r1.high != r3.high));
  CHECK_THROWS_AS(BootstrapRatioCi(a, {}, 500), calf::ConfigError);
  CHECK_THROWS_AS(BootstrapRatioCi(a, b, 500, 1.5), calf::ConfigError);
}

TEST_CASE("Bootstrap progress reports every 1% of the rounds and changes no result",
          "[report][bootstrap]") {
  const auto a = Normal(10, 2, 100, 3), b = Normal(8, 2, 100, 4);
  std::vector<int64_t> seen;
  const auto with = BootstrapRatioCi(a, b, 750, 0.95, 99, [&](int64_t done, int64_t total) {
    CHECK(total == 750);
    seen.push_back(done);
  });
  const auto without = BootstrapRatioCi(a, b, 750, 0.95, 99);
  CHECK(with.low == without.low);
  CHECK(with.high == without.high);
  // every 7 rounds (750 / 100), and the last one
  REQUIRE(seen.size() == 108u);
  CHECK(seen.front() == 7);
  CHECK(seen.back() == 750);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}
