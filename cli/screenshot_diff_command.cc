#include "cli/screenshot_diff_command.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "cli/flags.h"
#include "cli/mpi_glue.h"
#include "core/error.h"
#include "core/io/output_file.h"
#include "core/version.h"
#include "render_offscreen/image.h"
#include "render_offscreen/image_diff.h"
#include "render_offscreen/png_io.h"

namespace calf::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One expected/actual comparison and its verdict.
struct Comparison {
  std::string name;  // file name in dir mode, empty in file mode
  render::DiffResult result;
  bool passed = false;
  std::string diff_image;  // path written, empty when none
};

bool WithinTolerance(const render::DiffResult& r, const ScreenshotDiffOptions& o) {
  if (r.size_mismatch) return false;
  if (o.max_diff_ratio >= 0) return r.Ratio() <= o.max_diff_ratio;
  return r.diff_pixels <= o.max_diff_pixels;
}

std::string ToleranceText(const ScreenshotDiffOptions& o) {
  char buffer[64];
  if (o.max_diff_ratio >= 0) {
    std::snprintf(buffer, sizeof(buffer), "--max-diff-ratio %g", o.max_diff_ratio);
  } else {
    std::snprintf(buffer, sizeof(buffer), "--max-diff-pixels %lld",
                  static_cast<long long>(o.max_diff_pixels));
  }
  return buffer;
}

// `12 of 230400 pixels differ (0.005%), 38 anti-aliased`, plus why it failed.
std::string Summary(const Comparison& c, const ScreenshotDiffOptions& o) {
  const render::DiffResult& r = c.result;
  char buffer[256];
  if (r.size_mismatch) {
    std::snprintf(buffer, sizeof(buffer), "size mismatch: expected %dx%d, actual %dx%d", r.width,
                  r.height, r.actual_width, r.actual_height);
    return buffer;
  }
  std::snprintf(buffer, sizeof(buffer), "%lld of %lld pixels differ (%.3f%%), %lld anti-aliased",
                static_cast<long long>(r.diff_pixels), static_cast<long long>(r.total_pixels),
                100.0 * r.Ratio(), static_cast<long long>(r.aa_pixels));
  std::string line = buffer;
  if (!c.passed) line += "; exceeds " + ToleranceText(o);
  return line;
}

json ComparisonJson(const Comparison& c) {
  const render::DiffResult& r = c.result;
  json j;
  if (!c.name.empty()) j["name"] = c.name;
  j["diff_pixels"] = r.diff_pixels;
  j["aa_pixels"] = r.aa_pixels;
  j["total_pixels"] = r.total_pixels;
  j["ratio"] = r.Ratio();
  j["passed"] = c.passed;
  j["width"] = r.width;
  j["height"] = r.height;
  j["size_mismatch"] = r.size_mismatch;
  j["actual_width"] = r.actual_width;
  j["actual_height"] = r.actual_height;
  j["diff_image"] = c.diff_image.empty() ? json(nullptr) : json(c.diff_image);
  return j;
}

// Compares two files; writes the diff image to `out` when non-empty (with
// `only_write_failures`, only when the comparison failed).
Comparison CompareFiles(const std::string& expected_path, const std::string& actual_path,
                        const std::string& out, bool only_write_failures,
                        const ScreenshotDiffOptions& o) {
  const render::Image expected = render::ReadPng(expected_path);
  const render::Image actual = render::ReadPng(actual_path);
  render::DiffOptions diff_options;
  diff_options.threshold = o.threshold;
  diff_options.include_aa = o.include_aa;
  render::Image diff;
  Comparison c;
  c.result = render::DiffImages(expected, actual, diff_options, out.empty() ? nullptr : &diff);
  c.passed = WithinTolerance(c.result, o);
  // no diff image exists for a size mismatch
  if (!out.empty() && !c.result.size_mismatch && !(only_write_failures && c.passed)) {
    std::ostringstream threshold;
    threshold << o.threshold;
    render::WritePng(out, diff,
                     {{"expected", expected_path},
                      {"actual", actual_path},
                      {"threshold", threshold.str()},
                      {"include_aa", o.include_aa ? "true" : "false"},
                      {"calf_version", kVersion}});
    c.diff_image = out;
  }
  return c;
}

// True for a name ending in .png in any letter case (frame.PNG from a case-insensitive tool).
bool HasPngExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png";
}

