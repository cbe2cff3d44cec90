#pragma once
// The report's content as plain-text sections and tables, built once from a Comparison and
// rendered by the Markdown and HTML writers (so both show the same numbers).

#include <optional>
#include <string>
#include <vector>

#include "report/charts.h"
#include "report/comparison.h"

namespace calf::report {

/// A table of preformatted cells; `numeric[i]` right-aligns column i.
struct Table {
  std::string caption;  ///< Optional line shown above the table.
  std::vector<std::string> header;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
};

/// A picture shown in a section: a PNG screenshot, or a video (MP4, animated WebP or GIF)
/// from `calf screenshot --video`.
struct ImageRef {
  /// What the file is; the HTML embeds a video as <video>, the rest as <img>.
  enum class Kind { kPng, kMp4, kWebp, kGif };
  Kind kind = Kind::kPng;
  std::string path;     ///< File to embed (HTML reads it); absolute or relative to the cwd.
  std::string link;     ///< Path relative to the report directory (Markdown links it).
  std::string caption;  ///< Shown under the picture: the file's path below the screenshot dir.
};

/// One report section. Text is plain (writers escape it); `code` is shown preformatted.
struct Section {
  std::string id;  ///< Anchor: "summary", "per-n", "breakdown", ...
  std::string title;
  std::vector<std::string> paragraphs;
  std::vector<std::string> bullets;
  std::vector<Table> tables;
  std::vector<std::string> charts;  ///< ChartFiles::name of the charts shown here.
  std::vector<ImageRef> images;     ///< Pictures and videos shown after the charts.
  std::string code_caption;         ///< Line shown above `code`.
  std::string code;                 ///< e.g. the config JSON.
};

/// Gate outcome to show in the report, when a threshold was given.
struct GateOutcome {
  double threshold = 0.05;  ///< Fraction.
  std::vector<Regression> regressions;
};

/// Builds the sections in report order: summary, gate (if any), per-N, breakdown, counters,
/// ablation, bottlenecks, recommendations (findings read off the numbers), screenshots (when
/// `screenshots` is not empty), method, machine and config. With `render` (the comparison of
/// a --render on sweep) the summary leads with drawing included — a headline per N and a
/// table of FPS, speed-up and interval — and labels `comparison`'s headline as the render-off
/// pipeline, second. Deterministic; no I/O.
std::vector<Section> BuildSections(const Comparison& comparison,
                                   const std::optional<GateOutcome>& gate,
                                   const std::vector<ImageRef>& screenshots = {},
                                   const Comparison* render = nullptr);

/// "+5.3%" / "-57.8%" for a fraction (one decimal).
std::string FormatChange(double fraction);
/// "p<0.001" style value: "<0.001" or three decimals ("0.042").
std::string FormatP(double p);
/// Fixed-point with `decimals` digits.
std::string FormatFixed(double value, int decimals);
/// "2.37x [2.30, 2.45]".
std::string FormatSpeedup(const RatioInterval& r);
/// Capacity cell: "between 200 and 1000" (200 holds, 1000 misses), ">= 200" (the largest
/// measured N still holds), "below 3" (even the smallest measured N misses) or "none".
std::string FormatCapacity(const Capacity& c);

}  // namespace calf::report
