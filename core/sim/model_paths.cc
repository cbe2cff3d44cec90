#include "core/sim/model_paths.h"

#include <cstdlib>

#include "core/version.h"

namespace calf::core {

std::string DataDir() {
  const char* env = std::getenv("CALF_DATA_DIR");
  return env && *env ? std::string(env) : std::string(kSourceDataDir);
}

std::string DefaultModelPath(const std::string& system, const std::string& file) {
  return DataDir() + "/models/" + system + "/" + file;
}

}  // namespace calf::core
