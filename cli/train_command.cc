#include "cli/train_command.h"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/mpi_glue.h"
#include "cli/progress.h"
#include "cli/signals.h"
#include "core/env/registry.h"
#include "core/error.h"
#include "core/io/output_file.h"
#include "core/sim/config.h"
#include "core/threads.h"
#include "core/train/trainer.h"

namespace calf::cli {
namespace {

using core::train::TrainConfig;
using core::train::Trainer;
using core::train::TrainOverrides;

// only what the user gave: a resumed run applies exactly these on top of the checkpoint
TrainOverrides ExplicitSettings(const TrainOptions& o) {
  TrainOverrides v;
  const CLI::App* app = o.app;
  if (Given(app, "--preset")) v.preset = o.preset;
  if (Given(app, "--config")) {
    v.config_json = core::ReadTextFile(o.config_path);
    v.config_source = o.config_path;
  }
  if (Given(app, "--system")) v.system = o.system;
  if (Given(app, "--algo")) v.algo = o.algo;
  if (Given(app, "--backend")) v.algo_flags["backend"] = o.backend;
  if (Given(app, "--seed")) v.seed = o.seed;
  if (Given(app, "--episodes")) v.episodes = o.episodes;
  if (Given(app, "--checkpoint-every")) v.checkpoint_every = o.checkpoint_every;
  return v;
}

// what every rank of an MPI job must agree on (--threads may differ between nodes)
std::string ArgumentsText(const TrainOptions& o) {
  const TrainOverrides v = ExplicitSettings(o);
  return v.preset.value_or("-") + "\n" + v.config_json + "\n" + v.system.value_or("-") + "\n" +
         v.algo.value_or("-") + "\n" + v.algo_flags.dump() + "\n" +
         (v.seed ? std::to_string(*v.seed) : "-") + "\n" +
         (v.episodes ? std::to_string(*v.episodes) : "-") + "\n" +
         (v.checkpoint_every ? std::to_string(*v.checkpoint_every) : "-") + "\n" + o.out_dir +
         "\n" + o.resume_path;
}

// the training itself, in this process (rank 0 of an MPI job: the learner)
int TrainHere(const TrainOptions& o);

}  // namespace

void SetupTrainCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train an agent: CALF + TD3 (default; actor and twin critic, Eigen update) or PPO (--algo "
      "ppo: recurrent actor-critic over parallel environments, LibTorch); TorchScript models");
  options->app = sub;
  sub->add_option("--system", options->system, core::env::FamilyNames());
  sub->add_option("--algo", options->algo,
                  "training algorithm: " + core::train::AlgorithmNames() + " (default td3)");
  sub->add_option("--preset", options->preset,
                  "the algorithm's preset (td3: quick | standard | thorough; ppo: quick | "
                  "standard; default standard)");
  sub->add_option("--config", options->config_path, "JSON file with training parameters");
  sub->add_option("--backend", options->backend,
                  "TD3 update: eigen (default, calf's own) | libtorch (the autograd reference, "
                  "~10x slower)")
      ->check(CLI::IsMember({"eigen", "libtorch"}));
  sub->add_option("--seed", options->seed, "random seed (networks, resets, noise, minibatches)")
      ->check(SeedRule());
  sub->add_option("--episodes", options->episodes,
                  "number of training episodes in total (ppo: updates)")
      ->check(NumberIn(1));
  sub->add_option("--checkpoint-every", options->checkpoint_every,
                  "write a checkpoint every N episodes (0 = only at the end)")
      ->check(NumberIn(0));
  sub->add_option("--out-dir", options->out_dir, "output directory")->capture_default_str();
  sub->add_option("--resume", options->resume_path,
                  "continue from a checkpoint file (only --episodes and --checkpoint-every may "
                  "change; other options must agree with the checkpoint)");
  sub->add_option("--threads", options->threads,
                  "threads, 0 = every core (td3 is serial; ppo steps its environments and runs "
                  "LibTorch on them; results do not depend on it)")
      ->check(NumberIn(0));
  sub->add_flag("--quiet", options->quiet, "no progress output");
  sub->callback([options, exit_code] {
    *exit_code = core::AllOrNothing([&] { return RunTrain(*options); },
                                    core::OutputGroup::Policy::kKeepFiles);
  });
}

