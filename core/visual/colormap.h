#pragma once
// Colours of the scene, shared by every renderer: the 9-band heat map of the value surface
// and the trail colour of each controller mode. Pure functions, thread-safe, deterministic.

#include <cstdint>

namespace calf::core::visual {

/// A linear RGB colour, each channel in [0, 1].
struct Rgb {
  float r = 0.0F;
  float g = 0.0F;
  float b = 0.0F;
};

/// Band upper edges of the heat map (exclusive); values >= 0.875 are red.
inline constexpr float kHeatBandEdges[8] = {0.08F, 0.16F, 0.24F, 0.32F, 0.45F, 0.6F, 0.75F, 0.875F};

/// Heat-map colour of a normalised value (q² scaled to [0, 1]). Values below 0, NaN and
/// above 1 are clamped to [0, 1] (NaN counts as 0). The nine bands:
/// <0.08 light violet, <0.16 dark violet, <0.24 light blue, <0.32 dark blue, <0.45 cyan,
/// <0.6 green (0,1,1-t), <0.75 yellow (t,1,0), <0.875 orange (1,1-0.5t,0), else red
/// (1,0.5-0.5t,0), t being the position inside the band in [0, 1] (t = 1 only at value 1).
Rgb HeatColor(float normalised);

/// Trail mode values; the same numbers as core::Mode (certified=0 ... nominal=3).
inline constexpr uint8_t kModeCertified = 0;
inline constexpr uint8_t kModeRelax = 1;
inline constexpr uint8_t kModeFallback = 2;
inline constexpr uint8_t kModeNominal = 3;
/// Number of trail colours: the four modes plus the training agent's certified colour.
inline constexpr int kNumTrailColors = 5;
/// Index of the training agent's certified colour in TrailColorTable().
inline constexpr int kTrainingCertifiedColor = 4;

/// Trail colour of a mode: certified (0.3,0.7,1.0), relax (0.2,0.8,0.3), fallback
/// (0.9,0.2,0.2), nominal grey (0.6,0.6,0.6); when `training_agent` is true certified is
/// yellow (1.0,0.9,0.0). Unknown mode values get the nominal grey.
Rgb ModeColor(uint8_t mode, bool training_agent = false);

/// Index into the kNumTrailColors table for (mode, training_agent); what GPU shaders use.
int TrailColorIndex(uint8_t mode, bool training_agent);

/// The kNumTrailColors trail colours in TrailColorIndex order (static storage).
const Rgb* TrailColorTable();

}  // namespace calf::core::visual
