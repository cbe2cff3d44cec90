#pragma once
// A synthetic run with known values for the trajectory io tests and the sample-file helper.

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/io/trajectory_writer.h"

namespace calf::testing {

/// Every array a TrajectoryWriter receives for a run of `steps` recorded transitions.
struct SyntheticRun {
  int64_t n = 0;
  int d = 0;
  int m = 0;
  int64_t steps = 0;
  int64_t record_every = 1;
  std::vector<double> states;    // [(T+1) * N * d]
  std::vector<double> actions;   // [T * N * m]
  std::vector<double> rewards;   // [T * N]
  std::vector<float> q_values;   // [T * N], NaN for odd agents
  std::vector<uint8_t> modes;    // [T * N]
  std::vector<int32_t> episode;  // [T * N]
  std::vector<uint8_t> done;     // [T * N]
  std::vector<int64_t> step;     // [T]

  /// Values that are not exactly representable in float32, so rounding is exercised.
  SyntheticRun(int64_t n_agents, int state_dim, int action_dim, int64_t num_steps,
               int64_t every = 1)
      : n(n_agents), d(state_dim), m(action_dim), steps(num_steps), record_every(every) {
    for (int64_t t = 0; t <= steps; ++t) {
      for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < d; ++k) {
          states.push_back(std::sin(0.1 * t + 0.37 * i + k) * (1.0 + 1e-9 * i) + 0.1 * k);
        }
      }
    }
    for (int64_t t = 0; t < steps; ++t) {
      step.push_back(t * record_every);
      for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < m; ++k) actions.push_back(std::cos(0.3 * t - 0.11 * i + k) / 3.0);
        rewards.push_back(-0.01 * (t + 1) * (i + 1) - 1.0 / 7.0);
        q_values.push_back(i % 2 == 1 ? std::numeric_limits<float>::quiet_NaN()
                                      : static_cast<float>(t) - 0.25f * i);
        modes.push_back(static_cast<uint8_t>((t + i) % 4));
        episode.push_back(static_cast<int32_t>((t + i) / 5));
        done.push_back(static_cast<uint8_t>((t * 3 + i) % 4));
      }
    }
  }

  /// The record of transition row t.
  core::StepRecord Record(int64_t t) const {
    core::StepRecord r;
    r.step = step[t];
    r.actions = &actions[t * n * m];
    r.rewards = &rewards[t * n];
    r.q_values = &q_values[t * n];
    r.modes = &modes[t * n];
    r.episode = &episode[t * n];
    r.done = &done[t * n];
    r.next_states = &states[(t + 1) * n * d];
    return r;
  }

  /// Writes rows [0, rows) of the run (all rows when rows < 0).
  void WriteTo(core::TrajectoryWriter& writer, int64_t rows = -1) const {
    writer.WriteInitialStates(states.data());
    if (rows < 0) rows = steps;
    for (int64_t t = 0; t < rows; ++t) writer.Append(Record(t));
  }
};

/// Values rounded as the writer stores them.
inline std::vector<float> ToFloat(const std::vector<double>& values) {
  return std::vector<float>(values.begin(), values.end());
}

}  // namespace calf::testing
