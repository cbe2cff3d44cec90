#pragma once
// `calf compare`: baseline-versus-optimized (or before/after) reports from `calf profile`
// output. Thin: loading, statistics, charts and writers live in report/. See docs/compare.md.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace calf::cli {

/// Flags of `calf compare`.
struct CompareOptions {
  /// One sweep directory, or two profiles (summary JSON files or sweep directories), old first.
  std::vector<std::string> paths;
  std::string out_dir = "report";  ///< --out-dir: report.md, report.html and charts go here.
  int n = 20;                      ///< --n: N of the headline, breakdown and ablation table.
  std::string fail_on_regression;  ///< --fail-on-regression "5%"; empty = no gate.
  bool allow_mismatch = false;     ///< --allow-mismatch: compare differing configs/systems.
  bool json = false;               ///< --json: machine-readable summary on stdout.
  bool quiet = false;              ///< --quiet: no summary on stderr (gate failures still shown).
  std::uint64_t seed = 20240607;   ///< --seed: bootstrap seed.
  int resamples = 2000;            ///< --resamples: bootstrap resamples.
  int min_repeats = 9;             ///< --min-repeats: fewer repeats make verdicts indicative.
  std::string baseline_mode = "baseline";    ///< --old-mode: old design inside one sweep.
  std::string candidate_mode = "optimized";  ///< --new-mode: new design inside one sweep.
  std::string gnuplot = "gnuplot";           ///< --gnuplot: program name or path.
  std::string screenshots;  ///< --screenshots: directory of PNGs to show; empty = none.
  /// --ablation: a separate sweep (or summary) whose modes make up the ablation table, e.g. one
  /// `calf profile --mode ablation --agents 20` run; empty = the ablation modes of the input.
  std::string ablation;
  /// --render-profile: a sweep of both designs with `calf profile --render on`; it leads the
  /// executive summary (drawing included), the main input becomes the render-off line.
  std::string render_profile;
};

/// Registers the `compare` subcommand on `app`; its callback stores RunCompare's result in
/// *exit_code.
void SetupCompareCommand(CLI::App& app, int* exit_code);

/// Writes the report and evaluates the gate. Returns 0, or 1 when --fail-on-regression found a
/// significant slowdown beyond the threshold (one line per mode and N on stderr). Profiles from
/// different machines get a one-line warning on stderr (even with --quiet). Throws
/// calf::ConfigError / IoError (exit 2) for bad input — wrong number of paths, missing files,
/// empty sweeps, mismatched profiles without --allow-mismatch, profiles from different machines
/// under --fail-on-regression without --allow-mismatch, gnuplot absent — and IoError with exit 3
/// when gnuplot fails. Deterministic for the same inputs and --seed.
int RunCompare(const CompareOptions& options);

}  // namespace calf::cli
