#include "render_offscreen/egl_context.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "render_offscreen/gl_check.h"

namespace calf::render {

namespace {

std::string Hex(EGLint code) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%04X", static_cast<unsigned>(code));
  return buf;
}

[[noreturn]] void ThrowEgl(const std::string& what) {
  throw RenderError("egl: " + what + " failed with error " + Hex(eglGetError()));
}

bool HasExtension(const char* list, const char* name) {
  if (list == nullptr) return false;
  const size_t n = std::strlen(name);
  for (const char* p = list; (p = std::strstr(p, name)) != nullptr; p += n) {
    const bool starts = p == list || p[-1] == ' ';
    const bool ends = p[n] == '\0' || p[n] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

// displays are per-platform singletons shared by every context: terminate on the last one
std::mutex& DisplayMutex() {
  static std::mutex m;
  return m;
}
std::map<EGLDisplay, int>& DisplayRefs() {
  static std::map<EGLDisplay, int> refs;
  return refs;
}

using GetPlatformDisplayFn = EGLDisplay (*)(EGLenum, void*, const EGLint*);

GetPlatformDisplayFn PlatformDisplayFn(const char* client_ext) {
  if (HasExtension(client_ext, "EGL_EXT_platform_base")) {
    if (auto f =
            reinterpret_cast<GetPlatformDisplayFn>(eglGetProcAddress("eglGetPlatformDisplayEXT"))) {
      return f;
    }
  }
  // EGL 1.5 core entry point: same signature apart from the attribute type
  return reinterpret_cast<GetPlatformDisplayFn>(eglGetProcAddress("eglGetPlatformDisplay"));
}

// Initialises `dpy`; returns false (no throw) when the display cannot be initialised.
bool TryInitialize(EGLDisplay dpy) {
  if (dpy == EGL_NO_DISPLAY) return false;
  EGLint major = 0, minor = 0;
  return eglInitialize(dpy, &major, &minor) == EGL_TRUE;
}

EGLDisplay OpenSurfaceless(const char* client_ext, std::string* why) {
  if (!HasExtension(client_ext, "EGL_MESA_platform_surfaceless")) {
    *why = "EGL_MESA_platform_surfaceless is not offered";
    return EGL_NO_DISPLAY;
  }
  GetPlatformDisplayFn get = PlatformDisplayFn(client_ext);
  if (get == nullptr) {
    *why = "neither eglGetPlatformDisplayEXT nor eglGetPlatformDisplay is available";
    return EGL_NO_DISPLAY;
  }
  EGLDisplay dpy = get(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  if (!TryInitialize(dpy)) {
    *why = "the surfaceless display did not initialise (egl error " + Hex(eglGetError()) + ")";
    return EGL_NO_DISPLAY;
  }
  return dpy;
}

EGLDisplay OpenDevice(const char* client_ext, std::string* why) {
  if (!HasExtension(client_ext, "EGL_EXT_platform_device") ||
      !(HasExtension(client_ext, "EGL_EXT_device_enumeration") ||
        HasExtension(client_ext, "EGL_EXT_device_base"))) {
    *why = "EGL_EXT_platform_device with EGL_EXT_device_enumeration is not offered";
    return EGL_NO_DISPLAY;
  }
  auto query = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
  GetPlatformDisplayFn get = PlatformDisplayFn(client_ext);
  if (query == nullptr || get == nullptr) {
    *why = "eglQueryDevicesEXT or eglGetPlatformDisplayEXT is missing";
    return EGL_NO_DISPLAY;
  }
  EGLint n = 0;
  if (query(0, nullptr, &n) != EGL_TRUE || n <= 0) {
    *why = "eglQueryDevicesEXT found no device (egl error " + Hex(eglGetError()) + ")";
    return EGL_NO_DISPLAY;
  }
  std::vector<EGLDeviceEXT> devices(n);
  if (query(n, devices.data(), &n) != EGL_TRUE) {
    *why = "eglQueryDevicesEXT failed (egl error " + Hex(eglGetError()) + ")";
    return EGL_NO_DISPLAY;
  }
  for (EGLint i = 0; i < n; ++i) {
    EGLDisplay dpy = get(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr);
    if (TryInitialize(dpy)) return dpy;
  }
  *why = std::to_string(n) + " egl device(s) found but none initialised (egl error " +
         Hex(eglGetError()) + ")";
  return EGL_NO_DISPLAY;
}

}  // namespace

EglPlatform ParseEglPlatform(const std::string& name) {
  if (name == "auto") return EglPlatform::kAuto;
  if (name == "surfaceless") return EglPlatform::kSurfaceless;
  if (name == "device") return EglPlatform::kDevice;
  throw ConfigError("egl platform '" + name + "' is unknown; use auto, surfaceless or device");
}

EglContext::EglContext(EglPlatform platform) {
  if (platform == EglPlatform::kAuto) {
    if (const char* env = std::getenv("CALF_EGL_PLATFORM"); env != nullptr && *env != '\0') {
      platform = ParseEglPlatform(env);
    }
  }
  // Mesa's libEGL prints its loader's warnings ("libEGL warning: MESA-LOADER: failed to open
  // swrast ...") on stderr, around calf's one-line error; calf's message says what failed.
  // Only fatal ones, unless the user asked for more (EGL_LOG_LEVEL set: kept).
  setenv("EGL_LOG_LEVEL", "fatal", /*overwrite=*/0);
  const char* client_ext = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (client_ext == nullptr) {
    throw RenderError("egl: no client extensions (EGL_EXT_client_extensions missing, error " +
                      Hex(eglGetError()) +
                      "); install libegl1 with Mesa (libegl-mesa0) or a GPU driver");
  }
  EGLDisplay dpy = EGL_NO_DISPLAY;
  std::string why_surfaceless, why_device;
  if (platform != EglPlatform::kDevice) {
    dpy = OpenSurfaceless(client_ext, &why_surfaceless);
    if (dpy != EGL_NO_DISPLAY) platform_ = "surfaceless";
  }
  if (dpy == EGL_NO_DISPLAY && platform != EglPlatform::kSurfaceless) {
    dpy = OpenDevice(client_ext, &why_device);
    if (dpy != EGL_NO_DISPLAY) platform_ = "device";
  }
  if (dpy == EGL_NO_DISPLAY) {
    std::string msg = "egl: no headless display:";
    if (!why_surfaceless.empty()) msg += " surfaceless: " + why_surfaceless + ";";
    if (!why_device.empty()) msg += " device: " + why_device + ";";
    throw RenderError(msg + " install Mesa's libegl-mesa0 or a GPU driver with EGL");
  }
  {
    std::lock_guard<std::mutex> lock(DisplayMutex());
    ++DisplayRefs()[dpy];
  }
  display_ = dpy;
  // from here on the destructor must run on failure: release through a guard
  struct Guard {
    EglContext* self;
    bool armed = true;
    ~Guard() {
      if (armed) self->Release();
    }
  } guard{this};

  const char* dpy_ext = eglQueryString(dpy, EGL_EXTENSIONS);
  if (!HasExtension(dpy_ext, "EGL_KHR_surfaceless_context")) {
    throw RenderError("egl: the " + platform_ +
                      " display lacks EGL_KHR_surfaceless_context; calf needs it to render "
                      "without a surface");
  }
  if (eglBindAPI(EGL_OPENGL_API) != EGL_TRUE) ThrowEgl("eglBindAPI(EGL_OPENGL_API)");

  EGLConfig config = nullptr;  // EGL_NO_CONFIG_KHR
  if (!HasExtension(dpy_ext, "EGL_KHR_no_config_context")) {
    // any config that can make a desktop GL context; the surface type is irrelevant
    const EGLint attribs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0, EGL_NONE};
    EGLint n = 0;
    if (eglChooseConfig(dpy, attribs, &config, 1, &n) != EGL_TRUE) ThrowEgl("eglChooseConfig");
    if (n == 0) {
      throw RenderError("egl: the " + platform_ + " display has no config with EGL_OPENGL_BIT");
    }
  }
  const EGLint ctx_attribs[] = {EGL_CONTEXT_MAJOR_VERSION,
                                3,
                                EGL_CONTEXT_MINOR_VERSION,
                                3,
                                EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                                EGL_NONE};
  EGLContext ctx = eglCreateContext(dpy, config, EGL_NO_CONTEXT, ctx_attribs);
  if (ctx == EGL_NO_CONTEXT) {
    throw RenderError("egl: eglCreateContext for an opengl 3.3 core context failed on the " +
                      platform_ + " display with error " + Hex(eglGetError()));
  }
  context_ = ctx;
  MakeCurrent();
  auto str = [](GLenum name) {
    const GLubyte* s = glGetString(name);
    return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
  };
  renderer_ = str(GL_RENDERER);
  version_ = str(GL_VERSION);
  CheckGlError("glGetString", __FILE__, __LINE__);
  CALF_GL_CHECK(glGetIntegerv(GL_MAX_SAMPLES, &max_samples_));
  guard.armed = false;
}

EglContext::~EglContext() { Release(); }

void EglContext::Release() {
  auto dpy = static_cast<EGLDisplay>(display_);
  if (dpy == EGL_NO_DISPLAY) return;
  // failures while tearing down are ignored: there is nothing left to do about them
  if (context_ != nullptr) {
    if (eglGetCurrentContext() == static_cast<EGLContext>(context_)) {
      eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    }
    eglDestroyContext(dpy, static_cast<EGLContext>(context_));
    context_ = nullptr;
  }
  std::lock_guard<std::mutex> lock(DisplayMutex());
  if (--DisplayRefs()[dpy] == 0) {
    DisplayRefs().erase(dpy);
    eglTerminate(dpy);
  }
  display_ = nullptr;
}

void EglContext::MakeCurrent() {
  auto dpy = static_cast<EGLDisplay>(display_);
  auto ctx = static_cast<EGLContext>(context_);
  if (eglGetCurrentContext() == ctx) return;
  if (eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx) != EGL_TRUE) {
    ThrowEgl("eglMakeCurrent(EGL_NO_SURFACE) on the " + platform_ + " display");
  }
}

}  // namespace calf::render
