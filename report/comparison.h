#pragma once
// The numbers of a `calf compare` report, computed once and shared by the Markdown, HTML and
// chart writers. Data only: nothing here formats text or touches files.

#include <cstdint>
#include <optional>
#include <functional>
#include <string>
#include <vector>

#include "report/profile_data.h"
#include "report/statistics.h"

namespace calf::report {

/// What is compared with what.
struct CompareOptions {
  int focus_n = 20;                          ///< N of the headline, breakdown and ablation table.
  std::string baseline_mode = "baseline";    ///< Old design inside one sweep.
  std::string candidate_mode = "optimized";  ///< New design inside one sweep.
  /// Compare profiles whose system/config differ (listed, not fatal), and profiles from
  /// different machines under require_same_machine.
  bool allow_mismatch = false;
  /// Refuse (calf::ConfigError) profiles from different machines unless allow_mismatch; set for
  /// the regression gate, whose verdicts mean nothing across machines.
  bool require_same_machine = false;
  /// Top-level config keys that are run bookkeeping, not the experiment; not compared. `agents`
  /// and `modes` are the sweep's N list and mode set (each summary carries its own N and mode),
  /// `flag_overrides` is encoded in each summary's mode and flags, `preset` only sets other
  /// keys (compared themselves), `repeats` only sets the sample size. Keys that change timings
  /// (`threads`, `frames`, `warmup`, `render`, sizes, ...) are compared.
  std::vector<std::string> ignored_config_keys = {
      "agents", "modes", "flag_overrides", "preset",   "repeats",    "out_dir",
      "force",  "quiet", "output_dir",     "n_agents", "seed_offset"};
  double alpha = 0.05;             ///< A change is called only when the U test gives p < alpha.
  int bootstrap_resamples = 2000;  ///< Resamples of the speed-up confidence interval.
  double confidence = 0.95;        ///< Confidence of the speed-up interval.
  std::uint64_t seed = 20240607;   ///< Bootstrap seed (reports are reproducible).
  int min_reliable_repeats = 9;    ///< Fewer repeats: verdicts are indicative (one note).
  /// Optional: told how far each bootstrap interval is, (what, rounds done, resamples), e.g.
  /// ("baseline vs optimized at N=1000", 400, 2000); for a progress bar on a terminal.
  std::function<void(const std::string&, int64_t, int64_t)> progress;
};

/// Direction of a change that passed (or failed) the significance test.
enum class Verdict { kFaster, kSlower, kNoChange };

/// Old versus new frame times at one N.
struct Change {
  double old_mean_ms = 0;    ///< Mean frame time of the old design (all frames of all repeats).
  double new_mean_ms = 0;    ///< Same for the new design.
  double change = 0;         ///< (new - old) / |old| of the mean frame time; +0.05 = 5% slower.
  RatioInterval speedup;     ///< old mean / new mean with its bootstrap interval; >1 = faster.
  MannWhitneyResult test;    ///< Per-frame samples, old as x, new as y.
  bool significant = false;  ///< test.p_value < alpha.
  bool reliable = true;      ///< Both sides have >= min_reliable_repeats repeats.
  Verdict verdict = Verdict::kNoChange;  ///< kNoChange unless significant.
};

/// One row of the per-N table.
struct NRow {
  int n_agents = 0;
  double old_fps_avg = 0, new_fps_avg = 0;
  double old_fps_min = 0, new_fps_min = 0;
  double old_ft_avg_ms = 0, new_ft_avg_ms = 0;
  double old_ft_p95_ms = 0, new_ft_p95_ms = 0;
  Change change;
};

/// One design's runs across N (frame_times_ms cleared to keep the comparison small).
struct Design {
  std::string label;                        ///< Name in tables and chart legends.
  std::string mode;                         ///< Profile mode it was taken from.
  std::vector<Summary> runs;                ///< Sorted by n_agents.
  const Summary* Find(int n_agents) const;  ///< nullptr when N was not measured.
};

/// Old and new design of one mode (or baseline vs optimized) over the common N.
struct Series {
  std::string title;  ///< e.g. "baseline vs optimized" or "optimized: prof_old vs prof_new".
  Design old_design, new_design;
  std::vector<NRow> rows;  ///< Common N, ascending.
};

/// The largest measured N a design sustains at an FPS threshold: every measured N up to it holds.
struct Capacity {
  /// Largest N such that every measured N <= it has fps_avg >= threshold; empty when even the
  /// smallest measured N misses.
  std::optional<int> max_n;
  /// The smallest measured N that misses the threshold (the capacity lies between max_n and it);
  /// empty when every measured N holds.
  std::optional<int> first_miss_n;
  bool holds_all = false;  ///< True when even the largest measured N holds (true capacity higher).
};

/// A section's average time and share for both designs at the focus N.
struct BreakdownRow {
  std::string section;
  double old_ms = 0, old_percent = 0, new_ms = 0, new_percent = 0;
};

/// Critic (GPU) queries and draw calls per frame at one N.
struct CounterRow {
  int n_agents = 0;
  double old_gpu_queries = 0, new_gpu_queries = 0;
  double old_draw_calls = 0, new_draw_calls = 0;
  double old_mesh_updates = 0, new_mesh_updates = 0;
  double old_bytes_uploaded = 0, new_bytes_uploaded = 0;
};

/// One mode of the ablation sweep against the baseline at the focus N.
struct AblationRow {
  std::string mode;
  std::vector<std::string> flags_on;  ///< Names of the flags this mode enables.
  double fps_avg = 0;
  double ft_avg_ms = 0;
  Change vs_baseline;  ///< Baseline as old, this mode as new.
};

/// The section that takes the largest share of the frame for each design at one N.
struct BottleneckRow {
  int n_agents = 0;
  std::string old_section, new_section;
  double old_percent = 0, new_percent = 0;
};

/// A significant slowdown beyond the gate threshold.
struct Regression {
  std::string series;  ///< Series title.
  std::string mode;    ///< Mode of the new design.
  int n_agents = 0;
  double change = 0;  ///< (new - old) / |old| of the mean frame time.
  double p_value = 1;
  /// One line naming where: "optimized at N=50: frame time +21.3% (p<0.001) [<series>]"
  /// (p printed with three decimals, or "p<0.001").
  std::string Describe() const;
};

/// Everything a report shows.
struct Comparison {
  bool two_profiles = false;  ///< False: baseline vs optimized inside one sweep.
  /// The inputs' metadata (summaries cleared), then the ablation profile when one was given.
  std::vector<Profile> sources;
  bool has_ablation_profile = false;  ///< sources.back() is a separate ablation profile.
  std::vector<Series> series;         ///< series[0] is the primary one shown in the summary.
  int requested_focus_n = 20;
  int focus_n = 20;  ///< Measured N closest to requested_focus_n in series[0].
  Change headline;   ///< series[0] at focus_n.
  Capacity old_capacity_30, old_capacity_60, new_capacity_30, new_capacity_60;
  std::vector<BreakdownRow> breakdown;     ///< series[0] at focus_n, SectionNames() order.
  std::vector<CounterRow> counters;        ///< series[0], every common N.
  std::vector<AblationRow> ablation;       ///< Empty without ablation modes.
  std::string ablation_source;             ///< Label of the profile the ablation comes from.
  std::string ablation_baseline_source;    ///< Label of the profile its baseline comes from.
  int ablation_n = 0;                      ///< N of the ablation table.
  std::vector<BottleneckRow> bottlenecks;  ///< series[0], every common N.
  std::vector<std::string> mismatches;     ///< Differing system/config fields (allow_mismatch).
  std::vector<std::string> machine_differences;  ///< Differing machine fields.
  CompareOptions options;
};

/// Compares one sweep (options.baseline_mode vs options.candidate_mode) or two profiles (the
/// first is old, the second new; every mode both contain, at every N both measured).
/// `ablation`, when given, is a separate profile (e.g. `calf profile --mode ablation --agents 20`)
/// whose modes make up the ablation table; its baseline (and other modes) fall back to the newest
/// of `profiles` at N it did not measure itself. The ablation table is taken at the N closest to
/// the focus N where the baseline and at least one other mode were measured, so modes may have
/// different N lists.
/// Throws calf::ConfigError for a count other than 1 or 2, missing modes, no common N, summaries
/// of different N, an ablation profile without a baseline at any of its N, and — unless
/// options.allow_mismatch — differing system/config (values named) or, under
/// options.require_same_machine, differing machines.
/// Deterministic (bootstrap seeded by PairSeed). Cost dominated by the bootstrap:
/// O(resamples * frames) per compared (mode, N).
Comparison Compare(const std::vector<Profile>& profiles, const CompareOptions& options,
                   const Profile* ablation = nullptr);

/// The bootstrap seed of one comparison: a function of the base seed, N and the two compared
/// mode names only, so the same pair gets the same interval wherever it appears in a report.
std::uint64_t PairSeed(std::uint64_t seed, int n_agents, const std::string& old_mode,
                       const std::string& new_mode);

/// The largest N such that every measured N up to it has fps_avg >= fps_threshold, and the first
/// measured N that misses.
Capacity CapacityAt(const Design& design, double fps_threshold);

/// Compares two frame-time samples (ms): old as baseline, new as candidate; `what` names
/// the pair for options.progress.
Change CompareSamples(const std::vector<double>& old_ms, const std::vector<double>& new_ms,
                      int old_repeats, int new_repeats, const CompareOptions& options,
                      const std::string& what = "");

/// Every (series, N) where the new design is significantly slower (p < alpha) and its mean frame
/// time grew by more than `threshold` (a fraction: 0.05 for "5%"), in series then N order.
std::vector<Regression> CheckRegressions(const Comparison& comparison, double threshold);

/// Parses a gate threshold in percent, "5%" or "5", to a fraction (0.05). Must be >= 0 and
/// finite; throws calf::ConfigError otherwise.
double ParseThreshold(const std::string& text);

}  // namespace calf::report
