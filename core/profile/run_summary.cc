#include "core/profile/run_summary.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace calf::core::profile {

Stats ComputeStats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  double sum = 0.0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(n);
  s.min = v.front();
  s.max = v.back();
  auto quantile = [&](double p) {
    const double rank = p * static_cast<double>(n - 1);
    const size_t lo = static_cast<size_t>(std::floor(rank));
    const size_t hi = std::min(lo + 1, n - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
  };
  s.median = quantile(0.5);
  s.p95 = quantile(0.95);
  if (n >= 2) {
    double ss = 0.0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(n - 1));
  }
  return s;
}

nlohmann::json MachineJson(const MachineInfo& m) {
  return {{"cpu_model", m.cpu_model}, {"cores", m.cores}, {"hostname", m.hostname}};
}

nlohmann::json MakeRunSummary(const SummaryHeader& h, const std::vector<RepeatRecord>& repeats) {
  CALF_CHECK(!repeats.empty()) << "no repeats";
  std::vector<double> totals;
  std::vector<double> repeat_fps;
  double section_sum[kNumSections] = {0, 0, 0, 0, 0, 0};
  int64_t section_runs[kNumSections] = {0, 0, 0, 0, 0, 0};  // frames in which it ran
  double queries = 0, draws = 0, meshes = 0, bytes = 0, cpu = 0, memory = 0;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& r : repeats) {
    CALF_CHECK(!r.frames.empty() && r.frames.size() == r.counts.size()) << "bad repeat";
    double sum = 0.0;
    for (size_t f = 0; f < r.frames.size(); ++f) {
      const FrameTimes& t = r.frames[f];
      totals.push_back(t.total_ms);
      sum += t.total_ms;
      for (int s = 0; s < kNumSections; ++s) {
        section_sum[s] += t.section_ms[s];
        if (t.section_ms[s] > 0.0) ++section_runs[s];
      }
      queries += static_cast<double>(r.counts[f].critic_queries);
      draws += static_cast<double>(r.counts[f].draw_calls);
      meshes += static_cast<double>(r.counts[f].mesh_updates);
      bytes += static_cast<double>(r.counts[f].bytes_uploaded);
    }
    repeat_fps.push_back(1000.0 / (sum / static_cast<double>(r.frames.size())));
    cpu += r.cpu_percent;
    memory = std::max(memory, r.memory_mb);
    files.push_back(r.file);
  }
  const double frames = static_cast<double>(totals.size());
  const Stats t = ComputeStats(totals);
  const Stats rf = ComputeStats(repeat_fps);
  nlohmann::json breakdown = nlohmann::json::object();
  for (int s = 0; s < kNumSections; ++s) {
    const double avg = section_sum[s] / frames;
    breakdown[SectionName(static_cast<Section>(s))] = {
        {"avg_ms", avg},
        {"percent", t.mean > 0 ? 100.0 * avg / t.mean : 0.0},
        {"frames_run", section_runs[s]},
        {"avg_ms_when_run",
         section_runs[s] > 0 ? section_sum[s] / static_cast<double>(section_runs[s]) : 0.0}};
  }
  nlohmann::json flags = nlohmann::json::parse(h.flags.ToJson());
  return {{"schema_version", kProfileSchemaVersion},
          {"date", h.date},
          {"mode", h.mode},
          {"flags", flags},
          {"system", h.system},
          {"n_agents", h.n_agents},
          {"frames_measured", static_cast<int64_t>(repeats.front().frames.size())},
          {"repeats", static_cast<int64_t>(repeats.size())},
          {"render", h.render},
          {"render_backend", h.render_backend},
          {"fps_avg", 1000.0 / t.mean},
          {"fps_min", 1000.0 / t.max},
          {"fps_median", 1000.0 / t.median},
          {"fps_max", 1000.0 / t.min},
          {"frame_time_avg_ms", t.mean},
          {"frame_time_p95_ms", t.p95},
          {"frame_time_median_ms", t.median},
          {"frame_time_stddev_ms", t.stddev},
          {"frame_time_min_ms", t.min},
          {"frame_time_max_ms", t.max},
          {"repeat_fps", repeat_fps},
          {"repeat_fps_stddev", rf.stddev},
          {"repeat_spread_percent", rf.median > 0 ? 100.0 * (rf.max - rf.min) / rf.median : 0.0},
          {"breakdown", breakdown},
          {"resources",
           {{"cpu_percent", cpu / static_cast<double>(repeats.size())}, {"memory_mb", memory}}},
          {"gpu_queries", queries / frames},
          {"critic_queries", queries / frames},
          {"draw_calls", draws / frames},
          {"mesh_updates", meshes / frames},
          {"bytes_uploaded", bytes / frames},
          {"frame_times_ms", totals},
          {"files", files},
          {"config", h.config},
          {"machine", MachineJson(h.machine)}};
}

}  // namespace calf::core::profile
