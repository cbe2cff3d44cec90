#include "core/visual/colormap.h"

#include <cmath>

namespace calf::core::visual {

namespace {
constexpr Rgb kTrailColors[kNumTrailColors] = {
    {0.3F, 0.7F, 1.0F},  // certified
    {0.2F, 0.8F, 0.3F},  // relax
    {0.9F, 0.2F, 0.2F},  // fallback
    {0.6F, 0.6F, 0.6F},  // nominal
    {1.0F, 0.9F, 0.0F},  // the training agent's certified segments
};
}  // namespace

Rgb HeatColor(float v) {
  // NaN fails both comparisons and lands on 0
  if (!(v > 0.0F)) v = 0.0F;
  if (v > 1.0F) v = 1.0F;
  if (v < kHeatBandEdges[0]) return {0.78F, 0.59F, 1.0F};
  if (v < kHeatBandEdges[1]) return {0.39F, 0.20F, 0.71F};
  if (v < kHeatBandEdges[2]) return {0.39F, 0.59F, 1.0F};
  if (v < kHeatBandEdges[3]) return {0.0F, 0.0F, 0.71F};
  if (v < kHeatBandEdges[4]) return {0.0F, 0.78F, 1.0F};
  if (v < kHeatBandEdges[5]) {
    const float t = (v - kHeatBandEdges[4]) / (kHeatBandEdges[5] - kHeatBandEdges[4]);
    return {0.0F, 1.0F, 1.0F - t};
  }
  if (v < kHeatBandEdges[6]) {
    const float t = (v - kHeatBandEdges[5]) / (kHeatBandEdges[6] - kHeatBandEdges[5]);
    return {t, 1.0F, 0.0F};
  }
  if (v < kHeatBandEdges[7]) {
    const float t = (v - kHeatBandEdges[6]) / (kHeatBandEdges[7] - kHeatBandEdges[6]);
    return {1.0F, 1.0F - 0.5F * t, 0.0F};
  }
  const float t = (v - kHeatBandEdges[7]) / (1.0F - kHeatBandEdges[7]);
  return {1.0F, 0.5F - 0.5F * t, 0.0F};
}

int TrailColorIndex(uint8_t mode, bool training_agent) {
  if (mode == kModeCertified && training_agent) return kTrainingCertifiedColor;
  return mode <= kModeNominal ? mode : kModeNominal;
}

Rgb ModeColor(uint8_t mode, bool training_agent) {
  return kTrailColors[TrailColorIndex(mode, training_agent)];
}

const Rgb* TrailColorTable() { return kTrailColors; }

}  // namespace calf::core::visual
