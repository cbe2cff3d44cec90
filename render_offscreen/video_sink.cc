#include "render_offscreen/video_sink.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "render_offscreen/image.h"

extern char** environ;

namespace calf::render {
namespace {

namespace fs = std::filesystem;

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  // ffmpeg's last non-empty line is usually the reason; keep it short
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.substr(0, 300);
}

// The encoder arguments of each container (ffmpeg's own muxer names; the output is a
// temporary name, so the format is never guessed from the extension).
std::vector<std::string> FormatArgs(VideoFormat f) {
  switch (f) {
    case VideoFormat::kMp4:
      // yuv420p needs even sizes; faststart puts the index first so browsers start at once
      return {"-vf",       "pad=ceil(iw/2)*2:ceil(ih/2)*2",
              "-c:v",      "libx264",
              "-pix_fmt",  "yuv420p",
              "-preset",   "medium",
              "-crf",      "20",
              "-movflags", "+faststart",
              "-f",        "mp4"};
    case VideoFormat::kWebp:
      return {"-c:v", "libwebp_anim", "-quality", "80", "-loop", "0", "-f", "webp"};
    case VideoFormat::kGif:
      return {"-vf",   "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=bayer",
              "-loop", "0",
              "-f",    "gif"};
  }
  return {};
}

}  // namespace

VideoFormat VideoFormatOf(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".mp4") return VideoFormat::kMp4;
  if (ext == ".webp") return VideoFormat::kWebp;
  if (ext == ".gif") return VideoFormat::kGif;
  throw ConfigError("--video '" + path + "': calf writes .mp4 (H.264), .webp or .gif videos; " +
                    "give one of these extensions");
}

std::string FindFfmpeg() {
  if (const char* env = std::getenv("CALF_FFMPEG"); env != nullptr && *env != '\0') {
    if (!IsExecutable(env)) {
      throw ConfigError(std::string("CALF_FFMPEG='") + env +
                        "' is not an executable; unset it or point it to ffmpeg");
    }
    return env;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (fs::path(dir.empty() ? "." : dir) / "ffmpeg").string();
    if (IsExecutable(candidate)) return candidate;
  }
  throw ConfigError(
      "videos need FFmpeg, and no ffmpeg is on PATH; install it (apt install "
      "ffmpeg, or scripts/install_deps.sh)");
}

VideoSink::VideoSink(const std::string& path, VideoOptions options)
    : out_(path, "--video"), options_(std::move(options)), format_(VideoFormatOf(path)) {
  if (!(options_.fps > 0.0 && options_.fps <= 240.0)) {
    char fps[32];
    std::snprintf(fps, sizeof(fps), "%g", options_.fps);
    throw ConfigError(std::string("--fps ") + fps + " must be in (0, 240]");
  }
  ffmpeg_ = FindFfmpeg();
  log_path_ = out_.temp_path() + ".log";
}

VideoSink::~VideoSink() { StopEncoder(); }

void VideoSink::StopEncoder() {
  if (pipe_fd_ >= 0) {
    close(pipe_fd_);
    pipe_fd_ = -1;
  }
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  std::error_code ec;
  fs::remove(log_path_, ec);
}

void VideoSink::Begin(const FeedInfo& info) {
  renderer_ = std::make_unique<FeedRenderer>(options_.render, info, options_.annotate);
  const RenderOptions& ro = renderer_->scene_renderer().options();
  // a dead encoder must show up as a failed write (EPIPE), not kill calf
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw IoError(std::string("cannot start ffmpeg: pipe: ") + std::strerror(errno),
                  ExitCode::kRuntime);
  }
  char rate[32];
  std::snprintf(rate, sizeof(rate), "%.6g", options_.fps);
  std::vector<std::string> args = {
      ffmpeg_,       "-hide_banner",
      "-loglevel",   "error",
      "-f",          "rawvideo",
      "-pix_fmt",    "rgba",
      "-video_size", std::to_string(ro.width) + "x" + std::to_string(ro.height),
      "-framerate",  rate,
      "-i",          "pipe:0"};
  for (const std::string& a : FormatArgs(format_)) args.push_back(a);
  // no version strings, dates or other metadata: the same frames give the same bytes
  for (const char* a :
       {"-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", "-y"}) {
    args.emplace_back(a);
  }
  args.push_back(out_.temp_path());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, ffmpeg_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    throw IoError("cannot start " + ffmpeg_ + ": " + std::strerror(rc), ExitCode::kRuntime);
  }
  pid_ = pid;
  pipe_fd_ = fds[1];
}

void VideoSink::Frame(const CalfScene& scene, int64_t step) {
  CALF_CHECK(renderer_ != nullptr && pipe_fd_ >= 0) << "VideoSink::Frame before Begin";
  Image img;
  renderer_->Render(scene, step, &img);
  const auto* data = img.at(0, 0);
  size_t left = static_cast<size_t>(img.width) * img.height * 4;
  while (left > 0) {
    const ssize_t n = write(pipe_fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = FirstLine(log_path_);
      StopEncoder();
      throw IoError("ffmpeg stopped while encoding '" + out_.path() + "'" +
                        (reason.empty() ? "" : ": " + reason),
                    ExitCode::kRuntime);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  ++frames_;
  if (options_.progress) options_.progress(frames_);
}

int64_t VideoSink::Finish() {
  CALF_CHECK(pid_ > 0) << "VideoSink::Finish before Begin";
  close(pipe_fd_);
  pipe_fd_ = -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) break;
  }
  pid_ = -1;
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const std::string reason = ok ? "" : FirstLine(log_path_);
  std::error_code ec;
  fs::remove(log_path_, ec);
  if (!ok || fs::file_size(out_.temp_path(), ec) == 0 || ec) {
    throw IoError(
        "ffmpeg failed to write '" + out_.path() + "'" + (reason.empty() ? "" : ": " + reason),
        ExitCode::kRuntime);
  }
  out_.Commit();
  return frames_;
}

}  // namespace calf::render
