#include "report/report.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <tuple>

#include "core/error.h"
#include "report/html_writer.h"
#include "report/sections.h"
#include "tests/report/synthetic_profiles.h"

using namespace calf::report;
using namespace calf::report::testing;
namespace fs = std::filesystem;

namespace {

// baseline frame time doubles with N (10, 20, 40, 80 ms); optimized is twice as fast;
// ablation modes at N=20 only.
std::vector<SyntheticRun> DemoSweep() {
  std::vector<SyntheticRun> runs;
  const std::vector<std::pair<int, double>> points = {{10, 10}, {20, 20}, {50, 40}, {100, 80}};
  std::uint32_t seed = 100;
  for (const auto& [n, ms] : points) {
    SyntheticRun b;
    b.n_agents = n;
    b.mean_ms = ms;
    b.sd_ms = 0.02 * ms;
    b.seed = seed++;
    b.gpu_queries = n;
    b.draw_calls = 2 * n;
    runs.push_back(b);
    SyntheticRun o = b;
    o.mode = "optimized";
    o.vectorized_heights = o.stats_cache = o.batched_trails = o.batched_inference = true;
    o.mean_ms = ms / 2;
    o.sd_ms = 0.02 * ms / 2;
    o.seed = seed++;
    o.gpu_queries = 1;
    o.draw_calls = 3;
    o.percents = {10, 20, 5, 10, 50, 5};
    runs.push_back(o);
  }
  auto only = [&](const std::string& flag, double ms) {
    SyntheticRun a;
    a.mode = "only_" + flag;
    a.vectorized_heights = flag == "vectorized_heights";
    a.stats_cache = flag == "stats_cache";
    a.batched_trails = flag == "batched_trails";
    a.batched_inference = flag == "batched_inference";
    a.mean_ms = ms;
    a.sd_ms = 0.4;
    a.seed = seed++;
    runs.push_back(a);
  };
  only("vectorized_heights", 15);
  only("stats_cache", 19);
  only("batched_trails", 14);
  only("batched_inference", 20);  // no effect: same distribution as baseline
  return runs;
}

// The table row of report.md whose first cell is `first`, as trimmed cells.
std::vector<std::string> RowStartingWith(const std::string& md, const std::string& first,
                                         int occurrence = 0) {
  std::istringstream in(md);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| " + first + " |", 0) != 0) continue;
    if (occurrence-- > 0) continue;
    std::vector<std::string> cells;
    std::stringstream s(line.substr(1));
    std::string cell;
    while (std::getline(s, cell, '|')) {
      const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
    }
    return cells;
  }
  return {};
}

bool XmlWellFormed(const std::string& path) {
  return std::system(("xmllint --noout '" + path + "' 2>/dev/null").c_str()) == 0;
}

ReportOptions FastOptions(const fs::path& out) {
  ReportOptions o;
  o.out_dir = out.string();
  o.compare.bootstrap_resamples = 400;
  return o;
}

}  // namespace

