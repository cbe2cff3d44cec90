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
Eigen::Matrix4f ViewProjection(CameraPreset preset, int width, int height,
                               const SceneBounds& bounds = {});

}  // namespace calf::render
