#include "core/train/ppo/ppo_algorithm.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <malloc.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/io/output_file.h"
#include "core/memory.h"
#include "core/random/agent_random.h"
#include "core/train/binary_io.h"
#include "core/train/ppo/adam_state.h"
#include "core/train/ppo/gae.h"
#include "core/train/ppo/ppo_loss.h"
#include "core/train/ppo/recurrent_policy.h"
#include "core/train/ppo/world_model.h"

namespace calf::core::train {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A minibatch's sequences are split into this many shards, differentiated in parallel (one
// per thread) and their gradients summed in shard order. Fixed, so the result does not
// depend on the thread count; why not LibTorch's own intra-op threads: its many small
// parallel regions spin-wait, and on a shared 2-core machine 2 intra-op threads ran 10x
// slower than 1 (docs/training.md).
constexpr int64_t kUpdateShards = 2;

struct ShardStats {
  double policy = 0, value = 0, entropy = 0, kl = 0, clip = 0;
};

// stream keys of the draws that belong to no environment
constexpr uint64_t kShuffleStream = uint64_t{1} << 40;
constexpr uint64_t kInitStream = (uint64_t{1} << 40) + 1;

// OpenBLAS runs its own thread pool beside OpenMP: inside calf's parallel loops it must use
// one thread (the reference BLAS has no such call and is single-threaded anyway)
void SetBlasThreads(int n) {
  using SetThreads = void (*)(int);
  static const auto set =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set != nullptr) set(n);
}

// LibTorch allocates and frees tensors of 0.1-4 MB at every operation of an update; glibc
// serves them with mmap and gives them back to the kernel, so every one costs page faults
// (12% of an update in perf, 1.5x its CPU time). Keep such blocks in the heap instead.
// Process-wide, set once; it only changes where memory comes from.
void KeepLargeAllocations() {
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    return true;
  }();
  (void)done;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

torch::Tensor FloatTensor(std::vector<float>& v, at::IntArrayRef shape) {
  return torch::from_blob(v.data(), shape, torch::kFloat32);
}

// seeds for LibTorch generators, derived from the run's seed by a counter-based draw
uint64_t DerivedSeed(uint64_t seed, uint32_t which) {
  const auto r = AgentRandom(seed, kInitStream).Raw(0, DrawPurpose::kUser, which);
  return (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1];
}

}  // namespace

struct PpoAlgorithm::Impl {
  Impl(const TrainConfig& c, const env::Environment& e, EnvBatchMaker make)
      : config(c), p(config.As<PpoConfig>()), env(e), spec(e.spec()), make_batch(std::move(make)) {
    d = spec.state_dim;
    ed = spec.env_state_dim;
    o = spec.obs_dim;
    m = spec.action_dim;
    T = p.rollout_steps;
    L = p.seq_len;
    threads = std::max(1, omp_get_max_threads());
    CheckNetworkMemory();
    KeepLargeAllocations();
    policy =
        std::make_unique<RecurrentPolicy>(o, m, p.net, p.log_std_init, p.log_std_min, p.log_std_max,
                                          spec.max_action, DerivedSeed(config.seed, 0));
    opt =
        std::make_unique<torch::optim::Adam>(policy->parameters(), torch::optim::AdamOptions(p.lr));
    if (p.world_model.enabled) {
      wm = std::make_unique<WorldModel>(o, m, p.world_model.lr, DerivedSeed(config.seed, 1));
    }
    Resize(p.ResolvedEnvs(o));
    ResetAll();
  }

  // a configuration whose networks could not fit is refused before anything is allocated:
  // parameters (encoder MLP, attention projections, LSTM, heads) with gradients and Adam's two
  // moments, roughly
  void CheckNetworkMemory() const {
    double params = 0.0;
    double in = o;
    for (int w : p.net.encoder) {
      params += (in + 1.0) * w;
      in = w;
    }
    const double att = static_cast<double>(p.net.attention_heads) * p.net.head_dim;
    params += 4.0 * (in + 1.0) * att;
    params += 4.0 * p.net.lstm * (in + att + p.net.lstm + 2.0);
    params += 2.0 * (p.net.lstm + 1.0) * p.net.head_hidden + p.net.head_hidden * (m + 2.0);
    CheckMemory(4.0 * sizeof(float) * params, "net (the recurrent policy and its Adam state)",
                "use smaller encoder, lstm or head sizes");
  }