TEST_CASE("A sweep report shows the profiles' numbers in its tables", "[report][writer]") {
  TempDir tmp;
  WriteSweep(tmp.path() / "prof", DemoSweep(), DefaultConfig());
  const ReportResult r =
      WriteReport({{(tmp.path() / "prof").string()}}, FastOptions(tmp.path() / "out"));
  CHECK(r.exit_code == 0);
  const std::string md = ReadFile(r.markdown_path);
  const Summary base20 = LoadSummary((tmp.path() / "prof" / "baseline_n20.json").string());
  const Summary opt20 = LoadSummary((tmp.path() / "prof" / "optimized_n20.json").string());

  // per-N row at N=20: FPS avg, FPS min, frame avg, frame p95 for both designs
  const auto row = RowStartingWith(md, "20");
  REQUIRE(row.size() == 13u);
  CHECK(row[1] == FormatFixed(base20.fps_avg, 1));
  CHECK(row[2] == FormatFixed(opt20.fps_avg, 1));
  CHECK(row[3] == FormatFixed(base20.fps_min, 1));
  CHECK(row[4] == FormatFixed(opt20.fps_min, 1));
  CHECK(row[5] == FormatFixed(base20.frame_time_avg_ms, 2));
  CHECK(row[6] == FormatFixed(opt20.frame_time_avg_ms, 2));
  CHECK(row[7] == FormatFixed(base20.frame_time_p95_ms, 2));
  CHECK(row[8] == FormatFixed(opt20.frame_time_p95_ms, 2));
  CHECK(row[9] == FormatChange((opt20.frame_time_avg_ms - base20.frame_time_avg_ms) /
                               base20.frame_time_avg_ms));
  CHECK(row[12] == "faster");

  // headline: a 2x speed-up whose interval covers 2
  const Change& h = r.comparison.headline;
  CHECK(r.comparison.focus_n == 20);
  CHECK(h.speedup.ratio == Approx(2.0).epsilon(0.02));
  CHECK(h.speedup.low < h.speedup.ratio);
  CHECK(h.speedup.high > h.speedup.ratio);
  CHECK_THAT(md,
             Catch::Contains("Headline at N=20: optimized runs at " + FormatSpeedup(h.speedup)));

  // capacity: baseline 100/50/25/12.5 FPS, optimized 200/100/50/25 FPS at N = 10/20/50/100
  CHECK(RowStartingWith(md, "baseline") ==
        std::vector<std::string>{"baseline", "between 20 and 50", "between 10 and 20"});
  CHECK(RowStartingWith(md, "optimized") ==
        std::vector<std::string>{"optimized", "between 50 and 100", "between 20 and 50"});

  // breakdown at N=20: visuals is half of the baseline frame, a fifth of the optimized one
  const auto visuals = RowStartingWith(md, "visuals");
  REQUIRE(visuals.size() == 6u);
  CHECK(visuals[1] == FormatFixed(base20.breakdown.at("visuals").avg_ms, 2));
  CHECK(visuals[2] == "50.0");
  CHECK(visuals[4] == "20.0");

  // counters at N=20 (second table starting with "20")
  const auto counters = RowStartingWith(md, "20", 1);
  REQUIRE(counters.size() >= 5u);
  CHECK(std::vector<std::string>(counters.begin(), counters.begin() + 5) ==
        std::vector<std::string>{"20", "20", "1", "40", "3"});

  // ablation: each flag alone against the baseline
  const auto trails = RowStartingWith(md, "only_batched_trails");
  REQUIRE(trails.size() == 8u);
  CHECK(trails[1] == "batched_trails");
  CHECK(trails[7] == "faster");
  CHECK(RowStartingWith(md, "only_batched_inference").at(7) == "no significant change");
  CHECK(RowStartingWith(md, "only_stats_cache").at(7) == "faster");

  // bottlenecks
  CHECK_THAT(md, Catch::Contains("At N=20 baseline spends the largest share of its frame in "
                                 "visuals (50.0%); optimized in render (50.0%)."));
  CHECK_THAT(md, Catch::Contains("Test CPU @ 3.0GHz"));
  CHECK(md.find("verdicts are indicative") == std::string::npos);
}

TEST_CASE("Charts are well-formed SVG and PNG files with the series titles", "[report][charts]") {
  TempDir tmp;
  WriteSweep(tmp.path() / "prof", DemoSweep(), DefaultConfig());
  const ReportResult r =
      WriteReport({{(tmp.path() / "prof").string()}}, FastOptions(tmp.path() / "out"));
  REQUIRE(r.charts.size() == 4u);
  for (const auto& chart : r.charts) {
    INFO(chart.svg);
    CHECK(fs::path(chart.svg).parent_path() == fs::absolute(tmp.path() / "out"));
    CHECK(XmlWellFormed(chart.svg));
    const std::string png = ReadFile(chart.png);
    REQUIRE(png.size() > 8u);
    CHECK(png.substr(1, 3) == "PNG");
  }
  // the gnuplot scripts name files relative to their own directory, so a moved report re-renders
  for (const char* name : {"fps_vs_n", "breakdown", "counters_vs_n", "ablation"}) {
    const std::string script =
        ReadFile(tmp.path() / "out" / "gnuplot" / (std::string(name) + ".gp"));
    INFO(script);
    CHECK(script.find(tmp.path().string()) == std::string::npos);
    CHECK(script.find("'/") == std::string::npos);
    CHECK_THAT(script, Catch::Contains("'../" + std::string(name) + ".svg'"));
  }
  const std::string fps = ReadFile(r.charts[0].svg);
  for (const char* title : {"baseline", "optimized", "30 FPS", "60 FPS", "repeat spread"}) {
    CHECK_THAT(fps, Catch::Contains(title));
  }
  CHECK_THAT(ReadFile(r.charts[1].svg), Catch::Contains("heatmap"));
  CHECK_THAT(ReadFile(r.charts[2].svg), Catch::Contains("optimized draw calls"));
  CHECK_THAT(ReadFile(r.charts[3].svg), Catch::Contains("only_stats_cache"));

  // the HTML report inlines every chart and needs nothing else
  const std::string html = ReadFile(r.html_path);
  std::size_t svgs = 0;
  for (std::size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) {
    ++svgs;
  }
  CHECK(svgs == 4u);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("<?xml") == std::string::npos);
  CHECK_THAT(html,
             Catch::Contains("<td class=\"num\">" +
                             FormatFixed(r.comparison.series[0].rows[1].old_fps_avg, 1) + "</td>"));
}

