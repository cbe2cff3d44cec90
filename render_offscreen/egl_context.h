#pragma once
// A headless OpenGL 3.3 core context through EGL: no window, no pbuffer.

#include <memory>
#include <string>

namespace calf::render {

/// Which EGL platform to use.
enum class EglPlatform {
  kAuto,         ///< Surfaceless Mesa first, then the EGL device platform.
  kSurfaceless,  ///< EGL_PLATFORM_SURFACELESS_MESA only (Mesa: llvmpipe or a GPU driver).
  kDevice,       ///< EGL_EXT_platform_device only (eglQueryDevicesEXT; NVIDIA machines).
};

/// Parses "auto", "surfaceless" or "device"; throws ConfigError otherwise.
EglPlatform ParseEglPlatform(const std::string& name);

/// An EGL display + GL 3.3 core context made current without a surface
/// (EGL_KHR_surfaceless_context). Rendering goes to framebuffer objects. The context is
/// current on the creating thread; call MakeCurrent() before using it on another thread or
/// after another context was made current. Not thread-safe. Destroying it releases the
/// context; the display is terminated when the last context on it goes away.
class EglContext {
 public:
  /// Creates and makes current a context. `kAuto` honours the CALF_EGL_PLATFORM environment
  /// variable ("surfaceless"/"device") when set. Throws RenderError (exit 3) naming the
  /// missing piece (no EGL client extensions, no platform extension, no device, no GL 3.3
  /// core context, ...) and the EGL error code in hex.
  explicit EglContext(EglPlatform platform = EglPlatform::kAuto);
  ~EglContext();
  EglContext(const EglContext&) = delete;
  EglContext& operator=(const EglContext&) = delete;

  /// Makes this context current on the calling thread. Throws RenderError on failure.
  void MakeCurrent();

  /// "surfaceless" or "device".
  const std::string& platform() const { return platform_; }
  /// GL_RENDERER, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
  const std::string& renderer() const { return renderer_; }
  /// GL_VERSION, e.g. "4.5 (Core Profile) Mesa 22.3.6".
  const std::string& version() const { return version_; }
  /// GL_MAX_SAMPLES of the context.
  int max_samples() const { return max_samples_; }

 private:
  void Release();

  void* display_ = nullptr;  // EGLDisplay
  void* context_ = nullptr;  // EGLContext
  std::string platform_;
  std::string renderer_;
  std::string version_;
  int max_samples_ = 0;
};

}  // namespace calf::render