  void Resize(int64_t envs) {
    // the rollout buffers, before anything is allocated
    CheckMemory(static_cast<double>(T) * static_cast<double>(envs) *
                    ((2.0 * o + 2.0 * m + 6.0) * sizeof(float) + 3.0),
                "num_envs " + std::to_string(envs) + " x rollout_steps " + std::to_string(T) +
                    " (the rollout buffers)",
                "lower num_envs or rollout_steps");
    E = envs;
    batch.reset();  // the old one first: under mpirun the next one's Init replaces the slices
    batch = make_batch(config, env, E, threads);
    ep_len.assign(E, 0);
    ep_return.assign(E, 0.0);
    starting.assign(E, 1);
    h = torch::zeros({E, policy->hidden()});
    c = torch::zeros({E, policy->hidden()});
    obs_buf.assign(T * E * o, 0.f);
    next_obs_buf.assign(T * E * o, 0.f);
    u_buf.assign(T * E * m, 0.f);
    a_buf.assign(T * E * m, 0.f);
    for (auto* v : {&logp_buf, &value_buf, &next_value_buf, &reward_buf, &adv_buf, &ret_buf})
      v->assign(T * E, 0.f);
    for (auto* v : {&term_buf, &trunc_buf, &start_buf}) v->assign(T * E, 0);
    obs_now.assign(E * o, 0.f);
    actions.assign(E * m, 0.0);
    reward.assign(E, 0.0);
    done.assign(E, DoneReason::kNone);
    moved.assign(E, 0);
    which.assign(E, 0);
  }

  // a new episode in every environment (environment k's i-th from its stream at counter i)
  void ResetAll() {
    batch->ResetAll(static_cast<uint64_t>(step), obs_now.data());
    std::fill(ep_len.begin(), ep_len.end(), 0);
    std::fill(ep_return.begin(), ep_return.end(), 0.0);
    std::fill(starting.begin(), starting.end(), 1);
  }

  // ---- rollout ------------------------------------------------------------------------
  struct RolloutStats {
    int64_t episodes = 0, goal_hits = 0;
    double return_sum = 0.0, length_sum = 0.0;
  };