TEST_CASE("The regression gate trips on a 20% slowdown and names the N", "[report][gate]") {
  TempDir tmp;
  SyntheticRun old_run, new_run;
  old_run.mean_ms = 10;
  old_run.sd_ms = 0.5;
  new_run = old_run;
  new_run.mean_ms = 12;
  new_run.seed = 2;
  WriteSummary(tmp.path() / "before.json", old_run, DefaultConfig());
  WriteSummary(tmp.path() / "after.json", new_run, DefaultConfig());
  ReportOptions o = FastOptions(tmp.path() / "out");
  o.charts = false;
  o.fail_on_regression = 0.05;
  const ReportResult r = WriteReport(
      {{(tmp.path() / "before.json").string(), (tmp.path() / "after.json").string()}}, o);
  CHECK(r.exit_code == 1);
  REQUIRE(r.regressions.size() == 1u);
  CHECK(r.regressions[0].n_agents == 20);
  CHECK(r.regressions[0].change == Approx(0.2).epsilon(0.05));
  CHECK_THAT(r.regressions[0].Describe(), Catch::Contains("N=20"));
  const std::string md = ReadFile(r.markdown_path);
  CHECK_THAT(md, Catch::Contains("Regression gate (5.0%): FAIL"));
  CHECK_THAT(md, Catch::Contains("- " + r.regressions[0].Describe()));
  // labels come from the file names
  CHECK(r.comparison.series[0].old_design.label == "before");
  CHECK(r.comparison.series[0].new_design.label == "after");
}

TEST_CASE("The regression gate passes on noise and on slowdowns below the threshold",
          "[report][gate]") {
  TempDir tmp;
  SyntheticRun old_run;
  old_run.mean_ms = 10;
  old_run.sd_ms = 0.5;
  SyntheticRun noise = old_run, small = old_run;
  noise.seed = 77;       // same distribution, other draw
  small.mean_ms = 10.2;  // 2% slower: significant with 2000 frames, below a 5% gate
  small.seed = 78;
  WriteSummary(tmp.path() / "old.json", old_run, DefaultConfig());
  WriteSummary(tmp.path() / "noise.json", noise, DefaultConfig());
  WriteSummary(tmp.path() / "small.json", small, DefaultConfig());
  ReportOptions o = FastOptions(tmp.path() / "out");
  o.charts = false;
  o.fail_on_regression = ParseThreshold("5%");
  const auto a =
      WriteReport({{(tmp.path() / "old.json").string(), (tmp.path() / "noise.json").string()}}, o);
  CHECK(a.exit_code == 0);
  CHECK(a.regressions.empty());
  CHECK_THAT(ReadFile(a.markdown_path), Catch::Contains("Regression gate (5.0%): PASS"));
  const auto b =
      WriteReport({{(tmp.path() / "old.json").string(), (tmp.path() / "small.json").string()}}, o);
  CHECK(b.comparison.headline.verdict == Verdict::kSlower);
  CHECK(b.exit_code == 0);
  // a 1% gate catches the same slowdown
  CHECK(CheckRegressions(b.comparison, 0.01).size() == 1u);
}

