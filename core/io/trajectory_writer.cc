#include "core/io/trajectory_writer.h"

#include <chrono>
#include <ctime>
#include <optional>
#include <vector>

#include "core/error.h"
#include "core/io/h5_file.h"
#include "core/io/output_file.h"
#include "core/io/trajectory_schema.h"
#include "core/version.h"

namespace calf::core {
namespace {

// Index of each dataset in Impl::datasets.
enum Dataset : int {
  kStates,
  kActions,
  kRewards,
  kQValues,
  kModes,
  kEpisode,
  kDone,
  kStep,
  // the optional observations and goals follow (their indices are kept in Impl)
};

std::string UtcNowIso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

struct TrajectoryWriter::Impl {
  std::optional<OutputFile> out;  // destroyed last: removes the temporary on an error path
  int64_t num_agents = 0;
  int state_dim = 0;
  int action_dim = 0;
  TrajectoryWriterOptions options;
  std::optional<H5File> file;
  std::vector<H5Appender> datasets;  // destroyed before `file` (declared after it)
  int obs_index = -1, goal_index = -1, contacts_index = -1;  // optional, -1 when absent
  int64_t rows = 0;
  bool initial_written = false;
  bool finished = false;
  std::chrono::steady_clock::time_point last_flush;

  void FlushNow() {
    for (H5Appender& dataset : datasets) dataset.Flush();
    file->WriteAttribute("/", "steps_recorded", rows);
    file->Flush();
    last_flush = std::chrono::steady_clock::now();
  }
};

TrajectoryWriter::TrajectoryWriter(const std::string& path, int64_t num_agents, int state_dim,
                                   int action_dim, const TrajectoryMeta& meta,
                                   const TrajectoryWriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  CALF_CHECK(num_agents > 0 && state_dim > 0 && action_dim > 0)
      << "trajectory dims N=" << num_agents << " d=" << state_dim << " m=" << action_dim;
  Impl& im = *impl_;
  im.out.emplace(path, "trajectory");
  im.num_agents = num_agents;
  im.state_dim = state_dim;
  im.action_dim = action_dim;
  im.options = options;
  try {
    im.file = H5File::Create(im.out->temp_path());
    H5File& f = *im.file;
    f.WriteAttribute("/", "schema_version", kTrajectorySchemaVersion);
    f.WriteAttribute("/", "calf_version", kVersion);
    f.WriteAttribute("/", "git_revision", kGitRevision);
    f.WriteAttribute("/", "created", UtcNowIso8601());
    f.WriteAttribute("/", "system", meta.system);
    f.WriteAttribute("/", "policy", meta.policy);
    f.WriteAttribute("/", "seed", meta.seed);
    f.WriteAttribute("/", "config", meta.config_json);
    f.WriteAttribute("/", "complete", int64_t{0});
    f.WriteAttribute("/", "steps_recorded", int64_t{0});

    const int64_t n = num_agents;
    auto add = [&](const char* name, H5Type type, std::vector<int64_t> row_dims,
                   std::vector<H5EnumMember> members = {}) {
      H5AppenderOptions o;
      o.type = type;
      o.row_dims = std::move(row_dims);
      o.compress = options.compress;
      o.enum_members = std::move(members);
      im.datasets.emplace_back(f, name, o);
    };
    // order matches enum Dataset
    add("states", H5Type::kFloat32, {n, state_dim});
    add("actions", H5Type::kFloat32, {n, action_dim});
    add("rewards", H5Type::kFloat32, {n});
    add("q_values", H5Type::kFloat32, {n});
    add("modes", H5Type::kEnumUInt8, {n}, TrajectoryModeMembers());
    add("episode", H5Type::kInt32, {n});
    add("done", H5Type::kEnumUInt8, {n}, TrajectoryDoneMembers());
    add("step", H5Type::kInt64, {});
    if (options.obs_dim > 0) {
      im.obs_index = static_cast<int>(im.datasets.size());
      add("observations", H5Type::kFloat32, {n, options.obs_dim});
    }
    if (options.goal_dim > 0) {
      im.goal_index = static_cast<int>(im.datasets.size());
      add("goals", H5Type::kFloat32, {n, options.goal_dim});
    }
    if (options.contacts) {
      im.contacts_index = static_cast<int>(im.datasets.size());
      add("contacts", H5Type::kInt32, {n});
    }
    f.Flush();
  } catch (...) {
    im.datasets.clear();
    im.file.reset();
    throw;  // im.out removes the temporary
  }
  im.last_flush = std::chrono::steady_clock::now();
}

TrajectoryWriter::~TrajectoryWriter() {
  if (!impl_ || impl_->finished) return;
  // an error path: close without writing buffered rows; Impl's OutputFile, destroyed last,
  // leaves nothing behind
  impl_.reset();
}

void TrajectoryWriter::WriteInitialStates(const double* states, const float* obs,
                                          const double* goals) {
  Impl& im = *impl_;
  CALF_CHECK(!im.finished && !im.initial_written) << "WriteInitialStates called twice";
  CALF_CHECK((im.obs_index < 0 || obs != nullptr) && (im.goal_index < 0 || goals != nullptr))
      << "observations and goals are enabled: give them";
  im.datasets[kStates].Append(states, 1);
  if (im.obs_index >= 0) im.datasets[im.obs_index].Append(obs, 1);
  if (im.goal_index >= 0) im.datasets[im.goal_index].Append(goals, 1);
  im.initial_written = true;
}

void TrajectoryWriter::Append(const StepRecord& r) {
  Impl& im = *impl_;
  CALF_CHECK(!im.finished && im.initial_written) << "Append before WriteInitialStates";
#ifndef NDEBUG
  for (int64_t i = 0; i < im.num_agents; ++i) {
    CALF_DCHECK(r.modes[i] <= 3 && r.done[i] <= 3) << "bad mode/done value of agent " << i;
  }
#endif
  im.datasets[kActions].Append(r.actions, 1);
  im.datasets[kRewards].Append(r.rewards, 1);
  im.datasets[kQValues].Append(r.q_values, 1);
  im.datasets[kModes].Append(r.modes, 1);
  im.datasets[kEpisode].Append(r.episode, 1);
  im.datasets[kDone].Append(r.done, 1);
  im.datasets[kStep].Append(&r.step, 1);
  im.datasets[kStates].Append(r.next_states, 1);
  if (im.obs_index >= 0) {
    CALF_CHECK(r.next_obs != nullptr) << "observations enabled but StepRecord::next_obs is null";
    im.datasets[im.obs_index].Append(r.next_obs, 1);
  }
  if (im.goal_index >= 0) {
    CALF_CHECK(r.next_goals != nullptr) << "goals enabled but StepRecord::next_goals is null";
    im.datasets[im.goal_index].Append(r.next_goals, 1);
  }
  if (im.contacts_index >= 0) {
    CALF_CHECK(r.contacts != nullptr) << "contacts enabled but StepRecord::contacts is null";
    im.datasets[im.contacts_index].Append(r.contacts, 1);
  }
  ++im.rows;
  const double since_flush =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - im.last_flush).count();
  if (since_flush >= im.options.flush_interval_s) im.FlushNow();
}

void TrajectoryWriter::Flush() {
  Impl& im = *impl_;
  CALF_CHECK(!im.finished) << "Flush after Finish";
  im.FlushNow();
}

void TrajectoryWriter::Finish(bool complete) {
  Impl& im = *impl_;
  CALF_CHECK(!im.finished) << "Finish called twice";
  CALF_CHECK(im.initial_written) << "Finish before WriteInitialStates";
  for (H5Appender& dataset : im.datasets) dataset.Flush();
  im.file->WriteAttribute("/", "steps_recorded", im.rows);
  im.file->WriteAttribute("/", "complete", int64_t{complete ? 1 : 0});
  for (H5Appender& dataset : im.datasets) dataset.Close();
  im.file->Flush();
  im.file->Close();
  im.out->Commit();
  im.finished = true;
}

int64_t TrajectoryWriter::rows_written() const { return impl_->rows; }

const std::string& TrajectoryWriter::path() const { return impl_->out->path(); }

}  // namespace calf::core
