#include "cli/compare_command.h"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/mpi_glue.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/io/output_file.h"
#include "report/report.h"
#include "report/sections.h"

namespace calf::cli {
namespace {

// Most bootstrap resamples (the interval keeps one ratio per resample: 8 MB); the work is
// bounded too (report::kMaxBootstrapDraws).
constexpr int kMaxResamples = 1000000;

}  // namespace

void SetupCompareCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* sub = app.add_subcommand(
      "compare", "Report baseline vs optimized (one sweep) or old vs new (two profiles)");
  sub->add_option("profiles", o->paths,
                  "A sweep directory, or two summary JSON files or two sweep directories (old "
                  "first)")
      ->required()
      ->expected(1, 2);
  sub->add_option("--out-dir", o->out_dir, "Directory for report.md, report.html and the charts")
      ->capture_default_str();
  sub->add_option("--n", o->n, "N of the headline, the section breakdown and the ablation table")
      ->capture_default_str();
  sub->add_option("--fail-on-regression", o->fail_on_regression,
                  "Exit 1 when the newer profile is significantly slower by more than this "
                  "(e.g. 5%) at any N");
  sub->add_flag("--allow-mismatch", o->allow_mismatch,
                "Compare profiles of different configs or systems, and gate profiles from "
                "different machines (listed in the report)");
  sub->add_flag("--json", o->json, "Print a machine-readable summary as JSON on stdout");
  sub->add_flag("--quiet,-q", o->quiet, "No summary on stderr (gate failures are still named)");
  sub->add_option("--seed", o->seed, "Bootstrap seed (reports are reproducible)")
      ->check(SeedRule())
      ->capture_default_str();
  sub->add_option("--resamples", o->resamples, "Bootstrap resamples of the speed-up interval")
      ->capture_default_str();
  sub->add_option("--min-repeats", o->min_repeats,
                  "With fewer repeats per run the report calls its verdicts indicative")
      ->capture_default_str();
  sub->add_option("--old-mode", o->baseline_mode, "Old design when comparing inside one sweep")
      ->capture_default_str();
  sub->add_option("--new-mode", o->candidate_mode, "New design when comparing inside one sweep")
      ->capture_default_str();
  sub->add_option("--ablation", o->ablation,
                  "A separate sweep whose modes (e.g. calf profile --mode ablation --agents 20) "
                  "make up the ablation table; its baseline comes from the main sweep if absent");
  sub->add_option("--render-profile", o->render_profile,
                  "A sweep of both designs profiled with --render on: the summary leads with it "
                  "(drawing included) and labels the main sweep as render off");
  sub->add_option("--screenshots", o->screenshots,
                  "Directory of PNG screenshots (calf screenshot --out-dir) to show in the report");
  sub->add_option("--gnuplot", o->gnuplot, "gnuplot program name (searched in PATH) or path")
      ->capture_default_str();
  sub->footer(
      "Exit codes: 0 report written (gate passed), 1 gate failed, 2 bad input (missing or "
      "empty profiles, mismatched configs, gnuplot absent), 3 gnuplot failed.\n"
      "Examples:\n"
      "  calf compare prof/ --out-dir report/\n"
      "  calf compare prof/ --ablation prof_ablation/ --out-dir report/\n"
      "  calf compare prof/ --render-profile prof_render/ --out-dir report/\n"
      "  calf compare baseline.json optimized.json\n"
      "  calf compare old_sweep/ new_sweep/ --fail-on-regression 5% --json");
  sub->callback(
      [o, exit_code]() { *exit_code = core::AllOrNothing([&] { return RunCompare(*o); }); });
}

