#include "core/train/trainer.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/checksum.h"
#include "core/io/h5_file.h"
#include "core/io/output_file.h"
#include "core/io/trajectory_schema.h"
#include "core/train/binary_io.h"
#include "core/version.h"

namespace calf::core::train {
namespace {

using nlohmann::json;

constexpr char kCheckpointMagic[8] = {'C', 'A', 'L', 'F', 'T', 'R', 'N', '1'};
// versions: core/train/algorithm.h; from 3 on a CRC-32C of every byte before it follows
// (core/io/checksum.h), verified before use
constexpr uint32_t kFirstChecksummedVersion = 3;

}  // namespace

Trainer::Trainer(const TrainConfig& config, const EnvBatchMaker& make_batch) : config_(config) {
  config_.Validate();
  config_.system = env::FindSpec(config_.system).name;
  env_ = env::MakeEnvironment(config_.system, config_.env);
  algorithm_ = FindAlgorithm(config_.algo).make(config_, *env_, make_batch);
}

Trainer::~Trainer() = default;

void Trainer::RunUntil(int64_t target, const std::function<void()>& on_episode) {
  target = std::min(target, config_.episodes);
  while (episodes_done() < target) {
    algorithm_->RunEpisode();
    const std::string diverged = algorithm_->Divergence();
    if (!diverged.empty()) {
      throw DivergedError("training diverged: " + diverged +
                          "; no model was written and no checkpoint after it (an earlier one "
                          "stays); lower reward_scale or the learning rates, or see "
                          "docs/training.md, \"When training diverges\"");
    }
    if (on_episode) on_episode();
  }
}

void Trainer::SaveCheckpoint(const std::string& path) const {
  OutputFile file(path, "checkpoint");
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) {
      throw IoError("cannot write checkpoint '" + file.temp_path() +
                        "'; check the directory exists and is writable",
                    ExitCode::kRuntime);
    }
    const env::EnvSpec& spec = env_->spec();
    out.write(kCheckpointMagic, sizeof(kCheckpointMagic));
    WritePod<uint32_t>(out, kCheckpointVersion);
    WriteString(out, config_.ToJson());
    WriteString(out, config_.algo);
    WriteString(out, spec.name);
    WritePod<int32_t>(out, spec.state_dim);
    WritePod<int32_t>(out, spec.action_dim);
    algorithm_->Save(out);
    out.write(kCheckpointMagic, sizeof(kCheckpointMagic));  // end marker
    out.flush();
    if (!out) {
      throw IoError("cannot write checkpoint '" + file.temp_path() + "' (disk full?)",
                    ExitCode::kRuntime);
    }
  }
  // computed from the bytes read back: a write that did not reach the file is caught here
  AppendCrc32c(file.temp_path(), "checkpoint");
  file.Commit();
}

std::unique_ptr<Trainer> Trainer::FromCheckpoint(const std::string& path,
                                                 const TrainOverrides& overrides,
                                                 const EnvBatchMaker& make_batch) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read checkpoint '" + path + "': no such file or not readable");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::string(magic, 8) != std::string(kCheckpointMagic, 8))
    throw IoError("'" + path + "' is not a calf training checkpoint (bad magic)");
  uint32_t version = 0;
  in.read(reinterpret_cast<char*>(&version), sizeof version);
  if (!in) throw IoError("checkpoint '" + path + "' is truncated (no version)");
  if (version < 1 || version > kCheckpointVersion)
    throw IoError("checkpoint '" + path + "' has version " + std::to_string(version) +
                  ", this calf reads versions 1 to " + std::to_string(kCheckpointVersion));
  // the whole file is checked before anything in it is used (versions 1 and 2 have no
  // checksum: only their structure is checked)
  if (version >= kFirstChecksummedVersion) VerifyCrc32c(path, "checkpoint");
  try {
    return Parse(in, version, path, overrides, make_batch);
  } catch (const IoError& e) {
    const std::string what = e.what();
    if (what.find(path) != std::string::npos) throw;
    // binary_io's short-read messages do not know the file
    throw IoError("checkpoint '" + path + "': " + what);
  }
}

