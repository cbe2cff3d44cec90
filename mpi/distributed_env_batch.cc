#include "mpi/distributed_env_batch.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "core/env/registry.h"
#include "core/error.h"
#include "core/train/train_config.h"
#include "mpi/session.h"

namespace calf::mpi {
namespace {

using core::train::EnvBatch;
using core::train::EnvBatchStep;
using core::train::LocalEnvBatch;
using core::train::TrainConfig;

// What rank 0 asks of the serving ranks; each is one collective on every rank.
enum Op : int64_t { kInit = 1, kResetAll, kStep, kObserve, kGetState, kSetState, kEnd };

// The request header: {op, argument}. Broadcast non-blocking on every rank (a non-blocking
// broadcast matches only non-blocking ones), so that a serving rank can wait by polling.
struct Header {
  int64_t op = 0, arg = 0;
};

void BroadcastHeader(Header& h, bool poll) {
  MPI_Request request;
  CheckMpi(MPI_Ibcast(&h, 2, MPI_INT64_T, 0, MPI_COMM_WORLD, &request), "MPI_Ibcast");
  if (!poll) {
    CheckMpi(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
    return;
  }
  // OpenMPI's blocking wait spins at 100% CPU: while the learner updates its networks for
  // seconds, a spinning rank would take a core from it. Spin briefly (a rollout's next step
  // comes within microseconds to milliseconds), then sleep between polls.
  const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
  for (;;) {
    int done = 0;
    CheckMpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done != 0) return;
    if (std::chrono::steady_clock::now() > spin_until) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
}

// Counts and offsets (in elements) of every rank's part of a message: `per_env` elements
// per environment of its slice plus `extra_per_rank`, the parts one after the other in rank
// order (with no extra, part r starts at its slice's first environment). `skip_root`: rank 0
// sends or receives nothing (its slice is already in place), the others' offsets unchanged.
void SliceCounts(int64_t envs, int ranks, int64_t per_env, int64_t extra_per_rank,
                 std::vector<int>* counts, std::vector<int>* offsets, bool skip_root) {
  counts->assign(ranks, 0);
  offsets->assign(ranks, 0);
  int64_t at = 0;
  for (int r = 0; r < ranks; ++r) {
    const EnvSlice s = EnvSliceOf(envs, r, ranks);
    const int64_t n = s.count * per_env + extra_per_rank;
    CALF_CHECK(at + n < (int64_t{1} << 31)) << "an MPI message over 2^31 elements";
    (*counts)[r] = (skip_root && r == 0) ? 0 : static_cast<int>(n);
    (*offsets)[r] = static_cast<int>(at);
    at += n;
  }
}

// One step's results of a slice packed as doubles per environment: reward, done, moved,
// final observation (o), next observation (o); float -> double -> float is exact. The
// sending rank's interrupt flag follows its environments.
int64_t PackedPerEnv(int o) { return 3 + 2 * int64_t{o}; }

void Pack(int64_t n, int o, const double* reward, const core::DoneReason* done,
          const uint8_t* moved, const float* final_obs, const float* obs, double* out) {
  for (int64_t k = 0; k < n; ++k) {
    double* p = out + k * PackedPerEnv(o);
    p[0] = reward[k];
    p[1] = static_cast<double>(done[k]);
    p[2] = static_cast<double>(moved[k]);
    for (int j = 0; j < o; ++j) p[3 + j] = final_obs[k * o + j];
    for (int j = 0; j < o; ++j) p[3 + o + j] = obs[k * o + j];
  }
}

void Unpack(int64_t n, int o, const double* in, double* reward, core::DoneReason* done,
            uint8_t* moved, float* final_obs, float* obs) {
  for (int64_t k = 0; k < n; ++k) {
    const double* p = in + k * PackedPerEnv(o);
    reward[k] = p[0];
    done[k] = static_cast<core::DoneReason>(static_cast<uint8_t>(p[1]));
    moved[k] = static_cast<uint8_t>(p[2]);
    for (int j = 0; j < o; ++j) final_obs[k * o + j] = static_cast<float>(p[3 + j]);
    for (int j = 0; j < o; ++j) obs[k * o + j] = static_cast<float>(p[3 + o + j]);
  }
}

// The serving side's state and the collectives both sides run; rank 0 passes its full
// arrays, the others their slice's.
struct Slice {
  Slice(const TrainConfig& config, const core::env::Environment& env, int64_t envs, int threads)
      : spec(env.spec()), envs(envs) {
    const Session* s = Session::Current();
    rank = s->rank();
    ranks = s->size();
    mine = EnvSliceOf(envs, rank, ranks);
    local = std::make_unique<LocalEnvBatch>(env, config.seed, mine.first, mine.count, threads);
  }

  // observations of every slice gathered on rank 0 (`obs` is rank 0's full array; its own
  // slice is already in place)
  void GatherObs(float* obs) {
    std::vector<int> counts, offsets;
    SliceCounts(envs, ranks, spec.obs_dim, 0, &counts, &offsets, false);
    if (rank == 0) {
      CheckMpi(MPI_Gatherv(MPI_IN_PLACE, 0, MPI_FLOAT, obs, counts.data(), offsets.data(),
                           MPI_FLOAT, 0, MPI_COMM_WORLD),
               "MPI_Gatherv");
    } else {
      CheckMpi(MPI_Gatherv(obs, counts[rank], MPI_FLOAT, nullptr, nullptr, nullptr, MPI_FLOAT, 0,
                           MPI_COMM_WORLD),
               "MPI_Gatherv");
    }
  }

  void ResetAll(uint64_t step, float* obs) {
    local->ResetAll(step, obs);
    GatherObs(obs);
  }

  void Observe(uint64_t step, float* obs) {
    local->Observe(step, obs);
    GatherObs(obs);
  }

  // rank 0: `actions` and `out` are full arrays; others: null/own buffers. Returns true when
  // any serving rank reported an interrupt (on rank 0).
  bool Step(uint64_t step, const double* actions, const EnvBatchStep& out, bool interrupted) {
    const int m = spec.action_dim, o = spec.obs_dim;
    std::vector<int> counts, offsets;
    SliceCounts(envs, ranks, m, 0, &counts, &offsets, true);
    if (rank == 0) {
      CheckMpi(MPI_Scatterv(actions, counts.data(), offsets.data(), MPI_DOUBLE, MPI_IN_PLACE, 0,
                            MPI_DOUBLE, 0, MPI_COMM_WORLD),
               "MPI_Scatterv");
    } else {
      actions_in.resize(mine.count * m);
      CheckMpi(MPI_Scatterv(nullptr, nullptr, nullptr, MPI_DOUBLE, actions_in.data(),
                            counts[rank], MPI_DOUBLE, 0, MPI_COMM_WORLD),
               "MPI_Scatterv");
      actions = actions_in.data();
    }
    local->Step(step, actions, out);

    SliceCounts(envs, ranks, PackedPerEnv(o), 1, &counts, &offsets, true);
    if (rank == 0) {
      packed.resize(static_cast<size_t>(offsets.back() + counts.back()));
      CheckMpi(MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, packed.data(), counts.data(), offsets.data(),
                           MPI_DOUBLE, 0, MPI_COMM_WORLD),
               "MPI_Gatherv");
      bool remote_interrupt = false;
      for (int r = 1; r < ranks; ++r) {
        const EnvSlice s = EnvSliceOf(envs, r, ranks);
        const double* p = packed.data() + offsets[r];
        Unpack(s.count, o, p, out.reward + s.first, out.done + s.first,
               out.target_moved + s.first, out.final_obs + s.first * o, out.obs + s.first * o);
        remote_interrupt = remote_interrupt || p[s.count * PackedPerEnv(o)] != 0.0;
      }
      return remote_interrupt;
    }
    packed.resize(mine.count * PackedPerEnv(o) + 1);
    Pack(mine.count, o, out.reward, out.done, out.target_moved, out.final_obs, out.obs,
         packed.data());
    packed.back() = interrupted ? 1.0 : 0.0;
    CheckMpi(MPI_Gatherv(packed.data(), counts[rank], MPI_DOUBLE, nullptr, nullptr, nullptr,
                         MPI_DOUBLE, 0, MPI_COMM_WORLD),
             "MPI_Gatherv");
    return false;
  }

  // one array of `per_env` elements per environment, gathered to (or scattered from) rank
  // 0's full array; the local slice is `part`
  void GatherArray(void* full, const void* part, int per_env, MPI_Datatype type) {
    std::vector<int> counts, offsets;
    SliceCounts(envs, ranks, per_env, 0, &counts, &offsets, false);
    CheckMpi(MPI_Gatherv(part, counts[rank], type, full, counts.data(), offsets.data(), type, 0,
                         MPI_COMM_WORLD),
             "MPI_Gatherv");
  }
  void ScatterArray(const void* full, void* part, int per_env, MPI_Datatype type) {
    std::vector<int> counts, offsets;
    SliceCounts(envs, ranks, per_env, 0, &counts, &offsets, false);
    CheckMpi(MPI_Scatterv(full, counts.data(), offsets.data(), type, part, counts[rank], type, 0,
                          MPI_COMM_WORLD),
             "MPI_Scatterv");
  }

  // rank 0: full arrays; others: null
  void GetState(double* state, double* env_state, int64_t* episode_step, uint64_t* episodes) {
    const int d = spec.state_dim, e = spec.env_state_dim;
    std::vector<double> s(mine.count * d), es(mine.count * e);
    std::vector<int64_t> st(mine.count);
    std::vector<uint64_t> ep(mine.count);
    local->GetState(s.data(), es.data(), st.data(), ep.data());
    GatherArray(state, s.data(), d, MPI_DOUBLE);
    GatherArray(env_state, es.data(), e, MPI_DOUBLE);
    GatherArray(episode_step, st.data(), 1, MPI_INT64_T);
    GatherArray(episodes, ep.data(), 1, MPI_UINT64_T);
  }

  void SetState(const double* state, const double* env_state, const int64_t* episode_step,
                const uint64_t* episodes) {
    const int d = spec.state_dim, e = spec.env_state_dim;
    std::vector<double> s(mine.count * d), es(mine.count * e);
    std::vector<int64_t> st(mine.count);
    std::vector<uint64_t> ep(mine.count);
    ScatterArray(state, s.data(), d, MPI_DOUBLE);
    ScatterArray(env_state, es.data(), e, MPI_DOUBLE);
    ScatterArray(episode_step, st.data(), 1, MPI_INT64_T);
    ScatterArray(episodes, ep.data(), 1, MPI_UINT64_T);
    local->SetState(s.data(), es.data(), st.data(), ep.data());
  }

  const core::env::EnvSpec& spec;
  const int64_t envs;
  int rank = 0, ranks = 1;
  EnvSlice mine;
  std::unique_ptr<LocalEnvBatch> local;
  // per-step scratch, kept across steps: a serving rank's actions, the packed results
  std::vector<double> actions_in, packed;
};

// rank 0's side: each call announces the collective, then runs its part of it
class DistributedEnvBatch final : public EnvBatch {
 public:
  DistributedEnvBatch(const TrainConfig& config, const core::env::Environment& env, int64_t envs,
                      int threads, std::function<void()> on_remote_interrupt)
      : on_remote_interrupt_(std::move(on_remote_interrupt)) {
    Header h{kInit, envs};
    BroadcastHeader(h, false);
    Broadcast(config.ToJson(), 0);
    slice_ = std::make_unique<Slice>(config, env, envs, threads);
  }

