#pragma once
// Charts of a comparison, drawn by gnuplot: calf writes a data file and a script per chart
// (into <out_dir>/gnuplot/, so they can be re-run by hand) and runs gnuplot once per chart,
// which writes <name>.svg (terminal svg) and <name>.png (terminal pngcairo) into <out_dir>.

#include <string>
#include <vector>

#include "report/comparison.h"

namespace calf::report {

/// How charts are drawn.
struct ChartOptions {
  std::string gnuplot = "gnuplot";  ///< Program name (searched in PATH) or path to gnuplot.
  int width = 860;                  ///< Pixels (SVG and PNG).
  int height = 480;
};

/// One chart written to disk.
struct ChartFiles {
  std::string name;   ///< File stem: fps_vs_n, breakdown, counters_vs_n, ablation.
  std::string title;  ///< Human title (figure caption).
  std::string svg;    ///< Path of the SVG file.
  std::string png;    ///< Path of the PNG file.
};

/// Resolves the gnuplot executable: a path containing '/' must be executable, a bare name is
/// searched in PATH. Throws calf::ConfigError("gnuplot not found; install gnuplot-nox or run
/// make deps") (exit code 2) otherwise.
std::string FindGnuplot(const std::string& gnuplot);

/// Writes the charts of `comparison` into `out_dir` (created if missing): fps_vs_n (FPS vs N,
/// log N, mean line and min–max band over repeats, 30/60 FPS lines), breakdown (stacked section
/// times per design at the focus N), counters_vs_n (critic queries and draw calls per frame vs
/// N) and, when the comparison has an ablation, ablation (speed-up of each mode over baseline
/// with its confidence interval). Throws ConfigError when gnuplot is missing, calf::IoError when a
/// file cannot be written or gnuplot fails (exit 3, with gnuplot's first error line).
/// Not thread-safe for the same out_dir. Output is deterministic for the same inputs.
std::vector<ChartFiles> WriteCharts(const Comparison& comparison, const std::string& out_dir,
                                    const ChartOptions& options);

}  // namespace calf::report
