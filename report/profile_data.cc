#include "report/profile_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config/text_file.h"
#include "core/error.h"

namespace calf::report {
namespace fs = std::filesystem;
namespace {

nlohmann::json ReadJson(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw IoError(path + ": no such file; run `calf profile` first or check the path");
  }
  // bounded (/dev/zero, a runaway file); 3 M frame times take about 60 MB
  const std::string text = core::config::ReadTextFile(path, kMaxSummaryBytes, "a profile summary");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // parse errors and numbers beyond double range (1e400) alike: the file is at fault
    throw IoError(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

// Typed field access with one-line errors naming the file and field.
class Reader {
 public:
  Reader(const nlohmann::json& object, std::string file, std::string prefix = "")
      : object_(object), file_(std::move(file)), prefix_(std::move(prefix)) {
    if (!object_.is_object()) Fail("", "must be a JSON object");
  }

  [[noreturn]] void Fail(const std::string& field, const std::string& why) const {
    const std::string name = prefix_ + field;
    throw ConfigError(file_ + ": " + (name.empty() ? "top level" : "field \"" + name + "\"") + " " +
                      why);
  }

  const nlohmann::json& Get(const std::string& field) const {
    auto it = object_.find(field);
    if (it == object_.end()) Fail(field, "is missing (see docs/profile-format.md)");
    return *it;
  }
  bool Has(const std::string& field) const { return object_.contains(field); }

  std::string String(const std::string& field) const {
    const auto& v = Get(field);
    if (!v.is_string()) Fail(field, "must be a string");
    return v.get<std::string>();
  }
  double Number(const std::string& field) const {
    const auto& v = Get(field);
    if (!v.is_number()) Fail(field, "must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) Fail(field, "must be finite");
    return d;
  }
  double NonNegative(const std::string& field) const {
    const double d = Number(field);
    if (d < 0) Fail(field, "must be >= 0, got " + Format(d));
    return d;
  }
  double Positive(const std::string& field) const {
    const double d = Number(field);
    if (!(d > 0)) Fail(field, "must be > 0, got " + Format(d));
    return d;
  }
  int Int(const std::string& field, int min_value) const {
    const auto& v = Get(field);
    if (!v.is_number_integer()) Fail(field, "must be an integer");
    const long long i = v.get<long long>();
    if (i < min_value || i > 1000000000LL) {
      Fail(field, "must be >= " + std::to_string(min_value) + ", got " + std::to_string(i));
    }
    return static_cast<int>(i);
  }
  bool Bool(const std::string& field) const {
    const auto& v = Get(field);
    if (!v.is_boolean()) Fail(field, "must be true or false");
    return v.get<bool>();
  }
  const nlohmann::json& Object(const std::string& field) const {
    const auto& v = Get(field);
    if (!v.is_object()) Fail(field, "must be a JSON object");
    return v;
  }
  std::vector<double> Numbers(const std::string& field, bool positive) const {
    const auto& v = Get(field);
    if (!v.is_array()) Fail(field, "must be an array of numbers");
    std::vector<double> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_number()) Fail(field, "element " + std::to_string(i) + " is not a number");
      const double d = v[i].get<double>();
      if (!std::isfinite(d) || (positive && !(d > 0))) {
        Fail(field, "element " + std::to_string(i) + " must be a finite positive number, got " +
                        Format(d));
      }
      out.push_back(d);
    }
    return out;
  }
  Reader Sub(const std::string& field) const {
    return Reader(Object(field), file_, prefix_ + field + ".");
  }
  const std::string& file() const { return file_; }

 private:
  static std::string Format(double d) {
    std::ostringstream s;
    s << d;
    return s.str();
  }
  const nlohmann::json& object_;
  std::string file_;
  std::string prefix_;
};

void CheckSchemaVersion(const Reader& r) {
  const int version = r.Int("schema_version", 0);
  if (version != kProfileSchemaVersion) {
    r.Fail("schema_version", "is " + std::to_string(version) + " but this calf reads version " +
                                 std::to_string(kProfileSchemaVersion) +
                                 "; re-run `calf profile` with this calf");
  }
}

Flags ReadFlags(const Reader& r) {
  Reader f = r.Sub("flags");
  Flags flags;
  flags.vectorized_heights = f.Bool("vectorized_heights");
  flags.stats_cache = f.Bool("stats_cache");
  flags.batched_trails = f.Bool("batched_trails");
  flags.batched_inference = f.Bool("batched_inference");
  return flags;
}

Machine ReadMachine(const Reader& r) {
  Reader m = r.Sub("machine");
  Machine machine;
  machine.cpu_model = m.String("cpu_model");
  machine.cores = m.Int("cores", 1);
  machine.hostname = m.String("hostname");
  return machine;
}

bool SameFlags(const Flags& a, const Flags& b) {
  return a.vectorized_heights == b.vectorized_heights && a.stats_cache == b.stats_cache &&
         a.batched_trails == b.batched_trails && a.batched_inference == b.batched_inference;
}

void DiffInto(const nlohmann::json& a, const nlohmann::json& b, const std::string& path,
              const std::vector<std::string>& ignored, std::vector<std::string>* out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const auto& key : keys) {
      if (path.empty() && std::find(ignored.begin(), ignored.end(), key) != ignored.end()) {
        continue;
      }
      const std::string child = path.empty() ? key : path + "." + key;
      if (!a.contains(key) || !b.contains(key)) {
        out->push_back(child);
      } else {
        DiffInto(a.at(key), b.at(key), child, ignored, out);
      }
    }
    return;
  }
  // numbers compare by value (1 == 1.0); everything else structurally
  if (a.is_number() && b.is_number()) {
    if (a.get<double>() != b.get<double>()) out->push_back(path);
    return;
  }
  if (a != b) out->push_back(path.empty() ? "(root)" : path);
}

