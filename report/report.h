#pragma once
// One call that does everything `calf compare` needs: load the profiles, compare them, draw the
// charts with gnuplot, write report.md and report.html, and evaluate the regression gate.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "report/charts.h"
#include "report/comparison.h"
#include "report/profile_data.h"
#include "report/sections.h"

namespace calf::report {

/// What to compare: one sweep directory (baseline vs optimized inside it), or two profiles —
/// two summary JSON files or two sweep directories — the first old, the second new.
struct ReportInputs {
  std::vector<std::string> paths;
  /// Optional separate ablation profile (sweep directory or summary) whose modes make up the
  /// ablation table (see Compare); empty = the ablation modes of the (newer) input, if any.
  std::string ablation_path = {};
  /// Optional sweep of the same two designs profiled with `--render on` (drawing included);
  /// when given it leads the executive summary and the render-off input is the second line.
  std::string render_path = {};
};

/// How to compare and where to write.
struct ReportOptions {
  CompareOptions compare;          ///< Focus N, modes, statistics, --allow-mismatch.
  std::string out_dir = "report";  ///< Created if missing; existing report files overwritten.
  bool charts = true;              ///< Draw charts (needs gnuplot).
  ChartOptions chart;              ///< gnuplot path and chart size.
  bool markdown_images = true;     ///< Link the PNG charts from report.md.
  /// --fail-on-regression as a fraction (0.05 for "5%"; see ParseThreshold); unset = no gate.
  std::optional<double> fail_on_regression;
  /// Directory of PNG screenshots (`calf screenshot --out-dir`) shown in a Screenshots section;
  /// empty = none. Every *.png below it is included, sorted by path, at most kMaxScreenshots.
  std::string screenshots_dir;
};

/// Most screenshots a report embeds (the HTML inlines each one).
inline constexpr int kMaxScreenshots = 12;

/// What was written and whether the gate failed.
struct ReportResult {
  std::string markdown_path;            ///< <out_dir>/report.md
  std::string html_path;                ///< <out_dir>/report.html
  std::vector<ChartFiles> charts;       ///< Empty when options.charts is false.
  std::vector<Regression> regressions;  ///< Gate failures (empty without a gate).
  int exit_code = 0;                    ///< 1 when the gate failed, else 0.
  Comparison comparison;                ///< The numbers behind the report.
  std::optional<Comparison> render;     ///< The render-on sweep's comparison, when given.
};

/// Loads `inputs.paths` (LoadProfile), compares them (Compare), writes the charts (WriteCharts),
/// report.md and report.html into options.out_dir and evaluates the gate (CheckRegressions).
/// With a gate, profiles from different machines are refused unless allow_mismatch.
/// gnuplot is looked up before any work, so a missing gnuplot fails fast.
/// Throws calf::ConfigError / calf::IoError (exit 2) for bad input — wrong number of paths,
/// missing files, empty sweeps, mismatched profiles, gnuplot absent — and calf::IoError with
/// exit 3 when gnuplot itself fails. A failed gate is not an exception: exit_code is 1.
/// A screenshots_dir that is missing or holds no PNG is a ConfigError, and so is a render_path
/// that is not a sweep or holds a run profiled with --render off.
/// Deterministic for the same inputs and options. Not thread-safe for the same out_dir.
ReportResult WriteReport(const ReportInputs& inputs, const ReportOptions& options);

/// The PNG files and videos (.mp4, .webp, .gif) below `dir` (recursively, sorted by path, at
/// most kMaxScreenshots) with links
/// relative to `report_dir`. Throws calf::ConfigError when `dir` is not a directory or holds no
/// PNG file.
std::vector<ImageRef> FindScreenshots(const std::string& dir, const std::string& report_dir);

/// The machine-readable summary `calf compare --json` prints:
///   {"headline": {n_agents, requested_n_agents, old, new, speedup, ci_low, ci_high, confidence,
///                 p_value, change, significant, verdict, old_mean_ms, new_mean_ms},
///    "capacity": {"30": {old, new, old_first_miss, new_first_miss}, "60": {...}},
///                // largest N up to which every N holds / first N that misses; null when none
///    "ablation": {n_agents, source, baseline_source, rows: [{mode, flags_on, speedup, ci_low,
///                 ci_high, p_value, change, verdict, reliable}]} or null,
///    "series": [{title, old, new, rows: [{n_agents, old_fps_avg, new_fps_avg, change, speedup,
///                ci_low, ci_high, p_value, verdict, reliable}]}],
///    "gate": {threshold, passed} or null, "regressions": [{mode, n_agents, change, p_value,
///    series, message}], "mismatches": [...], "machine_differences": [...],
///    "written": {markdown, html, charts: [{name, svg, png}]}, "exit_code": 0|1}
/// verdict is "faster", "slower" or "no_change"; change is (new - old) / |old| of the mean frame
/// time. Pure function of its arguments.
nlohmann::json ReportJson(const ReportResult& result, const ReportOptions& options);

}  // namespace calf::report
