// Test helper for tests/python/torchscript_interop.py: evaluates TorchScript actors/critics
// through calf's loader (both the Eigen and the LibTorch path) and exports models the way
// `calf train` does.
//   calf_torchscript_eval actor  <model.pt> <system> <obs.csv>              -> CSV actions
//     (rows of obs_dim numbers, or critic_obs_dim for an actor that sees the extras)
//   calf_torchscript_eval critic <model.pt> <system> <critic_obs.csv> <acts.csv> -> CSV q1,q2
// (the actor's rows hold obs_dim numbers, the critic's critic_obs_dim: EnvSpec)
//   calf_torchscript_eval export <dir> <system> <seed>   -> <dir>/actor.pt, <dir>/critic.pt
// Prints `error: <what>` and exits with calf's exit code on calf::Error.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/policy/torch_model.h"
#include "core/train/td3/td3.h"

namespace {

using namespace calf::core;

std::vector<float> ReadCsv(const std::string& path, int cols, int64_t* rows) {
  std::ifstream in(path);
  if (!in) throw calf::IoError("cannot read " + path);
  std::vector<float> v;
  std::string line;
  *rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string cell;
    int n = 0;
    while (std::getline(ss, cell, ',')) {
      v.push_back(std::strtof(cell.c_str(), nullptr));
      ++n;
    }
    if (n != cols)
      throw calf::ConfigError(path + ": expected " + std::to_string(cols) + " columns");
    ++*rows;
  }
  return v;
}

int Run(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: see the header of torchscript_eval.cc\n");
    return 2;
  }
  const std::string cmd = argv[1];
  const env::EnvSpec& spec = env::FindSpec(argv[3]);
  const int m = spec.action_dim, c = spec.critic_obs_dim();
  if (cmd == "export") {
    // as calf train: the critics on the critic's observation, the actor on its first obs_dim
    const uint64_t seed = std::strtoull(argv[4], nullptr, 10);
    train::Td3 td3(c, m, spec.max_action, train::Td3Params{}, seed, spec.obs_dim);
    const std::string dir = argv[2];
    SaveActorTorchScript(train::ToMlp(td3.actor), dir + "/actor.pt");
    SaveCriticTorchScript(train::ToMlp(td3.q1), train::ToMlp(td3.q2), c, dir + "/critic.pt");
    return 0;
  }
  int64_t n = 0;
  MlpWorkspace ws;
  if (cmd == "actor") {
    // an actor takes the observation, or the observation and the extras: its width tells
    auto model = TorchModel::Load(argv[2], TorchModel::Role::kActor, spec);
    const std::vector<float> states = ReadCsv(argv[4], model->heads()[0].input_dim(), &n);
    std::vector<float> eig(n * m), tor(n * m);
    model->heads()[0].Forward(states.data(), n, eig.data(), ws);
    model->TorchActorForward(states.data(), n, tor.data());
    for (int64_t i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) std::printf("%s%.9g", j ? "," : "", eig[i * m + j]);
      for (int j = 0; j < m; ++j) std::printf(",%.9g", tor[i * m + j]);
      std::printf("\n");
    }
    return 0;
  }
  if (cmd == "critic" && argc >= 6) {
    const std::vector<float> states = ReadCsv(argv[4], c, &n);
    int64_t na = 0;
    const std::vector<float> actions = ReadCsv(argv[5], m, &na);
    if (na != n) throw calf::ConfigError("states and actions differ in length");
    auto model = TorchModel::Load(argv[2], TorchModel::Role::kCritic, spec);
    std::vector<float> sa(n * (c + m));
    for (int64_t i = 0; i < n; ++i) {
      for (int j = 0; j < c; ++j) sa[i * (c + m) + j] = states[i * c + j];
      for (int j = 0; j < m; ++j) sa[i * (c + m) + c + j] = actions[i * m + j];
    }
    std::vector<float> e1(n), e2(n), t1(n), t2(n);
    model->heads()[0].Forward(sa.data(), n, e1.data(), ws);
    model->heads()[1].Forward(sa.data(), n, e2.data(), ws);
    model->TorchCriticForward(states.data(), actions.data(), n, t1.data(), t2.data());
    for (int64_t i = 0; i < n; ++i)
      std::printf("%.9g,%.9g,%.9g,%.9g\n", e1[i], e2[i], t1[i], t2[i]);
    return 0;
  }
  std::fprintf(stderr, "unknown command %s\n", cmd.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const calf::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
}