std::string StemOf(const std::string& path) {
  fs::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // trailing slash
  return p.stem().string();
}

}  // namespace

const std::vector<std::string>& FlagNames() {
  static const std::vector<std::string> kNames = {"vectorized_heights", "stats_cache",
                                                  "batched_trails", "batched_inference"};
  return kNames;
}

bool FlagValue(const Flags& flags, const std::string& name) {
  if (name == "vectorized_heights") return flags.vectorized_heights;
  if (name == "stats_cache") return flags.stats_cache;
  if (name == "batched_trails") return flags.batched_trails;
  if (name == "batched_inference") return flags.batched_inference;
  throw ConfigError("unknown optimisation flag \"" + name + "\"");
}

const std::vector<std::string>& SectionNames() {
  static const std::vector<std::string> kNames = {"physics", "visuals", "ui",
                                                  "heatmap", "render",  "io"};
  return kNames;
}

Summary LoadSummary(const std::string& path) {
  const nlohmann::json json = ReadJson(path);
  Reader r(json, path);
  CheckSchemaVersion(r);
  Summary s;
  s.path = path;
  s.date = r.String("date");
  s.mode = r.String("mode");
  if (s.mode.empty()) r.Fail("mode", "must not be empty");
  s.flags = ReadFlags(r);
  s.system = r.String("system");
  s.n_agents = r.Int("n_agents", 1);
  s.frames_measured = r.Int("frames_measured", 1);
  s.repeats = r.Int("repeats", 1);
  s.render = r.Bool("render");
  s.fps_avg = r.Positive("fps_avg");
  s.fps_min = r.Positive("fps_min");
  s.fps_median = r.Positive("fps_median");
  s.frame_time_avg_ms = r.Positive("frame_time_avg_ms");
  s.frame_time_p95_ms = r.Positive("frame_time_p95_ms");
  s.frame_time_median_ms = r.Positive("frame_time_median_ms");
  s.frame_time_stddev_ms = r.NonNegative("frame_time_stddev_ms");
  // fps_avg is defined as 1000 / frame_time_avg_ms; a disagreement means a corrupt file
  if (std::fabs(s.fps_avg * s.frame_time_avg_ms - 1000.0) > 10.0) {
    r.Fail("fps_avg", "disagrees with 1000 / frame_time_avg_ms");
  }
  s.repeat_fps = r.Numbers("repeat_fps", true);
  if (static_cast<int>(s.repeat_fps.size()) != s.repeats) {
    r.Fail("repeat_fps", "has " + std::to_string(s.repeat_fps.size()) +
                             " values but \"repeats\" is " + std::to_string(s.repeats));
  }
  Reader breakdown = r.Sub("breakdown");
  for (const auto& section : SectionNames()) {
    Reader sec = breakdown.Sub(section);
    s.breakdown[section] = {sec.NonNegative("avg_ms"), sec.NonNegative("percent")};
  }
  Reader resources = r.Sub("resources");
  s.cpu_percent = resources.NonNegative("cpu_percent");
  s.memory_mb = resources.NonNegative("memory_mb");
  s.gpu_queries = r.NonNegative("gpu_queries");
  s.draw_calls = r.NonNegative("draw_calls");
  s.mesh_updates = r.NonNegative("mesh_updates");
  s.bytes_uploaded = r.NonNegative("bytes_uploaded");
  s.frame_times_ms = r.Numbers("frame_times_ms", true);
  if (s.frame_times_ms.empty()) {
    r.Fail("frame_times_ms", "is empty; the profile measured no frames");
  }
  s.config = r.Object("config");
  s.machine = ReadMachine(r);
  return s;
}

