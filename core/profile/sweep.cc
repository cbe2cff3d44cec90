#include "core/profile/sweep.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/output_file.h"
#include "core/profile/machine_info.h"
#include "core/profile/run_summary.h"
#include "core/profile/run_writer.h"
#include "core/version.h"

namespace calf::core::profile {
namespace fs = std::filesystem;
namespace {

bool IsResultFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".json" || ext == ".h5" || ext == ".partial";
}

}  // namespace

std::string Shard::DirName() const {
  return "shard-" + std::to_string(index) + "-of-" + std::to_string(count);
}

Shard ParseShard(const std::string& text, const std::string& flag) {
  const size_t slash = text.find('/');
  Shard shard;
  size_t used_k = 0, used_n = 0;
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < text.size();
  if (ok) {
    try {
      shard.index = std::stoll(text.substr(0, slash), &used_k);
      shard.count = std::stoll(text.substr(slash + 1), &used_n);
    } catch (const std::exception&) {
      ok = false;
    }
  }
  ok = ok && used_k == slash && used_n == text.size() - slash - 1 && text[0] != '-' &&
       text[0] != '+' && text[slash + 1] != '+';
  if (!ok) {
    throw ConfigError(flag + " '" + text.substr(0, 40) +
                      "' is not k/n; give e.g. 0/4 (this process runs cells i with i mod n = k)");
  }
  if (shard.count < 1 || shard.count > 100000 || shard.index < 0 || shard.index >= shard.count) {
    throw ConfigError(flag + " " + text + ": need 0 <= k < n <= 100000");
  }
  return shard;
}

Shard ShardFromLauncher() {
  const std::pair<const char*, const char*> launchers[] = {
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, {"PMI_RANK", "PMI_SIZE"}};
  for (const auto& [rank, size] : launchers) {
    const char* r = std::getenv(rank);
    const char* n = std::getenv(size);
    if (r != nullptr && n != nullptr) {
      return ParseShard(std::string(r) + "/" + n, std::string(rank) + "/" + size);
    }
  }
  return {};
}

std::string RunStem(const std::string& mode, int64_t n_agents) {
  return mode + "_n" + std::to_string(n_agents);
}

void PrepareOutputDir(const std::string& out_dir, bool force) {
  if (out_dir.empty()) throw ConfigError("--out-dir is empty; give a directory such as prof/");
  std::error_code ec;
  const fs::path dir(out_dir);
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw ConfigError("--out-dir '" + out_dir + "' is a file; give a directory");
  }
  if (fs::is_directory(dir, ec)) {
    std::vector<fs::path> results;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_regular_file() && IsResultFile(e.path())) results.push_back(e.path());
    }
    if (!results.empty() && !force) {
      throw ConfigError("--out-dir '" + out_dir + "' already holds profile results (" +
                        results.front().filename().string() +
                        "); pass --force to replace them or choose another directory");
    }
    for (const auto& p : results) fs::remove(p, ec);
  }
  core::PrepareOutputDir(out_dir, "--out-dir");
}

