#pragma once
// `calf screenshot`: renders the CALF scene (critic surface, agents, trails by mode) of a run
// file or of a live simulation to PNG, offscreen. See docs/rendering.md.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "core/sim/config.h"

namespace calf::cli {

/// Flags of `calf screenshot`.
struct ScreenshotOptions {
  std::string run_path;              ///< --run: trajectory file of `calf run`; empty = live mode.
  int64_t step = 0;                  ///< --step: global step of the run to show (if given).
  core::SimConfig config;            ///< Live mode: --system, --policy, --agents, --steps, --seed.
  std::string steps_at;              ///< --steps-at: comma-separated steps, one PNG each.
  int trail = 600;                   ///< --trail: points per agent trail (0 = none).
  std::string out;                   ///< --out: the PNG (one shot).
  std::string out_dir;               ///< --out-dir: directory of step_NNNNNN.png (--steps-at).
  std::string renderer = "batched";  ///< --renderer: batched | per-agent.
  std::string camera = "iso";        ///< --camera: iso | top.
  std::string size = "1280x720";     ///< --size: WIDTHxHEIGHT, 1..16384 each.
  std::string video;                 ///< --video: .mp4 / .webp / .gif instead of PNGs.
  double fps = 30.0;                 ///< --fps: frames per second of the video.
  std::string steps_range;           ///< --steps-range START:STOP[:STEP]: the video's steps.
  std::string annotate = "on";       ///< --annotate on|off: axes, colour bar, legend, caption.
  int threads = 0;          ///< --threads: simulation threads (0 = all); no effect on pixels.
  bool quiet = false;       ///< --quiet: nothing on stderr.
  bool json = false;        ///< --json: the written files as JSON on stdout.
  CLI::App* app = nullptr;  ///< To tell which flags were given.
};

/// Registers `calf screenshot`; its callback stores RunScreenshot's exit code in *exit_code.
void SetupScreenshotCommand(CLI::App& app, int* exit_code);

/// Renders the requested frames and writes the PNGs (each under a temporary name, then
/// renamed). Returns 0. Throws ConfigError/IoError/PolicyError (exit 2) for bad flags, a run
/// file without the step, a step beyond the run, an unwritable output or a bad model, and
/// RenderError with exit code 2 when no EGL / GL 3.3 context can be created. Same inputs on
/// the same machine give byte-identical PNGs.
int RunScreenshot(ScreenshotOptions& options);

}  // namespace calf::cli
