// Agent-steps per second of the CALF point-mass simulation (actor + critic each step,
// 64-unit hidden layers): the batched path (calf's SIMD MLP kernel), with and without recording,
// against the LibTorch per-agent path (batch of one per call), side by side.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "core/env/registry.h"
#include "core/io/trajectory_writer.h"
#include "core/policy/torch_model.h"
#include "core/sim/simulator.h"

using namespace calf::core;

namespace {

struct Models {
  PolicyModels models;
  std::unique_ptr<TorchModel> actor, critic;
  std::string dir;
  Models() {
    Eigen::VectorXf scale(1);
    scale << 5.0f;
    models.actor = MakeRandomMlp({2, 64, 64, 1}, Activation::kRelu, Activation::kTanh, scale, 1);
    models.critic = MakeRandomMlp({3, 64, 64, 1}, Activation::kRelu, Activation::kIdentity, {}, 2);
    dir = (std::filesystem::temp_directory_path() / ("calf_bench_" + std::to_string(getpid())))
              .string();
    std::filesystem::create_directories(dir);
    SaveActorTorchScript(models.actor, dir + "/actor.pt");
    Mlp q2 = MakeRandomMlp({3, 64, 64, 1}, Activation::kRelu, Activation::kIdentity, {}, 3);
    SaveCriticTorchScript(models.critic, q2, 2, dir + "/critic.pt");
    const auto& spec = env::FindSpec("point_mass");
    actor = TorchModel::Load(dir + "/actor.pt", TorchModel::Role::kActor, spec);
    critic = TorchModel::Load(dir + "/critic.pt", TorchModel::Role::kCritic, spec);
  }
  ~Models() { std::filesystem::remove_all(dir); }
};

Models& SharedModels() {
  static Models m;
  return m;
}

SimConfig Config(int64_t n) {
  SimConfig c;
  c.system = "point_mass";
  c.policy = "calf";
  c.num_agents = n;
  c.seed = 1;
  return c;
}

void StepLoop(benchmark::State& st, bool record, bool torch) {
  const int64_t n = st.range(0);
  PolicyModels pm = SharedModels().models;
  if (torch) {
    pm.torch_actor = SharedModels().actor.get();
    pm.torch_critic = SharedModels().critic.get();
  }
  Simulator sim(Config(n), pm);
  SimState s;
  sim.Reset(s);
  std::unique_ptr<TrajectoryWriter> writer;
  const std::string path = SharedModels().dir + "/traj.h5";
  std::vector<int32_t> ep(n);
  if (record) {
    writer = std::make_unique<TrajectoryWriter>(path, n, 2, 1,
                                                TrajectoryMeta{"{}", 1, "point_mass", "calf"});
    writer->WriteInitialStates(s.states.data());
  }
  for (auto _ : st) {
    sim.Step(s, 0);
    if (record) {
      StepRecord r;
      r.step = s.step - 1;
      r.actions = s.actions.data();
      r.rewards = s.rewards.data();
      r.q_values = s.q_values.data();
      r.modes = reinterpret_cast<const uint8_t*>(s.modes.data());
      r.episode = ep.data();
      r.done = reinterpret_cast<const uint8_t*>(s.done.data());
      r.next_states = s.states.data();
      writer->Append(r);
    }
  }
  if (record) writer->Finish(true);
  st.SetItemsProcessed(st.iterations() * n);
  st.counters["agent_steps_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations() * n), benchmark::Counter::kIsRate);
}

void BM_CalfStepBatchedRecorded(benchmark::State& st) { StepLoop(st, true, false); }
void BM_CalfStepBatched(benchmark::State& st) { StepLoop(st, false, false); }
void BM_CalfStepTorchPerAgent(benchmark::State& st) { StepLoop(st, false, true); }

}  // namespace

BENCHMARK(BM_CalfStepBatchedRecorded)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CalfStepBatched)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CalfStepTorchPerAgent)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
