#include "core/profile/run_writer.h"

#include "core/error.h"

namespace calf::core::profile {

const std::vector<std::string>& CounterNames() {
  static const std::vector<std::string> kNames = {"critic_queries", "draw_calls", "mesh_updates",
                                                  "bytes_uploaded"};
  return kNames;
}

RunWriter::RunWriter(const std::string& path, int64_t record_agents, int state_dim)
    : out_(path, "profile run file"), record_agents_(record_agents), state_dim_(state_dim) {
  file_ = std::make_unique<H5File>(H5File::Create(out_.temp_path()));
  H5AppenderOptions f64;
  f64.type = H5Type::kFloat64;
  f64.chunk_dims = {1024};
  for (int s = 0; s < kNumSections; ++s) {
    sections_.emplace_back(*file_, std::string("timings/") + SectionName(static_cast<Section>(s)),
                           f64);
  }
  sections_.emplace_back(*file_, "timings/frame_total", f64);
  H5AppenderOptions i64;
  i64.type = H5Type::kInt64;
  i64.chunk_dims = {1024};
  for (const auto& name : CounterNames()) counters_.emplace_back(*file_, "counters/" + name, i64);
  if (record_agents_ > 0) {
    H5AppenderOptions st;
    st.type = H5Type::kFloat32;
    st.row_dims = {record_agents_, state_dim_};
    states_ = std::make_unique<H5Appender>(*file_, "trajectory/states", st);
    H5AppenderOptions md;
    md.type = H5Type::kEnumUInt8;
    md.row_dims = {record_agents_};
    md.enum_members = {{"certified", 0}, {"relax", 1}, {"fallback", 2}, {"nominal", 3}};
    modes_ = std::make_unique<H5Appender>(*file_, "trajectory/modes", md);
    state_row_.resize(static_cast<size_t>(record_agents_) * state_dim_);
  }
}

RunWriter::~RunWriter() {
  if (finished_) return;
  // an abandoned run: close the file; out_ (destroyed last) removes the temporary
  sections_.clear();
  counters_.clear();
  states_.reset();
  modes_.reset();
  file_.reset();
}

void RunWriter::AppendTrajectory(const double* states, const uint8_t* modes) {
  if (record_agents_ == 0) return;
  for (size_t k = 0; k < state_row_.size(); ++k) state_row_[k] = static_cast<float>(states[k]);
  states_->Append(state_row_.data(), 1);
  modes_->Append(modes, 1);
}

void RunWriter::AppendFrame(const FrameTimes& times, const FrameCounts& counts) {
  for (int s = 0; s < kNumSections; ++s) sections_[s].Append(&times.section_ms[s], 1);
  sections_[kNumSections].Append(&times.total_ms, 1);
  const int64_t values[4] = {counts.critic_queries, counts.draw_calls, counts.mesh_updates,
                             counts.bytes_uploaded};
  for (int c = 0; c < 4; ++c) counters_[c].Append(&values[c], 1);
  ++frames_;
}

void RunWriter::Finish(const std::map<std::string, std::string>& attributes, int64_t warmup) {
  for (auto& a : sections_) a.Close();
  for (auto& a : counters_) a.Close();
  if (states_) states_->Close();
  if (modes_) modes_->Close();
  for (const auto& [name, value] : attributes) file_->WriteAttribute("/", name, value);
  file_->WriteAttribute("/", "warmup_frames", warmup);
  file_->WriteAttribute("/", "frames_measured", frames_);
  file_->WriteAttribute("/", "record_agents", record_agents_);
  sections_.clear();
  counters_.clear();
  states_.reset();
  modes_.reset();
  file_->Close();
  file_.reset();
  out_.Commit();
  finished_ = true;
}

}  // namespace calf::core::profile