TEST_CASE("Two sweeps are compared mode by mode and a regression names mode and N",
          "[report][gate]") {
  TempDir tmp;
  auto before = DemoSweep();
  auto after = before;
  for (auto& run : after) {
    run.seed += 1000;
    if (run.mode == "optimized" && run.n_agents == 50) run.mean_ms *= 1.25;
  }
  WriteSweep(tmp.path() / "before", before, DefaultConfig());
  WriteSweep(tmp.path() / "after", after, DefaultConfig());
  ReportOptions o = FastOptions(tmp.path() / "out");
  o.charts = false;
  o.fail_on_regression = 0.05;
  const auto r =
      WriteReport({{(tmp.path() / "before").string(), (tmp.path() / "after").string()}}, o);
  CHECK(r.comparison.series.front().title == "optimized: before vs after");
  CHECK(r.comparison.series.size() == 6u);  // every mode both sweeps measured
  REQUIRE(r.regressions.size() == 1u);
  CHECK(r.regressions[0].mode == "optimized");
  CHECK(r.regressions[0].n_agents == 50);
  CHECK(r.exit_code == 1);
}

TEST_CASE("A missing gnuplot is a usage error naming the fix", "[report][charts]") {
  TempDir tmp;
  WriteSweep(tmp.path() / "prof", DemoSweep(), DefaultConfig());
  for (const char* gnuplot : {"/nonexistent/bin/gnuplot", "calf-no-such-gnuplot"}) {
    ReportOptions o = FastOptions(tmp.path() / "out");
    o.chart.gnuplot = gnuplot;
    try {
      WriteReport({{(tmp.path() / "prof").string()}}, o);
      FAIL("no error");
    } catch (const calf::ConfigError& e) {
      CHECK(e.code() == calf::ExitCode::kUsage);
      CHECK_THAT(std::string(e.what()),
                 Catch::Contains("gnuplot not found; install gnuplot-nox or run make deps"));
    }
  }
  CHECK_FALSE(fs::exists(tmp.path() / "out" / "report.md"));
}

TEST_CASE("Bad compare inputs are usage errors", "[report][writer]") {
  TempDir tmp;
  ReportOptions o = FastOptions(tmp.path() / "out");
  o.charts = false;
  CHECK_THROWS_AS(WriteReport({{}}, o), calf::ConfigError);
  // a sweep without optimized runs
  SyntheticRun base;
  WriteSweep(tmp.path() / "only_base", {base}, DefaultConfig());
  try {
    WriteReport({{(tmp.path() / "only_base").string()}}, o);
    FAIL("no error");
  } catch (const calf::ConfigError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("no \"optimized\" runs"));
  }
  // summaries at different N cannot be paired
  SyntheticRun other = base;
  other.n_agents = 50;
  WriteSummary(tmp.path() / "a.json", base, DefaultConfig());
  WriteSummary(tmp.path() / "b.json", other, DefaultConfig());
  CHECK_THROWS_WITH(
      WriteReport({{(tmp.path() / "a.json").string(), (tmp.path() / "b.json").string()}}, o),
      Catch::Contains("n_agents (20 vs 50)"));
  CHECK_THROWS_AS(ParseThreshold("five"), calf::ConfigError);
  CHECK(ParseThreshold("5%") == Approx(0.05));
  CHECK(ParseThreshold("12.5") == Approx(0.125));
}

TEST_CASE("Few repeats are explained once, not tagged on every row", "[report][writer]") {
  TempDir tmp;
  SyntheticRun a, b;
  a.repeats = b.repeats = 3;
  b.mean_ms = 5;
  b.seed = 9;
  WriteSummary(tmp.path() / "a.json", a, DefaultConfig());
  WriteSummary(tmp.path() / "b.json", b, DefaultConfig());
  ReportOptions o = FastOptions(tmp.path() / "out");
  o.charts = false;
  const auto r =
      WriteReport({{(tmp.path() / "a.json").string(), (tmp.path() / "b.json").string()}}, o);
  CHECK_FALSE(r.comparison.headline.reliable);
  const std::string md = ReadFile(r.markdown_path);
  CHECK(RowStartingWith(md, "20").at(12) == "faster");
  CHECK(md.find("unreliable") == std::string::npos);
  // one note, in the executive summary, naming the threshold and what it means
  const std::string note =
      "Fewer than 9 repeats per run (as few as 3 here) in every comparison: "
      "verdicts are indicative, not conclusive.";
  const auto at = md.find(note);
  CHECK(at != std::string::npos);
  CHECK(at < md.find("## Results per N"));
  CHECK(md.find(note, at + 1) == std::string::npos);
}

