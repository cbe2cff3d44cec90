#include "core/sim/model_paths.h"

#include "core/data_dir.h"

namespace calf::core {

std::string DefaultModelPath(const std::string& system, const std::string& file) {
  return DataDir() + "/models/" + system + "/" + file;
}

}  // namespace calf::core
