#pragma once
// A trajectory file whose datasets are HDF5 virtual datasets over part files, one per
// process of a distributed run (`mpirun -n R calf run`): the same dataset names, shapes,
// types and root attributes as a one-process file, so readers (calf, h5py, h5dump) see one
// file. Sources are named relative to the virtual file's directory, so the file and its
// `<name>.parts/` directory can be moved together. A missing source reads silently as the
// fill value in HDF5: VerifyVirtualFile checks the parts explicitly.

#include <cstdint>
#include <string>
#include <vector>

namespace calf::core {

/// One part of a virtual trajectory file: a trajectory file of `num_agents` agents that are
/// agents [first_agent, first_agent + num_agents) of the whole population.
struct VirtualPart {
  std::string path;  ///< The part file, relative to the virtual file's directory.
  int64_t first_agent = 0;
  int64_t num_agents = 0;
};

/// Writes `path` (through an OutputFile) for a population of `num_agents` agents covered by
/// `parts` (in agent order, contiguous, each a finished trajectory file). Every dataset with
/// an agent axis maps its slice to the part's dataset; `step` maps to the first part's. Root
/// attributes are copied from the first part, except `complete` (1 when every part is
/// complete) and `steps_recorded` (the smallest over the parts). Throws IoError.
void WriteVirtualTrajectory(const std::string& path, const std::vector<VirtualPart>& parts,
                            int64_t num_agents);

/// True when `path` holds at least one virtual dataset.
bool IsVirtualFile(const std::string& path);

/// The problems of a virtual file's sources, one line each ("part 'x.parts/rank-0001.h5' is
/// missing", "... has 10 rows of 'states', the file maps 21", "... is incomplete"); empty when
/// every source exists and is as large as the file maps (always empty for a plain file).
std::vector<std::string> VerifyVirtualFile(const std::string& path);

}  // namespace calf::core
