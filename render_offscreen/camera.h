#pragma once
// Camera presets of the scene. World axes: x -> X, height -> Y, second state coordinate -> Z.

#include <Eigen/Core>
#include <string>

namespace calf::render {

/// The camera presets.
enum class CameraPreset {
  kIso,  ///< Perspective from above the (+x, +v) corner, looking at the centre.
  kTop,  ///< Orthographic from above: x to the right, v up, height toward the viewer.
};

/// Parses "iso" or "top"; throws ConfigError otherwise.
CameraPreset ParseCameraPreset(const std::string& name);
/// "iso" or "top".
const char* CameraPresetName(CameraPreset preset);

/// The world box the camera frames: [-extent, extent] in x and v, [0, height] in Y.
struct SceneBounds {
  float extent = 5.0F;
  float height = 3.0F;
};

/// Column-major view-projection matrix (clip = M * (x, y, z, 1)) of a preset for an image
/// of width×height pixels; the whole bounds box stays in view at any aspect ratio.
/// Deterministic and pure.
/// The view matrix of a camera at `eye` looking at `target` with `up` roughly up (OpenGL's
/// gluLookAt, column vectors, right-handed). Pure.
Eigen::Matrix4f LookAt(const Eigen::Vector3f& eye, const Eigen::Vector3f& target,
                       const Eigen::Vector3f& up);

Eigen::Matrix4f ViewProjection(CameraPreset preset, int width, int height,
                               const SceneBounds& bounds = {});

/// A rectangle of an image in pixels: x to the right, y down, [x0, x1) × [y0, y1).
struct PixelRect {
  float x0 = 0.0F, y0 = 0.0F, x1 = 0.0F, y1 = 0.0F;
};

/// ViewProjection scaled and moved in the image plane so that the projected bounds box
/// ([-extent, extent] × [0, height] × [-extent, extent]) fills `rect` as far as it can
/// without changing its shape (centred, touching two opposite sides of `rect`). Annotated
/// frames use it to frame the scene tightly and leave room for their panels. Pure.
Eigen::Matrix4f FittedViewProjection(CameraPreset preset, int width, int height,
                                     const SceneBounds& bounds, const PixelRect& rect);

/// Pixel position (x right, y down, pixel centres at .5) of the world point (x, y, z) under
/// `vp` for a width×height image.
Eigen::Vector2f ProjectToPixel(const Eigen::Matrix4f& vp, int width, int height, float x, float y,
                               float z);

}  // namespace calf::render