  RolloutStats Rollout() {
    torch::NoGradGuard no_grad;
    RolloutStats st;
    const int64_t chunks = T / L;
    h_start = torch::empty({chunks, E, policy->hidden()});
    c_start = torch::empty({chunks, E, policy->hidden()});
    const torch::Tensor log_std = policy->LogStd();
    const torch::Tensor sigma = torch::exp(log_std);
    std::vector<float> eps(E * m);
    const std::vector<double>& max_action = spec.max_action;
    for (int64_t t = 0; t < T; ++t) {
      if (t % L == 0) {
        h_start[t / L].copy_(h);
        c_start[t / L].copy_(c);
      }
      float* obs_t = obs_buf.data() + t * E * o;
      std::copy(obs_now.begin(), obs_now.end(), obs_t);
      for (int64_t k = 0; k < E; ++k) start_buf[t * E + k] = starting[k];
      const torch::Tensor obs = FloatTensor(obs_buf, {T, E, o})[t];
      const RecurrentPolicy::StepOut out = policy->Step(obs, h, c);
      // exploration noise from each environment's own stream at this step
      for (int64_t k = 0; k < E; ++k) {
        const AgentRandom rng(config.seed, static_cast<uint64_t>(k));
        for (int j = 0; j < m; ++j) {
          eps[k * m + j] = static_cast<float>(
              rng.Normal(static_cast<uint64_t>(step), DrawPurpose::kExploration, j));
        }
      }
      const torch::Tensor u = (out.mu + sigma * FloatTensor(eps, {E, m})).contiguous();
      const torch::Tensor logp = SquashedLogProb(u, out.mu, log_std).contiguous();
      const torch::Tensor a = torch::tanh(u).contiguous();
      std::copy_n(u.data_ptr<float>(), E * m, u_buf.data() + t * E * m);
      std::copy_n(logp.data_ptr<float>(), E, logp_buf.data() + t * E);
      const torch::Tensor value = out.value.contiguous();
      std::copy_n(value.data_ptr<float>(), E, value_buf.data() + t * E);
      const float* a_ptr = a.data_ptr<float>();
      for (int64_t k = 0; k < E; ++k) {
        for (int j = 0; j < m; ++j) {
          actions[k * m + j] = static_cast<double>(a_ptr[k * m + j]) * max_action[j];
        }
      }
      env.ClipActions(actions.data(), E);
      for (int64_t i = 0; i < E * m; ++i) a_buf[t * E * m + i] = static_cast<float>(actions[i]);
      // the environments step, and those whose episode ended start the next one
      float* next_obs_t = next_obs_buf.data() + t * E * o;
      batch->Step(static_cast<uint64_t>(step), actions.data(),
                  {reward.data(), done.data(), moved.data(), next_obs_t, obs_now.data()});
      bool any_truncated = false;
      for (int64_t k = 0; k < E; ++k) {
        const int64_t i = t * E + k;
        reward_buf[i] = static_cast<float>(reward[k] * p.reward_scale);
        term_buf[i] = IsTerminal(done[k]) ? 1 : 0;
        trunc_buf[i] = done[k] == DoneReason::kTimeLimit ? 1 : 0;
        any_truncated = any_truncated || trunc_buf[i] != 0;
        ep_return[k] += reward[k];
        ++ep_len[k];
        if (done[k] == DoneReason::kGoal || moved[k] != 0) ++st.goal_hits;
        which[k] = done[k] != DoneReason::kNone ? 1 : 0;
        starting[k] = 0;
        if (which[k] != 0) {
          ++st.episodes;
          st.return_sum += ep_return[k];
          st.length_sum += static_cast<double>(ep_len[k]);
        }
      }
      if (any_truncated) {
        // a time limit bootstraps from the value of the real final observation, seen with
        // the recurrent state the episode would have continued with
        const torch::Tensor fin = FloatTensor(next_obs_buf, {T, E, o})[t];
        const torch::Tensor v = policy->Step(fin, out.h, out.c).value.contiguous();
        for (int64_t k = 0; k < E; ++k) {
          if (trunc_buf[t * E + k] != 0) next_value_buf[t * E + k] = v.data_ptr<float>()[k];
        }
      }
      std::vector<float> keep(E);
      for (int64_t k = 0; k < E; ++k) {
        keep[k] = which[k] != 0 ? 0.f : 1.f;
        if (which[k] == 0) continue;
        ep_len[k] = 0;
        ep_return[k] = 0.0;
        starting[k] = 1;
      }
      const torch::Tensor keep_t = FloatTensor(keep, {E, 1});
      h = out.h * keep_t;
      c = out.c * keep_t;
      ++step;
    }
    // the value after the last step, for steps that neither ended nor were truncated
    const torch::Tensor v_boot =
        policy->Step(FloatTensor(obs_now, {E, o}), h, c).value.contiguous();
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t k = 0; k < E; ++k) {
        const int64_t i = t * E + k;
        if (term_buf[i] != 0 || trunc_buf[i] != 0) continue;
        next_value_buf[i] = t + 1 < T ? value_buf[i + E] : v_boot.data_ptr<float>()[k];
      }
    }
    return st;
  }

  // ---- update --------------------------------------------------------------------------
  // a permutation of 0..n-1 from the shuffle stream at counter `counter` (Fisher-Yates)
  std::vector<int64_t> Permutation(int64_t n, uint64_t counter) const {
    std::vector<int64_t> idx(n);
    for (int64_t i = 0; i < n; ++i) idx[i] = i;
    const AgentRandom rng(config.seed, kShuffleStream + counter);
    for (int64_t i = n - 1; i > 0; --i) {
      const double u = rng.Uniform(static_cast<uint64_t>(i), DrawPurpose::kUser);
      const auto j = static_cast<int64_t>(u * static_cast<double>(i + 1));
      std::swap(idx[i], idx[std::min(j, i)]);
    }
    return idx;
  }

  void Update(PpoUpdateRecord& r) {
    const int64_t chunks = T / L;
    const torch::Tensor obs = FloatTensor(obs_buf, {T, E, o});
    const torch::Tensor u = FloatTensor(u_buf, {T, E, m});
    const torch::Tensor logp_old = FloatTensor(logp_buf, {T, E});
    const torch::Tensor v_old = FloatTensor(value_buf, {T, E});
    const torch::Tensor ret = FloatTensor(ret_buf, {T, E});
    torch::Tensor adv = FloatTensor(adv_buf, {T, E});
    std::vector<float> starts_f(start_buf.begin(), start_buf.end());
    const torch::Tensor starts = FloatTensor(starts_f, {T, E});
    if (p.adv_norm == "batch") adv = (adv - adv.mean()) / (adv.std(false) + 1e-8);
    const bool knn = p.net.neighbourhood == "knn" && p.net.knn_k > 0;
    // minibatches of whole sequences (chunk, env); under knn whole chunks of all envs
    const int64_t units = knn ? chunks : chunks * E;
    const int64_t per_mb = knn ? p.minibatch_size / (L * E) : p.minibatch_size / L;
    double n_mb = 0, pg_sum = 0, v_sum = 0, ent_sum = 0, kl_sum = 0, clip_sum = 0;
    const auto& params = policy->parameters();
    // the shards see normalised advantages (per minibatch done above) and apply no more
    PpoConfig shard_params = p;
    shard_params.adv_norm = "off";
    for (int64_t epoch = 0; epoch < p.epochs; ++epoch) {
      const std::vector<int64_t> perm =
          Permutation(units, static_cast<uint64_t>(updates() * p.epochs + epoch));
      for (int64_t first = 0; first < units; first += per_mb) {
        std::vector<int64_t> seq_chunk, seq_env;
        for (int64_t q = first; q < std::min(units, first + per_mb); ++q) {
          if (knn) {
            for (int64_t k = 0; k < E; ++k) {
              seq_chunk.push_back(perm[q]);
              seq_env.push_back(k);
            }
          } else {
            seq_chunk.push_back(perm[q] / E);
            seq_env.push_back(perm[q] % E);
          }
        }
        const auto M = static_cast<int64_t>(seq_chunk.size());
        const torch::Tensor chunk_i = torch::tensor(seq_chunk, torch::kLong);
        const torch::Tensor env_i = torch::tensor(seq_env, torch::kLong);
        // fixed shards of the minibatch's sequences (contiguous, whatever the thread count),
        // each differentiated on its own and the gradients summed in shard order: the same
        // bits on 1 or 2 threads. knn attention couples all environments of a step: one shard
        const int64_t shards = knn ? 1 : std::min<int64_t>(kUpdateShards, M);
        torch::Tensor a_all =
            adv.index({chunk_i.unsqueeze(0) * L + torch::arange(L, torch::kLong).unsqueeze(1),
                       env_i.unsqueeze(0).expand({L, M})});
        if (p.adv_norm == "minibatch") a_all = (a_all - a_all.mean()) / (a_all.std(false) + 1e-8);
        std::vector<std::vector<torch::Tensor>> grads(shards);
        std::vector<ShardStats> stats(shards);
        std::vector<std::exception_ptr> errors(shards);
#pragma omp parallel for schedule(static) \
    num_threads(static_cast <int>(std::min <int64_t>(threads, shards)))
        for (int64_t sh = 0; sh < shards; ++sh) {
          try {
            const int64_t lo = sh * M / shards, hi = (sh + 1) * M / shards;
            const torch::Tensor ci = chunk_i.slice(0, lo, hi), ei = env_i.slice(0, lo, hi);
            const torch::Tensor t_i =
                ci.unsqueeze(0) * L + torch::arange(L, torch::kLong).unsqueeze(1);  // [L, M']
            const torch::Tensor e_i = ei.unsqueeze(0).expand({L, hi - lo});
            auto [mu, value] = policy->Unroll(obs.index({t_i, e_i}), starts.index({t_i, e_i}),
                                              h_start.index({ci, ei}), c_start.index({ci, ei}));
            PpoLossInput in;
            in.log_std = policy->LogStd();
            in.logp = SquashedLogProb(u.index({t_i, e_i}), mu, in.log_std);
            in.logp_old = logp_old.index({t_i, e_i});
            in.advantage = a_all.slice(1, lo, hi);
            in.value = value;
            in.value_old = v_old.index({t_i, e_i});
            in.ret = ret.index({t_i, e_i});
            const PpoLossOutput loss = PpoLoss(in, shard_params);
            // the minibatch's mean is the shards' means weighted by their share of samples
            const double w = static_cast<double>(hi - lo) / static_cast<double>(M);
            grads[sh] = torch::autograd::grad({loss.total * w}, params, {}, false, false, true);
            stats[sh] = {w * loss.policy.item<double>(), w * loss.value.item<double>(),
                         w * loss.entropy.item<double>(), w * loss.approx_kl,
                         w * loss.clip_fraction};
          } catch (...) {
            errors[sh] = std::current_exception();
          }
        }
        for (const auto& e : errors) {
          if (e) std::rethrow_exception(e);
        }
        ShardStats total;
        for (int64_t sh = 0; sh < shards; ++sh) {
          total.policy += stats[sh].policy;
          total.value += stats[sh].value;
          total.entropy += stats[sh].entropy;
          total.kl += stats[sh].kl;
          total.clip += stats[sh].clip;
        }
        {
          torch::NoGradGuard no_grad;
          for (size_t i = 0; i < params.size(); ++i) {
            torch::Tensor g;
            for (int64_t sh = 0; sh < shards; ++sh) {
              if (!grads[sh][i].defined()) continue;
              g = g.defined() ? g + grads[sh][i] : grads[sh][i];
            }
            params[i].mutable_grad() = g.defined() ? g : torch::zeros_like(params[i]);
          }
        }
        torch::nn::utils::clip_grad_norm_(params, p.max_grad_norm);
        opt->step();
        n_mb += 1;
        pg_sum += total.policy;
        v_sum += total.value;
        ent_sum += total.entropy;
        kl_sum += total.kl;
        clip_sum += total.clip;
      }
    }
    r.policy_loss = pg_sum / n_mb;
    r.value_loss = v_sum / n_mb;
    r.entropy = ent_sum / n_mb;
    r.approx_kl = kl_sum / n_mb;
    r.clip_fraction = clip_sum / n_mb;
    // explained variance of the rollout's values (before the update)
    double mr = 0, md = 0;
    const int64_t n = T * E;
    for (int64_t i = 0; i < n; ++i) {
      mr += ret_buf[i];
      md += ret_buf[i] - value_buf[i];
    }
    mr /= n;
    md /= n;
    double vr = 0, vd = 0;
    for (int64_t i = 0; i < n; ++i) {
      vr += (ret_buf[i] - mr) * (ret_buf[i] - mr);
      const double dd = ret_buf[i] - value_buf[i] - md;
      vd += dd * dd;
    }
    r.explained_variance = vr > 0 ? 1.0 - vd / vr : kNaN;
  }

  void TrainWorldModel(PpoUpdateRecord& r) {
    const int64_t n = T * E;
    const torch::Tensor obs = FloatTensor(obs_buf, {n, o});
    const torch::Tensor act = FloatTensor(a_buf, {n, m});
    const torch::Tensor next = FloatTensor(next_obs_buf, {n, o});
    const torch::Tensor rew = FloatTensor(reward_buf, {n});
    std::vector<float> term_f(term_buf.begin(), term_buf.end());
    const torch::Tensor term = FloatTensor(term_f, {n});
    r.wm_prediction_error = wm->Evaluate(obs, act, next, rew, term).obs;
    const std::vector<int64_t> perm =
        Permutation(n, static_cast<uint64_t>(updates()) | (uint64_t{1} << 32));
    double so = 0, sr = 0, sd = 0, batches = 0;
    for (int64_t first = 0; first < n; first += p.minibatch_size) {
      const int64_t count = std::min(p.minibatch_size, n - first);
      const torch::Tensor idx = torch::tensor(
          std::vector<int64_t>(perm.begin() + first, perm.begin() + first + count), torch::kLong);
      const WorldModel::Losses l =
          wm->TrainStep(obs.index({idx}), act.index({idx}), next.index({idx}), rew.index({idx}),
                        term.index({idx}));
      so += l.obs;
      sr += l.reward;
      sd += l.done;
      batches += 1;
    }
    r.wm_obs_loss = so / batches;
    r.wm_reward_loss = sr / batches;
    r.wm_done_loss = sd / batches;
  }

  void RunUpdate() {
    // calf parallelises itself (environment blocks, update shards): LibTorch and the BLAS
    // run single-threaded inside each
    at::set_num_threads(1);
    SetBlasThreads(1);
    PpoUpdateRecord r;
    auto t0 = Clock::now();
    const RolloutStats st = Rollout();
    r.time_rollout = Seconds(t0);
    r.episodes = st.episodes;
    r.goal_hits = st.goal_hits;
    r.mean_return = st.episodes > 0 ? st.return_sum / st.episodes : kNaN;
    r.mean_length = st.episodes > 0 ? st.length_sum / st.episodes : kNaN;
    t0 = Clock::now();
    GaeInput g;
    g.steps = T;
    g.envs = E;
    g.rewards = reward_buf.data();
    g.values = value_buf.data();
    g.next_values = next_value_buf.data();
    g.terminal = term_buf.data();
    g.truncated = trunc_buf.data();
    g.gamma = p.gamma;
    g.lambda = p.gae_lambda;
    ComputeGae(g, adv_buf.data(), ret_buf.data());
    r.time_gae = Seconds(t0);
    t0 = Clock::now();
    Update(r);
    r.time_update = Seconds(t0);
    r.wm_obs_loss = r.wm_reward_loss = r.wm_done_loss = r.wm_prediction_error = kNaN;
    if (wm) {
      t0 = Clock::now();
      TrainWorldModel(r);
      r.time_world_model = Seconds(t0);
    }
    r.env_steps = step * E;
    log.push_back(r);
  }

  int64_t updates() const { return static_cast<int64_t>(log.size()); }

  const TrainConfig config;
  const PpoConfig& p;
  const env::Environment& env;
  const env::EnvSpec& spec;
  const EnvBatchMaker make_batch;
  int d = 0, ed = 0, o = 0, m = 0, threads = 1;
  int64_t E = 0, T = 0, L = 0;
  std::unique_ptr<RecurrentPolicy> policy;
  std::unique_ptr<torch::optim::Adam> opt;
  std::unique_ptr<WorldModel> wm;
  // the environments (their state in `batch`; all checkpointed)
  std::unique_ptr<EnvBatch> batch;
  std::vector<double> ep_return;
  std::vector<int64_t> ep_len;    // steps of the current episode (= the batch's episode step)
  std::vector<uint8_t> starting;  // 1 when the environment's next step starts an episode
  torch::Tensor h, c;             // [E, hidden]
  int64_t step = 0;               // rollout steps so far (each of E environments)
  std::vector<PpoUpdateRecord> log;
  // one rollout (rebuilt every update), time-major [t * E + k]
  std::vector<float> obs_buf, next_obs_buf, u_buf, a_buf, logp_buf, value_buf, next_value_buf,
      reward_buf, adv_buf, ret_buf;
  std::vector<uint8_t> term_buf, trunc_buf, start_buf;
  torch::Tensor h_start, c_start;  // [T / L, E, hidden] the state at each sequence start
  // the observation the next step starts from; per-step scratch
  std::vector<float> obs_now;
  std::vector<double> actions, reward;
  std::vector<DoneReason> done;
  std::vector<uint8_t> moved, which;
};