int RunCompare(const CompareOptions& o) {
  RequireOneProcess("compare", "a report is one file set");
  if (o.n < 1) throw ConfigError("--n must be >= 1, got " + std::to_string(o.n));
  if (o.resamples < 1 || o.resamples > kMaxResamples) {
    throw ConfigError("--resamples must be in [1, " + std::to_string(kMaxResamples) + "], got " +
                      std::to_string(o.resamples));
  }
  if (o.out_dir.empty()) throw ConfigError("--out-dir is empty; give a directory such as report/");
  report::ReportOptions options;
  options.out_dir = o.out_dir;
  options.compare.focus_n = o.n;
  options.compare.allow_mismatch = o.allow_mismatch;
  options.compare.seed = o.seed;
  options.compare.bootstrap_resamples = o.resamples;
  options.compare.min_reliable_repeats = o.min_repeats;
  options.compare.baseline_mode = o.baseline_mode;
  options.compare.candidate_mode = o.candidate_mode;
  options.chart.gnuplot = o.gnuplot;
  options.screenshots_dir = o.screenshots;
  if (!o.fail_on_regression.empty()) {
    options.fail_on_regression = report::ParseThreshold(o.fail_on_regression);
  }

  // a bar per bootstrap interval on a terminal: with many frames and --resamples in the
  // millions one interval takes seconds
  std::unique_ptr<Progress> bar;
  std::string bar_for;
  if (!o.quiet && StderrIsTty()) {
    options.compare.progress = [&](const std::string& what, int64_t done, int64_t total) {
      if (!bar || what != bar_for) {
        if (bar) bar->Finish();
        bar = std::make_unique<Progress>("compare: " + what, total, true);
        bar_for = what;
      }
      bar->Update(done);
    };
  }
  const report::ReportResult result =
      report::WriteReport({o.paths, o.ablation, o.render_profile}, options);
  if (bar) bar->Finish();
  const report::Comparison& c = result.comparison;

  // shown even with --quiet: it changes what the numbers mean
  if (!c.machine_differences.empty()) {
    std::string fields;
    for (const auto& m : c.machine_differences) fields += (fields.empty() ? "" : ", ") + m;
    std::fprintf(stderr,
                 "calf compare: warning: profiles ran on different machines (%s); absolute "
                 "numbers are not comparable\n",
                 fields.c_str());
  }

  if (o.json) std::printf("%s\n", report::ReportJson(result, options).dump(2).c_str());
  if (!o.quiet) {
    const report::Series& s = c.series.front();
    const report::Change& h = c.headline;
    // drawing included first when there is a render-on sweep, then the pipeline alone
    const auto line = [](const char* label, int n, const report::Series& series,
                         const report::Change& change) {
      const std::string p = report::FormatP(change.test.p_value);
      std::fprintf(stderr,
                   "calf compare: %sN=%d: %s runs at %s the speed of %s (frame time %s, p%s%s)\n",
                   label, n, series.new_design.label.c_str(),
                   report::FormatSpeedup(change.speedup).c_str(), series.old_design.label.c_str(),
                   report::FormatChange(change.change).c_str(), p[0] == '<' ? "" : "=", p.c_str());
    };
    if (result.render) {
      for (const report::NRow& r : result.render->series.front().rows) {
        line("render on:  ", r.n_agents, result.render->series.front(), r.change);
      }
    }
    line(result.render ? "render off: " : "", c.focus_n, s, h);
    for (const auto& m : c.mismatches) {
      std::fprintf(stderr, "calf compare: warning: profiles differ in %s (--allow-mismatch)\n",
                   m.c_str());
    }
    std::fprintf(stderr, "calf compare: wrote %s and %s (%zu charts)\n",
                 result.markdown_path.c_str(), result.html_path.c_str(), result.charts.size());
    if (options.fail_on_regression && result.regressions.empty()) {
      std::fprintf(stderr, "calf compare: gate passed: no significant slowdown beyond %s\n",
                   o.fail_on_regression.c_str());
    }
  }
  // a failed gate names every (mode, N) even with --quiet: it is why the exit code is 1
  for (const auto& r : result.regressions) {
    std::fprintf(stderr, "calf compare: regression: %s\n", r.Describe().c_str());
  }
  return result.exit_code;
}

}  // namespace calf::cli
