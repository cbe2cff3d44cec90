#pragma once
// A one-line progress bar on stderr, shown only when stderr is a TTY and not --quiet.

#include <chrono>
#include <cstdint>
#include <string>

namespace calf::cli {

/// Redraws at most every 0.2 s: `label [#####.....] 42% 1234/5000 <extra> ETA 12s`.
class Progress {
 public:
  Progress(std::string label, int64_t total, bool enabled);
  ~Progress();
  /// Reports `done` of `total` units; `extra` is appended (e.g. a rate).
  void Update(int64_t done, const std::string& extra = "");
  /// Clears the line.
  void Finish();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace calf::cli
