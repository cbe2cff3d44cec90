#pragma once
// Where calf finds its shipped models: $CALF_DATA_DIR, else the source tree's data/.

#include <string>

#include "core/data_dir.h"

namespace calf::core {

/// data/models/<system>/<file>, e.g. DefaultModelPath("point_mass", "actor.pt").
std::string DefaultModelPath(const std::string& system, const std::string& file);

}  // namespace calf::core