std::unique_ptr<Trainer> Trainer::Parse(std::istream& in, uint32_t version, const std::string& path,
                                        const TrainOverrides& overrides,
                                        const EnvBatchMaker& make_batch) {
  char magic[8];
  TrainConfig config;
  try {
    config.ApplyJson(ReadString(in), path);
    if (version >= 2) {
      const std::string algo = ReadString(in);
      if (algo != config.algo) throw IoError("the algorithm name disagrees with the config");
    }
  } catch (const Error& e) {
    throw IoError("checkpoint '" + path + "' is corrupt: " + e.what());
  }
  const std::string system = ReadString(in);
  const auto d = ReadPod<int32_t>(in);
  const auto m = ReadPod<int32_t>(in);
  const env::EnvSpec* spec = nullptr;
  try {
    spec = &env::FindSpec(config.system);
  } catch (const ConfigError& e) {
    throw IoError("checkpoint '" + path + "' is corrupt: " + e.what());
  }
  if (system != spec->name || d != spec->state_dim || m != spec->action_dim)
    throw IoError("checkpoint '" + path + "' holds " + system + " with dims " + std::to_string(d) +
                  "/" + std::to_string(m) + ", which does not match " + spec->name + " (" +
                  std::to_string(spec->state_dim) + "/" + std::to_string(spec->action_dim) + ")");
  config = ResolveResumeConfig(config, overrides, path);
  auto t = std::make_unique<Trainer>(config, make_batch);
  t->algorithm_->Load(in, version, path);
  in.read(magic, 8);
  if (!in || std::string(magic, 8) != std::string(kCheckpointMagic, 8))
    throw IoError("checkpoint '" + path + "' is truncated or corrupt (no end marker)");
  if (version >= kFirstChecksummedVersion) {
    char crc[4];
    in.read(crc, 4);
    if (!in || in.peek() != std::char_traits<char>::eof())
      throw IoError("checkpoint '" + path + "' is corrupt (bytes after the end marker)");
  }
  if (t->config_.episodes < t->episodes_done()) {
    // running on would train nothing and rewrite the outputs with a shorter run length
    throw ConfigError("checkpoint '" + path + "' has already trained " +
                      std::to_string(t->episodes_done()) + " episodes, more than the " +
                      std::to_string(t->config_.episodes) + " episodes asked for; use --episodes " +
                      std::to_string(t->episodes_done()) + " or more to continue it");
  }
  return t;
}

void Trainer::WriteLog(const std::string& path) const {
  OutputFile out(path, "training log");
  H5File file = H5File::Create(out.temp_path());
  file.WriteAttribute("/", "config", config_.ToJson());
  file.WriteAttribute("/", "system", env_->spec().name);
  file.WriteAttribute("/", "algo", config_.algo);
  file.WriteAttribute("/", "calf_version", kVersion);
  file.WriteAttribute("/", "seed", config_.seed);
  file.WriteAttribute("/", "episodes", episodes_done());
  file.WriteAttribute("/", "steps", total_steps());
  for (const LogGroup& group : algorithm_->Log()) {
    file.CreateGroup("/" + group.name);
    for (const LogColumn& c : group.columns) {
      const std::string name = "/" + group.name + "/" + c.name;
      std::visit(
          [&](const auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            H5Type type = H5Type::kUInt8;
            if constexpr (std::is_same_v<T, double>) type = H5Type::kFloat64;
            if constexpr (std::is_same_v<T, float>) type = H5Type::kFloat32;
            if constexpr (std::is_same_v<T, int64_t>) type = H5Type::kInt64;
            // modes: the same enum as the run files' `modes` (docs/formats.md)
            if (c.is_mode) {
              file.WriteVector(name, H5Type::kEnumUInt8, v.data(), static_cast<int64_t>(v.size()),
                               TrajectoryModeMembers());
            } else {
              file.WriteVector(name, type, v.data(), static_cast<int64_t>(v.size()));
            }
          },
          c.values);
    }
  }
  file.Close();
  out.Commit();
}

void Trainer::WriteModels(const std::string& dir) const {
  namespace fs = std::filesystem;
  const env::EnvSpec& spec = env_->spec();
  json model = {{"format", "calf-model-1"},
                {"system", spec.name},
                {"algo", config_.algo},
                {"state_dim", spec.state_dim},
                {"obs_dim", spec.obs_dim},
                {"action_dim", spec.action_dim},
                {"max_action", spec.max_action},
                {"seed", config_.seed},
                {"episodes_trained", episodes_done()},
                {"steps_trained", total_steps()},
                {"calf_version", kVersion},
                {"training", json::parse(config_.ToJson())}};
  std::vector<OutputFile> files = algorithm_->ExportModels(dir, model);
  files.emplace_back((fs::path(dir) / "model.json").string(), "model description");
  {
    std::ofstream out(files.back().temp_path(), std::ios::trunc);
    out << model.dump(2) << "\n";
    out.close();
    if (!out) throw IoError("cannot write '" + files.back().temp_path() + "'", ExitCode::kRuntime);
  }
  // every file is complete before any is renamed into place
  for (OutputFile& f : files) f.Commit();
}

}  // namespace calf::core::train