TEST_CASE("Base64 matches the RFC 4648 test vectors", "[report][html]") {
  CHECK(Base64("") == "");
  CHECK(Base64("f") == "Zg==");
  CHECK(Base64("fo") == "Zm8=");
  CHECK(Base64("foo") == "Zm9v");
  CHECK(Base64("foob") == "Zm9vYg==");
  CHECK(Base64("fooba") == "Zm9vYmE=");
  CHECK(Base64("foobar") == "Zm9vYmFy");
  CHECK(Base64(std::string("\xff\x00\x80", 3)) == "/wCA");
}

TEST_CASE("Screenshots are linked from the Markdown and embedded in the HTML", "[report][writer]") {
  TempDir tmp;
  WriteSweep(tmp.path() / "prof", DemoSweep(), DefaultConfig());
  const fs::path shots = tmp.path() / "out" / "shots";
  fs::create_directories(shots / "calf");
  const std::string png_bytes = std::string("\x89PNG\r\n\x1a\n", 8) + "not really a png";
  std::ofstream(shots / "calf" / "step_100.png", std::ios::binary) << png_bytes;
  std::ofstream(shots / "a_first.png", std::ios::binary) << png_bytes;
  std::ofstream(shots / "notes.txt") << "ignored";

  const auto refs = FindScreenshots(shots.string(), (tmp.path() / "out").string());
  REQUIRE(refs.size() == 2);
  CHECK(refs[0].caption == "a_first.png");
  CHECK(refs[0].link == "shots/a_first.png");
  CHECK(refs[1].link == "shots/calf/step_100.png");

  ReportOptions o = FastOptions(tmp.path() / "out");
  o.screenshots_dir = shots.string();
  const ReportResult r = WriteReport({{(tmp.path() / "prof").string()}}, o);
  const std::string md = ReadFile(r.markdown_path);
  CHECK_THAT(md, Catch::Contains("## Screenshots"));
  CHECK_THAT(md, Catch::Contains("![calf/step_100.png](shots/calf/step_100.png)"));
  const std::string html = ReadFile(r.html_path);
  CHECK_THAT(html, Catch::Contains("src=\"data:image/png;base64," + Base64(png_bytes) + "\""));

  o.screenshots_dir = (tmp.path() / "missing").string();
  CHECK_THROWS_AS(WriteReport({{(tmp.path() / "prof").string()}}, o), calf::ConfigError);
  fs::create_directories(tmp.path() / "empty_shots");
  o.screenshots_dir = (tmp.path() / "empty_shots").string();
  CHECK_THROWS_AS(WriteReport({{(tmp.path() / "prof").string()}}, o), calf::ConfigError);
}

TEST_CASE("Recommendations name the next bottleneck, the best flag and flat draw calls",
          "[report][writer]") {
  TempDir tmp;
  WriteSweep(tmp.path() / "prof", DemoSweep(), DefaultConfig());
  ReportOptions o = FastOptions(tmp.path() / "out");
  o.charts = false;
  const ReportResult r = WriteReport({{(tmp.path() / "prof").string()}}, o);
  const std::string md = ReadFile(r.markdown_path);
  const auto start = md.find("## Recommendations");
  REQUIRE(start != std::string::npos);
  const std::string rec = md.substr(start, md.find("\n## ", start + 1) - start);
  // optimized spends 50% in render (DemoSweep's optimized shares)
  CHECK_THAT(rec, Catch::Contains("Next target: render, which takes 50.0% of optimized's frame "
                                  "at N=20."));
  // only_batched_trails (14 ms vs 20 ms) is the largest single gain; batched_inference has none
  CHECK_THAT(rec, Catch::Contains("Largest single gain at N=20: only_batched_trails (1.4"));
  CHECK_THAT(rec, Catch::Contains("No significant gain alone at N=20: only_batched_inference"));
  CHECK_THAT(rec,
             Catch::Contains("Draw calls of optimized stay flat in N: 3 at N=10, 3 at N=100."));
  CHECK_THAT(rec, !Catch::Contains("Significantly slower"));
  // optimized at N=20: 10 ms -> 100 FPS, holds 60 FPS
  CHECK_THAT(rec, !Catch::Contains("does not hold 60 FPS"));
}