int RunTrain(const TrainOptions& o) {
  const int threads = core::ResolveThreads(o.threads);
  omp_set_num_threads(threads);
  if (ProcessCount() == 1) return TrainHere(o);
  // under mpirun: rank 0 learns, every rank steps a share of its environments
  RequireSameArguments(ArgumentsText(o));
  if (ProcessRank() != 0) {
    InstallInterruptHandlers();  // a signal here is reported to rank 0, which stops the job
    const int code = ServeTrainEnvironments(threads);
    if (code != 0) {
      throw ReportedElsewhereError("rank 0 ended the job", static_cast<ExitCode>(code));
    }
    return 0;
  }
  // whatever happens on rank 0, the serving ranks end with its exit code
  try {
    const int code = TrainHere(o);
    EndTrainServing(code);
    return code;
  } catch (const Error& e) {
    EndTrainServing(static_cast<int>(e.code()));
    throw;
  } catch (...) {
    EndTrainServing(static_cast<int>(ExitCode::kRuntime));
    throw;
  }
}

namespace {

int TrainHere(const TrainOptions& o) {
  namespace fs = std::filesystem;
  const TrainOverrides settings = ExplicitSettings(o);

  // everything that can fail on bad input happens before the first write
  std::unique_ptr<Trainer> trainer;
  if (!o.resume_path.empty()) {
    trainer = Trainer::FromCheckpoint(o.resume_path, settings, TrainEnvBatches());
  } else {
    trainer = std::make_unique<Trainer>(core::train::ResolveNewConfig(settings), TrainEnvBatches());
  }
  if (ProcessCount() > 1 && !core::train::FindAlgorithm(trainer->config().algo).parallel_envs) {
    throw ConfigError("--algo " + trainer->config().algo +
                      " trains on one environment, so there is nothing to split across ranks; "
                      "start it without mpirun (or use --algo ppo)");
  }

  core::PrepareOutputDir(o.out_dir, "--out-dir");
  const std::string checkpoint = (fs::path(o.out_dir) / "checkpoint.bin").string();
  const std::string log = (fs::path(o.out_dir) / "train_log.h5").string();

  const TrainConfig& c = trainer->config();
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t start_steps = trainer->total_steps();
  const int64_t start_episodes = trainer->episodes_done();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  InstallInterruptHandlers();
  // the bar counts this process's episodes only, so its rate and ETA stay right after a resume
  Progress bar(start_episodes > 0 ? "train (from episode " + std::to_string(start_episodes) + ")"
                                  : std::string("train"),
               c.episodes - start_episodes, StderrIsTty() && !o.quiet);
  while (trainer->episodes_done() < c.episodes) {
    try {
      trainer->RunUntil(trainer->episodes_done() + 1);
    } catch (const DivergedError&) {
      bar.Finish();
      trainer->WriteLog(log);  // shows where the losses went (the checkpoint stays as it was)
      throw;
    }
    const int64_t done = trainer->episodes_done();
    char rate[64];
    std::snprintf(rate, sizeof rate, " %.0f steps/s",
                  (trainer->total_steps() - start_steps) / std::max(elapsed(), 1e-9));
    bar.Update(done - start_episodes, trainer->algorithm().ProgressText() + rate);
    if (InterruptRequested()) {
      // make the run resumable, then stop with 130
      bar.Finish();
      trainer->SaveCheckpoint(checkpoint);
      trainer->WriteLog(log);
      throw InterruptedError("interrupted after episode " + std::to_string(done) +
                             "; continue with --resume " + checkpoint);
    }
    if (c.checkpoint_every > 0 && done % c.checkpoint_every == 0 && done < c.episodes) {
      trainer->SaveCheckpoint(checkpoint);
      trainer->WriteLog(log);
    }
  }
  bar.Finish();

  trainer->SaveCheckpoint(checkpoint);
  trainer->WriteLog(log);
  trainer->WriteModels(o.out_dir);

  if (!o.quiet) {
    const double el = elapsed();
    // the time and rate are this process's; a resumed run says how much of the total it did
    const int64_t steps_here = trainer->total_steps() - start_steps;
    const std::string resumed =
        start_episodes > 0 ? " (" + std::to_string(trainer->episodes_done() - start_episodes) +
                                 " episodes, " + std::to_string(steps_here) + " steps in this run)"
                           : std::string();
    std::fprintf(stderr,
                 "calf train: %lld episodes, %lld steps%s in %.1f s (%.0f steps/s); %s; wrote %s\n",
                 static_cast<long long>(trainer->episodes_done()),
                 static_cast<long long>(trainer->total_steps()), resumed.c_str(), el,
                 steps_here / std::max(el, 1e-9), trainer->algorithm().SummaryText().c_str(),
                 o.out_dir.c_str());
  }
  return 0;
}

}  // namespace

}  // namespace calf::cli
