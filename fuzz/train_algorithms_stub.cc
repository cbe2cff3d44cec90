// The fuzz targets' stand-in for the algorithms' registry entries: their parameter factories
// (the config keys and presets, compiled from core/train/*/…_config.cc) without the
// algorithms themselves, which need LibTorch (not instrumented here). Only the train-config
// target links it; it never builds an algorithm.
#include <memory>

#include "core/train/ppo/ppo_algorithm.h"
#include "core/train/td3/td3_algorithm.h"

namespace calf::core::train {

AlgorithmEntry Td3Entry() {
  return {"td3", "", [] { return std::unique_ptr<AlgorithmParams>(new Td3Config()); }, nullptr};
}

AlgorithmEntry PpoEntry() {
  return {"ppo", "", [] { return std::unique_ptr<AlgorithmParams>(new PpoConfig()); }, nullptr,
          true};
}

}  // namespace calf::core::train
