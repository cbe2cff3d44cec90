#include "core/io/trajectory_reader.h"

#include <algorithm>

#include "core/error.h"
#include "core/io/trajectory_schema.h"
#include "core/io/virtual_file.h"

namespace calf::core {
namespace {

struct DatasetSpec {
  const char* name;
  H5Type type;
  int rank;
};

// Every dataset of schema 1; states first.
constexpr DatasetSpec kDatasets[] = {
    {"states", H5Type::kFloat32, 3},  {"actions", H5Type::kFloat32, 3},
    {"rewards", H5Type::kFloat32, 2}, {"q_values", H5Type::kFloat32, 2},
    {"modes", H5Type::kEnumUInt8, 2}, {"episode", H5Type::kInt32, 2},
    {"done", H5Type::kEnumUInt8, 2},  {"step", H5Type::kInt64, 1},
};

const DatasetSpec* FindSpec(const std::string& name) {
  for (const DatasetSpec& spec : kDatasets) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

}  // namespace

TrajectoryReader::TrajectoryReader(const std::string& path)
    : file_(H5File::Open(path, /*read_only=*/true)) {
  const std::string not_calf = "'" + path + "' is not a calf trajectory file";
  // a missing or truncated part of a virtual file would read silently as fill values
  if (IsVirtualFile(path)) {
    const std::vector<std::string> problems = VerifyVirtualFile(path);
    if (!problems.empty()) {
      throw IoError("'" + path + "' is a virtual file with a bad part: " + problems.front() +
                    " (`calf verify " + path + "` lists every problem)");
    }
  }
  if (!file_.HasAttribute("/", "schema_version")) {
    throw IoError(not_calf + " (no schema_version attribute)");
  }
  TrajectoryInfo& info = info_;
  info.schema_version = file_.ReadInt64Attribute("/", "schema_version");
  if (info.schema_version < 1 || info.schema_version > kTrajectorySchemaVersion) {
    throw IoError("trajectory '" + path + "' has schema_version " +
                  std::to_string(info.schema_version) + "; this calf reads version " +
                  std::to_string(kTrajectorySchemaVersion) + " (use a matching calf)");
  }
  info.meta.config_json = file_.ReadStringAttribute("/", "config");
  info.meta.seed = file_.ReadUInt64Attribute("/", "seed");
  info.meta.system = file_.ReadStringAttribute("/", "system");
  info.meta.policy = file_.ReadStringAttribute("/", "policy");
  info.calf_version = file_.ReadStringAttribute("/", "calf_version");
  info.git_revision = file_.ReadStringAttribute("/", "git_revision");
  info.created = file_.ReadStringAttribute("/", "created");
  info.complete = file_.ReadInt64Attribute("/", "complete") != 0;
  info.steps_recorded = file_.ReadInt64Attribute("/", "steps_recorded");

  int64_t states_rows = 0;
  int64_t min_rows = -1;
  int64_t max_rows = 0;
  for (const DatasetSpec& spec : kDatasets) {
    if (!file_.HasObject(spec.name)) {
      throw IoError(not_calf + " (dataset '" + spec.name + "' is missing)");
    }
    const H5DatasetInfo d = file_.DatasetInfo(spec.name);
    if (d.type != spec.type || static_cast<int>(d.dims.size()) != spec.rank) {
      throw IoError(not_calf + " (dataset '" + spec.name + "' has the wrong type or rank)");
    }
    // only dim 0 (steps) grows: a corrupt extent of another dim is refused before any read
    for (size_t i = 1; i < d.dims.size(); ++i) {
      if (d.dims[i] != d.max_dims[i] || d.dims[i] < 1) {
        throw IoError("'" + path + "' is corrupt (dataset '" + spec.name + "' has extent " +
                      std::to_string(d.dims[i]) + " of maximum " + std::to_string(d.max_dims[i]) +
                      " in dim " + std::to_string(i) + ")");
      }
    }
    const std::string name = spec.name;
    if (name == "states") {
      info.num_agents = d.dims[1];
      info.state_dim = static_cast<int>(d.dims[2]);
      info.compressed = d.deflate;
      states_rows = d.dims[0];
      continue;
    }
    if (spec.rank >= 2 && d.dims[1] != info.num_agents) {
      throw IoError(not_calf + " (dataset '" + name + "' has " + std::to_string(d.dims[1]) +
                    " agents, states has " + std::to_string(info.num_agents) + ")");
    }
    if (name == "actions") info.action_dim = static_cast<int>(d.dims[2]);
    min_rows = min_rows < 0 ? d.dims[0] : std::min(min_rows, d.dims[0]);
    max_rows = std::max(max_rows, d.dims[0]);
  }
  // a killed run may have extended some datasets further than others: keep the common rows
  info.num_steps = std::max<int64_t>(0, std::min(min_rows, states_rows - 1));
  if (info.complete &&
      (min_rows != max_rows || states_rows != min_rows + 1 || info.steps_recorded != min_rows)) {
    throw IoError("trajectory '" + path + "' is marked complete but its datasets disagree (" +
                  std::to_string(states_rows) + " states, " + std::to_string(min_rows) + ".." +
                  std::to_string(max_rows) + " step rows, steps_recorded " +
                  std::to_string(info.steps_recorded) + "); the file is corrupt");
  }
}

int64_t TrajectoryReader::RowCount(const std::string& dataset) const {
  // the optional datasets of families with a goal follow `states` row for row
  if ((dataset == "observations" || dataset == "goals") && file_.HasObject(dataset)) {
    return info_.num_steps + 1;
  }
  const DatasetSpec* spec = FindSpec(dataset);
  if (spec == nullptr) {
    throw IoError("trajectory '" + path() + "' has no dataset '" + dataset +
                  "' (states, actions, rewards, q_values, modes, episode, done, step; "
                  "observations and goals for families with a goal)");
  }
  return dataset == "states" ? info_.num_steps + 1 : info_.num_steps;
}

template <typename T>
H5Array<T> TrajectoryReader::Read(const std::string& dataset) const {
  return file_.ReadRows<T>(dataset, 0, RowCount(dataset));
}

template <typename T>
H5Array<T> TrajectoryReader::ReadRows(const std::string& dataset, int64_t first,
                                      int64_t count) const {
  const int64_t rows = RowCount(dataset);
  if (first < 0 || count < 0 || first + count > rows) {
    throw IoError("rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                  ") are outside '" + dataset + "' (" + std::to_string(rows) +
                  " rows) of trajectory '" + path() + "'");
  }
  return file_.ReadRows<T>(dataset, first, count);
}

H5Array<float> TrajectoryReader::StatesAt(int64_t row) const {
  return ReadRows<float>("states", row, 1);
}

std::optional<int64_t> TrajectoryReader::FindRow(int64_t step) const {
  const std::vector<int64_t> steps = Read<int64_t>("step").values;
  // steps are strictly increasing
  auto it = std::lower_bound(steps.begin(), steps.end(), step);
  if (it == steps.end() || *it != step) return std::nullopt;
  return static_cast<int64_t>(it - steps.begin());
}

std::vector<H5EnumMember> TrajectoryReader::EnumMembers(const std::string& dataset) const {
  RowCount(dataset);  // validates the name
  return file_.DatasetInfo(dataset).enum_members;
}

template H5Array<float> TrajectoryReader::Read<float>(const std::string&) const;
template H5Array<int32_t> TrajectoryReader::Read<int32_t>(const std::string&) const;
template H5Array<int64_t> TrajectoryReader::Read<int64_t>(const std::string&) const;
template H5Array<uint8_t> TrajectoryReader::Read<uint8_t>(const std::string&) const;
template H5Array<double> TrajectoryReader::Read<double>(const std::string&) const;
template H5Array<float> TrajectoryReader::ReadRows<float>(const std::string&, int64_t,
                                                          int64_t) const;
template H5Array<int32_t> TrajectoryReader::ReadRows<int32_t>(const std::string&, int64_t,
                                                              int64_t) const;
template H5Array<int64_t> TrajectoryReader::ReadRows<int64_t>(const std::string&, int64_t,
                                                              int64_t) const;
template H5Array<uint8_t> TrajectoryReader::ReadRows<uint8_t>(const std::string&, int64_t,
                                                              int64_t) const;
template H5Array<double> TrajectoryReader::ReadRows<double>(const std::string&, int64_t,
                                                            int64_t) const;

}  // namespace calf::core
