#include "core/train/algorithm.h"

#include "core/error.h"
#include "core/train/ppo/ppo_algorithm.h"
#include "core/train/td3/td3_algorithm.h"

namespace calf::core::train {

const std::vector<AlgorithmEntry>& Algorithms() {
  // one line per algorithm
  static const std::vector<AlgorithmEntry> entries = {
      Td3Entry(),
      PpoEntry(),
  };
  return entries;
}

const AlgorithmEntry& FindAlgorithm(const std::string& name) {
  for (const AlgorithmEntry& e : Algorithms()) {
    if (e.name == name) return e;
  }
  throw ConfigError("unknown training algorithm '" + name + "'; use " + AlgorithmNames());
}

std::string AlgorithmNames() {
  std::string out;
  for (const AlgorithmEntry& e : Algorithms()) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}

}  // namespace calf::core::train
