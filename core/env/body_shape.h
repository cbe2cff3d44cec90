#pragma once
// What a family's bodies look like: primitive shapes (boxes, capsules, spheres, ...) placed
// in the family's own world frame at an agent's state, for renderers
// (Environment::BodyShapes). Plain data, no GL.

#include <cstdint>

namespace calf::core::env {

/// Primitive kinds, with MuJoCo's meaning of BodyShape::size (mjtGeom).
enum class ShapeKind : uint8_t {
  kSphere,     ///< size[0] = radius.
  kCapsule,    ///< size[0] = radius, size[1] = half-length of the axis (local z).
  kEllipsoid,  ///< size[0..2] = the three semi-axes.
  kCylinder,   ///< size[0] = radius, size[1] = half-length (local z).
  kBox,        ///< size[0..2] = half-sizes along the local x, y, z axes.
};

/// One primitive of one agent's body at one state, in the family's world frame: x and y span
/// the floor, z is up (the frame of the state's first coordinates, as MuJoCo uses it).
struct BodyShape {
  int64_t agent = 0;  ///< Index of the agent in the block it was computed for (0-based).
  ShapeKind kind = ShapeKind::kSphere;
  double size[3] = {0.0, 0.0, 0.0};  ///< [m], see ShapeKind.
  double pos[3] = {0.0, 0.0, 0.0};   ///< Centre in the world [m].
  /// Orientation, row-major 3×3: column j is the shape's local axis j in the world (MuJoCo's
  /// geom_xmat layout).
  double rot[9] = {1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
  float rgba[4] = {0.5F, 0.5F, 0.5F, 1.0F};  ///< Colour in [0, 1].
};

}  // namespace calf::core::env
