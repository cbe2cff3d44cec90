#include "render_offscreen/camera.h"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace calf::render {

namespace {

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

}  // namespace calf::render