PpoAlgorithm::PpoAlgorithm(const TrainConfig& config, const env::Environment& env,
                           EnvBatchMaker make_batch)
    : impl_(std::make_unique<Impl>(config, env, std::move(make_batch))) {}

PpoAlgorithm::~PpoAlgorithm() = default;

void PpoAlgorithm::RunEpisode() { impl_->RunUpdate(); }
int64_t PpoAlgorithm::episodes_done() const { return impl_->updates(); }
int64_t PpoAlgorithm::env_steps() const { return impl_->step * impl_->E; }
const std::vector<PpoUpdateRecord>& PpoAlgorithm::updates() const { return impl_->log; }
int64_t PpoAlgorithm::num_envs() const { return impl_->E; }

int64_t PpoAlgorithm::RolloutOnly() {
  at::set_num_threads(1);
  SetBlasThreads(1);
  impl_->Rollout();
  return impl_->T * impl_->E;
}

std::vector<float> PpoAlgorithm::PolicyStep(const std::vector<float>& obs, int64_t batch,
                                            std::vector<float>& h, std::vector<float>& c,
                                            std::vector<float>& value) const {
  torch::NoGradGuard no_grad;
  const int64_t H = impl_->policy->hidden(), o = impl_->o, m = impl_->m;
  auto view = [](const std::vector<float>& v, at::IntArrayRef shape) {
    return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32);
  };
  const auto out =
      impl_->policy->Step(view(obs, {batch, o}), view(h, {batch, H}), view(c, {batch, H}));
  const torch::Tensor mu = out.mu.contiguous(), v = out.value.contiguous();
  const torch::Tensor h2 = out.h.contiguous(), c2 = out.c.contiguous();
  std::copy_n(h2.data_ptr<float>(), batch * H, h.data());
  std::copy_n(c2.data_ptr<float>(), batch * H, c.data());
  value.assign(v.data_ptr<float>(), v.data_ptr<float>() + batch);
  return std::vector<float>(mu.data_ptr<float>(), mu.data_ptr<float>() + batch * m);
}

