#pragma once
// Where calf finds its shipped models: $CALF_DATA_DIR, else the source tree's data/.

#include <string>

namespace calf::core {

/// The data directory: $CALF_DATA_DIR when set, else <source>/data baked in at build time.
std::string DataDir();

/// data/models/<system>/<file>, e.g. DefaultModelPath("point_mass", "actor.pt").
std::string DefaultModelPath(const std::string& system, const std::string& file);

}  // namespace calf::core