TEST_CASE("A render-on sweep leads the summary; the render-off headline is the second line",
          "[report][writer]") {
  TempDir tmp;
  WriteSweep(tmp.path() / "prof", DemoSweep(), DefaultConfig());
  // drawing included: baseline 8 and 40 ms, optimized 2.5x faster at N=20, 3x at N=1000
  std::vector<SyntheticRun> drawn;
  std::uint32_t seed = 500;
  for (const auto& [n, base_ms, speedup] :
       std::vector<std::tuple<int, double, double>>{{20, 8.0, 2.5}, {1000, 40.0, 3.0}}) {
    SyntheticRun b;
    b.n_agents = n;
    b.mean_ms = base_ms;
    b.sd_ms = 0.02 * base_ms;
    b.seed = seed++;
    drawn.push_back(b);
    SyntheticRun o = b;
    o.mode = "optimized";
    o.vectorized_heights = o.stats_cache = o.batched_trails = o.batched_inference = true;
    o.mean_ms = base_ms / speedup;
    o.sd_ms = 0.02 * o.mean_ms;
    o.seed = seed++;
    drawn.push_back(o);
  }
  nlohmann::json config = DefaultConfig();
  config["width"] = 1280;
  config["height"] = 720;
  WriteSweep(tmp.path() / "render", drawn, config);
  const ReportResult r =
      WriteReport({{(tmp.path() / "prof").string()}, "", (tmp.path() / "render").string()},
                  FastOptions(tmp.path() / "out"));
  REQUIRE(r.render.has_value());
  const std::vector<NRow>& rows = r.render->series.front().rows;
  REQUIRE(rows.size() == 2u);
  CHECK(rows[0].change.speedup.ratio == Approx(2.5).epsilon(0.02));
  CHECK(rows[1].change.speedup.ratio == Approx(3.0).epsilon(0.02));

  // the summary's first bullet is the drawn one, with both N; the pipeline alone comes second
  const std::string md = ReadFile(r.markdown_path);
  const size_t drawn_at = md.find("- With drawing (--render on, 1280x720");
  const size_t off_at = md.find(
      "- Without drawing (--render off: the frame pipeline alone). "
      "Headline at N=20");
  REQUIRE(drawn_at != std::string::npos);
  REQUIRE(off_at != std::string::npos);
  CHECK(drawn_at < off_at);
  CHECK(md.find("## Executive summary") < drawn_at);
  CHECK_THAT(md, Catch::Contains(FormatSpeedup(rows[0].change.speedup) +
                                 " the speed of baseline at N=20"));
  CHECK_THAT(md, Catch::Contains(FormatSpeedup(rows[1].change.speedup) + " at N=1000"));
  // its table: N, FPS of both designs, frame times, speed-up with its interval
  const auto row = RowStartingWith(md, "1000");
  REQUIRE(row.size() == 8u);
  CHECK(row[5] == FormatSpeedup(rows[1].change.speedup));
  CHECK_THAT(ReadFile(r.html_path), Catch::Contains("Drawing included (--render on, 1280x720)"));
  // --json carries the drawn comparison beside the pipeline's, with the same keys
  const nlohmann::json j = ReportJson(r, FastOptions(tmp.path() / "out"));
  REQUIRE(j["render"].is_object());
  const auto& jrows = j["render"]["series"][0]["rows"];
  REQUIRE(jrows.size() == 2u);
  CHECK(jrows[1]["n_agents"] == 1000);
  CHECK(jrows[1]["speedup"].get<double>() == rows[1].change.speedup.ratio);
  CHECK(jrows[0]["ci_low"].get<double>() == rows[0].change.speedup.low);
  CHECK(j["render"]["headline"]["n_agents"] == 20);
  CHECK(j["headline"]["speedup"].get<double>() == r.comparison.headline.speedup.ratio);

  // without it the summary is unchanged: the plain headline first
  const ReportResult plain =
      WriteReport({{(tmp.path() / "prof").string()}}, FastOptions(tmp.path() / "out2"));
  CHECK(!plain.render.has_value());
  CHECK(ReadFile(plain.markdown_path).find("With drawing") == std::string::npos);
  CHECK(ReportJson(plain, FastOptions(tmp.path() / "out2"))["render"].is_null());

  // a render-off sweep given as the render profile is refused, naming the fix
  std::vector<SyntheticRun> undrawn = drawn;
  for (auto& run : undrawn) run.render = false;
  WriteSweep(tmp.path() / "undrawn", undrawn, config);
  CHECK_THROWS_WITH(
      WriteReport({{(tmp.path() / "prof").string()}, "", (tmp.path() / "undrawn").string()},
                  FastOptions(tmp.path() / "out3")),
      Catch::Contains("profile it with --render on"));
}