int PpoAlgorithm::hidden_size() const { return impl_->policy->hidden(); }

std::vector<float> PpoAlgorithm::FlatParameters() const {
  std::vector<float> out;
  for (const torch::Tensor& t : impl_->policy->parameters()) {
    const torch::Tensor c = t.detach().contiguous();
    out.insert(out.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  return out;
}

std::string PpoAlgorithm::ProgressText() const {
  if (impl_->log.empty()) return "";
  const PpoUpdateRecord& r = impl_->log.back();
  char text[200];
  std::snprintf(text, sizeof text, "return %.1f len %.0f goals %lld kl %.4f clip %.2f ev %.2f",
                r.mean_return, r.mean_length, static_cast<long long>(r.goal_hits), r.approx_kl,
                r.clip_fraction, r.explained_variance);
  return text;
}

std::string PpoAlgorithm::SummaryText() const {
  const auto& log = impl_->log;
  if (log.empty()) return "no update yet";
  char text[200];
  std::snprintf(text, sizeof text,
                "mean episode return %.2f in the last update (%.2f in the first), %lld goals",
                log.back().mean_return, log.front().mean_return,
                static_cast<long long>(log.back().goal_hits));
  return text;
}

std::string PpoAlgorithm::Divergence() const {
  const auto& log = impl_->log;
  if (log.empty()) return "";
  const PpoUpdateRecord& r = log.back();
  for (const auto& [what, loss] :
       {std::pair<const char*, double>{"policy", r.policy_loss}, {"value", r.value_loss}}) {
    if (!std::isfinite(loss)) {
      return std::string("the ") + what + " loss of update " + std::to_string(log.size()) + " is " +
             (std::isnan(loss) ? "NaN" : "infinite");
    }
  }
  return "";
}

void PpoAlgorithm::Save(std::ostream& out) const {
  const Impl& s = *impl_;
  WritePod<int64_t>(out, s.E);
  WritePod<int64_t>(out, s.step);
  std::vector<double> state(s.E * s.d), env_state(s.E * s.ed);
  std::vector<int64_t> ep_step(s.E);
  std::vector<uint64_t> resets(s.E);
  s.batch->GetState(state.data(), env_state.data(), ep_step.data(), resets.data());
  WriteVector(out, state);
  WriteVector(out, env_state);
  WriteVector(out, s.ep_return);
  WriteVector(out, ep_step);
  WriteVector(out, resets);
  WriteVector(out, s.starting);
  for (const torch::Tensor& t : {s.h, s.c}) {
    const torch::Tensor ct = t.contiguous();
    WriteArray(out, ct.data_ptr<float>(), ct.numel());
  }
  s.policy->Write(out);
  WriteAdamState(out, *s.opt);
  WritePod<uint8_t>(out, s.wm ? 1 : 0);
  if (s.wm) s.wm->Write(out);
  WritePod<int64_t>(out, s.updates());
  for (const PpoUpdateRecord& r : s.log) {
    // field by field: no padding bytes in the file
    for (int64_t v : {r.env_steps, r.episodes, r.goal_hits}) WritePod(out, v);
    for (double v :
         {r.mean_return, r.mean_length, r.policy_loss, r.value_loss, r.entropy, r.approx_kl,
          r.clip_fraction, r.explained_variance, r.wm_obs_loss, r.wm_reward_loss, r.wm_done_loss,
          r.wm_prediction_error, r.time_rollout, r.time_gae, r.time_update, r.time_world_model})
      WritePod(out, v);
  }
}

void PpoAlgorithm::Load(std::istream& in, uint32_t version, const std::string& path) {
  Impl& s = *impl_;
  auto corrupt = [&](const std::string& what) {
    return IoError("checkpoint '" + path + "' is corrupt (" + what + ")");
  };
  const auto E = ReadPod<int64_t>(in);
  if (E < 1 || E > 65536 || (s.p.num_envs > 0 && E != s.p.num_envs))
    throw corrupt("number of environments");
  // an auto-sized run resumes with the size it was started with
  if (E != s.E) s.Resize(E);
  s.step = ReadPod<int64_t>(in);
  if (s.step < 0) throw corrupt("step count");
  const auto state = ReadVector<double>(in, E * s.d);
  const auto env_state = ReadVector<double>(in, E * s.ed);
  s.ep_return = ReadVector<double>(in, E);
  const auto ep_step = ReadVector<int64_t>(in, E);
  const auto resets = ReadVector<uint64_t>(in, E);
  s.starting = ReadVector<uint8_t>(in, E);
  if (state.size() != static_cast<size_t>(E * s.d) ||
      env_state.size() != static_cast<size_t>(E * s.ed) ||
      s.ep_return.size() != static_cast<size_t>(E) || ep_step.size() != static_cast<size_t>(E) ||
      resets.size() != static_cast<size_t>(E) || s.starting.size() != static_cast<size_t>(E))
    throw corrupt("environment state");
  for (int64_t k = 0; k < E; ++k) {
    if (ep_step[k] < 0) throw corrupt("episode step");
  }
  s.batch->SetState(state.data(), env_state.data(), ep_step.data(), resets.data());
  s.ep_len = ep_step;
  s.batch->Observe(static_cast<uint64_t>(s.step), s.obs_now.data());
  for (torch::Tensor* t : {&s.h, &s.c}) {
    *t = torch::zeros({E, s.policy->hidden()});
    ReadArray(in, t->data_ptr<float>(), t->numel());
  }
  try {
    s.policy->Read(in);
    if (version >= kFirstCalfAdamVersion) {
      ReadAdamState(in, *s.opt);
    } else {
      // version 3: LibTorch's archive (torch::save), read by LibTorch
      std::istringstream adam(ReadString(in));
      torch::load(*s.opt, adam);
    }
  } catch (const IoError&) {
    throw;
  } catch (const std::exception& e) {
    throw corrupt("optimiser state: " + OneLine(e.what(), 120));
  }
  const bool has_wm = ReadPod<uint8_t>(in) != 0;
  if (has_wm != (s.wm != nullptr)) throw corrupt("world model");
  if (s.wm) s.wm->Read(in, version >= kFirstCalfAdamVersion);
  const auto n = ReadPod<int64_t>(in);
  if (n < 0 || n > (int64_t{1} << 32)) throw corrupt("update count");
  s.log.clear();
  for (int64_t i = 0; i < n; ++i) {
    PpoUpdateRecord r;
    for (int64_t* v : {&r.env_steps, &r.episodes, &r.goal_hits}) *v = ReadPod<int64_t>(in);
    for (double* v : {&r.mean_return, &r.mean_length, &r.policy_loss, &r.value_loss, &r.entropy,
                      &r.approx_kl, &r.clip_fraction, &r.explained_variance, &r.wm_obs_loss,
                      &r.wm_reward_loss, &r.wm_done_loss, &r.wm_prediction_error, &r.time_rollout,
                      &r.time_gae, &r.time_update, &r.time_world_model})
      *v = ReadPod<double>(in);
    s.log.push_back(r);
  }
  if (s.step != n * s.T) throw corrupt("step count");
}

std::vector<LogGroup> PpoAlgorithm::Log() const {
  LogGroup g{"update", {}};
  const auto& log = impl_->log;
  auto ints = [&](const char* name, int64_t PpoUpdateRecord::*f) {
    std::vector<int64_t> v;
    for (const PpoUpdateRecord& r : log) v.push_back(r.*f);
    g.columns.push_back({name, std::move(v)});
  };
  auto reals = [&](const char* name, double PpoUpdateRecord::*f) {
    std::vector<double> v;
    for (const PpoUpdateRecord& r : log) v.push_back(r.*f);
    g.columns.push_back({name, std::move(v)});
  };
  ints("env_steps", &PpoUpdateRecord::env_steps);
  ints("episodes", &PpoUpdateRecord::episodes);
  ints("goal_hits", &PpoUpdateRecord::goal_hits);
  reals("mean_return", &PpoUpdateRecord::mean_return);
  reals("mean_length", &PpoUpdateRecord::mean_length);
  reals("policy_loss", &PpoUpdateRecord::policy_loss);
  reals("value_loss", &PpoUpdateRecord::value_loss);
  reals("entropy", &PpoUpdateRecord::entropy);
  reals("approx_kl", &PpoUpdateRecord::approx_kl);
  reals("clip_fraction", &PpoUpdateRecord::clip_fraction);
  reals("explained_variance", &PpoUpdateRecord::explained_variance);
  reals("wm_obs_loss", &PpoUpdateRecord::wm_obs_loss);
  reals("wm_reward_loss", &PpoUpdateRecord::wm_reward_loss);
  reals("wm_done_loss", &PpoUpdateRecord::wm_done_loss);
  reals("wm_prediction_error", &PpoUpdateRecord::wm_prediction_error);
  reals("time_rollout", &PpoUpdateRecord::time_rollout);
  reals("time_gae", &PpoUpdateRecord::time_gae);
  reals("time_update", &PpoUpdateRecord::time_update);
  reals("time_world_model", &PpoUpdateRecord::time_world_model);
  return {std::move(g)};
}

std::vector<OutputFile> PpoAlgorithm::ExportModels(const std::string& dir,
                                                   nlohmann::json& model_json) const {
  namespace fs = std::filesystem;
  std::vector<OutputFile> files;
  files.emplace_back((fs::path(dir) / "policy.pt").string(), "policy model");
  impl_->policy->ExportTorchScript(files.back());
  model_json["policy"] = "policy.pt";
  model_json["recurrent"] = true;
  model_json["hidden_size"] = impl_->policy->hidden();
  model_json["num_envs"] = impl_->E;
  if (impl_->wm) {
    files.emplace_back((fs::path(dir) / "world_model.pt").string(), "world model");
    impl_->wm->ExportTorchScript(files.back());
    model_json["world_model"] = "world_model.pt";
  }
  return files;
}

namespace {

std::unique_ptr<AlgorithmParams> MakeParams() { return std::make_unique<PpoConfig>(); }

std::unique_ptr<Algorithm> Make(const TrainConfig& config, const env::Environment& env,
                                const EnvBatchMaker& make_batch) {
  return std::make_unique<PpoAlgorithm>(config, env, make_batch);
}

}  // namespace

AlgorithmEntry PpoEntry() {
  return {"ppo", "PPO + GAE, recurrent (LSTM) actor-critic over parallel environments", &MakeParams,
          &Make, /*parallel_envs=*/true};
}

}  // namespace calf::core::train