// Sorted names of the *.png regular files directly in `dir` (extension in any case).
std::vector<std::string> PngNames(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw ConfigError("'" + dir + "' is not a directory (--dir expects two directories)");
  }
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code file_ec;
    if (HasPngExtension(p) && fs::is_regular_file(p, file_ec)) {
      names.push_back(p.filename().string());
    }
  }
  if (ec) throw IoError("cannot list '" + dir + "': " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

std::string Join(const std::string& dir, const std::string& name) {
  return (fs::path(dir) / name).string();
}

int RunFileMode(const ScreenshotDiffOptions& o) {
  if (o.paths.size() != 2) {
    throw ConfigError("expected two png files (expected.png actual.png), got " +
                      std::to_string(o.paths.size()) + " arguments; for directories use --dir");
  }
  if (!o.out_dir.empty()) throw ConfigError("--out-dir needs --dir; use --out for one file");
  if (!o.out.empty()) core::CheckOutputFile(o.out, "--out");
  const Comparison c = CompareFiles(o.paths[0], o.paths[1], o.out, false, o);
  if (o.json) {
    std::cout << ComparisonJson(c).dump(2) << "\n";
  } else if (!o.quiet) {
    std::cout << Summary(c, o) << "\n";
  }
  return c.passed ? 0 : 1;
}

int RunDirMode(const ScreenshotDiffOptions& o) {
  if (o.paths.size() != 2) {
    throw ConfigError("--dir expects exactly two directories (expected/ actual/), got " +
                      std::to_string(o.paths.size()) + " arguments");
  }
  if (!o.out.empty()) throw ConfigError("--out is for one file; with --dir use --out-dir");
  const std::string& expected_dir = o.paths[0];
  const std::string& actual_dir = o.paths[1];
  const std::vector<std::string> expected_names = PngNames(expected_dir);
  const std::vector<std::string> actual_names = PngNames(actual_dir);
  const std::set<std::string> expected_set(expected_names.begin(), expected_names.end());
  const std::set<std::string> actual_set(actual_names.begin(), actual_names.end());

  if (!o.out_dir.empty()) core::PrepareOutputDir(o.out_dir, "--out-dir");

  std::vector<Comparison> comparisons;
  std::vector<std::string> missing, extra;
  for (const std::string& name : expected_names) {
    if (actual_set.count(name) == 0) {
      missing.push_back(name);
      continue;
    }
    const std::string out = o.out_dir.empty() ? "" : Join(o.out_dir, name);
    Comparison c = CompareFiles(Join(expected_dir, name), Join(actual_dir, name), out, true, o);
    c.name = name;
    comparisons.push_back(std::move(c));
  }
  for (const std::string& name : actual_names) {
    if (expected_set.count(name) == 0) extra.push_back(name);
  }

  const int64_t failed = std::count_if(comparisons.begin(), comparisons.end(),
                                       [](const Comparison& c) { return !c.passed; });
  const bool passed = failed == 0 && missing.empty() && extra.empty();
  if (o.json) {
    json j;
    j["files"] = json::array();
    for (const Comparison& c : comparisons) j["files"].push_back(ComparisonJson(c));
    j["missing"] = missing;
    j["extra"] = extra;
    j["passed"] = passed;
    std::cout << j.dump(2) << "\n";
  } else if (!o.quiet) {
    for (const Comparison& c : comparisons) {
      std::cout << (c.passed ? "ok      " : "FAIL    ") << c.name << ": " << Summary(c, o) << "\n";
    }
    for (const std::string& name : missing) {
      std::cout << "MISSING " << name << ": in " << expected_dir << " but not in " << actual_dir
                << "\n";
    }
    for (const std::string& name : extra) {
      std::cout << "EXTRA   " << name << ": in " << actual_dir << " but not in " << expected_dir
                << "\n";
    }
    std::cout << comparisons.size() << " compared, " << failed << " failed, " << missing.size()
              << " missing, " << extra.size() << " extra: " << (passed ? "passed" : "FAILED")
              << "\n";
  }
  return passed ? 0 : 1;
}

}  // namespace

int RunScreenshotDiff(const ScreenshotDiffOptions& options) {
  RequireOneProcess("screenshot-diff", "a diff is one comparison");
  return options.dir_mode ? RunDirMode(options) : RunFileMode(options);
}

void SetupScreenshotDiffCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<ScreenshotDiffOptions>();
  CLI::App* sub = app.add_subcommand(
      "screenshot-diff",
      "Compare PNG screenshots with a perceptual diff (pixelmatch) for visual regression tests");
  sub->add_option("paths", options->paths,
                  "expected.png actual.png, or with --dir: expected/ actual/");
  sub->add_flag("--dir", options->dir_mode,
                "Compare every *.png (any letter case) of two directories by name; missing and "
                "extra files fail");
  CLI::Option* out = sub->add_option("--out", options->out,
                                     "Write the diff image here (grey = unchanged, red = "
                                     "different, yellow = anti-aliasing)");
  CLI::Option* out_dir = sub->add_option(
      "--out-dir", options->out_dir, "With --dir: write a diff image for every failing file here");
  out->excludes(out_dir);
  sub->add_option("--threshold", options->threshold,
                  "Matching threshold in [0, 1]; smaller is more sensitive (default 0.1)")
      ->check(NumberIn(0.0, 1.0));
  sub->add_flag("--include-aa", options->include_aa,
                "Count anti-aliased pixels as differences instead of ignoring them");
  CLI::Option* max_pixels =
      sub->add_option("--max-diff-pixels", options->max_diff_pixels,
                      "Pass when at most N pixels per image differ (default 0)")
          ->check(NumberIn(0));
  CLI::Option* max_ratio =
      sub->add_option("--max-diff-ratio", options->max_diff_ratio,
                      "Pass when at most this fraction in [0, 1] of each image's pixels differ")
          ->check(NumberIn(0.0, 1.0));
  max_pixels->excludes(max_ratio);
  CLI::Option* json_flag =
      sub->add_flag("--json", options->json, "Print a JSON object on stdout instead of text");
  CLI::Option* quiet = sub->add_flag("--quiet", options->quiet, "Print nothing on stdout");
  json_flag->excludes(quiet);
  sub->footer(
      "Exit codes: 0 within tolerance, 1 differences beyond tolerance, size mismatch or\n"
      "missing/extra files, 2 bad arguments or unreadable/non-PNG input.\n"
      "Examples:\n"
      "  calf screenshot-diff golden/frame.png out/frame.png --out diff.png\n"
      "  calf screenshot-diff --dir golden/ out/ --out-dir diffs/ --max-diff-ratio 0.001 --json\n"
      "Docs: docs/screenshot-diff.md");
  sub->callback([options, exit_code]() {
    *exit_code = core::AllOrNothing([&] { return RunScreenshotDiff(*options); });
  });
}

}  // namespace calf::cli
