#pragma once
// The render section of `calf profile`: core::profile::FrameRenderHook implemented with the
// offscreen SceneRenderer (trail renderer chosen by the batched_trails flag).

#include <functional>
#include <memory>

#include "core/profile/frame_render_hook.h"
#include "core/profile/profile_config.h"

namespace calf::cli {

/// Returns a factory of render hooks for runs of `config` (width × height, trail rebuild
/// frequency). The EGL context is created once, at the first call, and shared. When EGL or
/// GL is unavailable the factory prints one warning on stderr (unless `quiet`) and returns
/// null from then on: the profile then has no render section and says so.
std::function<
    std::unique_ptr<core::profile::FrameRenderHook>(const core::profile::OptimizationFlags&)>
MakeSceneRenderHookFactory(const core::profile::ProfileConfig& config, bool quiet);

}  // namespace calf::cli