  int64_t size() const override { return slice_->envs; }

  void ResetAll(uint64_t step, float* obs) override {
    Announce(kResetAll, step);
    slice_->ResetAll(step, obs);
  }

  void Step(uint64_t step, const double* actions, const EnvBatchStep& out) override {
    Announce(kStep, step);
    if (slice_->Step(step, actions, out, false) && on_remote_interrupt_) on_remote_interrupt_();
  }

  void Observe(uint64_t step, float* obs) override {
    Announce(kObserve, step);
    slice_->Observe(step, obs);
  }

  void GetState(double* state, double* env_state, int64_t* episode_step,
                uint64_t* episodes) override {
    Announce(kGetState, 0);
    slice_->GetState(state, env_state, episode_step, episodes);
  }

  void SetState(const double* state, const double* env_state, const int64_t* episode_step,
                const uint64_t* episodes) override {
    Announce(kSetState, 0);
    slice_->SetState(state, env_state, episode_step, episodes);
  }

 private:
  static void Announce(Op op, uint64_t arg) {
    Header h{op, static_cast<int64_t>(arg)};
    BroadcastHeader(h, false);
  }

  std::function<void()> on_remote_interrupt_;
  std::unique_ptr<Slice> slice_;
};

}  // namespace

EnvSlice EnvSliceOf(int64_t envs, int rank, int ranks) {
  return ShareOfBlocks(envs, LocalEnvBatch::kBlock, rank, ranks);
}

std::unique_ptr<EnvBatch> MakeDistributedEnvBatch(const TrainConfig& config,
                                                  const core::env::Environment& env, int64_t envs,
                                                  int threads,
                                                  const std::function<void()>& on_remote_interrupt) {
  CALF_CHECK(Session::Current() != nullptr && Session::Current()->rank() == 0)
      << "the distributed batch lives on rank 0";
  return std::make_unique<DistributedEnvBatch>(config, env, envs, threads, on_remote_interrupt);
}

int ServeEnvBatches(int threads, const std::function<bool()>& interrupted) {
  const Session* session = Session::Current();
  CALF_CHECK(session != nullptr && session->rank() != 0) << "ranks other than 0 serve";
  std::unique_ptr<core::env::Environment> env;
  std::unique_ptr<Slice> slice;
  // scratch of one step of this rank's slice
  std::vector<double> reward;
  std::vector<core::DoneReason> done;
  std::vector<uint8_t> moved;
  std::vector<float> final_obs, obs;
  for (;;) {
    Header h;
    BroadcastHeader(h, true);
    const auto step = static_cast<uint64_t>(h.arg);
    switch (h.op) {
      case kInit: {
        const std::string json = Broadcast(std::string(), 0);
        slice.reset();
        try {
          TrainConfig config;
          config.ApplyJson(json, "rank 0's configuration");
          config.Validate();
          env = core::env::MakeEnvironment(core::env::FindSpec(config.system).name, config.env);
          slice = std::make_unique<Slice>(config, *env, h.arg, threads);
        } catch (const Error& e) {
          AbortJob("train", e.what(), e.code());
        }
        const int64_t n = slice->mine.count;
        reward.assign(n, 0.0);
        done.assign(n, core::DoneReason::kNone);
        moved.assign(n, 0);
        final_obs.assign(n * env->spec().obs_dim, 0.f);
        obs.assign(n * env->spec().obs_dim, 0.f);
        break;
      }
      case kResetAll:
        slice->ResetAll(step, obs.data());
        break;
      case kStep:
        slice->Step(step, nullptr,
                    {reward.data(), done.data(), moved.data(), final_obs.data(), obs.data()},
                    interrupted && interrupted());
        break;
      case kObserve:
        slice->Observe(step, obs.data());
        break;
      case kGetState:
        slice->GetState(nullptr, nullptr, nullptr, nullptr);
        break;
      case kSetState:
        slice->SetState(nullptr, nullptr, nullptr, nullptr);
        break;
      case kEnd:
        return static_cast<int>(h.arg);
      default:
        AbortJob("train", "unknown request " + std::to_string(h.op) + " from rank 0",
                 ExitCode::kRuntime);
    }
  }
}

void EndServing(int code) {
  Header h{kEnd, code};
  BroadcastHeader(h, false);
}

}  // namespace calf::mpi