std::vector<std::string> Profile::Modes() const {
  std::vector<std::string> modes;
  for (const auto& s : summaries) {
    if (std::find(modes.begin(), modes.end(), s.mode) == modes.end()) modes.push_back(s.mode);
  }
  // summaries are sorted by mode; lift the two reference designs to the front
  auto rank = [](const std::string& m) { return m == "baseline" ? 0 : m == "optimized" ? 1 : 2; };
  std::stable_sort(modes.begin(), modes.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  return modes;
}

std::vector<int> Profile::AgentCounts(const std::string& mode) const {
  std::vector<int> counts;
  for (const auto& s : summaries) {
    if (s.mode == mode) counts.push_back(s.n_agents);
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

const Summary* Profile::Find(const std::string& mode, int n_agents) const {
  for (const auto& s : summaries) {
    if (s.mode == mode && s.n_agents == n_agents) return &s;
  }
  return nullptr;
}

namespace {

// The shard an index.json describes ({0, 1, cells} for a whole sweep).
struct ShardInfo {
  int64_t index = 0, count = 1, cells = 0;
};

// Reads `dir`/index.json and the summaries it lists into a Profile. A shard's index may list
// no runs; a whole sweep's may not.
Profile LoadIndex(const std::string& dir, ShardInfo* shard) {
  const std::string index_path = (fs::path(dir) / "index.json").string();
  const nlohmann::json json = ReadJson(index_path);
  Reader r(json, index_path);
  CheckSchemaVersion(r);
  Profile profile;
  profile.path = dir;
  profile.label = StemOf(dir);
  profile.is_sweep = true;
  profile.calf_version = r.String("calf_version");
  profile.git_revision = r.String("git_revision");
  profile.created = r.String("created");
  profile.machine = ReadMachine(r);
  profile.config = r.Object("config");
  profile.system = r.String("system");
  *shard = ShardInfo{};
  if (r.Has("shard")) {
    Reader sh(r.Get("shard"), index_path, "shard.");
    shard->count = sh.Int("count", 1);
    shard->index = sh.Int("index", 0);
    shard->cells = sh.Int("cells", 0);
    if (shard->index >= shard->count) sh.Fail("index", "must be < shard.count");
  }
  const auto& runs = r.Get("runs");
  if (!runs.is_array()) r.Fail("runs", "must be an array");
  if (runs.empty() && shard->count == 1) {
    r.Fail("runs", "is empty; the sweep measured nothing (re-run `calf profile`)");
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    Reader run(runs[i], index_path, "runs[" + std::to_string(i) + "].");
    const std::string mode = run.String("mode");
    const Flags flags = ReadFlags(run);
    const int n = run.Int("n_agents", 1);
    const std::string file = run.String("summary");
    Summary s = LoadSummary((fs::path(dir) / file).string());
    if (s.mode != mode)
      run.Fail("mode", "is \"" + mode + "\" but " + s.path + " says \"" + s.mode + "\"");
    if (!SameFlags(s.flags, flags)) run.Fail("flags", "disagree with " + s.path);
    if (s.n_agents != n)
      run.Fail("n_agents", "is " + std::to_string(n) + " but " + s.path + " says " +
                               std::to_string(s.n_agents));
    if (s.system != profile.system) {
      run.Fail("summary", "points to " + s.path + " whose system \"" + s.system +
                              "\" differs from the index's \"" + profile.system + "\"");
    }
    if (profile.Find(mode, n) != nullptr) {
      run.Fail("mode", "\"" + mode + "\" with n_agents " + std::to_string(n) +
                           " appears twice in the runs list");
    }
    profile.summaries.push_back(std::move(s));
  }
  return profile;
}

void SortSummaries(Profile& profile) {
  std::stable_sort(profile.summaries.begin(), profile.summaries.end(),
                   [](const Summary& a, const Summary& b) {
                     return a.mode != b.mode ? a.mode < b.mode : a.n_agents < b.n_agents;
                   });
}

// Sub-directories "shard-K-of-N" of `dir` that hold an index.json, sorted by name.
std::vector<std::string> ShardDirs(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory(ec) && name.rfind("shard-", 0) == 0 &&
        fs::exists(e.path() / "index.json", ec)) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Merges the shards of one sweep (written by `calf profile --shard k/n` or under mpirun)
// into one Profile: every shard 0..n-1 present once, the same config, system and hardware.
Profile MergeShards(const std::string& dir, const std::vector<std::string>& shard_dirs) {
  std::vector<Profile> parts;
  std::vector<ShardInfo> infos;
  for (const std::string& d : shard_dirs) {
    ShardInfo info;
    parts.push_back(LoadIndex(d, &info));
    infos.push_back(info);
  }
  const int64_t count = infos[0].count;
  std::vector<int> seen(static_cast<size_t>(count), -1);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string where = (fs::path(shard_dirs[i]) / "index.json").string();
    if (infos[i].count != count) {
      throw ConfigError(where + ": shard count " + std::to_string(infos[i].count) + " but " +
                        shard_dirs[0] + " has " + std::to_string(count) +
                        "; keep one sweep's shards per directory");
    }
    if (seen[infos[i].index] >= 0) {
      throw ConfigError(where + ": shard " + std::to_string(infos[i].index) +
                        " appears twice (also " + shard_dirs[seen[infos[i].index]] + ")");
    }
    seen[infos[i].index] = static_cast<int>(i);
    const std::vector<std::string> diff = DiffJson(parts[0].config, parts[i].config);
    if (!diff.empty() || parts[i].system != parts[0].system) {
      throw ConfigError(where + ": config differs from " + shard_dirs[0] + " (" +
                        (diff.empty() ? std::string("system") : "config." + diff[0]) +
                        "); the shards of one sweep must run the same arguments");
    }
    if (parts[i].machine.cpu_model != parts[0].machine.cpu_model ||
        parts[i].machine.cores != parts[0].machine.cores) {
      throw ConfigError(where + ": ran on " + parts[i].machine.cpu_model + " (" +
                        std::to_string(parts[i].machine.cores) + " cores) but " + shard_dirs[0] +
                        " on " + parts[0].machine.cpu_model + " (" +
                        std::to_string(parts[0].machine.cores) +
                        " cores); timings from different hardware are not comparable");
    }
  }
  for (int64_t k = 0; k < count; ++k) {
    if (seen[k] < 0) {
      const std::string name = "shard-" + std::to_string(k) + "-of-" + std::to_string(count);
      throw ConfigError(dir + ": shard " + std::to_string(k) + " of " + std::to_string(count) +
                        " is missing (no " + (fs::path(dir) / name / "index.json").string() +
                        "); run `calf profile --shard " + std::to_string(k) + "/" +
                        std::to_string(count) + "` with the same arguments and --out-dir " + dir);
    }
  }
  Profile merged = std::move(parts[seen[0]]);
  merged.path = dir;
  merged.label = StemOf(dir);
  std::set<std::string> hosts = {merged.machine.hostname};
  for (int64_t k = 1; k < count; ++k) {
    Profile& p = parts[seen[k]];
    hosts.insert(p.machine.hostname);
    for (Summary& s : p.summaries) merged.summaries.push_back(std::move(s));
  }
  std::string host_list;
  for (const std::string& h : hosts) host_list += (host_list.empty() ? "" : ",") + h;
  merged.machine.hostname = host_list;
  if (merged.summaries.empty()) {
    throw ConfigError(dir + ": its " + std::to_string(count) +
                      " shards measured nothing (re-run `calf profile`)");
  }
  SortSummaries(merged);
  return merged;
}

}  // namespace

Profile LoadSweep(const std::string& dir) {
  const std::string index_path = (fs::path(dir) / "index.json").string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw IoError(dir + ": no such directory; give a `calf profile` output directory");
  }
  if (!fs::exists(index_path, ec)) {
    const std::vector<std::string> shards = ShardDirs(dir);
    if (!shards.empty()) return MergeShards(dir, shards);
    throw IoError(index_path + ": no such file; " + dir +
                  " is not a `calf profile` sweep directory");
  }
  ShardInfo shard;
  Profile profile = LoadIndex(dir, &shard);
  if (profile.summaries.empty()) {
    throw ConfigError(index_path + ": shard " + std::to_string(shard.index) + " of " +
                      std::to_string(shard.count) +
                      " measured nothing; give the directory above it to merge every shard");
  }
  SortSummaries(profile);
  return profile;
}

Profile LoadProfile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return LoadSweep(path);
  if (!fs::exists(path, ec)) {
    throw IoError(path + ": no such file or directory; give a sweep directory or summary JSON");
  }
  Summary s = LoadSummary(path);
  Profile profile;
  profile.path = path;
  profile.label = StemOf(path);
  profile.machine = s.machine;
  profile.config = s.config;
  profile.system = s.system;
  profile.created = s.date;
  profile.summaries.push_back(std::move(s));
  return profile;
}

std::vector<std::string> DiffJson(const nlohmann::json& a, const nlohmann::json& b,
                                  const std::vector<std::string>& ignored) {
  std::vector<std::string> out;
  DiffInto(a, b, "", ignored, &out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ProfileMismatches(const Profile& a, const Profile& b,
                                           const std::vector<std::string>& ignored_config_keys) {
  std::vector<std::string> out;
  if (a.system != b.system) out.push_back("system");
  for (const auto& path : DiffJson(a.config, b.config, ignored_config_keys)) {
    out.push_back("config." + path);
  }
  return out;
}

std::vector<std::string> MachineDifferences(const Profile& a, const Profile& b) {
  std::vector<std::string> out;
  if (a.machine.cpu_model != b.machine.cpu_model) out.push_back("machine.cpu_model");
  if (a.machine.cores != b.machine.cores) out.push_back("machine.cores");
  if (a.machine.hostname != b.machine.hostname) out.push_back("machine.hostname");
  return out;
}

}  // namespace calf::report
