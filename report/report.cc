#include "report/report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/io/output_file.h"
#include "report/html_writer.h"
#include "report/markdown_writer.h"
#include "report/sections.h"

namespace calf::report {
namespace fs = std::filesystem;
namespace {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kFaster:
      return "faster";
    case Verdict::kSlower:
      return "slower";
    case Verdict::kNoChange:
      break;
  }
  return "no_change";
}

nlohmann::json OptionalJson(const std::optional<int>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json CapacityJson(const Capacity& old_cap, const Capacity& new_cap) {
  return {{"old", OptionalJson(old_cap.max_n)},
          {"new", OptionalJson(new_cap.max_n)},
          {"old_first_miss", OptionalJson(old_cap.first_miss_n)},
          {"new_first_miss", OptionalJson(new_cap.first_miss_n)}};
}

}  // namespace

std::vector<ImageRef> FindScreenshots(const std::string& dir, const std::string& report_dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw ConfigError("--screenshots " + dir + ": no such directory; run `calf screenshot` first");
  }
  const std::pair<const char*, ImageRef::Kind> kinds[] = {{".png", ImageRef::Kind::kPng},
                                                          {".mp4", ImageRef::Kind::kMp4},
                                                          {".webp", ImageRef::Kind::kWebp},
                                                          {".gif", ImageRef::Kind::kGif}};
  auto kind_of = [&](const fs::path& p) -> const ImageRef::Kind* {
    for (const auto& [ext, kind] : kinds) {
      if (p.extension() == ext) return &kind;
    }
    return nullptr;
  };
  std::vector<fs::path> pngs;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && kind_of(it->path()) != nullptr) pngs.push_back(it->path());
  }
  if (ec) throw IoError(dir + ": cannot list (" + ec.message() + ")");
  if (pngs.empty()) {
    throw ConfigError("--screenshots " + dir + ": holds no .png file (nor .mp4/.webp/.gif)");
  }
  std::sort(pngs.begin(), pngs.end());
  if (pngs.size() > static_cast<std::size_t>(kMaxScreenshots)) pngs.resize(kMaxScreenshots);
  const fs::path report_abs = fs::absolute(report_dir, ec).lexically_normal();
  std::vector<ImageRef> out;
  for (const auto& png : pngs) {
    const fs::path abs = fs::absolute(png, ec).lexically_normal();
    ImageRef ref;
    ref.kind = *kind_of(png);
    ref.path = png.string();
    ref.link = abs.lexically_relative(report_abs).generic_string();
    if (ref.link.empty()) ref.link = abs.generic_string();
    ref.caption = png.lexically_relative(dir).generic_string();
    out.push_back(ref);
  }
  return out;
}

