#include "render_offscreen/camera.h"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace calf::render {

namespace {

Eigen::Matrix4f Perspective(float fovy_rad, float aspect, float znear, float zfar) {
  const float t = 1.0F / std::tan(fovy_rad / 2.0F);
  Eigen::Matrix4f m = Eigen::Matrix4f::Zero();
  m(0, 0) = t / aspect;
  m(1, 1) = t;
  m(2, 2) = (zfar + znear) / (znear - zfar);
  m(2, 3) = 2.0F * zfar * znear / (znear - zfar);
  m(3, 2) = -1.0F;
  return m;
}

}  // namespace

Eigen::Matrix4f LookAt(const Eigen::Vector3f& eye, const Eigen::Vector3f& target,
                       const Eigen::Vector3f& up) {
  const Eigen::Vector3f f = (target - eye).normalized();
  const Eigen::Vector3f s = f.cross(up).normalized();
  const Eigen::Vector3f u = s.cross(f);
  Eigen::Matrix4f m = Eigen::Matrix4f::Identity();
  m.block<1, 3>(0, 0) = s.transpose();
  m.block<1, 3>(1, 0) = u.transpose();
  m.block<1, 3>(2, 0) = -f.transpose();
  m(0, 3) = -s.dot(eye);
  m(1, 3) = -u.dot(eye);
  m(2, 3) = f.dot(eye);
  return m;
}

CameraPreset ParseCameraPreset(const std::string& name) {
  if (name == "iso") return CameraPreset::kIso;
  if (name == "top") return CameraPreset::kTop;
  throw ConfigError("camera '" + name + "' is unknown; use iso or top");
}

const char* CameraPresetName(CameraPreset preset) {
  return preset == CameraPreset::kTop ? "top" : "iso";
}

Eigen::Matrix4f ViewProjection(CameraPreset preset, int width, int height,
                               const SceneBounds& bounds) {
  const float aspect = static_cast<float>(width) / static_cast<float>(std::max(height, 1));
  const float e = bounds.extent;
  const float h = std::max(bounds.height, 1e-3F);
  if (preset == CameraPreset::kTop) {
    // direct orthographic map: x -> screen right, z (v) -> screen up, higher y nearer
    const float margin = 1.08F * e;
    const float sx = aspect >= 1.0F ? margin * aspect : margin;
    const float sy = aspect >= 1.0F ? margin : margin / aspect;
    Eigen::Matrix4f m = Eigen::Matrix4f::Zero();
    m(0, 0) = 1.0F / sx;
    m(1, 2) = 1.0F / sy;
    m(2, 1) = -1.0F / (h + 1.0F);  // y in [-1, 2h + 1] stays inside the depth range
    m(2, 3) = h / (h + 1.0F);
    m(3, 3) = 1.0F;
    return m;
  }
  // iso: 45° azimuth, ~35° elevation, distance so the box fits a 30° vertical field of view
  const Eigen::Vector3f target(0.0F, 0.35F * h, 0.0F);
  const float radius = std::sqrt(2.0F * e * e + h * h);
  const float fovy = 30.0F * static_cast<float>(M_PI) / 180.0F;
  float dist = radius / std::sin(fovy / 2.0F);
  if (aspect < 1.0F) dist /= aspect;  // tall images: fit the width instead
  const float elev = 35.264F * static_cast<float>(M_PI) / 180.0F;
  const Eigen::Vector3f dir(std::cos(elev) * std::sqrt(0.5F), std::sin(elev),
                            std::cos(elev) * std::sqrt(0.5F));
  const Eigen::Vector3f eye = target + dist * dir;
  return Perspective(fovy, aspect, 0.1F * dist, 2.0F * dist) *
         LookAt(eye, target, Eigen::Vector3f(0.0F, 1.0F, 0.0F));
}

Eigen::Vector2f ProjectToPixel(const Eigen::Matrix4f& vp, int width, int height, float x, float y,
                               float z) {
  const Eigen::Vector4f c = vp * Eigen::Vector4f(x, y, z, 1.0F);
  const float w = std::abs(c.w()) > 1e-12F ? c.w() : 1e-12F;
  return {(c.x() / w + 1.0F) * 0.5F * static_cast<float>(width),
          (1.0F - c.y() / w) * 0.5F * static_cast<float>(height)};
}

Eigen::Matrix4f FittedViewProjection(CameraPreset preset, int width, int height,
                                     const SceneBounds& bounds, const PixelRect& rect) {
  const Eigen::Matrix4f vp = ViewProjection(preset, width, height, bounds);

  // the box's projected extent in normalised device coordinates
  const float e = bounds.extent;
  float lo[2] = {1e30F, 1e30F}, hi[2] = {-1e30F, -1e30F};
  for (int c = 0; c < 8; ++c) {
    const Eigen::Vector4f p = vp * Eigen::Vector4f((c & 1) ? e : -e, (c & 2) ? bounds.height : 0.0F,
                                                   (c & 4) ? e : -e, 1.0F);
    for (int k = 0; k < 2; ++k) {
      lo[k] = std::min(lo[k], p[k] / p.w());
      hi[k] = std::max(hi[k], p[k] / p.w());
    }
  }

  // the rectangle in the same coordinates (y up)
  const float w = static_cast<float>(width), h = static_cast<float>(height);
  const float rx0 = 2.0F * rect.x0 / w - 1.0F, rx1 = 2.0F * rect.x1 / w - 1.0F;
  const float ry0 = 1.0F - 2.0F * rect.y1 / h, ry1 = 1.0F - 2.0F * rect.y0 / h;

  // one scale for both axes keeps the shape: NDC and pixels differ by a per-axis constant
  const float s = std::min((rx1 - rx0) / std::max(hi[0] - lo[0], 1e-6F),
                           (ry1 - ry0) / std::max(hi[1] - lo[1], 1e-6F));
  const float tx = 0.5F * (rx0 + rx1) - s * 0.5F * (lo[0] + hi[0]);
  const float ty = 0.5F * (ry0 + ry1) - s * 0.5F * (lo[1] + hi[1]);

  // ndc' = s·ndc + t, applied in clip space (x' = s·x + t·w), depth untouched
  Eigen::Matrix4f m = Eigen::Matrix4f::Identity();
  m.row(0) = s * vp.row(0) + tx * vp.row(3);
  m.row(1) = s * vp.row(1) + ty * vp.row(3);
  m.row(2) = vp.row(2);
  m.row(3) = vp.row(3);
  return m;
}

}  // namespace calf::render
