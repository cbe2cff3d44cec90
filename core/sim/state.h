#pragma once
// The mutable struct-of-arrays state of every agent of a simulation. Agent-major layout:
// agent i's vector lives at [i*dim, (i+1)*dim).

#include <cstdint>
#include <vector>

#include "core/systems/system.h"

namespace calf::core {

/// Which controller produced an agent's action (stored as an HDF5 enum `mode`).
enum class Mode : uint8_t { kCertified = 0, kRelax = 1, kFallback = 2, kNominal = 3 };

/// Human name of a mode ("certified", "relax", "fallback", "nominal").
const char* ModeName(Mode mode);

/// Per-agent CALF certificate and relax probability; never shared between agents.
struct CalfState {
  std::vector<uint8_t> has_cert;  ///< [N] 0 until the first certified step of the episode.
  std::vector<double> s_dag;      ///< [N*d] certified state s†.
  std::vector<double> a_dag;      ///< [N*m] certified action a†.
  std::vector<double> q_dag;      ///< [N] certified critic value q†.
  std::vector<double> p_relax;    ///< [N] relax probability, starts at lambda_relax.
  void Resize(int64_t n, int d, int m, double lambda_relax);
};

/// Everything that changes during a run.
struct SimState {
  int64_t num_agents = 0;
  int state_dim = 0;
  int action_dim = 0;
  int64_t step = 0;                    ///< Global step counter (steps taken so far).
  std::vector<double> states;          ///< [N*d] current states.
  std::vector<double> actions;         ///< [N*m] last applied (clipped) actions.
  std::vector<double> rewards;         ///< [N] last rewards.
  std::vector<float> q_values;         ///< [N] last critic value (NaN when no critic ran).
  std::vector<Mode> modes;             ///< [N] last mode.
  std::vector<DoneReason> done;        ///< [N] why the last step ended an episode (or kNone).
  std::vector<int32_t> episode;        ///< [N] index of the agent's current episode.
  std::vector<int64_t> episode_step;   ///< [N] steps taken in the current episode.
  std::vector<double> episode_return;  ///< [N] accumulated reward of the current episode.
  CalfState calf;

  void Resize(int64_t n, int d, int m, double lambda_relax);
};

}  // namespace calf::core
