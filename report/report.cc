#include "report/report.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "report/html_writer.h"
#include "report/markdown_writer.h"
#include "report/sections.h"

namespace calf::report {
namespace fs = std::filesystem;
namespace {

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw IoError(path + ": cannot write (check permissions and free space)");
}

}  // namespace

ReportResult WriteReport(const ReportInputs& inputs, const ReportOptions& options) {
  if (inputs.paths.size() != 1 && inputs.paths.size() != 2) {
    throw ConfigError(
        "compare: give one sweep directory or two profiles (summary JSON files or "
        "sweep directories), got " +
        std::to_string(inputs.paths.size()));
  }
  // fail fast, before loading large profiles
  if (options.charts) FindGnuplot(options.chart.gnuplot);
  std::vector<Profile> profiles;
  for (const auto& path : inputs.paths) profiles.push_back(LoadProfile(path));
  if (profiles.size() == 1 && !profiles.front().is_sweep) {
    throw ConfigError("compare: " + inputs.paths.front() +
                      " is a single summary; give a sweep directory or two summaries");
  }

  ReportResult result;
  result.comparison = Compare(profiles, options.compare);
  profiles.clear();  // frame samples are no longer needed

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec || !fs::is_directory(options.out_dir)) {
    throw IoError(options.out_dir + ": cannot create the output directory (" + ec.message() + ")");
  }
  if (options.charts) {
    result.charts = WriteCharts(result.comparison, options.out_dir, options.chart);
  }
  std::optional<GateOutcome> gate;
  if (options.fail_on_regression) {
    result.regressions = CheckRegressions(result.comparison, *options.fail_on_regression);
    gate = GateOutcome{*options.fail_on_regression, result.regressions};
    result.exit_code = result.regressions.empty() ? 0 : 1;
  }
  const auto sections = BuildSections(result.comparison, gate);
  result.markdown_path = (fs::path(options.out_dir) / "report.md").string();
  result.html_path = (fs::path(options.out_dir) / "report.html").string();
  WriteText(result.markdown_path, RenderMarkdown(sections, result.charts, options.markdown_images));
  WriteText(result.html_path, RenderHtml(sections, result.charts));
  return result;
}

}  // namespace calf::report
