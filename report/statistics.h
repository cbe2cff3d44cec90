#pragma once
// Descriptive statistics and the two tests `calf compare` uses to call a change:
// the Mann–Whitney U test and a percentile-bootstrap confidence interval of a ratio of means.
// All functions are pure, deterministic and thread-safe.

#include <cstdint>
#include <functional>
#include <vector>

namespace calf::report {

/// Arithmetic mean. Throws calf::ConfigError on an empty sample.
double Mean(const std::vector<double>& values);

/// Median (mean of the two middle values for an even count). Throws calf::ConfigError when empty.
double Median(const std::vector<double>& values);

/// Sample standard deviation (divisor n - 1); 0 for a single value. Throws when empty.
double StdDev(const std::vector<double>& values);

/// Percentile `p` in [0, 100] with linear interpolation between closest ranks, the numpy
/// default (`numpy.percentile(..., method="linear")`): position (n - 1) * p / 100 in the sorted
/// sample. Throws calf::ConfigError when empty or p is outside [0, 100].
double Percentile(std::vector<double> values, double p);

/// Result of a two-sided Mann–Whitney U test of samples x and y.
struct MannWhitneyResult {
  double u_x = 0;      ///< U of x: pairs (xi, yj) with xi > yj, ties counted 1/2 (scipy's U1).
  double u_y = 0;      ///< U of y; u_x + u_y = nx * ny.
  double z = 0;        ///< Normal score (continuity-corrected); 0 when the exact test was used.
  double p_value = 1;  ///< Two-sided p-value in [0, 1].
  bool exact = false;  ///< True when p comes from the exact distribution of U.
  bool ties = false;   ///< True when the pooled sample has tied values.
};

/// Two-sided Mann–Whitney U test (Wilcoxon rank-sum).
/// Without ties and with min(nx, ny) <= `exact_limit` the exact null distribution of U is used
/// (p = 2 P(U <= min(u_x, u_y)), capped at 1). Otherwise the normal approximation with the tie
/// correction of the variance and a 0.5 continuity correction:
///   mu = nx ny / 2,  sigma^2 = nx ny / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1))),
///   z = (|u_x - mu| - 0.5) / sigma,  p = erfc(z / sqrt 2)  (p = 1 when sigma = 0).
/// Matches scipy.stats.mannwhitneyu(x, y, alternative="two-sided"). O(n log n) (+ O(n·ny·nx)
/// for the exact path). Throws calf::ConfigError when either sample is empty.
MannWhitneyResult MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y,
                               int exact_limit = 8);

/// Most draws one bootstrap interval may take (resamples x (n_num + n_den)); about 10 s.
inline constexpr int64_t kMaxBootstrapDraws = int64_t{2000000000};

/// A ratio of means with a bootstrap confidence interval.
struct RatioInterval {
  double ratio = 0;  ///< mean(numerator) / mean(denominator) on the full samples.
  double low = 0;    ///< Lower bound of the percentile interval.
  double high = 0;   ///< Upper bound of the percentile interval.
};

/// Percentile-bootstrap confidence interval of mean(numerator) / mean(denominator): each of
/// `resamples` rounds resamples both samples independently with replacement, and the interval is
/// the (1 - confidence) / 2 and (1 + confidence) / 2 percentiles (numpy-linear) of the ratios.
/// Deterministic for a given seed on every platform (own index draw from std::mt19937_64, not
/// std::uniform_int_distribution). Cost O(resamples * (n_num + n_den)).
/// Throws calf::ConfigError on empty samples, resamples < 1, confidence outside (0, 1), a
/// non-positive denominator mean, or more than kMaxBootstrapDraws draws (resamples times
/// the two sample sizes: minutes of work; the message gives the largest resamples that fit).
/// `progress` (optional) is called with (rounds done, resamples) every 1% of the rounds.
RatioInterval BootstrapRatioCi(const std::vector<double>& numerator,
                               const std::vector<double>& denominator, int resamples = 2000,
                               double confidence = 0.95, std::uint64_t seed = 20240607,
                               const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace calf::report
