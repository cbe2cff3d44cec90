#include "core/data_dir.h"

#include <cstdlib>

#include "core/version.h"

namespace calf::core {

std::string DataDir() {
  const char* env = std::getenv("CALF_DATA_DIR");
  return env && *env ? std::string(env) : std::string(kSourceDataDir);
}

}  // namespace calf::core
