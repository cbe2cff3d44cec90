#pragma once
// `calf screenshot-diff`: perceptual image diff (pixelmatch) for visual regression tests.
// See docs/screenshot-diff.md.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace calf::cli {

/// Flags of `calf screenshot-diff`.
struct ScreenshotDiffOptions {
  /// expected.png actual.png, or with `dir_mode` the expected and actual directories.
  std::vector<std::string> paths;
  bool dir_mode = false;        ///< --dir: compare every *.png of two directories by name.
  std::string out;              ///< --out: diff image path (file mode).
  std::string out_dir;          ///< --out-dir: directory for the diff images of failing files.
  double threshold = 0.1;       ///< --threshold: pixelmatch matching threshold in [0, 1].
  bool include_aa = false;      ///< --include-aa: count anti-aliased pixels as differences.
  int64_t max_diff_pixels = 0;  ///< --max-diff-pixels: tolerated differing pixels per image.
  double max_diff_ratio = -1;   ///< --max-diff-ratio: tolerated fraction; < 0 when not given.
  bool json = false;            ///< --json: print a JSON object on stdout instead of text.
  bool quiet = false;           ///< --quiet: print nothing on stdout; only the exit code tells.
};

/// Registers the `screenshot-diff` subcommand on `app`; its callback stores RunScreenshotDiff's
/// result in *exit_code.
void SetupScreenshotDiffCommand(CLI::App& app, int* exit_code);

/// Compares the images (or directories) named in `options` and prints a summary.
/// Returns 0 when every comparison is within tolerance, 1 on differences beyond it, a size
/// mismatch or missing/extra files. Throws ConfigError (bad arguments) or IoError (unreadable
/// or non-PNG input, unwritable output), both exit 2. Deterministic for any thread count.
int RunScreenshotDiff(const ScreenshotDiffOptions& options);

}  // namespace calf::cli
