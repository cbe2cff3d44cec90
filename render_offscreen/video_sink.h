#pragma once
// A FrameSink that renders each frame offscreen and encodes the sequence with FFmpeg (the
// `ffmpeg` program, fed raw RGBA frames on a pipe): H.264 MP4 for players and browsers,
// animated WebP or GIF for embedding. Written through an OutputFile (`<out>.partial`, renamed
// when ffmpeg succeeded). Determinism: the same frames give byte-identical MP4 and GIF files on
// one machine (ffmpeg's bitexact flags drop its version and time stamps; x264 is
// deterministic unless told otherwise); WebP likewise with one ffmpeg build.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/io/output_file.h"
#include "render_offscreen/scene_feed.h"
#include "render_offscreen/scene_renderer.h"

namespace calf::render {

/// The containers calf writes, chosen by the output's extension.
enum class VideoFormat { kMp4, kWebp, kGif };

/// ".mp4" -> kMp4, ".webp" -> kWebp, ".gif" -> kGif; ConfigError (exit 2) naming the
/// extensions for anything else.
VideoFormat VideoFormatOf(const std::string& path);

/// The ffmpeg to run: $CALF_FFMPEG when set, else `ffmpeg` on PATH. Throws ConfigError
/// (exit 2) with how to install it when there is none.
std::string FindFfmpeg();

/// Options of a VideoSink.
struct VideoOptions {
  RenderOptions render;   ///< Size, camera, trails (the bounds come from the feed).
  double fps = 30.0;      ///< Frames per second of the video, in (0, 240].
  bool annotate = false;  ///< Annotated frames (axes, colour bar, legend, caption).
  /// Called after each frame with frames written so far (e.g. a progress bar).
  std::function<void(int64_t)> progress;
};

/// Encodes every frame fed to it into `path`. Construction checks the path, the format, the
/// fps and finds ffmpeg (exit 2 for each); Begin starts the renderer and ffmpeg; Finish
/// closes the stream, waits for ffmpeg and renames the file into place (IoError, exit 3, when
/// ffmpeg fails, with its first error line). Destroyed unfinished (an error path), it stops
/// ffmpeg and leaves nothing at `path`. Not thread-safe.
class VideoSink : public FrameSink {
 public:
  VideoSink(const std::string& path, VideoOptions options);
  ~VideoSink() override;

  void Begin(const FeedInfo& info) override;
  void Frame(const CalfScene& scene, int64_t step) override;
  /// Ends the video; returns the number of frames.
  int64_t Finish();

  VideoFormat format() const { return format_; }

 private:
  void StopEncoder();

  core::OutputFile out_;
  VideoOptions options_;
  VideoFormat format_;
  std::string ffmpeg_;
  std::unique_ptr<FeedRenderer> renderer_;
  int pipe_fd_ = -1;
  int pid_ = -1;
  std::string log_path_;
  int64_t frames_ = 0;
};

}  // namespace calf::render
