#pragma once
// The shape layer of the scene: bodies drawn as shaded primitives (boxes, spheres, capsules,
// cylinders, ellipsoids) from what a family gives (core::env::Environment::BodyShapes, mapped
// to world coordinates by CalfScene). One instanced, indexed draw per mesh: unit box (12
// triangles), unit sphere (spheres and ellipsoids, 400), unit half sphere (capsule ends, 200),
// unit cylinder (cylinders and capsule middles, 80); one directional light.

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/env/body_shape.h"
#include "render_offscreen/gl_counters.h"

namespace calf::render {

/// One primitive in world coordinates (X, Y up, Z), as SceneRenderer draws it.
struct SceneShape {
  core::env::ShapeKind kind = core::env::ShapeKind::kSphere;
  float size[3] = {0.0F, 0.0F, 0.0F};  ///< MuJoCo's meaning (core::env::ShapeKind) [world units].
  float pos[3] = {0.0F, 0.0F, 0.0F};   ///< Centre.
  /// Column-major 3×3: column j is the shape's local axis j in world coordinates (unit
  /// length; the matrix may be a reflection, e.g. a z-up frame mapped to Y up).
  float axes[9] = {1.0F, 0.0F, 0.0F, 0.0F, 1.0F, 0.0F, 0.0F, 0.0F, 1.0F};
  float rgba[4] = {0.5F, 0.5F, 0.5F, 1.0F};  ///< Colour in [0, 1]; alpha is ignored (opaque).
};

/// Radius of a sphere about `shape.pos` that holds the whole shape (for dirty rectangles and
/// framing). Pure.
float ShapeBoundingRadius(const SceneShape& shape);

/// Draws SceneShapes with flat colours shaded by one directional light (ambient 0.35,
/// diffuse 0.65; the light comes from above the iso camera's side). Depth-tested, writes
/// depth, opaque. Needs the context it was created in to be current; not thread-safe.
class ShapeRenderer {
 public:
  /// Builds the unit meshes and the program. Throws RenderError when GL fails.
  ShapeRenderer();
  ~ShapeRenderer();
  ShapeRenderer(const ShapeRenderer&) = delete;
  ShapeRenderer& operator=(const ShapeRenderer&) = delete;

  /// Uploads the instances of `count` shapes and draws them with `view_proj` into a viewport
  /// `viewport_height` pixels high (at most one draw call per mesh; uploads and draws counted
  /// in `counters`). A round shape whose bounding sphere projects to less than 6 pixels of
  /// radius takes a coarse mesh (sphere 64 triangles, half sphere 32, cylinder 32): at
  /// N = 1,000 quadrupeds the fine meshes alone took seconds on llvmpipe. Shapes with a size
  /// that is not finite and positive where their kind needs one are skipped. Throws
  /// RenderError on GL errors (per call with CALF_GL_DEBUG, else at the caller's end-of-frame
  /// check).
  void Draw(const SceneShape* shapes, int64_t count, const Eigen::Matrix4f& view_proj,
            int viewport_height, GlCounters* counters);

 private:
  struct Gl;  // GL objects, defined in the .cc
  std::unique_ptr<Gl> gl_;
};

}  // namespace calf::render