namespace {

// a sweep whose every run drew its frames (--render on)
Profile LoadRenderProfile(const std::string& path) {
  Profile p = LoadProfile(path);
  if (!p.is_sweep) {
    throw ConfigError("--render-profile " + path +
                      " is a single summary; give the sweep directory of calf profile --render on");
  }
  for (const Summary& s : p.summaries) {
    if (!s.render) {
      throw ConfigError("--render-profile " + path + ": " + s.mode +
                        " at N=" + std::to_string(s.n_agents) +
                        " was profiled without drawing; profile it with --render on");
    }
  }
  return p;
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
  std::vector<ImageRef> screenshots;
  if (!options.screenshots_dir.empty()) {
    screenshots = FindScreenshots(options.screenshots_dir, options.out_dir);
  }
  std::vector<Profile> profiles;
  for (const auto& path : inputs.paths) profiles.push_back(LoadProfile(path));
  if (profiles.size() == 1 && !profiles.front().is_sweep) {
    throw ConfigError("compare: " + inputs.paths.front() +
                      " is a single summary; give a sweep directory or two summaries");
  }

  std::optional<Profile> ablation;
  if (!inputs.ablation_path.empty()) ablation = LoadProfile(inputs.ablation_path);
  std::optional<Profile> render;
  if (!inputs.render_path.empty()) render = LoadRenderProfile(inputs.render_path);

  ReportResult result;
  CompareOptions compare = options.compare;
  // a gate verdict across machines compares the machines, not the code
  compare.require_same_machine =
      compare.require_same_machine || options.fail_on_regression.has_value();
  result.comparison = Compare(profiles, compare, ablation ? &*ablation : nullptr);
  if (render) result.render = Compare({*render}, compare);
  profiles.clear();  // frame samples are no longer needed
  ablation.reset();
  render.reset();

  core::PrepareOutputDir(options.out_dir, "--out-dir");
  if (options.charts) {
    result.charts = WriteCharts(result.comparison, options.out_dir, options.chart);
  }
  std::optional<GateOutcome> gate;
  if (options.fail_on_regression) {
    result.regressions = CheckRegressions(result.comparison, *options.fail_on_regression);
    gate = GateOutcome{*options.fail_on_regression, result.regressions};
    result.exit_code = result.regressions.empty() ? 0 : 1;
  }
  const auto sections = BuildSections(result.comparison, gate, screenshots,
                                      result.render ? &*result.render : nullptr);
  result.markdown_path = (fs::path(options.out_dir) / "report.md").string();
  result.html_path = (fs::path(options.out_dir) / "report.html").string();
  core::WriteTextFile(result.markdown_path,
                      RenderMarkdown(sections, result.charts, options.markdown_images), "report");
  core::WriteTextFile(result.html_path, RenderHtml(sections, result.charts), "report");
  return result;
}

namespace {

// a comparison's headline, capacities and series rows (the render-off input's at the top
// level of the JSON, a render-on sweep's under "render")
nlohmann::json ComparisonJson(const Comparison& c) {
  using nlohmann::json;
  json j;
  if (!c.series.empty()) {
    const Series& primary = c.series.front();
    const Change& h = c.headline;
    j["headline"] = {{"n_agents", c.focus_n},           {"requested_n_agents", c.requested_focus_n},
                     {"old", primary.old_design.label}, {"new", primary.new_design.label},
                     {"speedup", h.speedup.ratio},      {"ci_low", h.speedup.low},
                     {"ci_high", h.speedup.high},       {"confidence", c.options.confidence},
                     {"p_value", h.test.p_value},       {"change", h.change},
                     {"significant", h.significant},    {"verdict", VerdictName(h.verdict)},
                     {"old_mean_ms", h.old_mean_ms},    {"new_mean_ms", h.new_mean_ms}};
    j["capacity"] = {{"30", CapacityJson(c.old_capacity_30, c.new_capacity_30)},
                     {"60", CapacityJson(c.old_capacity_60, c.new_capacity_60)}};
  }
  j["series"] = json::array();
  for (const auto& s : c.series) {
    json rows = json::array();
    for (const auto& r : s.rows) {
      rows.push_back({{"n_agents", r.n_agents},
                      {"old_fps_avg", r.old_fps_avg},
                      {"new_fps_avg", r.new_fps_avg},
                      {"change", r.change.change},
                      {"speedup", r.change.speedup.ratio},
                      {"ci_low", r.change.speedup.low},
                      {"ci_high", r.change.speedup.high},
                      {"p_value", r.change.test.p_value},
                      {"verdict", VerdictName(r.change.verdict)},
                      {"reliable", r.change.reliable}});
    }
    j["series"].push_back({{"title", s.title},
                           {"old", s.old_design.label},
                           {"new", s.new_design.label},
                           {"rows", rows}});
  }
  return j;
}

}  // namespace

nlohmann::json ReportJson(const ReportResult& result, const ReportOptions& options) {
  using nlohmann::json;
  const Comparison& c = result.comparison;
  json j = ComparisonJson(c);
  // drawing included (--render-profile): the headline a person sees, beside the pipeline's
  j["render"] = result.render ? ComparisonJson(*result.render) : json(nullptr);
  if (c.ablation.empty()) {
    j["ablation"] = nullptr;
  } else {
    json rows = json::array();
    for (const auto& a : c.ablation) {
      rows.push_back({{"mode", a.mode},
                      {"flags_on", a.flags_on},
                      {"speedup", a.vs_baseline.speedup.ratio},
                      {"ci_low", a.vs_baseline.speedup.low},
                      {"ci_high", a.vs_baseline.speedup.high},
                      {"p_value", a.vs_baseline.test.p_value},
                      {"change", a.vs_baseline.change},
                      {"verdict", VerdictName(a.vs_baseline.verdict)},
                      {"reliable", a.vs_baseline.reliable}});
    }
    j["ablation"] = {{"n_agents", c.ablation_n},
                     {"source", c.ablation_source},
                     {"baseline_source", c.ablation_baseline_source},
                     {"rows", rows}};
  }
  j["gate"] = options.fail_on_regression ? json{{"threshold", *options.fail_on_regression},
                                                {"passed", result.regressions.empty()}}
                                         : json(nullptr);
  j["regressions"] = json::array();
  for (const auto& r : result.regressions) {
    j["regressions"].push_back({{"mode", r.mode},
                                {"n_agents", r.n_agents},
                                {"change", r.change},
                                {"p_value", r.p_value},
                                {"series", r.series},
                                {"message", r.Describe()}});
  }
  j["mismatches"] = c.mismatches;
  j["machine_differences"] = c.machine_differences;
  json charts = json::array();
  for (const auto& chart : result.charts) {
    charts.push_back({{"name", chart.name}, {"svg", chart.svg}, {"png", chart.png}});
  }
  j["written"] = {
      {"markdown", result.markdown_path}, {"html", result.html_path}, {"charts", charts}};
  j["exit_code"] = result.exit_code;
  return j;
}

}  // namespace calf::report
