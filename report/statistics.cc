#include "report/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "core/error.h"

namespace calf::report {
namespace {

void RequireNonEmpty(const std::vector<double>& values, const char* what) {
  if (values.empty()) {
    throw ConfigError(std::string(what) + ": empty sample; a profile needs at least one frame");
  }
}

// Uniform index in [0, n) from a 64-bit engine by rejection, identical on every standard library.
std::size_t DrawIndex(std::mt19937_64& engine, std::uint64_t n) {
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t r = engine();
  while (r >= limit) r = engine();
  return static_cast<std::size_t>(r % n);
}

double ResampledMean(std::mt19937_64& engine, const std::vector<double>& values) {
  double sum = 0;
  const std::uint64_t n = values.size();
  for (std::size_t i = 0; i < values.size(); ++i) sum += values[DrawIndex(engine, n)];
  return sum / static_cast<double>(n);
}

// P(U <= u) under H0 for samples of sizes m and n without ties: count the m-subsets of the
// ranks 1..m+n by U = rank sum - m(m+1)/2 (dynamic programming over ranks).
double ExactLowerTail(int m, int n, double u) {
  if (m > n) std::swap(m, n);
  const int total = m + n;
  const int max_u = m * n;
  // ways[k][v]: ways to pick k of the ranks seen so far with U-contribution v, where picking the
  // rank r as the k-th smallest adds r - k to U
  std::vector<std::vector<double>> ways(m + 1, std::vector<double>(max_u + 1, 0.0));
  ways[0][0] = 1.0;
  for (int r = 1; r <= total; ++r) {
    for (int k = std::min(m, r); k >= 1; --k) {
      const int add = r - k;
      if (add > n) continue;
      for (int v = max_u; v >= add; --v) ways[k][v] += ways[k - 1][v - add];
    }
  }
  double all = 0, below = 0;
  for (int v = 0; v <= max_u; ++v) {
    all += ways[m][v];
    if (v <= u + 1e-9) below += ways[m][v];
  }
  return below / all;
}

}  // namespace

double Mean(const std::vector<double>& values) {
  RequireNonEmpty(values, "mean");
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

double Median(const std::vector<double>& values) {
  RequireNonEmpty(values, "median");
  return Percentile(values, 50.0);
}

double StdDev(const std::vector<double>& values) {
  RequireNonEmpty(values, "stddev");
  if (values.size() == 1) return 0.0;
  const double mean = Mean(values);
  double sum_sq = 0;
  for (double v : values) sum_sq += (v - mean) * (v - mean);
  return std::sqrt(sum_sq / static_cast<double>(values.size() - 1));
}

double Percentile(std::vector<double> values, double p) {
  RequireNonEmpty(values, "percentile");
  if (!(p >= 0.0 && p <= 100.0)) {
    throw ConfigError("percentile: p = " + std::to_string(p) + " is outside [0, 100]");
  }
  std::sort(values.begin(), values.end());
  const double pos = (static_cast<double>(values.size()) - 1.0) * p / 100.0;
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

MannWhitneyResult MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y,
                               int exact_limit) {
  RequireNonEmpty(x, "mann-whitney u (first sample)");
  RequireNonEmpty(y, "mann-whitney u (second sample)");
  const std::size_t nx = x.size(), ny = y.size(), n = nx + ny;
  // pooled values tagged with their sample, ranked with ties given their average rank
  std::vector<std::pair<double, bool>> pooled;
  pooled.reserve(n);
  for (double v : x) pooled.emplace_back(v, true);
  for (double v : y) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0, tie_term = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double avg_rank = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_x += avg_rank;
    }
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  MannWhitneyResult result;
  const double dnx = static_cast<double>(nx), dny = static_cast<double>(ny);
  const double dn = static_cast<double>(n);
  result.u_x = rank_sum_x - dnx * (dnx + 1.0) / 2.0;
  result.u_y = dnx * dny - result.u_x;
  result.ties = tie_term > 0;
  if (!result.ties && static_cast<int>(std::min(nx, ny)) <= exact_limit) {
    result.exact = true;
    const double tail = ExactLowerTail(static_cast<int>(nx), static_cast<int>(ny),
                                       std::min(result.u_x, result.u_y));
    result.p_value = std::min(1.0, 2.0 * tail);
    return result;
  }
  const double mu = dnx * dny / 2.0;
  const double var = dnx * dny / 12.0 * ((dn + 1.0) - tie_term / (dn * (dn - 1.0)));
  if (!(var > 0)) {
    result.p_value = 1.0;  // every value equal: no evidence of a difference
    return result;
  }
  const double z = std::max(0.0, std::fabs(result.u_x - mu) - 0.5) / std::sqrt(var);
  result.z = z;
  result.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return result;
}

RatioInterval BootstrapRatioCi(const std::vector<double>& numerator,
                               const std::vector<double>& denominator, int resamples,
                               double confidence, std::uint64_t seed,
                               const std::function<void(int64_t, int64_t)>& progress) {
  RequireNonEmpty(numerator, "bootstrap (numerator)");
  RequireNonEmpty(denominator, "bootstrap (denominator)");
  if (resamples < 1) {
    throw ConfigError("bootstrap: resamples = " + std::to_string(resamples) + " must be >= 1");
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw ConfigError("bootstrap: confidence = " + std::to_string(confidence) +
                      " must be in (0, 1)");
  }
  // bounded work: 3 M frame times at the default 2000 resamples would take minutes
  const int64_t per_round = static_cast<int64_t>(numerator.size() + denominator.size());
  if (per_round * resamples > kMaxBootstrapDraws) {
    throw ConfigError(
        "bootstrap: " + std::to_string(resamples) + " resamples of " +
        std::to_string(numerator.size()) + " + " + std::to_string(denominator.size()) +
        " frame times exceed " + std::to_string(kMaxBootstrapDraws) +
        " draws (minutes of work); use " + "--resamples " +
        std::to_string(std::max<int64_t>(1, kMaxBootstrapDraws / per_round)) + " or fewer");
  }
  const double den_mean = Mean(denominator);
  if (!(den_mean > 0)) {
    throw ConfigError("bootstrap: the denominator mean must be positive (frame times in ms)");
  }
  RatioInterval result;
  result.ratio = Mean(numerator) / den_mean;
  std::mt19937_64 engine(seed);
  std::vector<double> ratios;
  ratios.reserve(static_cast<std::size_t>(resamples));
  const int every = std::max(1, resamples / 100);
  for (int r = 0; r < resamples; ++r) {
    const double num = ResampledMean(engine, numerator);
    const double den = ResampledMean(engine, denominator);
    // a resampled mean of positive frame times is positive; guard anyway
    ratios.push_back(den > 0 ? num / den : result.ratio);
    if (progress && ((r + 1) % every == 0 || r + 1 == resamples)) progress(r + 1, resamples);
  }
  const double alpha = (1.0 - confidence) / 2.0;
  result.low = Percentile(ratios, 100.0 * alpha);
  result.high = Percentile(std::move(ratios), 100.0 * (1.0 - alpha));
  return result;
}

}  // namespace calf::report
