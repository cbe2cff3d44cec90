#pragma once
// Where calf finds the files it ships (models, the quadruped's MJCF, golden images).

#include <string>

namespace calf::core {

/// The data directory: $CALF_DATA_DIR when set, else <source>/data baked in at build time.
std::string DataDir();

}  // namespace calf::core