SweepResult RunSweep(const ProfileConfig& config, const PipelineModels& models,
                     const std::string& out_dir, const SweepHooks& hooks, const Shard& shard) {
  config.Validate();
  const std::vector<ModeRun> runs = ExpandModes(config.modes, config.flag_overrides);
  const MachineInfo machine = ReadMachineInfo();
  const nlohmann::json config_json = nlohmann::json::parse(config.ToJson());
  const int64_t measured = config.frames - config.warmup;
  const int state_dim = env::FindSpec(config.system).state_dim;
  const int64_t cells = static_cast<int64_t>(config.agents.size() * runs.size());
  const int64_t total_frames = shard.OwnedOf(cells) * config.repeats * config.frames;
  int64_t frames_done = 0;

  SweepResult result;
  nlohmann::json index_runs = nlohmann::json::array();
  auto write_index = [&]() {
    result.index = {{"schema_version", kProfileSchemaVersion},
                    {"calf_version", kVersion},
                    {"git_revision", kGitRevision},
                    {"created", UtcNow()},
                    {"machine", MachineJson(machine)},
                    {"config", config_json},
                    {"system", config.system},
                    {"runs", index_runs}};
    if (shard.sharded()) {
      result.index["shard"] = {{"index", shard.index}, {"count", shard.count}, {"cells", cells}};
    }
    if (!index_runs.empty() || shard.sharded()) {
      WriteTextFile((fs::path(out_dir) / "index.json").string(), result.index.dump(2) + "\n",
                    "profile index");
    }
  };

  int64_t cell = -1;
  for (int64_t n : config.agents) {
    for (const ModeRun& run : runs) {
      if (!shard.Owns(++cell)) continue;
      const std::string stem = RunStem(run.label, n);
      std::vector<RepeatRecord> records;
      std::string backend;
      bool rendered = false;
      for (int64_t r = 0; r < config.repeats; ++r) {
        std::unique_ptr<FrameRenderHook> render;
        if (config.render && hooks.make_render) render = hooks.make_render(run.flags);
        rendered = render != nullptr;
        if (render) backend = render->description();
        RepeatRecord record;
        record.file = stem + "_r" + std::to_string(r) + ".h5";
        const std::string path = (fs::path(out_dir) / record.file).string();
        auto writer =
            std::make_unique<RunWriter>(path, std::min(config.record_agents, n), state_dim);
        FramePipeline measured_pipeline(config, run.flags, n, models, render.get(), writer.get());
        double cpu0 = 0;
        auto wall0 = std::chrono::steady_clock::now();
        for (int64_t f = 0; f < config.frames; ++f) {
          if (hooks.interrupted && hooks.interrupted()) {
            write_index();
            throw InterruptedError("interrupted during " + stem + " repeat " + std::to_string(r) +
                                   "; " + std::to_string(index_runs.size()) +
                                   " finished runs are indexed in " + out_dir + "/index.json");
          }
          const bool record_frame = f >= config.warmup;
          if (f == config.warmup) {
            cpu0 = ProcessCpuSeconds();
            wall0 = std::chrono::steady_clock::now();
          }
          measured_pipeline.RunFrame(record_frame);
          ++frames_done;
          if (hooks.progress) hooks.progress(frames_done, total_frames, stem);
        }
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
        record.cpu_percent = wall > 0 ? 100.0 * (ProcessCpuSeconds() - cpu0) / wall : 0.0;
        record.memory_mb = ResidentMemoryMb();
        measured_pipeline.FlushPendingRow();
        record.frames = measured_pipeline.profiler().frames();
        record.counts = measured_pipeline.counts();
        CALF_CHECK(static_cast<int64_t>(record.frames.size()) == measured) << "frames";
        writer->Finish({{"config", config.ToJson()},
                        {"flags", run.flags.ToJson()},
                        {"mode", run.label},
                        {"n_agents", std::to_string(n)},
                        {"repeat", std::to_string(r)},
                        {"system", config.system},
                        {"machine", MachineJson(machine).dump()},
                        {"cpu_model", machine.cpu_model},
                        {"cores", std::to_string(machine.cores)},
                        {"calf_version", kVersion},
                        {"git_revision", kGitRevision},
                        {"render", rendered ? backend : std::string("off")}},
                       config.warmup);
        records.push_back(std::move(record));
      }
      SummaryHeader header;
      header.date = UtcNow();
      header.mode = run.label;
      header.flags = run.flags;
      header.system = config.system;
      header.n_agents = n;
      header.render = rendered;
      header.render_backend = backend;
      header.config = config_json;
      header.machine = machine;
      nlohmann::json summary = MakeRunSummary(header, records);
      summary["fused_step"] = FusedStep(config, run.flags);  // the creature's step kernel
      WriteTextFile((fs::path(out_dir) / (stem + ".json")).string(), summary.dump(2) + "\n",
                    "profile summary");
      nlohmann::json files = nlohmann::json::array();
      for (const auto& rec : records) files.push_back(rec.file);
      index_runs.push_back({{"mode", run.label},
                            {"flags", nlohmann::json::parse(run.flags.ToJson())},
                            {"n_agents", n},
                            {"summary", stem + ".json"},
                            {"repeats", files}});
      result.summaries.push_back(std::move(summary));
    }
  }
  write_index();
  return result;
}

}  // namespace calf::core::profile
